package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// TestConcurrentWritersGetUniqueDateAdded runs writers in parallel with a
// clock that never moves: every version still gets its own date_added.
func testConcurrentWritersGetUniqueDateAdded(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now, NoSync: true})
	c := mustCollection(t, db, "c")
	const writers, batches, size = 4, 10, 50
	var mu sync.Mutex
	seen := map[time.Time]string{}
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				objs := make([]stix.Object, size)
				for i := range objs {
					objs[i] = sco("ipv4-addr", objID("ipv4-addr", (w*batches+b)*size+i), fmt.Sprintf("10.0.%d.%d", w, b))
				}
				res, err := db.PutObjects(ctx, c.ID, objs)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, r := range res {
					if other, dup := seen[r.DateAdded]; dup {
						t.Errorf("%s and %s share date_added %v", r.ID, other, r.DateAdded)
					}
					seen[r.DateAdded] = r.ID
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if n, _ := db.CountVersions(ctx, c.ID); n != writers*batches*size || len(seen) != n {
		t.Errorf("CountVersions = %d, distinct date_added %d; want %d", n, len(seen), writers*batches*size)
	}
}

// TestCancelledContext: every method gives up before touching the file
// when its context is done.
func testCancelledContext(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	c := mustCollection(t, db, "c")
	cctx, cancel := contextWithCancel()
	cancel()
	checks := map[string]error{}
	_, checks["Objects"] = db.Objects(cctx, c.ID, store.Query{})
	_, checks["Collections"] = db.Collections(cctx)
	_, checks["Check"] = db.Check(cctx)
	_, checks["Backup"] = db.Backup(cctx, &strings.Builder{})
	checks["SetMeta"] = db.SetMeta(cctx, "k", []byte("v"))
	_, checks["CreateCollection"] = db.CreateCollection(cctx, store.Collection{Title: "d"})
	for name, err := range checks {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: %v, want context.Canceled", name, err)
		}
	}
}
