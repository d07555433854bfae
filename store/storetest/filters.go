package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// fixture is a collection whose versions were added in a known order, so
// expected results can be written as step numbers.
type fixture struct {
	db    store.Store
	coll  string
	steps []stix.Object // steps[i-1] was added at step i
	added []time.Time   // date_added of each step
}

// Ids of the fixture's objects.
var (
	idA  = objID("indicator", 1)      // three 2.1 versions, added out of version order
	idB  = objID("malware", 2)        // modified equal to A's first version
	idC  = objID("attack-pattern", 3) // 2.0 and 2.1 versions; the newest version is 2.0
	idD  = objID("indicator", 4)      // "…00Z" and "…00.5Z": string order is not time order
	idS1 = objID("ipv4-addr", 5)      // SCO with two content versions
	idS2 = objID("ipv4-addr", 6)      // SCO with one
	idE  = objID("x-custom-thing", 7) // another type
)

const (
	mA1 = "2021-01-01T00:00:00.000Z"
	mA2 = "2021-01-01T00:00:00.500Z"
	mA3 = "2021-03-01T00:00:00.000Z"
	mDz = "2021-01-01T00:00:00Z"   // same instant as mA1, different string
	mDh = "2021-01-01T00:00:00.5Z" // sorts before mDz as a string
	mC0 = "2019-01-01T00:00:00Z"   // spec 2.0
	mC1 = "2020-06-01T00:00:00Z"   // spec 2.1
	mC2 = "2022-01-01T00:00:00Z"   // spec 2.0, the newest instant
	mE  = "2021-05-05T00:00:00Z"
)

func newFixture(t *testing.T, open Opener) *fixture {
	t.Helper()
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now, NoSync: true})
	f := &fixture{db: db, coll: mustCollection(t, db, "fixture").ID}
	f.steps = []stix.Object{
		1:  sdo("indicator", idA, mA2, "2.1"),
		2:  sdo("malware", idB, mA1, "2.1"),
		3:  sdo("attack-pattern", idC, mC0, ""), // no spec_version: STIX 2.0
		4:  sdo("indicator", idA, mA1, "2.1"),
		5:  sco("ipv4-addr", idS1, "10.0.0.1"),
		6:  sdo("attack-pattern", idC, mC1, "2.1"),
		7:  sdo("indicator", idD, mDz, "2.1"),
		8:  sdo("indicator", idD, mDh, "2.1"),
		9:  sdo("indicator", idA, mA3, "2.1"),
		10: sdo("attack-pattern", idC, mC2, "2.0"),
		11: sco("ipv4-addr", idS1, "10.0.0.2"),
		12: sco("ipv4-addr", idS2, "10.0.0.3"),
		13: sdo("x-custom-thing", idE, mE, "2.1"),
	}[1:]
	// One call: the versions get consecutive microseconds.
	for i, r := range mustPut(t, db, f.coll, f.steps...) {
		if r.Outcome != store.Added {
			t.Fatalf("fixture step %d: %v", i+1, r)
		}
		f.added = append(f.added, r.DateAdded)
	}
	return f
}

// want renders steps as "id@version" in step (= date_added) order.
func (f *fixture) want(steps ...int) []string {
	out := []string{}
	for _, s := range steps {
		o := f.steps[s-1]
		out = append(out, o.ID+"@"+o.Version())
	}
	return out
}

func (f *fixture) at(step int) time.Time { return f.added[step-1] }

// filterCase is one row of the filter table: a query over the fixture
// and the steps (date_added order) it selects.
type filterCase struct {
	name  string
	q     store.Query
	steps []int
}

// filterCases is the filter table, shared by TestObjectsFilters and
// TestObjectsToMatchesObjects.
func filterCases(f *fixture) []filterCase {
	all := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}
	return []filterCase{
		{"default is last version of latest spec", store.Query{}, []int{2, 6, 8, 9, 11, 12, 13}},
		{"last explicitly", store.Query{Versions: []string{"last"}}, []int{2, 6, 8, 9, 11, 12, 13}},
		{"first", store.Query{Versions: []string{"first"}}, []int{2, 4, 5, 6, 7, 12, 13}},
		{"first,last", store.Query{Versions: []string{"first", "last"}}, []int{2, 4, 5, 6, 7, 8, 9, 11, 12, 13}},
		{"last,first order does not matter", store.Query{Versions: []string{"last", "first"}}, []int{2, 4, 5, 6, 7, 8, 9, 11, 12, 13}},
		{"all of latest spec", store.Query{Versions: []string{"all"}}, []int{1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13}},
		{"all spec 2.0", store.Query{Versions: []string{"all"}, SpecVersions: []string{"2.0"}}, []int{3, 10}},
		{"all spec 2.0,2.1", store.Query{Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}}, all},
		{"last spec 2.0", store.Query{SpecVersions: []string{"2.0"}}, []int{10}},
		{"first spec 2.0", store.Query{Versions: []string{"first"}, SpecVersions: []string{"2.0"}}, []int{3}},
		{"last spec 2.1 excludes newer 2.0", store.Query{SpecVersions: []string{"2.1"}}, []int{2, 6, 8, 9, 11, 12, 13}},
		{"last across spec 2.0,2.1", store.Query{SpecVersions: []string{"2.1", "2.0"}}, []int{2, 8, 9, 10, 11, 12, 13}},
		{"first across spec 2.0,2.1", store.Query{Versions: []string{"first"}, SpecVersions: []string{"2.0", "2.1"}}, []int{2, 3, 4, 5, 7, 12, 13}},
		{"unknown spec", store.Query{SpecVersions: []string{"2.2"}}, nil},
		{"explicit version shared by two objects", store.Query{Versions: []string{mA1}}, []int{2, 4}},
		{"explicit version is an exact string", store.Query{Versions: []string{mDz}}, []int{7}},
		{"explicit fraction", store.Query{Versions: []string{mA2}}, []int{1}},
		{"several explicit versions", store.Query{Versions: []string{mA3, mA2}}, []int{1, 9}},
		{"first,explicit,last", store.Query{Versions: []string{"first", mA2, "last"}}, []int{1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13}},
		{"explicit version of an older spec is hidden by default", store.Query{Versions: []string{mC0}}, nil},
		{"explicit version with its spec", store.Query{Versions: []string{mC0}, SpecVersions: []string{"2.0"}}, []int{3}},
		{"explicit content version of an SCO", store.Query{Versions: []string{f.steps[4].Version()}}, []int{5}},
		{"explicit garbage matches nothing", store.Query{Versions: []string{"yesterday"}}, nil},
		{"type", store.Query{Types: []string{"malware"}}, []int{2}},
		{"types ORed", store.Query{Types: []string{"x-custom-thing", "ipv4-addr"}}, []int{11, 12, 13}},
		{"type first", store.Query{Types: []string{"indicator"}, Versions: []string{"first"}}, []int{4, 7}},
		{"type all", store.Query{Types: []string{"indicator"}, Versions: []string{"all"}}, []int{1, 4, 7, 8, 9}},
		{"type with explicit version", store.Query{Types: []string{"indicator"}, Versions: []string{mA1}}, []int{4}},
		{"type with spec list and last", store.Query{Types: []string{"attack-pattern"}, SpecVersions: []string{"2.0", "2.1"}}, []int{10}},
		{"unknown type", store.Query{Types: []string{"campaign"}}, nil},
		{"id", store.Query{IDs: []string{idA}}, []int{9}},
		{"id first", store.Query{IDs: []string{idA}, Versions: []string{"first"}}, []int{4}},
		{"id twice", store.Query{IDs: []string{idA, idA}}, []int{9}},
		{"ids all", store.Query{IDs: []string{idC, idA}, Versions: []string{"all"}}, []int{1, 4, 6, 9}},
		{"id all spec 2.0", store.Query{IDs: []string{idC}, Versions: []string{"all"}, SpecVersions: []string{"2.0"}}, []int{3, 10}},
		{"id last across specs", store.Query{IDs: []string{idC}, SpecVersions: []string{"2.0", "2.1"}}, []int{10}},
		{"id first across specs", store.Query{IDs: []string{idC}, Versions: []string{"first"}, SpecVersions: []string{"2.0", "2.1"}}, []int{3}},
		{"id and type ANDed", store.Query{IDs: []string{idA, idB}, Types: []string{"malware"}}, []int{2}},
		{"id explicit version", store.Query{IDs: []string{idD}, Versions: []string{mDz}}, []int{7}},
		{"id first,explicit,last", store.Query{IDs: []string{idA}, Versions: []string{"first", mA2, "last"}}, []int{1, 4, 9}},
		{"SCO last is the latest added", store.Query{IDs: []string{idS1}}, []int{11}},
		{"SCO first is the earliest added", store.Query{IDs: []string{idS1}, Versions: []string{"first"}}, []int{5}},
		{"time order beats string order", store.Query{IDs: []string{idD}}, []int{8}},
		{"unknown id", store.Query{IDs: []string{objID("indicator", 99)}}, nil},
		{"added_after is strict", store.Query{AddedAfter: f.at(8)}, []int{9, 11, 12, 13}},
		{"added_after below a microsecond", store.Query{AddedAfter: f.at(8).Add(-time.Nanosecond)}, []int{8, 9, 11, 12, 13}},
		{"added_after does not change last", store.Query{AddedAfter: f.at(6), IDs: []string{idA, idC}}, []int{9}},
		{"added_after keeps a later last", store.Query{AddedAfter: f.at(5), IDs: []string{idA, idC}}, []int{6, 9}},
		{"added_after with all", store.Query{AddedAfter: f.at(9), Versions: []string{"all"}, SpecVersions: []string{"2.0"}}, []int{10}},
		{"added_after in the future", store.Query{AddedAfter: f.at(13).Add(time.Hour)}, nil},
		{"added_after long ago", store.Query{AddedAfter: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)}, []int{2, 6, 8, 9, 11, 12, 13}},
		{"added_after far future", store.Query{AddedAfter: time.Date(300000, 1, 1, 0, 0, 0, 0, time.UTC)}, nil},
		{"after position", store.Query{After: store.Position(f.at(9).UnixMicro())}, []int{11, 12, 13}},
	}
}

func testObjectsFilters(t *testing.T, open Opener) {
	f := newFixture(t, open)
	for _, tc := range filterCases(f) {
		t.Run(tc.name, func(t *testing.T) {
			want := f.want(tc.steps...)
			// The brute-force reference that FuzzQuery trusts agrees with
			// the hand-written expectation.
			if ref := f.reference(tc.q); !slices.Equal(ref, want) {
				t.Errorf("reference: %v\nwant      %v", ref, want)
			}
			page, err := f.db.Objects(ctx, f.coll, tc.q)
			if err != nil {
				t.Fatalf("Objects: %v", err)
			}
			if got := append([]string{}, keys(page.Records)...); !slices.Equal(got, want) {
				t.Errorf("got  %v\nwant %v", got, want)
			}
			if page.More {
				t.Errorf("More = true on a complete page")
			}
			for i, r := range page.Records {
				if i > 0 && !r.DateAdded.After(page.Records[i-1].DateAdded) {
					t.Errorf("records not ascending by date_added at %d", i)
				}
				o := f.find(r)
				if string(r.JSON) != string(o.JSON) || r.Type != o.Type || r.SpecVersion != o.EffectiveSpecVersion() ||
					r.MediaType != "application/stix+json;version="+o.EffectiveSpecVersion() {
					t.Errorf("record %+v does not match the stored object %s", r, o.JSON)
				}
			}
			// Paging with every small limit gives the same sequence.
			for limit := 1; limit <= 3; limit++ {
				q := tc.q
				q.Limit = limit
				if got := keys(walk(t, f.db, f.coll, q)); !slices.Equal(append([]string{}, got...), want) {
					t.Errorf("limit %d walk: got %v, want %v", limit, got, want)
				}
			}
			// A manifest is the same walk without bytes.
			q := tc.q
			q.NoBytes = true
			page, err = f.db.Objects(ctx, f.coll, q)
			if err != nil {
				t.Fatal(err)
			}
			if got := append([]string{}, keys(page.Records)...); !slices.Equal(got, want) {
				t.Errorf("NoBytes: got %v, want %v", got, want)
			}
			for _, r := range page.Records {
				if r.JSON != nil {
					t.Errorf("NoBytes record %s has JSON", r.ID)
				}
			}
		})
	}
}

// find returns the fixture object a record came from.
func (f *fixture) find(r store.Record) stix.Object {
	for _, o := range f.steps {
		if o.ID == r.ID && o.Version() == r.Version {
			return o
		}
	}
	return stix.Object{}
}

func testObjectsPageLimitAndNext(t *testing.T, open Opener) {
	f := newFixture(t, open)
	q := store.Query{Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}, Limit: 5}
	page, err := f.db.Objects(ctx, f.coll, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 5 || !page.More || page.Next != store.Position(f.at(5).UnixMicro()) {
		t.Errorf("first page: %d records, More %v, Next %d; want 5, true, %d", len(page.Records), page.More, page.Next, f.at(5).UnixMicro())
	}
	q.After = page.Next
	q.Limit = 8
	page, err = f.db.Objects(ctx, f.coll, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 8 || page.More {
		t.Errorf("last page: %d records, More %v; want 8, false", len(page.Records), page.More)
	}
	if page.Next != store.Position(f.at(13).UnixMicro()) {
		t.Errorf("Next of the last page = %d, want %d", page.Next, f.at(13).UnixMicro())
	}
}

func testObjectsLimitCappedByMaxPageSize(t *testing.T, open Opener) {
	db := mustOpen(t, open, &store.Options{MaxPageSize: 3})
	c := mustCollection(t, db, "c")
	for i := 0; i < 5; i++ {
		mustPut(t, db, c.ID, sdo("note", objID("note", i), mA1, "2.1"))
	}
	for _, limit := range []int{0, 3, 4, 1000} {
		page, err := db.Objects(ctx, c.ID, store.Query{Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Records) != 3 || !page.More {
			t.Errorf("limit %d: %d records, More %v; want 3 (the server cap), true", limit, len(page.Records), page.More)
		}
	}
}

func testObjectsRejectsMalformedQueries(t *testing.T, open Opener) {
	f := newFixture(t, open)
	for _, tc := range []struct {
		name string
		q    store.Query
		want string
	}{
		{"all with last", store.Query{Versions: []string{"all", "last"}}, "versions"},
		{"last with all", store.Query{Versions: []string{"last", "all"}}, "versions"},
		{"all with explicit", store.Query{Versions: []string{mA1, "all"}}, "versions"},
		{"duplicate keyword", store.Query{Versions: []string{"last", "last"}}, "versions"},
		{"duplicate explicit", store.Query{Versions: []string{mA1, "first", mA1}}, "versions"},
		{"duplicate all", store.Query{Versions: []string{"all", "all"}}, "versions"},
		{"empty version", store.Query{Versions: []string{""}}, "versions"},
		{"duplicate spec", store.Query{SpecVersions: []string{"2.1", "2.1"}}, "spec"},
		{"empty spec", store.Query{SpecVersions: []string{""}}, "spec"},
		{"empty id", store.Query{IDs: []string{idA, ""}}, "ids"},
		{"empty type", store.Query{Types: []string{""}}, "types"},
		{"NUL in id", store.Query{IDs: []string{"a\x00b"}}, "ids"},
		{"negative limit", store.Query{Limit: -1}, "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.db.Objects(ctx, f.coll, tc.q)
			if !errors.Is(err, store.ErrBadParameter) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Objects: %v, want ErrBadParameter naming %q", err, tc.want)
			}
		})
	}
}

func testObjectsUnknownCollection(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	if _, err := db.Objects(ctx, "nope", store.Query{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Objects: %v, want ErrNotFound", err)
	}
	if _, err := db.ObjectVersions(ctx, "nope", idA, store.Query{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ObjectVersions: %v, want ErrNotFound", err)
	}
	if _, err := db.ObjectExists(ctx, "nope", idA); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ObjectExists: %v, want ErrNotFound", err)
	}
	if _, err := db.LastDateAdded(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LastDateAdded: %v, want ErrNotFound", err)
	}
	if _, err := db.CountVersions(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CountVersions: %v, want ErrNotFound", err)
	}
}

func testObjectVersions(t *testing.T, open Opener) {
	f := newFixture(t, open)
	for _, tc := range []struct {
		name  string
		id    string
		q     store.Query
		steps []int
	}{
		{"all versions ascending by date_added", idA, store.Query{}, []int{1, 4, 9}},
		{"latest spec only by default", idC, store.Query{}, []int{6}},
		{"spec 2.0", idC, store.Query{SpecVersions: []string{"2.0"}}, []int{3, 10}},
		{"both specs", idC, store.Query{SpecVersions: []string{"2.0", "2.1"}}, []int{3, 6, 10}},
		{"added_after", idA, store.Query{AddedAfter: f.at(4)}, []int{9}},
		{"versions and types in the query are ignored", idA, store.Query{Versions: []string{"first"}, Types: []string{"malware"}}, []int{1, 4, 9}},
		{"SCO", idS1, store.Query{}, []int{5, 11}},
		{"unknown object", objID("note", 42), store.Query{}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := f.want(tc.steps...)
			page, err := f.db.ObjectVersions(ctx, f.coll, tc.id, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if got := append([]string{}, keys(page.Records)...); !slices.Equal(got, want) || page.More {
				t.Errorf("got %v (More %v), want %v", got, page.More, want)
			}
			q := tc.q
			q.Limit = 1
			q.IDs = []string{tc.id}
			q.Versions = []string{"all"}
			q.Types = nil
			if got := keys(walk(t, f.db, f.coll, q)); !slices.Equal(append([]string{}, got...), want) {
				t.Errorf("paged: got %v, want %v", got, want)
			}
		})
	}
}

func testObjectExistsAndCounts(t *testing.T, open Opener) {
	f := newFixture(t, open)
	for id, want := range map[string]bool{idA: true, idS2: true, objID("indicator", 99): false, idA[:10]: false} {
		if got, err := f.db.ObjectExists(ctx, f.coll, id); err != nil || got != want {
			t.Errorf("ObjectExists(%s) = %v, %v; want %v", id, got, err, want)
		}
	}
	if n, err := f.db.CountVersions(ctx, f.coll); err != nil || n != 13 {
		t.Errorf("CountVersions = %d, %v; want 13", n, err)
	}
	if last, err := f.db.LastDateAdded(ctx, f.coll); err != nil || !last.Equal(f.at(13)) {
		t.Errorf("LastDateAdded = %v, %v; want %v", last, err, f.at(13))
	}
	empty := mustCollection(t, f.db, "empty")
	if last, err := f.db.LastDateAdded(ctx, empty.ID); err != nil || !last.IsZero() {
		t.Errorf("LastDateAdded of an empty collection = %v, %v; want zero", last, err)
	}
}
