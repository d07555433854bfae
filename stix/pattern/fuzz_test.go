package pattern_test

import (
	"errors"
	"sort"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix/pattern"
)

// FuzzParse checks that Parse never panics, that every error is a
// *SyntaxError with a consistent position, and that every accepted pattern
// renders to a canonical string that parses to the same tree and renders
// identically. Seeds are the valid and invalid corpora.
func FuzzParse(f *testing.F) {
	for _, c := range readCorpus(f, "testdata/valid.txt") {
		f.Add(c.text)
	}
	for _, c := range readCorpus(f, "testdata/invalid.txt") {
		src, _, _ := strings.Cut(c.text, "\t")
		f.Add(src)
	}
	f.Add("((((([abc:a = 1]")
	f.Add("[abc:a = 1] /* x */ // y\n")
	f.Fuzz(func(t *testing.T, src string) {
		p, err := pattern.Parse(src)
		if err != nil {
			var se *pattern.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, want *SyntaxError", err, err)
			}
			if p != nil {
				t.Fatalf("non-nil pattern with error %v", err)
			}
			checkPosition(t, src, se)
			if se.Error() == "" {
				t.Fatal("empty error message")
			}
			return
		}
		s1 := p.String()
		p2, err := pattern.Parse(s1)
		if err != nil {
			t.Fatalf("canonical form of %q does not parse: %q: %v", src, s1, err)
		}
		if s2 := p2.String(); s2 != s1 {
			t.Fatalf("String not stable for %q:\n first %s\nsecond %s", src, s1, s2)
		}
		if d1, d2 := dump(p, false), dump(p2, false); d1 != d2 {
			t.Fatalf("tree changed by round trip of %q:\n%s\nvs\n%s", src, d1, d2)
		}
		types := p.ObjectTypes()
		if !sort.StringsAreSorted(types) || len(types) == 0 {
			t.Fatalf("ObjectTypes = %q, want sorted and non-empty", types)
		}
		for _, path := range p.Paths() {
			if _, err := pattern.Parse("[" + path + " = 1]"); err != nil {
				t.Fatalf("path %q does not parse back: %v", path, err)
			}
		}
	})
}
