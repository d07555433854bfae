package pattern

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind is the lexical class of a token.
type tokenKind int

const (
	tEOF tokenKind = iota
	tIdent
	tString
	tInt
	tFloat
	tHex
	tBinary
	tTimestamp
	tTrue
	tFalse
	tLBrack
	tRBrack
	tLParen
	tRParen
	tColon
	tDot
	tComma
	tStar
	tEQ
	tNEQ
	tLT
	tLE
	tGT
	tGE
	// keywords
	tAND
	tOR
	tNOT
	tFOLLOWEDBY
	tLIKE
	tMATCHES
	tISSUBSET
	tISSUPERSET
	tEXISTS
	tIN
	tLAST
	tSTART
	tSTOP
	tSECONDS
	tWITHIN
	tREPEATS
	tTIMES
)

// keywords maps reserved words to their token kinds. Keywords are case
// sensitive (STIX 2.1 grammar): "and" is an identifier, not AND. LAST is
// reserved by the grammar although no rule uses it.
var keywords = map[string]tokenKind{
	"AND": tAND, "OR": tOR, "NOT": tNOT, "FOLLOWEDBY": tFOLLOWEDBY,
	"LIKE": tLIKE, "MATCHES": tMATCHES, "ISSUBSET": tISSUBSET,
	"ISSUPERSET": tISSUPERSET, "EXISTS": tEXISTS, "IN": tIN, "LAST": tLAST,
	"START": tSTART, "STOP": tSTOP, "SECONDS": tSECONDS, "WITHIN": tWITHIN,
	"REPEATS": tREPEATS, "TIMES": tTIMES, "true": tTrue, "false": tFalse,
}

// token is one lexeme. text is the exact source text; str is the decoded
// content of string, hex, binary and timestamp literals.
type token struct {
	kind tokenKind
	pos  int
	text string
	str  string
}

// lexer splits a pattern into tokens on demand.
type lexer struct {
	src string
	pos int
}

// next scans the token at the current position, skipping whitespace and
// comments.
func (lx *lexer) next() (token, *SyntaxError) {
	if err := lx.skipSpace(); err != nil {
		return token{}, err
	}
	start := lx.pos
	if start >= len(lx.src) {
		return token{kind: tEOF, pos: start}, nil
	}
	c := lx.src[start]
	single := func(k tokenKind) (token, *SyntaxError) {
		lx.pos++
		return token{kind: k, pos: start, text: lx.src[start:lx.pos]}, nil
	}
	switch c {
	case '[':
		return single(tLBrack)
	case ']':
		return single(tRBrack)
	case '(':
		return single(tLParen)
	case ')':
		return single(tRParen)
	case ':':
		return single(tColon)
	case ',':
		return single(tComma)
	case '*':
		return single(tStar)
	case '=':
		if lx.peekAt(start+1) == '=' {
			lx.pos++
		}
		return single(tEQ)
	case '!':
		if lx.peekAt(start+1) == '=' {
			lx.pos++
			return single(tNEQ)
		}
	case '<':
		switch lx.peekAt(start + 1) {
		case '=':
			lx.pos++
			return single(tLE)
		case '>':
			lx.pos++
			return single(tNEQ)
		}
		return single(tLT)
	case '>':
		if lx.peekAt(start+1) == '=' {
			lx.pos++
			return single(tGE)
		}
		return single(tGT)
	case '\'':
		return lx.scanString(start, start, tString)
	case '.':
		if isDigit(lx.peekAt(start + 1)) {
			return lx.scanNumber(start)
		}
		return single(tDot)
	case '+', '-':
		if n := lx.peekAt(start + 1); isDigit(n) || (n == '.' && isDigit(lx.peekAt(start+2))) {
			return lx.scanNumber(start)
		}
	}
	switch {
	case isDigit(c):
		return lx.scanNumber(start)
	case (c == 'h' || c == 'b' || c == 't') && lx.peekAt(start+1) == '\'':
		kind := tTimestamp
		switch c {
		case 'h':
			kind = tHex
		case 'b':
			kind = tBinary
		}
		return lx.scanString(start, start+1, kind)
	case isIdentStart(c):
		lx.pos++
		for lx.pos < len(lx.src) && isIdentChar(lx.src[lx.pos]) {
			lx.pos++
		}
		text := lx.src[start:lx.pos]
		if k, ok := keywords[text]; ok {
			return token{kind: k, pos: start, text: text}, nil
		}
		return token{kind: tIdent, pos: start, text: text}, nil
	}
	r, _ := utf8.DecodeRuneInString(lx.src[start:])
	found := describe(string(r))
	return token{}, newError(lx.src, start, "", found, "unexpected character "+found)
}

func (lx *lexer) peekAt(i int) byte {
	if i < len(lx.src) {
		return lx.src[i]
	}
	return 0
}

// skipSpace skips the whitespace the grammar ignores (Unicode White_Space)
// and /* block */ and // line comments.
func (lx *lexer) skipSpace() *SyntaxError {
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			lx.pos++
		case c == '/' && lx.peekAt(lx.pos+1) == '*':
			end := strings.Index(lx.src[lx.pos+2:], "*/")
			if end < 0 {
				return newError(lx.src, lx.pos, "", "", "unterminated /* comment")
			}
			lx.pos += 2 + end + 2
		case c == '/' && lx.peekAt(lx.pos+1) == '/':
			end := strings.IndexAny(lx.src[lx.pos:], "\r\n")
			if end < 0 {
				lx.pos = len(lx.src)
			} else {
				lx.pos += end
			}
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(lx.src[lx.pos:])
			if !unicode.IsSpace(r) {
				return nil
			}
			lx.pos += size
		default:
			return nil
		}
	}
	return nil
}

// scanString scans a quoted literal whose opening quote is at quote; start
// is where the token begins (before an h/b/t prefix). Only \' and \\ are
// valid escapes.
func (lx *lexer) scanString(start, quote int, kind tokenKind) (token, *SyntaxError) {
	var b strings.Builder // used only once an escape is seen
	escaped := false
	i := quote + 1
	chunk := i
	for {
		if i >= len(lx.src) {
			return token{}, newError(lx.src, start, "", "", "unterminated "+literalName(kind))
		}
		switch lx.src[i] {
		case '\'':
			lx.pos = i + 1
			t := token{kind: kind, pos: start, text: lx.src[start:lx.pos], str: lx.src[chunk:i]}
			if escaped {
				b.WriteString(lx.src[chunk:i])
				t.str = b.String()
			}
			return t, nil
		case '\\':
			n := lx.peekAt(i + 1)
			if n != '\'' && n != '\\' {
				found := "end of input"
				if i+1 < len(lx.src) {
					r, _ := utf8.DecodeRuneInString(lx.src[i+1:])
					found = describe(`\` + string(r))
				}
				return token{}, newError(lx.src, i, `\' or \\ (the only escapes in a string)`, found, "invalid escape in "+literalName(kind))
			}
			escaped = true
			b.WriteString(lx.src[chunk:i])
			b.WriteByte(n)
			i += 2
			chunk = i
		default:
			i++
		}
	}
}

// scanNumber scans [+-]? digits ( '.' digits )? or [+-]? '.' digits. The
// grammar admits a leading '+', but STIX 2.1 §9.2 says positive numbers
// MUST be written without it, so '+' is scanned only to report it.
func (lx *lexer) scanNumber(start int) (token, *SyntaxError) {
	i := start
	if c := lx.src[i]; c == '+' || c == '-' {
		i++
	}
	digits := i
	for i < len(lx.src) && isDigit(lx.src[i]) {
		i++
	}
	intEnd := i
	if i < len(lx.src) && lx.src[i] == '.' && isDigit(lx.peekAt(i+1)) {
		i++
		for i < len(lx.src) && isDigit(lx.src[i]) {
			i++
		}
		lx.pos = i
		text := lx.src[start:i]
		if lx.src[start] == '+' {
			return token{}, newError(lx.src, start, "", describe(text), "numbers are written without a '+' sign (STIX 2.1 §9.2): "+describe(text))
		}
		return token{kind: tFloat, pos: start, text: text}, nil
	}
	lx.pos = intEnd
	text := lx.src[start:intEnd]
	if lx.src[start] == '+' {
		return token{}, newError(lx.src, start, "", describe(text), "numbers are written without a '+' sign (STIX 2.1 §9.2): "+describe(text))
	}
	if intEnd-digits > 1 && lx.src[digits] == '0' {
		return token{}, newError(lx.src, start, "", describe(text), "integer "+describe(text)+" has a leading zero")
	}
	return token{kind: tInt, pos: start, text: text}, nil
}

func literalName(k tokenKind) string {
	switch k {
	case tHex:
		return "hex literal"
	case tBinary:
		return "binary literal"
	case tTimestamp:
		return "timestamp literal"
	case tInt:
		return "integer"
	case tFloat:
		return "float"
	}
	return "string literal"
}

func isDigit(c byte) bool      { return c >= '0' && c <= '9' }
func isIdentStart(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' }
func isIdentChar(c byte) bool  { return isIdentStart(c) || isDigit(c) || c == '-' }
