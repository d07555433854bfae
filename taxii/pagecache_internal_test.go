package taxii

import (
	"reflect"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

// The cache key holds every field of store.Query: a field added to Query
// without being added to appendPageKey would let two different queries
// share a cached page.
func TestPageKeyCoversEveryQueryField(t *testing.T) {
	const encoded = 8 // AddedAfter IDs Types Versions SpecVersions Limit After NoBytes
	if n := reflect.TypeFor[store.Query]().NumField(); n != encoded {
		t.Fatalf("store.Query has %d fields and appendPageKey encodes %d: add the new ones to the key", n, encoded)
	}
}

// Different queries (or collections) never share a key, also when their
// strings would concatenate alike; equal ones always do.
func TestPageKeyIsExact(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	queries := []struct {
		col string
		q   store.Query
	}{
		{"c", store.Query{}},
		{"c2", store.Query{}},
		{"c", store.Query{IDs: []string{"a", "b"}}},
		{"c", store.Query{IDs: []string{"ab"}}},
		{"c", store.Query{IDs: []string{"a"}, Types: []string{"b"}}},
		{"c", store.Query{IDs: []string{"a\x01b"}}},
		{"c", store.Query{Types: []string{"a"}}},
		{"c", store.Query{Versions: []string{"a"}}},
		{"c", store.Query{SpecVersions: []string{"a"}}},
		{"c", store.Query{IDs: []string{""}}},
		{"c", store.Query{Limit: 1}},
		{"c", store.Query{After: 1}},
		{"c", store.Query{Limit: -1}},
		{"c", store.Query{AddedAfter: time.Unix(0, 0)}},
		{"c", store.Query{AddedAfter: t0}},
		{"c", store.Query{AddedAfter: t0.Add(time.Nanosecond)}},
		{"c", store.Query{AddedAfter: t0.Add(time.Microsecond)}},
		{"c", store.Query{NoBytes: true}},
		{"c\x00", store.Query{}},
	}
	seen := map[string]int{}
	for i, tc := range queries {
		k := string(appendPageKey(nil, tc.col, tc.q))
		if j, dup := seen[k]; dup {
			t.Fatalf("queries %d (%+v) and %d (%+v) share the key %q", i, tc.q, j, queries[j].q, k)
		}
		seen[k] = i
		again := tc.q
		again.AddedAfter = again.AddedAfter.In(time.FixedZone("elsewhere", 3600)) // the same instant
		if k2 := string(appendPageKey(nil, tc.col, again)); k2 != k {
			t.Fatalf("query %d: the same query gave two keys", i)
		}
	}
}

// The cache stays within its budget, keeps its count of bytes exact as
// entries are replaced and dropped, and does not keep a page larger than a
// sixteenth of it.
func TestPageCacheBudget(t *testing.T) {
	pc := &pageCache{maxBytes: 32 << 10, maxEntry: 2 << 10, pages: map[string]*cachedPage{}}
	page := func(n int) *cachedPage { return &cachedPage{stamp: 1, body: make([]byte, n)} }
	for i := range 200 {
		pc.put([]byte{byte(i), byte(i >> 8)}, page(500+i%300))
		var sum int64
		for k, p := range pc.pages {
			sum += entrySize(len(k), p)
		}
		if sum != pc.used || pc.used > pc.maxBytes {
			t.Fatalf("after %d puts: used %d, entries sum to %d, budget %d", i+1, pc.used, sum, pc.maxBytes)
		}
	}
	pc.put([]byte("big"), page(2<<10))
	if pc.get([]byte("big"), 1) != nil {
		t.Fatal("a page over the entry limit was kept")
	}
	pc.put([]byte("k"), page(10))
	if p := pc.get([]byte("k"), 1); p == nil {
		t.Fatal("the page just put is gone")
	}
	if p := pc.get([]byte("k"), 2); p != nil {
		t.Fatal("a page was served for another stamp")
	}
}
