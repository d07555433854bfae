package web

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/heraldcti/herald/store"
)

// The store pages a collection oldest first (ascending date_added, with
// After as a lower bound and Limit). The pages show it newest first. To
// read the n newest versions at or before a position "end" without
// walking everything, newestStart looks for the position t such that
// exactly n matching versions (or between n-tol and n) lie in (t, end]:
//
//   - a probe at t reads at most n+1 index entries after t (no object
//     bytes) and counts those at or before end: it says "more than n" or
//     gives the count;
//   - it gallops back from end (doubling the distance, starting from a
//     hint such as the previous page's span), then bisects the last step.
//
// date_added is unique per collection and counted in microseconds, so the
// bisection ends after at most ~50 probes of n+1 index entries; with a good
// hint and a tolerance it ends after a few. Every page thus costs
// O(probes · n · log N), however large the collection: no full scan.

// probe counts the matching versions in (t, end], capped at n+1.
func (p *Pages) probe(ctx context.Context, col string, types []string, t, end int64, n int) (int, error) {
	pg, err := p.db.Objects(ctx, col, store.Query{Types: types, After: store.Position(t), Limit: n + 1, NoBytes: true})
	if err != nil {
		return 0, fmt.Errorf("probe %s: %w", col, err)
	}
	c := 0
	for _, r := range pg.Records {
		if r.DateAdded.UnixMicro() > end {
			break
		}
		c++
	}
	return c, nil
}

// firstPosition is the date_added of the oldest matching version, ok false
// when there is none.
func (p *Pages) firstPosition(ctx context.Context, col string, types []string) (int64, bool, error) {
	pg, err := p.db.Objects(ctx, col, store.Query{Types: types, Limit: 1, NoBytes: true})
	if err != nil {
		return 0, false, fmt.Errorf("first object of %s: %w", col, err)
	}
	if len(pg.Records) == 0 {
		return 0, false, nil
	}
	return pg.Records[0].DateAdded.UnixMicro(), true, nil
}

// lastPosition is the newest date_added of the collection (any type), ok
// false when it is empty.
func (p *Pages) lastPosition(ctx context.Context, col string) (int64, bool, error) {
	t, err := p.db.LastDateAdded(ctx, col)
	if err != nil {
		return 0, false, err
	}
	if t.IsZero() {
		return 0, false, nil
	}
	return t.UnixMicro(), true, nil
}

// window is a stretch (Start, End] of a collection, in date_added µs.
type window struct {
	Start, End int64
	Older      bool // matching versions exist at or before Start
}

// newestStart finds the window (t, end] holding the newest n matching
// versions at or before end (between n-tol and n of them when tol > 0).
// hint is a guess of the window's length in µs (0: none).
func (p *Pages) newestStart(ctx context.Context, col string, types []string, end int64, n, tol int, hint int64) (window, error) {
	first, ok, err := p.firstPosition(ctx, col, types)
	if err != nil || !ok || first > end {
		return window{Start: end, End: end}, err
	}
	lo := first - 1 // probe(lo) = everything up to end
	c, err := p.probe(ctx, col, types, lo, end, n)
	if err != nil {
		return window{}, err
	}
	if c <= n {
		return window{Start: lo, End: end}, nil
	}
	good := func(c int) bool { return c <= n && c >= n-tol }
	// Gallop back from end: hi always has probe <= n, lo > n.
	hi := end
	step := max(hint, int64(n))
	for {
		t := end - step
		if t <= lo {
			break
		}
		c, err := p.probe(ctx, col, types, t, end, n)
		if err != nil {
			return window{}, err
		}
		if c > n {
			lo = t
			break
		}
		hi = t
		if good(c) {
			return window{Start: hi, End: end, Older: true}, nil
		}
		step *= 2
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		c, err := p.probe(ctx, col, types, mid, end, n)
		if err != nil {
			return window{}, err
		}
		if c > n {
			lo = mid
		} else {
			hi = mid
			if good(c) {
				break
			}
		}
	}
	return window{Start: hi, End: end, Older: true}, nil
}

// readWindow hands every matching version in w (ascending) to emit, with
// its bytes unless noBytes. emit's RawVersion is valid only during the call.
func (p *Pages) readWindow(ctx context.Context, col string, types []string, w window, limit int, noBytes bool, emit func(store.RawVersion) error) error {
	after := w.Start
	for after < w.End {
		stop := false
		info, err := p.db.ObjectsTo(ctx, col, store.Query{Types: types, After: store.Position(after), Limit: min(limit+1, 1000), NoBytes: noBytes},
			func(v store.RawVersion) error {
				if int64(v.DateAdded) > w.End {
					stop = true
					return nil
				}
				if stop {
					return nil
				}
				return emit(v)
			})
		if err != nil {
			return fmt.Errorf("read %s: %w", col, err)
		}
		if stop || !info.More || info.Count == 0 {
			return nil
		}
		after = int64(info.Next)
	}
	return nil
}

// newest returns the n newest matching versions (latest version of each
// object) at or before end, newest first, and whether older ones exist.
func (p *Pages) newest(ctx context.Context, col string, types []string, end int64, n int) ([]store.Record, bool, error) {
	w, err := p.newestStart(ctx, col, types, end, n, 0, 0)
	if err != nil {
		return nil, false, err
	}
	if w.Start >= w.End {
		return nil, false, nil
	}
	pg, err := p.db.Objects(ctx, col, store.Query{Types: types, After: store.Position(w.Start), Limit: n + 1})
	if err != nil {
		return nil, false, fmt.Errorf("objects of %s: %w", col, err)
	}
	out := make([]store.Record, 0, len(pg.Records))
	for _, r := range pg.Records {
		if r.DateAdded.UnixMicro() > end || len(out) == n {
			break
		}
		out = append(out, r)
	}
	slices.Reverse(out)
	return out, w.Older, nil
}

// Type counts. A collection's counts by type come from one walk of its
// index (no object bytes) when it holds at most exactCountLimit versions;
// a larger collection is counted over its newest sampleCount objects and
// the page says so. Counts are cached per collection until its newest
// date_added changes.
const (
	exactCountLimit = 20000
	sampleCount     = 2000
)

type typeCounts struct {
	Exact  bool // every object counted
	Seen   int  // objects counted
	Counts []typeCount
}

type typeCount struct {
	Type  string
	Count int
}

type typeCountCache struct {
	mu sync.Mutex
	m  map[string]cachedCounts
}

type cachedCounts struct {
	last   int64
	counts typeCounts
	used   time.Time
}

func (p *Pages) typeCounts(ctx context.Context, col string) (typeCounts, error) {
	last, ok, err := p.lastPosition(ctx, col)
	if err != nil || !ok {
		return typeCounts{Exact: true}, err
	}
	cc := &p.counts
	cc.mu.Lock()
	if e, ok := cc.m[col]; ok && e.last == last {
		e.used = time.Now()
		cc.m[col] = e
		cc.mu.Unlock()
		return e.counts, nil
	}
	cc.mu.Unlock()

	total, err := p.db.CountVersions(ctx, col)
	if err != nil {
		return typeCounts{}, err
	}
	w := window{Start: -1 << 62, End: last}
	exact := total <= exactCountLimit
	if !exact {
		if w, err = p.newestStart(ctx, col, nil, last, sampleCount, sampleCount/4, 0); err != nil {
			return typeCounts{}, err
		}
		exact = !w.Older
	} else if first, ok, err := p.firstPosition(ctx, col, nil); err != nil {
		return typeCounts{}, err
	} else if ok {
		w.Start = first - 1
	}
	m := map[string]int{}
	seen := 0
	err = p.readWindow(ctx, col, nil, w, 1000, true, func(v store.RawVersion) error {
		m[string(v.Type)]++
		seen++
		return nil
	})
	if err != nil {
		return typeCounts{}, err
	}
	out := typeCounts{Exact: exact, Seen: seen}
	for t, n := range m {
		out.Counts = append(out.Counts, typeCount{t, n})
	}
	sort.Slice(out.Counts, func(i, j int) bool { return out.Counts[i].Type < out.Counts[j].Type })

	cc.mu.Lock()
	if cc.m == nil {
		cc.m = map[string]cachedCounts{}
	}
	if len(cc.m) >= 256 { // drop the least recently used
		var oldK string
		var oldT time.Time
		for k, e := range cc.m {
			if oldK == "" || e.used.Before(oldT) {
				oldK, oldT = k, e.used
			}
		}
		delete(cc.m, oldK)
	}
	cc.m[col] = cachedCounts{last: last, counts: out, used: time.Now()}
	cc.mu.Unlock()
	return out, nil
}
