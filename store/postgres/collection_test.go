package postgres_test

import (
	"errors"
	"testing"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/postgres"
)

// TestCollectionChangesSeenByEveryHandle: a collection changed or removed
// through one handle (one replica) is seen changed or gone through the
// same handle at once and through another once the change generation has
// reached it (nothing may cache a collection past that).
func TestCollectionChangesSeenByEveryHandle(t *testing.T) {
	dsn := openPGDSN(t)
	a, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	c, err := a.CreateCollection(ctx, store.Collection{Title: "t", Alias: "al", Description: "one"})
	if err != nil {
		t.Fatal(err)
	}
	// waitFor returns once h has seen every change committed so far.
	waitFor := func(h *postgres.DB) {
		t.Helper()
		var want uint64
		if err := a.Pool().QueryRow(ctx, "SELECT generation FROM herald_generation").Scan(&want); err != nil {
			t.Fatal(err)
		}
		for {
			ch := h.Changed()
			if h.Generation() >= want {
				return
			}
			<-ch
		}
	}
	describe := func(h *postgres.DB, ref string) string {
		t.Helper()
		got, err := h.Collection(ctx, ref)
		if err != nil {
			t.Fatalf("Collection(%s): %v", ref, err)
		}
		return got.Description
	}
	waitFor(b)
	for _, ref := range []string{c.ID, "t", "al"} {
		if d := describe(b, ref); d != "one" {
			t.Fatalf("b: %q", d)
		}
		describe(a, ref)
	}
	c.Description = "two"
	if _, err := a.UpdateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	if d := describe(a, "al"); d != "two" {
		t.Errorf("the writer's own handle still answers %q", d)
	}
	waitFor(b)
	if d := describe(b, "al"); d != "two" {
		t.Errorf("the other handle answers %q after the change reached it", d)
	}
	if err := a.DeleteCollection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Collection(ctx, "t"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the writer's own handle after delete: %v", err)
	}
	waitFor(b)
	if _, err := b.Collection(ctx, c.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the other handle after delete: %v", err)
	}
}
