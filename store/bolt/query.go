package bolt

import (
	"github.com/heraldcti/herald/store/internal/querycheck"

	"fmt"
	"math"
	"strings"
	"time"

	"github.com/heraldcti/herald/store"
)

// plan is a validated, normalised Query.
type plan struct {
	lower    int64 // smallest date_added considered (inclusive)
	limit    int
	ids      []string        // sorted, unique; nil: any
	types    []string        // sorted, unique; nil: any
	typeSet  map[string]bool // nil: any
	all      bool
	first    bool
	last     bool
	explicit []string        // explicit version strings, in query order
	explSet  map[string]bool // nil when none
	specs    []string        // nil: each object's latest spec version
	specSet  map[string]bool
	noBytes  bool
	after    store.Position // Query.After: Page.Next when nothing is examined
}

// parseQuery validates q. Every malformed field gives an error wrapping
// store.ErrBadParameter that names the field.
func parseQuery(q store.Query, maxPage int) (plan, error) {
	p := plan{lower: math.MinInt64, noBytes: q.NoBytes, after: q.After}
	bad := func(field, format string, args ...any) error {
		return fmt.Errorf("query %s: %s: %w", field, fmt.Sprintf(format, args...), store.ErrBadParameter)
	}
	switch {
	case q.Limit < 0:
		return p, bad("limit", "%d is negative", q.Limit)
	case q.Limit == 0 || q.Limit > maxPage:
		p.limit = maxPage
	default:
		p.limit = q.Limit
	}
	if !q.AddedAfter.IsZero() {
		p.lower = microsAfter(q.AddedAfter)
	}
	if q.After != 0 {
		if q.After == math.MaxInt64 {
			p.lower = math.MaxInt64
		} else if int64(q.After)+1 > p.lower {
			p.lower = int64(q.After) + 1
		}
	}
	var err error
	if p.ids, err = uniqueStrings(q.IDs); err != nil {
		return p, bad("ids", "%v", err)
	}
	if p.types, err = uniqueStrings(q.Types); err != nil {
		return p, bad("types", "%v", err)
	}
	if p.types != nil {
		p.typeSet = make(map[string]bool, len(p.types))
		for _, t := range p.types {
			p.typeSet[t] = true
		}
	}
	versions := q.Versions
	if len(versions) == 0 {
		versions = []string{store.VersionLast}
	}
	seen := make(map[string]bool, len(versions))
	for _, v := range versions {
		switch {
		case v == "":
			return p, bad("versions", "empty value")
		case seen[v]:
			return p, bad("versions", "%q appears twice", v)
		case v == store.VersionAll && len(versions) > 1:
			return p, bad("versions", "%q cannot be combined with other values", store.VersionAll)
		case strings.IndexByte(v, 0) >= 0:
			return p, bad("versions", "NUL character")
		}
		seen[v] = true
		switch v {
		case store.VersionAll:
			p.all = true
		case store.VersionFirst:
			p.first = true
		case store.VersionLast:
			p.last = true
		default:
			p.explicit = append(p.explicit, v)
		}
	}
	if p.explicit != nil {
		p.explSet = make(map[string]bool, len(p.explicit))
		for _, v := range p.explicit {
			p.explSet[v] = true
		}
	}
	specs, specSet, err := querycheck.SpecVersions(q.SpecVersions)
	if err != nil {
		return p, bad("spec versions", "%v", err)
	}
	p.specs, p.specSet = specs, specSet
	return p, nil
}

// The checks every backend applies alike (package querycheck).
func microsAfter(t time.Time) int64 { return querycheck.MicrosAfter(t) }

func uniqueStrings(in []string) ([]string, error) { return querycheck.UniqueStrings(in) }
