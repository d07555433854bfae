package storetest

import (
	"slices"
	"testing"

	"github.com/heraldcti/herald/store"
)

// TestPagingWhileWriting walks a collection page by page while another
// goroutine adds objects and versions. Every version that existed when the
// walk passed its position must be seen exactly once.
func testPagingWhileWriting(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		q    store.Query
	}{
		{"all versions", store.Query{Versions: []string{"all"}, Limit: 7, NoBytes: true}},
		{"latest versions", store.Query{Limit: 7, NoBytes: true}},
		{"by type", store.Query{Types: []string{"indicator"}, Versions: []string{"first", "last"}, Limit: 5, NoBytes: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := mustOpen(t, open, &store.Options{NoSync: true})
			c := mustCollection(t, db, "c")
			mustPut(t, db, c.ID, sdo("note", objID("note", 1), mA1, "2.1"))
			stop := make(chan struct{})
			wg, committed := writeInBackground(t, db, c.ID, stop)
			var seen []store.Record
			q := tc.q
			caughtUp := 0
			for pages := 0; ; pages++ {
				page, err := db.Objects(ctx, c.ID, q)
				if err != nil {
					t.Fatal(err)
				}
				seen = append(seen, page.Records...)
				q.After = page.Next
				if page.More {
					continue
				}
				// Caught up: wait for the writer's next batch, as a client
				// polls again later; stop after a number of such rounds.
				if caughtUp++; caughtUp >= 30 || pages > 5000 {
					break
				}
				nextCommit(committed)
			}
			close(stop)
			wg.Wait()
			for i := 1; i < len(seen); i++ {
				if !seen[i].DateAdded.After(seen[i-1].DateAdded) {
					t.Fatalf("record %d (%s) repeats or goes back in date_added", i, seen[i].DateAdded)
				}
			}
			// Finish the walk now that writing stopped.
			seen = append(seen, walk(t, db, c.ID, q)...)
			if tc.q.Versions != nil && tc.q.Versions[0] == "all" {
				// Nothing lost: the walk equals a listing taken afterwards.
				full := walk(t, db, c.ID, store.Query{Versions: []string{"all"}, NoBytes: true})
				if got, want := keys(seen), keys(full); !slices.Equal(got, want) {
					t.Errorf("walk saw %d versions, the collection holds %d", len(got), len(want))
				}
				return
			}
			// Every object's final latest version was delivered at some point.
			final := walk(t, db, c.ID, store.Query{Types: tc.q.Types, NoBytes: true})
			got := map[string]bool{}
			for _, k := range keys(seen) {
				got[k] = true
			}
			for _, k := range keys(final) {
				if !got[k] {
					t.Errorf("final latest version %s never reached the walker", k)
				}
			}
			if len(final) < 2 {
				t.Errorf("the writer wrote too little to test anything: %d objects", len(final))
			}
		})
	}
}
