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

// Re-importing a release of a feed: the same version with JSON-equal
// content is Unchanged; a real difference is a conflict, settled by
// PutOptions.OnConflict (keep, replace, fail).

// withJSON returns o with other bytes for the same version.
func withJSON(o stix.Object, js string) stix.Object {
	o.JSON = []byte(js)
	return o
}

// mustPutWith is mustPut with options.
func mustPutWith(tb testing.TB, db store.Store, coll string, opts store.PutOptions, objs ...stix.Object) []store.PutResult {
	tb.Helper()
	res, err := db.PutObjectsWith(ctx, coll, objs, opts)
	if err != nil {
		tb.Fatalf("PutObjectsWith(%+v): %v", opts, err)
	}
	return res
}

// storedJSON is the stored bytes of one version, failing when the
// collection does not hold it exactly once.
func storedJSON(tb testing.TB, db store.Store, coll, id, version string) string {
	tb.Helper()
	page, err := db.ObjectVersions(ctx, coll, id, store.Query{SpecVersions: []string{"2.0", "2.1"}})
	if err != nil {
		tb.Fatal(err)
	}
	var found []string
	for _, r := range page.Records {
		if r.Version == version {
			found = append(found, string(r.JSON))
		}
	}
	if len(found) != 1 {
		tb.Fatalf("versions of %s list version %s %d times, want once", id, version, len(found))
	}
	return found[0]
}

func mustNoProblems(tb testing.TB, db store.Store) {
	tb.Helper()
	problems, err := db.Check(ctx)
	if err != nil {
		tb.Fatalf("Check: %v", err)
	}
	for _, p := range problems {
		tb.Errorf("Check problem: %s", p)
	}
}

func testPutObjectsJSONEqualIsUnchanged(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now})
	c := mustCollection(t, db, "c")
	id := objID("indicator", 1)
	const mod = "2021-01-01T00:00:00.000Z"
	orig := withJSON(sdo("indicator", id, mod, "2.1"),
		`{"type":"indicator","spec_version":"2.1","id":"`+id+`","created":"2020-01-01T00:00:00.000Z","modified":"`+mod+`","name":"A","confidence":50,"labels":["x","y"],"x_score":1.5}`)
	first := mustPut(t, db, c.ID, orig)[0]
	variants := map[string]string{
		"key order":       `{"x_score":1.5,"labels":["x","y"],"confidence":50,"name":"A","modified":"` + mod + `","created":"2020-01-01T00:00:00.000Z","id":"` + id + `","spec_version":"2.1","type":"indicator"}`,
		"white space":     "{\n  \"type\": \"indicator\",\n  \"spec_version\": \"2.1\",\n  \"id\": \"" + id + "\",\n  \"created\": \"2020-01-01T00:00:00.000Z\",\n  \"modified\": \"" + mod + "\",\n  \"name\": \"A\",\n  \"confidence\": 50,\n  \"labels\": [ \"x\", \"y\" ],\n  \"x_score\": 1.5\n}\n",
		"string escapes":  `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2020-01-01T00:00:00.000Z","modified":"` + mod + `","name":"\u0041","confidence":50,"labels":["x","\u0079"],"x_score":1.5}`,
		"number spelling": `{"type":"indicator","spec_version":"2.1","id":"` + id + `","created":"2020-01-01T00:00:00.000Z","modified":"` + mod + `","name":"A","confidence":5e1,"labels":["x","y"],"x_score":1.50}`,
	}
	for name, js := range variants {
		clk.Add(time.Second)
		res := mustPutWith(t, db, c.ID, store.PutOptions{OnConflict: store.ConflictReplace}, withJSON(orig, js))
		if res[0].Outcome != store.Unchanged || !res[0].DateAdded.Equal(first.DateAdded) {
			t.Errorf("%s variant under replace: %+v, want unchanged with the stored date_added %v", name, res[0], first.DateAdded)
		}
		if _, err := db.PutObjectsWith(ctx, c.ID, []stix.Object{withJSON(orig, js)}, store.PutOptions{OnConflict: store.ConflictFail}); err != nil {
			t.Errorf("%s variant under fail: %v, want no conflict", name, err)
		}
	}
	// Inside one call too.
	res := mustPut(t, db, c.ID, withJSON(orig, variants["key order"]), withJSON(orig, variants["white space"]))
	for i, r := range res {
		if r.Outcome != store.Unchanged {
			t.Errorf("variant %d in one call: %v, want unchanged", i, r.Outcome)
		}
	}
	if got := storedJSON(t, db, c.ID, id, mod); got != string(orig.JSON) {
		t.Errorf("stored bytes changed:\n got %s\nwant %s", got, orig.JSON)
	}
	if last, err := db.LastDateAdded(ctx, c.ID); err != nil || !last.Equal(first.DateAdded) {
		t.Errorf("LastDateAdded = %v, %v; want %v (nothing moved)", last, err, first.DateAdded)
	}
	// A real difference is still a conflict; a different array order is one.
	for _, js := range []string{
		strings.Replace(string(orig.JSON), `"name":"A"`, `"name":"B"`, 1),
		strings.Replace(string(orig.JSON), `["x","y"]`, `["y","x"]`, 1),
		strings.Replace(string(orig.JSON), `"confidence":50`, `"confidence":"50"`, 1),
	} {
		if r := mustPut(t, db, c.ID, withJSON(orig, js))[0]; r.Outcome != store.Conflict {
			t.Errorf("%s: %v, want conflict", js, r.Outcome)
		}
	}
}

func testPutObjectsConflictKeep(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	c := mustCollection(t, db, "c")
	id := objID("malware", 1)
	v1 := sdo("malware", id, "2021-01-01T00:00:00.000Z", "2.1", "old")
	edited := sdo("malware", id, "2021-01-01T00:00:00.000Z", "2.1", "edited")
	first := mustPut(t, db, c.ID, v1)[0]
	for _, opts := range []store.PutOptions{{}, {OnConflict: store.ConflictKeep}} {
		r := mustPutWith(t, db, c.ID, opts, edited)[0]
		if r.Outcome != store.Conflict || !r.DateAdded.Equal(first.DateAdded) || r.ID != id || r.Version != v1.Modified {
			t.Errorf("%+v: %+v, want conflict at the stored date_added", opts, r)
		}
	}
	if got := storedJSON(t, db, c.ID, id, v1.Modified); got != string(v1.JSON) {
		t.Errorf("keep changed the stored bytes to %s", got)
	}
	if _, err := db.PutObjectsWith(ctx, c.ID, []stix.Object{edited}, store.PutOptions{OnConflict: "overwrite"}); !errors.Is(err, store.ErrBadParameter) {
		t.Errorf("unknown policy: %v, want ErrBadParameter", err)
	}
}

func testPutObjectsConflictReplace(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now})
	c := mustCollection(t, db, "c")
	replace := store.PutOptions{OnConflict: store.ConflictReplace}
	a := sdo("malware", objID("malware", 1), "2021-01-01T00:00:00.000Z", "2.1", "a")
	b1 := sdo("malware", objID("malware", 2), "2021-01-01T00:00:00.000Z", "2.1", "b")
	b2 := sdo("malware", objID("malware", 2), "2021-06-01T00:00:00.000Z", "2.1", "b")
	d := sdo("malware", objID("malware", 3), "2021-01-01T00:00:00.000Z", "2.1", "d")
	mustPut(t, db, c.ID, a, b1, b2, d)

	// Two walkers by added_after (Query.After, one version a page): one
	// has read a only, the other a, b1 and b2.
	all := store.Query{Versions: []string{store.VersionAll}, Limit: 1}
	walker := func(n int) (store.Query, []store.Record) {
		q := all
		var seen []store.Record
		for range n {
			page, err := db.Objects(ctx, c.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			seen = append(seen, page.Records...)
			q.After = page.Next
		}
		return q, seen
	}
	q1, seen1 := walker(1)
	q2, seen2 := walker(3)
	if got := keys(seen2); !slices.Equal(got, []string{a.ID + "@" + a.Modified, b1.ID + "@" + b1.Modified, b2.ID + "@" + b2.Modified}) {
		t.Fatalf("walker read %v", got)
	}
	before, err := db.LastDateAdded(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}

	clk.Add(-time.Hour) // a clock that went back must not matter
	b1edited := sdo("malware", b1.ID, b1.Modified, "2.1", "b, corrected in place")
	res := mustPutWith(t, db, c.ID, replace, b1edited, a)
	if res[0].Outcome != store.Replaced || res[0].NewObject || !res[0].DateAdded.After(before) {
		t.Errorf("replace: %+v, want replaced with a date_added after %v", res[0], before)
	}
	if res[1].Outcome != store.Unchanged {
		t.Errorf("unchanged object in the same call: %v", res[1].Outcome)
	}
	if last, err := db.LastDateAdded(ctx, c.ID); err != nil || !last.Equal(res[0].DateAdded) {
		t.Errorf("LastDateAdded = %v, %v; want the replaced version's %v", last, err, res[0].DateAdded)
	}
	if n, err := db.CountVersions(ctx, c.ID); err != nil || n != 4 {
		t.Errorf("CountVersions = %d, %v; want 4", n, err)
	}
	if got := storedJSON(t, db, c.ID, b1.ID, b1.Modified); got != string(b1edited.JSON) {
		t.Errorf("stored bytes after replace = %s, want %s", got, b1edited.JSON)
	}
	mustNoProblems(t, db)

	// Each walker, continued, receives the corrected version exactly once
	// and never the old bytes again; a new walk lists each version once,
	// the replaced one last.
	for i, w := range []struct {
		q    store.Query
		seen []store.Record
		rest []string
	}{
		{q1, seen1, []string{b2.ID + "@" + b2.Modified, d.ID + "@" + d.Modified, b1.ID + "@" + b1.Modified}},
		{q2, seen2, []string{d.ID + "@" + d.Modified, b1.ID + "@" + b1.Modified}},
	} {
		rest := walk(t, db, c.ID, w.q)
		if got := keys(rest); !slices.Equal(got, w.rest) {
			t.Errorf("walker %d continued: %v, want %v", i+1, got, w.rest)
			continue
		}
		if string(rest[len(rest)-1].JSON) != string(b1edited.JSON) {
			t.Errorf("walker %d received %s, want the corrected bytes", i+1, rest[1].JSON)
		}
		for _, r := range w.seen {
			if r.ID == b1.ID && r.Version == b1.Modified && string(r.JSON) == string(b1edited.JSON) {
				t.Errorf("walker %d saw the corrected bytes before the replace", i+1)
			}
		}
	}
	fresh := walk(t, db, c.ID, store.Query{Versions: []string{store.VersionAll}, Limit: 2})
	if got := keys(fresh); !slices.Equal(got, []string{a.ID + "@" + a.Modified, b2.ID + "@" + b2.Modified, d.ID + "@" + d.Modified, b1.ID + "@" + b1.Modified}) {
		t.Errorf("a new walk: %v", got)
	}
	// added_after the old last date_added returns the replaced version only.
	page, err := db.Objects(ctx, c.ID, store.Query{AddedAfter: before, Versions: []string{store.VersionAll}})
	if err != nil || len(page.Records) != 1 || page.Records[0].Version != b1.Modified {
		t.Errorf("added_after the old last: %v, %v", keys(page.Records), err)
	}
	// first/last see the new bytes; the latest version is still b2.
	for _, tc := range []struct{ v, want string }{{store.VersionFirst, string(b1edited.JSON)}, {store.VersionLast, string(b2.JSON)}} {
		page, err := db.Objects(ctx, c.ID, store.Query{IDs: []string{b1.ID}, Versions: []string{tc.v}})
		if err != nil || len(page.Records) != 1 || string(page.Records[0].JSON) != tc.want {
			t.Errorf("match[version]=%s: %v, %v; want %s", tc.v, page.Records, err, tc.want)
		}
	}
	page, err = db.ObjectVersions(ctx, c.ID, b1.ID, store.Query{})
	if err != nil || !slices.Equal(keys(page.Records), []string{b2.ID + "@" + b2.Modified, b1.ID + "@" + b1.Modified}) {
		t.Errorf("versions after replace: %v, %v", keys(page.Records), err)
	}

	// Replacing the latest (and only) version of an object keeps it the
	// default last; a later new version still gets a later date_added.
	dEdited := sdo("malware", d.ID, d.Modified, "2.1", "d2")
	r := mustPutWith(t, db, c.ID, replace, dEdited)[0]
	if r.Outcome != store.Replaced {
		t.Fatalf("replace d: %v", r.Outcome)
	}
	page, err = db.Objects(ctx, c.ID, store.Query{IDs: []string{d.ID}})
	if err != nil || len(page.Records) != 1 || string(page.Records[0].JSON) != string(dEdited.JSON) {
		t.Errorf("last of d after replace: %v, %v", page.Records, err)
	}
	n := mustPut(t, db, c.ID, sdo("note", objID("note", 1), "2021-01-01T00:00:00Z", "2.1"))[0]
	if !n.DateAdded.After(r.DateAdded) {
		t.Errorf("a version added after a replace got %v, not after %v", n.DateAdded, r.DateAdded)
	}

	// The same version twice in one call with other content: the later
	// bytes win, the version is stored once.
	e1 := sdo("malware", objID("malware", 4), "2021-01-01T00:00:00.000Z", "2.1", "e")
	e2 := sdo("malware", e1.ID, e1.Modified, "2.1", "e, again")
	res = mustPutWith(t, db, c.ID, replace, e1, e2, e2)
	if res[0].Outcome != store.Added || res[1].Outcome != store.Replaced || res[2].Outcome != store.Unchanged ||
		!res[1].DateAdded.After(res[0].DateAdded) || !res[2].DateAdded.Equal(res[1].DateAdded) {
		t.Errorf("one call e1, e2, e2: %+v", res)
	}
	if got := storedJSON(t, db, c.ID, e1.ID, e1.Modified); got != string(e2.JSON) {
		t.Errorf("stored %s, want the later bytes %s", got, e2.JSON)
	}
	if n, err := db.CountVersions(ctx, c.ID); err != nil || n != 6 {
		t.Errorf("CountVersions = %d, %v; want 6", n, err)
	}
}

func testPutObjectsConflictFail(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now})
	c := mustCollection(t, db, "c")
	fail := store.PutOptions{OnConflict: store.ConflictFail}
	a := sdo("malware", objID("malware", 1), "2021-01-01T00:00:00.000Z", "2.1", "a")
	b := sdo("malware", objID("malware", 2), "2021-01-01T00:00:00.000Z", "2.1", "b")
	mustPut(t, db, c.ID, a, b)
	last, err := db.LastDateAdded(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}

	clk.Add(time.Hour)
	newObj := sdo("note", objID("note", 1), "2021-01-01T00:00:00.000Z", "2.1")
	newVersion := sdo("malware", a.ID, "2021-02-01T00:00:00.000Z", "2.1", "a")
	bEdited := sdo("malware", b.ID, b.Modified, "2.1", "b edited")
	c1 := sdo("malware", objID("malware", 3), "2021-01-01T00:00:00.000Z", "2.1", "c")
	c1Edited := sdo("malware", c1.ID, c1.Modified, "2.1", "c edited")
	_, err = db.PutObjectsWith(ctx, c.ID, []stix.Object{newObj, a, newVersion, bEdited, c1, c1Edited}, fail)
	var ce *store.ConflictError
	if !errors.Is(err, store.ErrConflict) || !errors.As(err, &ce) {
		t.Fatalf("fail with conflicts: %v, want a *ConflictError", err)
	}
	if len(ce.Conflicts) != 2 || ce.Conflicts[0].Index != 3 || ce.Conflicts[0].ID != b.ID || ce.Conflicts[0].Version != b.Modified ||
		ce.Conflicts[1].Index != 5 || ce.Conflicts[1].ID != c1.ID {
		t.Errorf("conflicts = %+v, want b at 3 and the second c at 5", ce.Conflicts)
	}
	if !strings.Contains(err.Error(), b.ID) {
		t.Errorf("error %q does not name the object", err)
	}
	// Nothing was written.
	if n, err := db.CountVersions(ctx, c.ID); err != nil || n != 2 {
		t.Errorf("CountVersions = %d, %v; want 2", n, err)
	}
	if got, err := db.LastDateAdded(ctx, c.ID); err != nil || !got.Equal(last) {
		t.Errorf("LastDateAdded = %v, %v; want %v", got, err, last)
	}
	for _, id := range []string{newObj.ID, c1.ID} {
		if ok, err := db.ObjectExists(ctx, c.ID, id); err != nil || ok {
			t.Errorf("ObjectExists(%s) = %v, %v after a failed call", id, ok, err)
		}
	}
	if got := storedJSON(t, db, c.ID, b.ID, b.Modified); got != string(b.JSON) {
		t.Errorf("stored b = %s", got)
	}
	// Without a conflict, fail writes like keep.
	res := mustPutWith(t, db, c.ID, fail, newObj, a, newVersion)
	if res[0].Outcome != store.Added || res[1].Outcome != store.Unchanged || res[2].Outcome != store.Added {
		t.Errorf("fail without conflicts: %+v", res)
	}
}

func testCollectionConflictPolicy(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	def, err := db.CreateCollection(ctx, store.Collection{Title: "default"})
	if err != nil {
		t.Fatal(err)
	}
	if def.OnConflict != store.ConflictKeep {
		t.Errorf("default policy %q, want keep", def.OnConflict)
	}
	r, err := db.CreateCollection(ctx, store.Collection{Title: "mirror", OnConflict: store.ConflictReplace})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.Collection(ctx, "mirror"); err != nil || got.OnConflict != store.ConflictReplace {
		t.Errorf("Collection = %+v, %v; want on conflict replace", got, err)
	}
	r.OnConflict = store.ConflictFail
	if _, err := db.UpdateCollection(ctx, r); err != nil {
		t.Fatal(err)
	}
	cs, err := db.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		want := store.ConflictKeep
		if c.ID == r.ID {
			want = store.ConflictFail
		}
		if c.OnConflict != want {
			t.Errorf("collection %q: policy %q, want %q", c.Title, c.OnConflict, want)
		}
	}
	if _, err := db.CreateCollection(ctx, store.Collection{Title: "bad", OnConflict: "overwrite"}); !errors.Is(err, store.ErrBadParameter) {
		t.Errorf("unknown policy: %v, want ErrBadParameter", err)
	}
	r.OnConflict = "sometimes"
	if _, err := db.UpdateCollection(ctx, r); !errors.Is(err, store.ErrBadParameter) {
		t.Errorf("update with an unknown policy: %v, want ErrBadParameter", err)
	}
}
