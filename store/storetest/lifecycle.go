package storetest

import (
	"slices"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// versionList is "version@spec" of each record, in order.
func versionList(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.Version + "@" + r.SpecVersion
	}
	return out
}

// An object's versions are listed in date_added order (versions endpoint,
// match[id] with match[version]=all, added_after, deletion by filter)
// however many it has, as it grows from one version to several and
// shrinks back. A backend may keep the versions of single-version objects
// in a different index than the others (the bbolt backend does), so each
// step crosses that line.
func testVersionsAsObjectsGrowAndShrink(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	coll := mustCollection(t, db, "lifecycle").ID
	id := objID("indicator", 1)
	other := objID("indicator", 2) // a neighbour with one version throughout
	v := []string{"2021-01-01T00:00:00Z", "2021-01-02T00:00:00Z", "2021-01-03T00:00:00Z"}
	put := func(version string) {
		t.Helper()
		mustPut(t, db, coll, sdo("indicator", id, version, "2.1"))
	}
	expect := func(step string, want ...string) {
		t.Helper()
		page, err := db.ObjectVersions(ctx, coll, id, store.Query{})
		if err != nil {
			t.Fatalf("%s: ObjectVersions: %v", step, err)
		}
		if got := versionList(page.Records); !slices.Equal(got, want) {
			t.Errorf("%s: versions %v, want %v", step, got, want)
		}
		all := walk(t, db, coll, store.Query{IDs: []string{id}, Versions: []string{store.VersionAll}, Limit: 1})
		if got := versionList(all); !slices.Equal(got, want) {
			t.Errorf("%s: match[id] with match[version]=all, one per page: %v, want %v", step, got, want)
		}
		if len(all) > 0 {
			after := walk(t, db, coll, store.Query{IDs: []string{id}, Versions: []string{store.VersionAll}, AddedAfter: all[0].DateAdded})
			if got := versionList(after); !slices.Equal(got, want[1:]) {
				t.Errorf("%s: added_after the first: %v, want %v", step, got, want[1:])
			}
		}
		exists, err := db.ObjectExists(ctx, coll, id)
		if err != nil || exists != (len(want) > 0) {
			t.Errorf("%s: ObjectExists = %v, %v; want %v", step, exists, err, len(want) > 0)
		}
		if got := versionList(walk(t, db, coll, store.Query{IDs: []string{other}, Versions: []string{store.VersionAll}})); len(got) != 1 {
			t.Errorf("%s: the neighbour's versions %v, want its one version", step, got)
		}
	}
	mustPut(t, db, coll, sdo("indicator", other, v[0], "2.1"))
	expect("no version")
	put(v[1])
	expect("one version", v[1]+"@2.1")
	put(v[0]) // older version string, later date_added
	expect("a second version", v[1]+"@2.1", v[0]+"@2.1")
	if n, err := db.DeleteObject(ctx, coll, id, []string{v[1]}, nil); err != nil || n != 1 {
		t.Fatalf("delete %s: %d, %v", v[1], n, err)
	}
	expect("deleted down to one", v[0]+"@2.1")
	put(v[2])
	expect("a second version again", v[0]+"@2.1", v[2]+"@2.1")
	mustPut(t, db, coll, sdo("indicator", id, v[1], "2.1"), sdo("indicator", id, "2021-01-04T00:00:00Z", "2.1"))
	expect("two more in one call", v[0]+"@2.1", v[2]+"@2.1", v[1]+"@2.1", "2021-01-04T00:00:00Z@2.1")
	if n, err := db.DeleteObject(ctx, coll, id, []string{"first"}, nil); err != nil || n != 1 {
		t.Fatalf("delete first: %d, %v", n, err)
	}
	expect("the first deleted", v[2]+"@2.1", v[1]+"@2.1", "2021-01-04T00:00:00Z@2.1")
	if n, err := db.DeleteObject(ctx, coll, id, nil, nil); err != nil || n != 3 {
		t.Fatalf("delete the object: %d, %v", n, err)
	}
	expect("deleted")

	// A new object given two versions in one call, and one given a single
	// version and then replaced.
	fresh := objID("indicator", 3)
	mustPut(t, db, coll, sdo("indicator", fresh, v[0], "2.1"), sdo("indicator", fresh, v[1], "2.1"))
	if got := versionList(walk(t, db, coll, store.Query{IDs: []string{fresh}, Versions: []string{store.VersionAll}})); len(got) != 2 {
		t.Errorf("two versions in one call: %v", got)
	}
	_, err := db.PutObjectsWith(ctx, coll, []stix.Object{sdo("indicator", other, v[0], "2.1", "renamed")}, store.PutOptions{OnConflict: store.ConflictReplace})
	if err != nil {
		t.Fatal(err)
	}
	if got := walk(t, db, coll, store.Query{IDs: []string{other}, Versions: []string{store.VersionAll}}); len(got) != 1 || !strings.Contains(string(got[0].JSON), "renamed") {
		t.Errorf("replaced single version: %d versions, want 1 with the new bytes", len(got))
	}
}

// An object whose id does not start with its type (the store does not
// forbid it) is found by its type, not by the one its id names, through
// every index: first, last and all versions, by id, after its default
// versions move and after a deletion.
func testTypeNotNamedByID(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	coll := mustCollection(t, db, "odd-ids").ID
	id := objID("campaign", 1) // holds a "tool"
	mustPut(t, db, coll,
		sdo("tool", id, "2021-01-01T00:00:00Z", "2.1"),
		sdo("tool", id, "2021-01-02T00:00:00Z", "2.1"),
		sdo("campaign", objID("campaign", 2), "2021-01-01T00:00:00Z", "2.1"))
	mustPut(t, db, coll, sdo("tool", id, "2021-01-03T00:00:00Z", "2.1"))
	for _, tc := range []struct {
		versions []string
		want     []string
	}{
		{nil, []string{"2021-01-03T00:00:00Z@2.1"}},
		{[]string{store.VersionFirst}, []string{"2021-01-01T00:00:00Z@2.1"}},
		{[]string{store.VersionAll}, []string{"2021-01-01T00:00:00Z@2.1", "2021-01-02T00:00:00Z@2.1", "2021-01-03T00:00:00Z@2.1"}},
	} {
		got := versionList(walk(t, db, coll, store.Query{Types: []string{"tool"}, Versions: tc.versions}))
		if !slices.Equal(got, tc.want) {
			t.Errorf("type tool, versions %v: %v, want %v", tc.versions, got, tc.want)
		}
		if got := walk(t, db, coll, store.Query{Types: []string{"campaign"}, Versions: tc.versions}); len(got) != 1 || got[0].ID != objID("campaign", 2) {
			t.Errorf("type campaign, versions %v: %d records, want only the real campaign", tc.versions, len(got))
		}
		got = versionList(walk(t, db, coll, store.Query{IDs: []string{id}, Types: []string{"tool"}, Versions: tc.versions}))
		if !slices.Equal(got, tc.want) {
			t.Errorf("id and type tool, versions %v: %v, want %v", tc.versions, got, tc.want)
		}
	}
	if n, err := db.DeleteObject(ctx, coll, id, []string{"last"}, nil); err != nil || n != 1 {
		t.Fatalf("delete last: %d, %v", n, err)
	}
	if got := versionList(walk(t, db, coll, store.Query{Types: []string{"tool"}})); !slices.Equal(got, []string{"2021-01-02T00:00:00Z@2.1"}) {
		t.Errorf("type tool after deleting the last version: %v", got)
	}
	for _, r := range walk(t, db, coll, store.Query{Versions: []string{store.VersionAll}}) {
		if r.ID == id && r.Type != "tool" {
			t.Errorf("version %s of %s has type %q, want tool", r.Version, id, r.Type)
		}
	}
}
