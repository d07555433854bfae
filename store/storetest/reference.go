package storetest

import (
	"slices"
	"time"

	"github.com/heraldcti/herald/store"
)

// reference answers a query over the fixture by brute force, straight
// from TAXII 2.1 §3.4.1, as "id@version" in date_added order. The fuzz
// test compares the indexed implementation with it.
func (f *fixture) reference(q store.Query) []string {
	lower := int64(-1 << 63)
	if !q.AddedAfter.IsZero() {
		lower = q.AddedAfter.UnixMicro() + 1
		if q.AddedAfter.After(time.Date(100000, 1, 1, 0, 0, 0, 0, time.UTC)) {
			return []string{}
		}
	}
	if q.After != 0 && int64(q.After) >= lower {
		lower = int64(q.After) + 1
	}
	versions := q.Versions
	if len(versions) == 0 {
		versions = []string{"last"}
	}
	// allowed reports whether step i passes the spec-version rule.
	allowed := func(i int) bool {
		o := f.steps[i]
		if len(q.SpecVersions) > 0 {
			return slices.Contains(q.SpecVersions, o.EffectiveSpecVersion())
		}
		latest := ""
		for _, p := range f.steps {
			if p.ID == o.ID && p.EffectiveSpecVersion() > latest { // "2.0" < "2.1"
				latest = p.EffectiveSpecVersion()
			}
		}
		return o.EffectiveSpecVersion() == latest
	}
	// before orders two versions of one object: timestamps as instants,
	// then versions without a timestamp by date_added.
	before := func(i, j int) bool {
		ti, ei := time.Parse(time.RFC3339Nano, f.steps[i].Version())
		tj, ej := time.Parse(time.RFC3339Nano, f.steps[j].Version())
		switch {
		case ei == nil && ej == nil && !ti.Equal(tj):
			return ti.Before(tj)
		case ei == nil && ej != nil:
			return true
		case ei != nil && ej == nil:
			return false
		case ei == nil && ej == nil:
			return f.steps[i].Version() < f.steps[j].Version()
		}
		return i < j
	}
	out := []string{}
	for i, o := range f.steps {
		switch {
		case f.added[i].UnixMicro() < lower,
			len(q.IDs) > 0 && !slices.Contains(q.IDs, o.ID),
			len(q.Types) > 0 && !slices.Contains(q.Types, o.Type),
			!allowed(i):
			continue
		}
		first, last := true, true
		for j, p := range f.steps {
			if j != i && p.ID == o.ID && allowed(j) {
				first = first && before(i, j)
				last = last && before(j, i)
			}
		}
		if slices.Contains(versions, "all") || slices.Contains(versions, o.Version()) ||
			(first && slices.Contains(versions, "first")) || (last && slices.Contains(versions, "last")) {
			out = append(out, o.ID+"@"+o.Version())
		}
	}
	return out
}
