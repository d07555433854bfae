// Package querycheck holds the checks of a store.Query that every backend
// applies the same way, so that a filter malformed for one backend is
// malformed for all of them and every backend answers the same pages.
package querycheck

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// MaxMicros bounds added_after so that its conversion to microseconds can
// never overflow.
const MaxMicros = math.MaxInt64 / 2

// MicrosAfter is the smallest microsecond strictly after t.
func MicrosAfter(t time.Time) int64 {
	switch {
	case t.Unix() > MaxMicros/1_000_000:
		return math.MaxInt64
	case t.Unix() < -MaxMicros/1_000_000:
		return math.MinInt64
	}
	// UnixMicro rounds down (nanoseconds are never negative), so +1 is
	// strictly after t whether or not t has a sub-microsecond part.
	return t.UnixMicro() + 1
}

// UniqueStrings sorts and de-duplicates a filter list (TAXII allows the
// same id twice); empty strings and NUL characters are malformed.
func UniqueStrings(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := slices.Clone(in)
	for _, s := range out {
		if s == "" {
			return nil, fmt.Errorf("empty value")
		}
		if strings.IndexByte(s, 0) >= 0 {
			return nil, fmt.Errorf("NUL character in %q", s)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// SpecVersions checks a match[spec_version] list: no empty value, no value
// twice, no NUL character. It returns the values in their given order and
// as a set.
func SpecVersions(in []string) ([]string, map[string]bool, error) {
	if len(in) == 0 {
		return nil, nil, nil
	}
	set := make(map[string]bool, len(in))
	list := make([]string, 0, len(in))
	for _, s := range in {
		switch {
		case s == "":
			return nil, nil, fmt.Errorf("empty value")
		case set[s]:
			return nil, nil, fmt.Errorf("%q appears twice", s)
		case strings.IndexByte(s, 0) >= 0:
			return nil, nil, fmt.Errorf("NUL character")
		}
		set[s] = true
		list = append(list, s)
	}
	return list, set, nil
}
