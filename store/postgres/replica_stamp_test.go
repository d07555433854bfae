package postgres_test

import (
	"errors"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/postgres"
)

// What one replica acknowledges, the next call on another replica sees:
// a new collection, a changed one, new content (the stamp moves) and a
// deleted collection. Collection and ContentStamp answer from reads shared
// between callers, which must still begin after each call.
func TestReplicaSeesAcknowledgedWritesAtOnce(t *testing.T) {
	dsn := openPGDSN(t)
	var a, b *postgres.DB
	for _, p := range []**postgres.DB{&a, &b} {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		*p = db
	}
	for round := range 20 {
		c, err := a.CreateCollection(ctx, store.Collection{Title: "t", Alias: "a"})
		if err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{c.ID, "t", "a"} {
			if got, err := b.Collection(ctx, ref); err != nil || got.ID != c.ID {
				t.Fatalf("round %d: replica b: Collection(%q) = %+v, %v just after a created it", round, ref, got, err)
			}
		}
		c.PublicRead = true
		if _, err := a.UpdateCollection(ctx, c); err != nil {
			t.Fatal(err)
		}
		if got, err := b.Collection(ctx, c.ID); err != nil || !got.PublicRead {
			t.Fatalf("round %d: replica b: %+v, %v just after a made it public", round, got, err)
		}
		before, ok, err := b.ContentStamp(ctx, c.ID)
		if err != nil || !ok {
			t.Fatal(ok, err)
		}
		id := "indicator--00000000-0000-4000-8000-000000000001"
		if _, err := a.PutObjects(ctx, c.ID, []stix.Object{{ID: id, Type: "indicator", SpecVersion: "2.1", Modified: "2024-01-01T00:00:00Z",
			JSON: []byte(`{"type":"indicator","id":"` + id + `","spec_version":"2.1","modified":"2024-01-01T00:00:00Z"}`)}}); err != nil {
			t.Fatal(err)
		}
		if after, _, err := b.ContentStamp(ctx, c.ID); err != nil || after == before {
			t.Fatalf("round %d: replica b's stamp %d, %v after a added an object (was %d)", round, after, err, before)
		}
		if _, after, _, err := b.StampedCollection(ctx, "t"); err != nil || after == before {
			t.Fatalf("round %d: replica b's StampedCollection stamp %d, %v after a added an object (was %d)", round, after, err, before)
		}
		if err := a.DeleteCollection(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Collection(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("round %d: replica b: Collection = %v just after a deleted it", round, err)
		}
		if _, _, err := b.ContentStamp(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("round %d: replica b: ContentStamp = %v just after a deleted the collection", round, err)
		}
	}
}
