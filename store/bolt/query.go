package bolt

import (
	"github.com/heraldcti/herald/store/internal/querycheck"

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

// parseQuery validates q (package querycheck, shared by every backend)
// and adds the sets bbolt's walk looks values up in.
func parseQuery(q store.Query, maxPage int) (plan, error) {
	c, err := querycheck.Check(q, maxPage)
	if err != nil {
		return plan{}, err
	}
	p := plan{
		lower: c.Lower, limit: c.Limit, ids: c.IDs, types: c.Types,
		all: c.All, first: c.First, last: c.Last, explicit: c.Explicit,
		specs: c.Specs, specSet: c.SpecSet, noBytes: q.NoBytes, after: q.After,
	}
	if p.types != nil {
		p.typeSet = make(map[string]bool, len(p.types))
		for _, t := range p.types {
			p.typeSet[t] = true
		}
	}
	if p.explicit != nil {
		p.explSet = make(map[string]bool, len(p.explicit))
		for _, v := range p.explicit {
			p.explSet[v] = true
		}
	}
	return p, nil
}

// microsAfter is querycheck.MicrosAfter (shared by every backend).
func microsAfter(t time.Time) int64 { return querycheck.MicrosAfter(t) }
