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

	"github.com/heraldcti/herald/store"
)

// Checked is a validated, normalised store.Query, the part every backend
// derives the same way; each backend adds what its own plan needs.
type Checked struct {
	Lower    int64 // smallest date_added considered (inclusive), in µs
	Limit    int
	IDs      []string // sorted, unique; nil: any
	Types    []string // sorted, unique; nil: any
	All      bool
	First    bool
	Last     bool
	Explicit []string        // explicit version strings, in query order
	Specs    []string        // nil: each object's latest spec version
	SpecSet  map[string]bool // nil when Specs is
}

// Check validates q for a backend whose largest page is maxPage. Every
// malformed field gives an error wrapping store.ErrBadParameter that names
// the field.
func Check(q store.Query, maxPage int) (Checked, error) {
	c := Checked{Lower: math.MinInt64}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("query %s: %s: %w", field, fmt.Sprintf(format, args...), store.ErrBadParameter)
	}
	switch {
	case q.Limit < 0:
		return c, bad("limit", "%d is negative", q.Limit)
	case q.Limit == 0 || q.Limit > maxPage:
		c.Limit = maxPage
	default:
		c.Limit = q.Limit
	}
	if !q.AddedAfter.IsZero() {
		c.Lower = MicrosAfter(q.AddedAfter)
	}
	if q.After != 0 {
		if q.After == math.MaxInt64 {
			c.Lower = math.MaxInt64
		} else if int64(q.After)+1 > c.Lower {
			c.Lower = int64(q.After) + 1
		}
	}
	var err error
	if c.IDs, err = UniqueStrings(q.IDs); err != nil {
		return c, bad("ids", "%v", err)
	}
	if c.Types, err = UniqueStrings(q.Types); err != nil {
		return c, bad("types", "%v", err)
	}
	versions := q.Versions
	if len(versions) == 0 {
		versions = []string{store.VersionLast}
	}
	seen := make(map[string]bool, len(versions))
	for _, v := range versions {
		switch {
		case v == "":
			return c, bad("versions", "empty value")
		case seen[v]:
			return c, bad("versions", "%q appears twice", v)
		case v == store.VersionAll && len(versions) > 1:
			return c, bad("versions", "%q cannot be combined with other values", store.VersionAll)
		case strings.IndexByte(v, 0) >= 0:
			return c, bad("versions", "NUL character")
		}
		seen[v] = true
		switch v {
		case store.VersionAll:
			c.All = true
		case store.VersionFirst:
			c.First = true
		case store.VersionLast:
			c.Last = true
		default:
			c.Explicit = append(c.Explicit, v)
		}
	}
	if c.Specs, c.SpecSet, err = SpecVersions(q.SpecVersions); err != nil {
		return c, bad("spec versions", "%v", err)
	}
	return c, nil
}

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
