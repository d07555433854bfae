package pattern

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// SyntaxError reports why a pattern was rejected and where.
//
// Offset is the byte offset (0-based) of the offending token in the input.
// Line and Column are 1-based; Column counts characters (runes), not bytes,
// so it matches what an editor shows. For grammar errors Expected describes
// what the parser could have accepted at that point and Found the token it
// saw instead ("end of input" at the end). For errors in the content of an
// otherwise well-formed token (a bad timestamp, an uncompilable regular
// expression, a STOP before START...) Msg says what is wrong; Expected may
// then be empty.
type SyntaxError struct {
	Offset   int
	Line     int
	Column   int
	Expected string
	Found    string
	Msg      string
}

// Error formats the error as "line:column: expected X, found Y" or
// "line:column: message".
func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString(strconv.Itoa(e.Line))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(e.Column))
	b.WriteString(": ")
	switch {
	case e.Expected != "" && e.Msg != "":
		b.WriteString(e.Msg)
		b.WriteString(": expected ")
		b.WriteString(e.Expected)
		b.WriteString(", found ")
		b.WriteString(e.Found)
	case e.Expected != "":
		b.WriteString("expected ")
		b.WriteString(e.Expected)
		b.WriteString(", found ")
		b.WriteString(e.Found)
	default:
		b.WriteString(e.Msg)
	}
	return b.String()
}

// newError builds a SyntaxError at offset off of src, computing the line and
// column.
func newError(src string, off int, expected, found, msg string) *SyntaxError {
	if off < 0 {
		off = 0
	}
	if off > len(src) {
		off = len(src)
	}
	line, col := position(src, off)
	return &SyntaxError{Offset: off, Line: line, Column: col, Expected: expected, Found: found, Msg: msg}
}

// position converts a byte offset into a 1-based line and a 1-based column
// counted in runes.
func position(src string, off int) (line, col int) {
	before := src[:off]
	line = 1 + strings.Count(before, "\n")
	if i := strings.LastIndexByte(before, '\n'); i >= 0 {
		before = before[i+1:]
	}
	return line, 1 + utf8.RuneCountInString(before)
}

// maxFound bounds how much of a token is quoted in an error message.
const maxFound = 40

// describe renders source text for the Found field of an error: quoted and
// shortened when long.
func describe(text string) string {
	if text == "" {
		return "end of input"
	}
	if utf8.RuneCountInString(text) > maxFound {
		r := []rune(text)
		return strconv.Quote(string(r[:maxFound])) + "..."
	}
	return strconv.Quote(text)
}
