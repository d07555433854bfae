package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

func testPutObjectsOutcomes(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now})
	c := mustCollection(t, db, "c")
	id := objID("indicator", 1)
	v1 := sdo("indicator", id, "2021-01-01T00:00:00.000Z", "2.1", "a")
	v1other := sdo("indicator", id, "2021-01-01T00:00:00.000Z", "2.1", "b")
	v2 := sdo("indicator", id, "2021-02-01T00:00:00.000Z", "2.1", "a")
	s1 := sco("ipv4-addr", objID("ipv4-addr", 1), "10.0.0.1")

	// One call holding a new object, a second version, an exact duplicate
	// and a conflicting duplicate of a version added earlier in the call.
	res := mustPut(t, db, c.ID, v1, v2, v1, v1other, s1, s1)
	want := []struct {
		outcome store.Outcome
		newObj  bool
		version string
	}{
		{store.Added, true, v1.Modified},
		{store.Added, false, v2.Modified},
		{store.Unchanged, false, v1.Modified},
		{store.Conflict, false, v1.Modified},
		{store.Added, true, stix.ContentVersion(s1.JSON)},
		{store.Unchanged, false, stix.ContentVersion(s1.JSON)},
	}
	for i, w := range want {
		if res[i].Outcome != w.outcome || res[i].NewObject != w.newObj || res[i].Version != w.version {
			t.Errorf("result %d = %+v, want outcome %v new %v version %s", i, res[i], w.outcome, w.newObj, w.version)
		}
	}
	if !res[2].DateAdded.Equal(res[0].DateAdded) || !res[3].DateAdded.Equal(res[0].DateAdded) {
		t.Errorf("Unchanged/Conflict should report the stored date_added %v, got %v and %v",
			res[0].DateAdded, res[2].DateAdded, res[3].DateAdded)
	}
	// A later call: duplicate and conflict against stored versions.
	clk.Add(time.Hour)
	res = mustPut(t, db, c.ID, v2, v1other)
	if res[0].Outcome != store.Unchanged || res[1].Outcome != store.Conflict {
		t.Errorf("second call outcomes = %v, %v; want unchanged, conflict", res[0].Outcome, res[1].Outcome)
	}
	// The stored bytes of a conflicting version are kept.
	page, err := db.Objects(ctx, c.ID, store.Query{IDs: []string{id}, Versions: []string{v1.Modified}})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 1 || string(page.Records[0].JSON) != string(v1.JSON) {
		t.Errorf("stored version = %+v, want the first bytes %s", page.Records, v1.JSON)
	}
	if n, err := db.CountVersions(ctx, c.ID); err != nil || n != 3 {
		t.Errorf("CountVersions = %d, %v; want 3", n, err)
	}
}

func testPutObjectsDateAddedUniqueAndIncreasing(t *testing.T, open Opener) {
	// 100,000 versions in one call, all at the same clock instant, then
	// another batch with the clock moved backwards.
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now, NoSync: true})
	c := mustCollection(t, db, "c")
	const n = 100_000
	objs := make([]stix.Object, n)
	for i := range objs {
		objs[i] = sco("ipv4-addr", objID("ipv4-addr", i), "10.0.0.1")
	}
	res := mustPut(t, db, c.ID, objs...)
	start := clk.Now()
	for i, r := range res {
		if r.Outcome != store.Added {
			t.Fatalf("result %d: %v", i, r.Outcome)
		}
		if i == 0 && !r.DateAdded.Equal(start) {
			t.Errorf("first date_added %v, want the clock %v", r.DateAdded, start)
		}
		if i > 0 && r.DateAdded.Sub(res[i-1].DateAdded) != time.Microsecond {
			t.Fatalf("date_added %d = %v, previous %v: want +1µs", i, r.DateAdded, res[i-1].DateAdded)
		}
	}
	clk.Add(-time.Hour)
	more := mustPut(t, db, c.ID, sco("ipv4-addr", objID("ipv4-addr", n), "10.0.0.2"))
	if !more[0].DateAdded.After(res[n-1].DateAdded) {
		t.Errorf("date_added after a clock step back = %v, not after %v", more[0].DateAdded, res[n-1].DateAdded)
	}
	// The walk from just before the last of the batch sees it, then the
	// later version, and nothing else.
	page, err := db.Objects(ctx, c.ID, store.Query{After: store.Position(res[n-2].DateAdded.UnixMicro())})
	if err != nil {
		t.Fatal(err)
	}
	if got := keys(page.Records); len(got) != 2 || page.More ||
		!page.Records[0].DateAdded.Equal(res[n-1].DateAdded) || !page.Records[1].DateAdded.Equal(more[0].DateAdded) {
		t.Errorf("page after the batch = %v (More %v)", got, page.More)
	}
	last, err := db.LastDateAdded(ctx, c.ID)
	if err != nil || !last.Equal(more[0].DateAdded) {
		t.Errorf("LastDateAdded = %v, %v; want %v", last, err, more[0].DateAdded)
	}
}

func testPutObjectsDateAddedNeverReusedAfterDelete(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now})
	c := mustCollection(t, db, "c")
	a := mustPut(t, db, c.ID, sdo("note", objID("note", 1), "2021-01-01T00:00:00Z", "2.1"))
	if _, err := db.DeleteObject(ctx, c.ID, objID("note", 1), nil, nil); err != nil {
		t.Fatal(err)
	}
	b := mustPut(t, db, c.ID, sdo("note", objID("note", 2), "2021-01-01T00:00:00Z", "2.1"))
	if !b[0].DateAdded.After(a[0].DateAdded) {
		t.Errorf("date_added %v reused after delete (first was %v)", b[0].DateAdded, a[0].DateAdded)
	}
}

func testPutObjectsRejectsBadObjects(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	c := mustCollection(t, db, "c")
	good := sdo("note", objID("note", 1), "2021-01-01T00:00:00Z", "2.1")
	for _, tc := range []struct {
		name string
		obj  stix.Object
		want string
	}{
		{"empty id", stix.Object{Type: "note", JSON: []byte(`{}`)}, "#1"},
		{"empty type", stix.Object{ID: "note--x", JSON: []byte(`{}`)}, "note--x"},
		{"not JSON", stix.Object{ID: "note--x", Type: "note", Modified: "2021-01-01T00:00:00Z", JSON: []byte(`{"a":`)}, "note--x"},
		{"no bytes", stix.Object{ID: "note--x", Type: "note", Modified: "2021-01-01T00:00:00Z"}, "note--x"},
		{"NUL in id", stix.Object{ID: "note--x\x00y", Type: "note", JSON: []byte(`{}`)}, "NUL"},
		{"NUL in version", stix.Object{ID: "note--x", Type: "note", Modified: "a\x00b", JSON: []byte(`{}`)}, "NUL"},
		{"huge id", stix.Object{ID: strings.Repeat("x", 5000), Type: "note", JSON: []byte(`{}`)}, "longer"},
		{"huge spec_version", stix.Object{ID: "note--x", Type: "note", SpecVersion: strings.Repeat("2", 100), JSON: []byte(`{}`)}, "spec_version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.PutObjects(ctx, c.ID, []stix.Object{good, tc.obj})
			if !errors.Is(err, store.ErrBadParameter) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("PutObjects: %v, want ErrBadParameter mentioning %q", err, tc.want)
			}
		})
	}
	// Nothing of the rejected calls was stored, not even the good object.
	if n, err := db.CountVersions(ctx, c.ID); err != nil || n != 0 {
		t.Errorf("CountVersions = %d, %v after rejected calls; want 0", n, err)
	}
}

func testPutObjectsUnknownCollection(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	_, err := db.PutObjects(ctx, "no-such-collection", []stix.Object{sdo("note", objID("note", 1), "2021-01-01T00:00:00Z", "2.1")})
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PutObjects into a missing collection: %v, want ErrNotFound", err)
	}
}

func testPutObjectsCancelledContext(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	c := mustCollection(t, db, "c")
	cctx, cancel := contextWithCancel()
	cancel()
	if _, err := db.PutObjects(cctx, c.ID, []stix.Object{sdo("note", objID("note", 1), "2021-01-01T00:00:00Z", "2.1")}); err == nil {
		t.Error("PutObjects with a cancelled context succeeded")
	}
	if n, _ := db.CountVersions(ctx, c.ID); n != 0 {
		t.Errorf("CountVersions = %d after a cancelled put", n)
	}
}

func testPutObjectsEffectiveSpecVersion(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	c := mustCollection(t, db, "c")
	scoNoSpec := stix.Object{Type: "ipv4-addr", ID: objID("ipv4-addr", 1), JSON: []byte(`{"type":"ipv4-addr","id":"` + objID("ipv4-addr", 1) + `","value":"10.0.0.1"}`)}
	sdoNoSpec := sdo("malware", objID("malware", 1), mA1, "")
	mustPut(t, db, c.ID, scoNoSpec, sdoNoSpec)
	page, err := db.Objects(ctx, c.ID, store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range page.Records {
		want := map[string]string{"ipv4-addr": scoNoSpec.EffectiveSpecVersion(), "malware": "2.0"}[r.Type]
		if r.SpecVersion != want || r.MediaType != "application/stix+json;version="+want {
			t.Errorf("%s without spec_version: SpecVersion %q, MediaType %q; want %s", r.Type, r.SpecVersion, r.MediaType, want)
		}
	}
	if len(page.Records) != 2 {
		t.Errorf("got %d records, want 2", len(page.Records))
	}
}
