package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

// FuzzQuery throws arbitrary filters at Objects, ObjectVersions and
// DeleteObject: they must never panic and never fail with anything but
// ErrBadParameter, pages must respect the limit and the date_added
// order, a walk must return exactly what a brute-force reading of TAXII
// 2.1 §3.4.1 returns (reference.go), and the database must stay
// consistent (the cleanup of the store it opens).
func FuzzQuery(f *testing.F, open Opener) {
	f.Add("last", "", "", "", 0, int64(0), int64(0))
	f.Add("first,last", "2.0,2.1", idA+","+idC, "indicator", 2, int64(0), int64(0))
	f.Add("all", "2.1", "", "ipv4-addr,indicator", 1, int64(1714564800000000), int64(0))
	f.Add("first,"+mA2+",last", "", "", "", 3, int64(0), int64(1714564805000000))
	f.Add("all,last", "", "", "", 0, int64(0), int64(0))
	f.Add("last,last", "2.1,2.1", ",", "", -1, int64(-1), int64(-1))
	f.Add(mC0+","+mC2, "2.0", idC, "attack-pattern", 1000000, int64(1<<62), int64(1<<62))
	f.Add("\x00", "\xff", "a\x00", "", 0, int64(-1<<63), int64(1<<63-1))
	f.Fuzz(func(t *testing.T, versions, specs, ids, types string, limit int, addedAfter, after int64) {
		fx := newFixture(t, open)
		db, coll := fx.db, fx.coll
		q := store.Query{
			Versions:     split(versions),
			SpecVersions: split(specs),
			IDs:          split(ids),
			Types:        split(types),
			Limit:        limit,
			After:        store.Position(after),
		}
		if addedAfter != 0 {
			q.AddedAfter = time.UnixMicro(addedAfter)
		}
		page, err := db.Objects(ctx, coll, q)
		if err != nil {
			if !errors.Is(err, store.ErrBadParameter) {
				t.Fatalf("Objects(%+v): %v", q, err)
			}
		} else {
			if limit > 0 && len(page.Records) > limit {
				t.Fatalf("%d records for limit %d", len(page.Records), limit)
			}
			for i := 1; i < len(page.Records); i++ {
				if !page.Records[i].DateAdded.After(page.Records[i-1].DateAdded) {
					t.Fatalf("records out of order")
				}
			}
			wq := q
			if wq.Limit <= 0 || wq.Limit > 4 {
				wq.Limit = 3
			}
			if got, want := keys(walk(t, db, coll, wq)), fx.reference(q); !slices.Equal(got, want) {
				t.Fatalf("Objects(%+v)\n got %v\nwant %v", q, got, want)
			}
		}
		for _, id := range append(q.IDs, idA) {
			if _, err := db.ObjectVersions(ctx, coll, id, q); err != nil && !errors.Is(err, store.ErrBadParameter) {
				t.Fatalf("ObjectVersions(%q): %v", id, err)
			}
		}
		if len(q.IDs) > 0 {
			_, err := db.DeleteObject(ctx, coll, q.IDs[0], q.Versions, q.SpecVersions)
			if err != nil && !errors.Is(err, store.ErrBadParameter) && !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("DeleteObject(%q): %v", q.IDs[0], err)
			}
		}
	})
}

// split is the TAXII server's comma split; an empty string means absent.
func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}
