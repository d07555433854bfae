package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// stamper returns db as a store.ContentStamper, or skips the test: the
// interface is optional.
func stamper(t *testing.T, db store.Store) store.ContentStamper {
	t.Helper()
	cs, ok := db.(store.ContentStamper)
	if !ok {
		t.Skip("the backend does not implement store.ContentStamper")
	}
	return cs
}

// stableStamp reads the stamp of coll, which must be usable (ok): no write
// is in flight in these tests.
func stableStamp(t *testing.T, cs store.ContentStamper, coll string) uint64 {
	t.Helper()
	s, ok, err := cs.ContentStamp(ctx, coll)
	if err != nil || !ok {
		t.Fatalf("ContentStamp(%s) = %d, %v, %v; want a usable stamp", coll, s, ok, err)
	}
	return s
}

// Every kind of write that changes what a query of the collection returns
// moves its stamp before the write returns; reads do not move it.
func testContentStampMoves(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	cs := stamper(t, db)
	coll := mustCollection(t, db, "stamped").ID
	id := objID("indicator", 1)

	writes := []struct {
		name  string
		write func() error
	}{
		{"a new object", func() error {
			_, err := db.PutObjects(ctx, coll, []stix.Object{sdo("indicator", id, "2021-01-01T00:00:00Z", "2.1")})
			return err
		}},
		{"a new version", func() error {
			_, err := db.PutObjects(ctx, coll, []stix.Object{sdo("indicator", id, "2021-01-02T00:00:00Z", "2.1")})
			return err
		}},
		{"a replaced version", func() error {
			_, err := db.PutObjectsWith(ctx, coll, []stix.Object{sdo("indicator", id, "2021-01-02T00:00:00Z", "2.1", `"name":"replaced"`)},
				store.PutOptions{OnConflict: store.ConflictReplace})
			return err
		}},
		{"a deleted version", func() error {
			_, err := db.DeleteObject(ctx, coll, id, []string{"first"}, nil)
			return err
		}},
		{"a deleted object", func() error {
			_, err := db.DeleteObject(ctx, coll, id, nil, nil)
			return err
		}},
	}
	for _, w := range writes {
		before := stableStamp(t, cs, coll)
		if _, err := db.Objects(ctx, coll, store.Query{Limit: 10}); err != nil {
			t.Fatal(err)
		}
		if again := stableStamp(t, cs, coll); again != before {
			t.Fatalf("before %s: a read moved the stamp from %d to %d", w.name, before, again)
		}
		if err := w.write(); err != nil {
			t.Fatalf("%s: %v", w.name, err)
		}
		if after := stableStamp(t, cs, coll); after == before {
			t.Fatalf("%s: the stamp stayed %d", w.name, after)
		}
		checkStampedCollection(t, db, cs, coll)
	}
	if _, _, _, err := cs.StampedCollection(ctx, "no such collection"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("StampedCollection of an unknown collection: %v, want ErrNotFound", err)
	}

	// A collection deleted and created again under the same id (as
	// `herald copy` does) never matches a stamp of the old one.
	c, err := db.Collection(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	old := stableStamp(t, cs, coll)
	if err := db.DeleteCollection(ctx, coll); err != nil {
		t.Fatal(err)
	}
	if s, ok, err := cs.ContentStamp(ctx, coll); err == nil && ok && s == old {
		t.Fatalf("ContentStamp of a deleted collection = %d, the stamp it had", s)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ContentStamp of a deleted collection: %v, want ErrNotFound", err)
	}
	loader, ok := db.(store.Loader)
	if !ok {
		return // only a Loader creates a collection with a given id
	}
	if err := loader.LoadCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	if s := stableStamp(t, cs, coll); s == old {
		t.Fatalf("a collection created again with the same id has the old one's stamp %d", s)
	}
}

// checkStampedCollection: StampedCollection finds the collection by id
// and title as Collection does, with the stamp ContentStamp gives (no
// write runs meanwhile).
func checkStampedCollection(t *testing.T, db store.Store, cs store.ContentStamper, coll string) {
	t.Helper()
	want, err := db.Collection(ctx, coll)
	if err != nil {
		t.Fatal(err)
	}
	stamp := stableStamp(t, cs, coll)
	for _, ref := range []string{want.ID, want.Title} {
		got, s, ok, err := cs.StampedCollection(ctx, ref)
		if err != nil || !ok || s != stamp || got.ID != want.ID || got.Title != want.Title || got.PublicRead != want.PublicRead {
			t.Fatalf("StampedCollection(%q) = %+v, %d, %v, %v; want %+v with stamp %d", ref, got, s, ok, err, want, stamp)
		}
	}
}

// The promise itself, under a writer: two reads under the same usable
// stamp (each begun after the stamp was read, and the stamp still the same
// after it) always give the same answer. A writer that made its versions
// visible before moving the stamp would let two readers see different
// counts under one stamp.
func testContentStampExact(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	cs := stamper(t, db)
	coll := mustCollection(t, db, "stamped").ID
	stop := make(chan struct{})
	writer, committed := WriteInBackground(t, db, coll, stop)
	// Writes of another kind at the same time (a backend may count them
	// apart from object writes, as the bbolt one does).
	other := mustCollection(t, db, "other")
	loopInBackground(writer, stop, func(i int) bool {
		other.Description = fmt.Sprintf("update %d", i)
		if _, err := db.UpdateCollection(ctx, other); err != nil {
			t.Error(err)
			return false
		}
		return true
	})

	var mu sync.Mutex
	seen := map[uint64]int64{} // stamp → the last date_added read under it
	checked := 0
	var readers sync.WaitGroup
	deadline := time.Now().Add(time.Second)
	for range 4 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for i := 0; time.Now().Before(deadline) && !t.Failed(); i++ {
				var s uint64
				var ok bool
				var err error
				if i%2 == 0 {
					s, ok, err = cs.ContentStamp(ctx, coll)
				} else {
					_, s, ok, err = cs.StampedCollection(ctx, coll)
				}
				if err != nil {
					t.Error(err)
					return
				}
				// A cheap read that changes with every write.
				last, err := db.LastDateAdded(ctx, coll)
				if err != nil {
					t.Error(err)
					return
				}
				s2, ok2, err := cs.ContentStamp(ctx, coll)
				if err != nil {
					t.Error(err)
					return
				}
				if !ok || !ok2 || s2 != s {
					continue // a write came between: nothing to compare
				}
				n := last.UnixMicro()
				mu.Lock()
				if prev, found := seen[s]; found && prev != n {
					t.Errorf("stamp %d: one read saw the last date_added %d, another %d", s, prev, n)
				}
				seen[s] = n
				checked++
				mu.Unlock()
			}
		}()
	}
	NextCommit(committed) // the writer is running while the readers read
	readers.Wait()
	close(stop)
	writer.Wait()
	if checked == 0 {
		t.Fatal("no read ran under a stable stamp")
	}
}

// Writes to one collection's objects leave another collection's stamp as
// it was, so that a page cached for it stays usable, and move their own.
func testContentStampPerCollection(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	cs := stamper(t, db)
	written := mustCollection(t, db, "written").ID
	untouched := mustCollection(t, db, "untouched").ID
	id := objID("indicator", 1)
	mustPut(t, db, untouched, sdo("indicator", id, "2021-01-01T00:00:00Z", "2.1"))
	before, beforeWritten := stableStamp(t, cs, untouched), stableStamp(t, cs, written)
	mustPut(t, db, written, sdo("indicator", id, "2021-01-01T00:00:00Z", "2.1"), sdo("indicator", id, "2021-01-02T00:00:00Z", "2.1"))
	afterPut := stableStamp(t, cs, written)
	if afterPut == beforeWritten {
		t.Fatalf("a put did not move the stamp of its collection (%d)", afterPut)
	}
	if _, err := db.DeleteObject(ctx, written, id, []string{"first"}, nil); err != nil {
		t.Fatal(err)
	}
	if s := stableStamp(t, cs, written); s == afterPut {
		t.Fatalf("a delete did not move the stamp of its collection (%d)", s)
	}
	if after := stableStamp(t, cs, untouched); after != before {
		t.Fatalf("writes to another collection's objects moved the stamp from %d to %d", before, after)
	}
}
