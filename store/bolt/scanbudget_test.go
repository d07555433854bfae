package bolt_test

import (
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// TestObjectsScanBudget: a filter that can only be answered record by
// record (last among an explicit spec-version list) over many rejected
// versions returns short pages with More set instead of scanning without
// bound, and the walk still finds the one match.
func TestObjectsScanBudget(t *testing.T) {
	db := mustOpen(t, &store.Options{NoSync: true})
	c := mustCollection(t, db, "c")
	const n = 10_050
	objs := make([]stix.Object, n)
	base := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range objs {
		objs[i] = sdo("indicator", idA, base.Add(time.Duration(i)*time.Second).Format(time.RFC3339), "2.1")
	}
	mustPut(t, db, c.ID, objs...)
	q := store.Query{SpecVersions: []string{"2.1"}, Limit: 1}
	page, err := db.Objects(ctx, c.ID, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Records) != 0 || !page.More || page.Next == 0 {
		t.Errorf("first page: %d records, More %v, Next %d; want an empty page with More and a Next", len(page.Records), page.More, page.Next)
	}
	got := walk(t, db, c.ID, q)
	if want := objs[n-1].Modified; len(got) != 1 || got[0].Version != want {
		t.Errorf("walk = %v, want only the last version %s", keys(got), want)
	}
}
