package bolt_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

// ExampleDB_ObjectsTo writes a page as a JSON array straight from the
// stored bytes: each version's JSON is appended to the buffer while the
// read transaction is open, and nothing is kept after emit returns.
func ExampleDB_ObjectsTo() {
	dir, err := os.MkdirTemp("", "herald-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	now := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	db, err := bolt.Open(filepath.Join(dir, "herald.db"), &store.Options{Now: func() time.Time { return now }})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	coll, err := db.CreateCollection(ctx, store.Collection{Title: "Advisories"})
	if err != nil {
		fmt.Println(err)
		return
	}
	var objs []stix.Object
	for _, n := range []string{"1", "2", "3"} {
		id := "malware--00000000-0000-4000-8000-00000000000" + n
		objs = append(objs, stix.Object{Type: "malware", ID: id, SpecVersion: "2.1",
			Created: "2024-01-01T00:00:00.000Z", Modified: "2024-01-01T00:00:00.000Z",
			JSON: []byte(`{"type":"malware","id":"` + id + `"}`)})
	}
	if _, err := db.PutObjects(ctx, coll.ID, objs); err != nil {
		fmt.Println(err)
		return
	}

	buf := []byte{'['}
	info, err := db.ObjectsTo(ctx, coll.ID, store.Query{Limit: 2}, func(v store.RawVersion) error {
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, v.JSON...) // copy: v.JSON is only valid until emit returns
		return nil
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	buf = append(buf, ']')
	fmt.Println(string(buf))
	fmt.Println("count:", info.Count, "more:", info.More)
	fmt.Println("first:", info.First.Time().Format(time.RFC3339Nano), "last:", info.Last.Time().Format(time.RFC3339Nano))
	// Output:
	// [{"type":"malware","id":"malware--00000000-0000-4000-8000-000000000001"},{"type":"malware","id":"malware--00000000-0000-4000-8000-000000000002"}]
	// count: 2 more: true
	// first: 2024-05-01T12:00:00Z last: 2024-05-01T12:00:00.000001Z
}

// BenchmarkObjectsTo reads the same pages of the million-version database
// (bench_test.go) as BenchmarkObjectsPage, through Objects (copying every
// record out) and through ObjectsTo (appending each JSON to one reused
// buffer, as the TAXII server does), so the two read paths compare in the
// same run.
//
//	go test -run '^$' -bench ObjectsTo -benchmem ./store/
func BenchmarkObjectsTo(b *testing.B) {
	benchDB(b)
	s := &benchState
	middle := s.positions[len(s.positions)/2]
	queries := []struct {
		name string
		q    store.Query
	}{
		{"last", store.Query{Limit: 100, After: middle}},
		{"all", store.Query{Limit: 100, Versions: []string{"all"}, After: middle}},
		{"type-1%", store.Query{Limit: 100, Types: []string{rareType}, After: middle}},
	}
	for _, tc := range queries {
		b.Run(tc.name+"/Objects", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				page, err := s.db.Objects(ctx, s.coll, tc.q)
				if err != nil || len(page.Records) != 100 {
					b.Fatalf("%d records, %v", len(page.Records), err)
				}
			}
		})
		b.Run(tc.name+"/ObjectsTo", func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 128<<10)
			for i := 0; i < b.N; i++ {
				buf = buf[:0]
				info, err := s.db.ObjectsTo(ctx, s.coll, tc.q, func(v store.RawVersion) error {
					buf = append(append(buf, ','), v.JSON...)
					return nil
				})
				if err != nil || info.Count != 100 {
					b.Fatalf("%d versions, %v", info.Count, err)
				}
			}
		})
	}
}
