package postgres_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/postgres"
)

// TestDateAddedUnderConcurrency: writers on several connections (two DB
// handles, like two replicas, each with its own pool) add versions to
// one collection while readers page through it by added_after (and by
// position); when the writers are done, every reader has seen every
// version exactly once, in strictly increasing date_added. A reader that
// saw N+1 before N committed would skip N: this is what the
// per-collection lock prevents.
func TestDateAddedUnderConcurrency(t *testing.T) {
	dsn := openPGDSN(t)
	var dbs []*postgres.DB
	for range 2 {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		dbs = append(dbs, db)
	}
	c, err := dbs[0].CreateCollection(ctx, store.Collection{Title: "busy"})
	if err != nil {
		t.Fatal(err)
	}
	const writers, perWriter, batch = 6, 300, 3
	var done atomic.Bool
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db := dbs[w%len(dbs)]
			for i := 0; i < perWriter; i += batch {
				var objs []stix.Object
				for j := range batch {
					id := fmt.Sprintf("indicator--00000000-0000-4000-8000-%06d%06d", w, i+j)
					objs = append(objs, stix.Object{ID: id, Type: "indicator", SpecVersion: "2.1",
						Modified: "2024-01-01T00:00:00Z",
						JSON:     fmt.Appendf(nil, `{"type":"indicator","id":%q,"spec_version":"2.1","modified":"2024-01-01T00:00:00Z"}`, id)})
				}
				if _, err := db.PutObjects(ctx, c.ID, objs); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	type seen struct {
		ids  []string
		errs []string
	}
	const readers = 4
	results := make([]seen, readers)
	var rg sync.WaitGroup
	for r := range readers {
		rg.Add(1)
		go func() {
			defer rg.Done()
			db := dbs[r%len(dbs)]
			var after time.Time
			var pos store.Position
			byPosition := r%2 == 1
			last := int64(-1)
			for {
				// Read "done" before the page: a page read after the last
				// write committed that comes back empty ends the walk.
				finished := done.Load()
				q := store.Query{Versions: []string{"all"}, Limit: 7}
				if byPosition {
					q.After = pos
				} else {
					q.AddedAfter = after
				}
				page, err := db.Objects(ctx, c.ID, q)
				if err != nil {
					results[r].errs = append(results[r].errs, err.Error())
					return
				}
				for _, rec := range page.Records {
					if rec.DateAdded.UnixMicro() <= last {
						results[r].errs = append(results[r].errs, fmt.Sprintf("date_added %d after %d", rec.DateAdded.UnixMicro(), last))
					}
					last = rec.DateAdded.UnixMicro()
					results[r].ids = append(results[r].ids, rec.ID)
				}
				if len(page.Records) > 0 {
					after = page.Records[len(page.Records)-1].DateAdded
				}
				pos = page.Next
				if finished && len(page.Records) == 0 && !page.More {
					return
				}
			}
		}()
	}
	wg.Wait()
	done.Store(true)
	rg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	n, err := dbs[0].CountVersions(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if n != writers*perWriter {
		t.Fatalf("stored %d versions, want %d", n, writers*perWriter)
	}
	for r, s := range results {
		for _, e := range s.errs {
			t.Errorf("reader %d: %s", r, e)
		}
		count := map[string]int{}
		for _, id := range s.ids {
			count[id]++
		}
		lost, dup := 0, 0
		for w := range writers {
			for i := range perWriter {
				switch count[fmt.Sprintf("indicator--00000000-0000-4000-8000-%06d%06d", w, i)] {
				case 0:
					lost++
				case 1:
				default:
					dup++
				}
			}
		}
		if lost > 0 || dup > 0 || len(s.ids) != writers*perWriter {
			t.Errorf("reader %d saw %d versions: %d lost, %d duplicated", r, len(s.ids), lost, dup)
		}
	}
}
