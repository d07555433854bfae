package pattern_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix/pattern"
)

// TestSyntaxErrorFields checks the structured fields of errors: byte
// offset, 1-based line and rune column, what was expected and what was
// found.
func TestSyntaxErrorFields(t *testing.T) {
	tests := []struct {
		name     string
		src      string
		offset   int
		line     int
		column   int
		expected string
		found    string
	}{
		{"missing operator", "[file:name AND file:size = 1]", 11, 1, 12, "'.', '[' or a comparison operator", `"AND"`},
		{"missing value", "[file:size = ]", 13, 1, 14, "a constant", `"]"`},
		{"unclosed bracket", "[file:name = 'x'", 16, 1, 17, "AND, OR or ']'", "end of input"},
		{"junk after pattern", "[file:name = 'x'] 'y'", 18, 1, 19, "AND, OR, FOLLOWEDBY, a qualifier or end of input", `"'y'"`},
		{"second line", "[file:name = 'x']\nAND\n[file:size > ]", 35, 3, 14, "an orderable constant (string, number, hex, binary or timestamp)", `"]"`},
		{"CRLF lines", "[file:name = 'x']\r\nAND [file:size = 1 2]", 38, 2, 20, "AND, OR or ']'", `"2"`},
		{"columns count runes", "[file:name = 'ü日本' AND]", 27, 1, 23, "an object path, EXISTS or '('", `"]"`},
		{"after NOT", "[file:name NOT 'x']", 15, 1, 16, "a comparison operator after NOT", `"'x'"`},
		{"WITHIN without unit", "[abc:b = 1] WITHIN 5 MINUTES", 21, 1, 22, "SECONDS", `"MINUTES"`},
		{"negative REPEATS", "[abc:b = 1] REPEATS -2 TIMES", 20, 1, 21, "a positive integer", `"-2"`},
		{"set separator", "[abc:b IN ('a' 'b')]", 15, 1, 16, "',' or ')'", `"'b'"`},
		{"empty input", "", 0, 1, 1, "'[' or '(' starting an observation expression", "end of input"},
		{"only whitespace", "  \n  ", 5, 2, 3, "'[' or '(' starting an observation expression", "end of input"},
		{"long token is shortened", "[abc:b = 1] " + strings.Repeat("x", 60), 12, 1, 13, "AND, OR, FOLLOWEDBY, a qualifier or end of input", `"` + strings.Repeat("x", 40) + `"...`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := pattern.Parse(tc.src)
			var se *pattern.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v (%T), want *SyntaxError", tc.src, err, err)
			}
			if se.Offset != tc.offset || se.Line != tc.line || se.Column != tc.column {
				t.Errorf("position = offset %d, %d:%d; want offset %d, %d:%d", se.Offset, se.Line, se.Column, tc.offset, tc.line, tc.column)
			}
			if se.Expected != tc.expected {
				t.Errorf("Expected = %q, want %q", se.Expected, tc.expected)
			}
			if se.Found != tc.found {
				t.Errorf("Found = %q, want %q", se.Found, tc.found)
			}
			want := fmt.Sprintf("%d:%d: expected %s, found %s", tc.line, tc.column, tc.expected, tc.found)
			if se.Error() != want {
				t.Errorf("Error() = %q, want %q", se.Error(), want)
			}
			checkPosition(t, tc.src, se)
		})
	}
}

// TestSyntaxErrorMessages covers errors about the content of a token, which
// carry Msg rather than Expected.
func TestSyntaxErrorMessages(t *testing.T) {
	tests := []struct {
		src    string
		offset int
		msg    string
	}{
		{"[file:name = 'a\\nb']", 15, `invalid escape in string literal`},
		{"[file:created = t'2016-02-30T00:00:00Z']", 16, `invalid timestamp literal "t'2016-02-30T00:00:00Z'": day 30 out of range for 2016-02`},
		{"[file:name MATCHES '(?P<x']", 19, "invalid regular expression"},
		{"[ipv4-addr:value ISSUBSET '10.0.0.0/99']", 26, "ISSUBSET needs an IP address or CIDR block"},
		{"[a:b = 1]", 1, `invalid object type "a"`},
		{"[abc:b = 1] START t'2020-01-02T00:00:00Z' STOP t'2020-01-01T00:00:00Z'", 47, "is not after START"},
		{"[abc:b = 1] WITHIN 1 SECONDS WITHIN 2 SECONDS", 29, "duplicate WITHIN qualifier"},
		{"[abc:b = 1] \x80", 12, "invalid UTF-8"},
		{"[abc:b = 1] @", 12, `unexpected character "@"`},
	}
	for _, tc := range tests {
		_, err := pattern.Parse(tc.src)
		var se *pattern.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want *SyntaxError", tc.src, err)
			continue
		}
		if se.Offset != tc.offset {
			t.Errorf("Parse(%q) offset = %d, want %d (%v)", tc.src, se.Offset, tc.offset, se)
		}
		if !strings.Contains(se.Msg, tc.msg) {
			t.Errorf("Parse(%q) Msg = %q, want it to contain %q", tc.src, se.Msg, tc.msg)
		}
		if !strings.HasPrefix(se.Error(), fmt.Sprintf("%d:%d: ", se.Line, se.Column)) {
			t.Errorf("Error() = %q does not start with the position", se.Error())
		}
	}
}

// TestParseReturnsNilErrorInterface guards against returning a typed nil
// *SyntaxError as a non-nil error.
func TestParseReturnsNilErrorInterface(t *testing.T) {
	p, err := pattern.Parse("[file:name = 'x']")
	if err != nil || p == nil {
		t.Fatalf("Parse = %v, %v; want pattern, nil", p, err)
	}
	if p, err := pattern.Parse("[file:name = ]"); p != nil || err == nil {
		t.Fatalf("Parse of bad input = %v, %v; want nil, error", p, err)
	}
}

// TestLimits checks that deep nesting and huge inputs are rejected cleanly
// instead of exhausting the stack or memory.
func TestLimits(t *testing.T) {
	t.Run("observation nesting", func(t *testing.T) {
		src := strings.Repeat("(", 100000) + "[abc:d = 1]" + strings.Repeat(")", 100000)
		_, err := pattern.Parse(src)
		var se *pattern.SyntaxError
		if !errors.As(err, &se) || !strings.Contains(se.Msg, "nesting deeper than") {
			t.Fatalf("error = %v, want nesting limit", err)
		}
		if se.Offset != pattern.MaxDepth {
			t.Errorf("offset = %d, want %d (the first bracket past the limit)", se.Offset, pattern.MaxDepth)
		}
	})
	t.Run("comparison nesting", func(t *testing.T) {
		src := "[" + strings.Repeat("(", 5000) + "abc:d = 1" + strings.Repeat(")", 5000) + "]"
		if _, err := pattern.Parse(src); err == nil || !strings.Contains(err.Error(), "nesting deeper than") {
			t.Fatalf("error = %v, want nesting limit", err)
		}
	})
	t.Run("unclosed nesting", func(t *testing.T) {
		if _, err := pattern.Parse(strings.Repeat("([", 1000)); err == nil {
			t.Fatal("no error for unclosed nesting")
		}
	})
	t.Run("at the depth limit", func(t *testing.T) {
		d := pattern.MaxDepth - 1 // plus the observation's own '['
		src := strings.Repeat("(", d) + "[abc:d = 1]" + strings.Repeat(")", d)
		p := mustParse(t, src)
		if got, want := p.String(), "[abc:d = 1]"; got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	})
	t.Run("length", func(t *testing.T) {
		src := "[abc:d = '" + strings.Repeat("x", pattern.MaxLength) + "']"
		if _, err := pattern.Parse(src); err == nil || !strings.Contains(err.Error(), "longer than the limit") {
			t.Fatalf("error = %v, want length limit", err)
		}
	})
	t.Run("long flat chains", func(t *testing.T) {
		// Flat chains do not nest, so they are limited only by length.
		parts := make([]string, 20000)
		for i := range parts {
			parts[i] = fmt.Sprintf("[abc:d = %d]", i)
		}
		p := mustParse(t, strings.Join(parts, " OR "))
		if n := len(p.Comparisons()); n != len(parts) {
			t.Errorf("%d comparisons, want %d", n, len(parts))
		}
	})
}

// TestSyntaxErrorFormat covers the three shapes of Error(): grammar errors,
// content errors and both combined (for callers building their own).
func TestSyntaxErrorFormat(t *testing.T) {
	tests := []struct {
		err  pattern.SyntaxError
		want string
	}{
		{pattern.SyntaxError{Line: 1, Column: 17, Expected: "']'", Found: `"AND"`}, `1:17: expected ']', found "AND"`},
		{pattern.SyntaxError{Line: 2, Column: 3, Msg: "invalid UTF-8"}, `2:3: invalid UTF-8`},
		{pattern.SyntaxError{Line: 1, Column: 1, Expected: "'['", Found: "end of input", Msg: "empty pattern"}, `1:1: empty pattern: expected '[', found end of input`},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("Error() = %q, want %q", got, tc.want)
		}
	}
}
