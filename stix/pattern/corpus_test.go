package pattern_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix/pattern"
)

// TestValidCorpus parses every pattern of testdata/valid.txt (the STIX 2.1
// §9 examples, realistic indicators and grammar corners) and checks that the
// canonical rendering parses back to the same tree and renders identically.
func TestValidCorpus(t *testing.T) {
	for _, c := range readCorpus(t, "testdata/valid.txt") {
		p, err := pattern.Parse(c.text)
		if err != nil {
			t.Errorf("valid.txt:%d: Parse(%q): %v", c.line, c.text, err)
			continue
		}
		s1 := p.String()
		p2, err := pattern.Parse(s1)
		if err != nil {
			t.Errorf("valid.txt:%d: reparse of canonical %q: %v", c.line, s1, err)
			continue
		}
		if s2 := p2.String(); s2 != s1 {
			t.Errorf("valid.txt:%d: String not stable:\n first %s\nsecond %s", c.line, s1, s2)
		}
		if got, want := dump(p2, false), dump(p, false); got != want {
			t.Errorf("valid.txt:%d: tree changed by round trip:\n got %s\nwant %s", c.line, got, want)
		}
		if len(p.ObjectTypes()) == 0 || len(p.Paths()) == 0 {
			t.Errorf("valid.txt:%d: no object types or paths for %q", c.line, c.text)
		}
	}
}

// TestInvalidCorpus checks that every pattern of testdata/invalid.txt is
// rejected with exactly the recorded message and a consistent position.
func TestInvalidCorpus(t *testing.T) {
	for _, c := range readCorpus(t, "testdata/invalid.txt") {
		src, want, ok := strings.Cut(c.text, "\t")
		if !ok {
			t.Fatalf("invalid.txt:%d: no TAB between pattern and expected error", c.line)
		}
		p, err := pattern.Parse(src)
		if err == nil {
			t.Errorf("invalid.txt:%d: Parse(%q) = %s, want error %q", c.line, src, p, want)
			continue
		}
		if got := err.Error(); got != want {
			t.Errorf("invalid.txt:%d: Parse(%q) error\n got %s\nwant %s", c.line, src, got, want)
		}
		var se *pattern.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("invalid.txt:%d: error is %T, want *pattern.SyntaxError", c.line, err)
			continue
		}
		checkPosition(t, src, se)
	}
}

// checkPosition verifies that Line and Column describe Offset.
func checkPosition(t *testing.T, src string, se *pattern.SyntaxError) {
	t.Helper()
	if se.Offset < 0 || se.Offset > len(src) {
		t.Errorf("Parse(%q): offset %d outside the input", src, se.Offset)
		return
	}
	before := src[:se.Offset]
	line := 1 + strings.Count(before, "\n")
	if i := strings.LastIndex(before, "\n"); i >= 0 {
		before = before[i+1:]
	}
	col := 1 + len([]rune(before))
	if se.Line != line || se.Column != col {
		t.Errorf("Parse(%q): position %d:%d, but offset %d is at %d:%d", src, se.Line, se.Column, se.Offset, line, col)
	}
}
