package storetest

import (
	"errors"
	"slices"
	"sort"
	"testing"

	"github.com/google/uuid"

	"github.com/heraldcti/herald/store"
)

func testCreateCollection(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now})
	c, err := db.CreateCollection(ctx, store.Collection{Title: "  Advisories ", Alias: "adv", Description: "d", PublicRead: true})
	if err != nil {
		t.Fatal(err)
	}
	u, err := uuid.Parse(c.ID)
	if err != nil || u.Version() != 4 || u.Variant() != uuid.RFC4122 {
		t.Errorf("id %q is not a UUIDv4", c.ID)
	}
	if c.Title != "Advisories" || !c.Created.Equal(clk.Now()) ||
		!slices.Equal(c.MediaTypes, []string{"application/stix+json;version=2.1"}) {
		t.Errorf("created %+v: want trimmed title, Created from the clock, default media type", c)
	}
	for _, ref := range []string{c.ID, "Advisories", "adv"} {
		got, err := db.Collection(ctx, ref)
		if err != nil {
			t.Fatalf("Collection(%q): %v", ref, err)
		}
		if got.ID != c.ID || got.Description != "d" || !got.PublicRead || got.Alias != "adv" || !got.Created.Equal(c.Created) {
			t.Errorf("Collection(%q) = %+v, want %+v", ref, got, c)
		}
	}
	if _, err := db.Collection(ctx, "advisories"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lookup is case-sensitive: got %v, want ErrNotFound", err)
	}
}

func testCollectionNamesAreUnique(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	a, err := db.CreateCollection(ctx, store.Collection{Title: "A", Alias: "a"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		c    store.Collection
		want error
	}{
		{"same title", store.Collection{Title: "A"}, store.ErrExists},
		{"title equal to an alias", store.Collection{Title: "a"}, store.ErrExists},
		{"alias equal to a title", store.Collection{Title: "B", Alias: "A"}, store.ErrExists},
		{"same alias", store.Collection{Title: "B", Alias: "a"}, store.ErrExists},
		{"title equal to an id", store.Collection{Title: a.ID}, store.ErrExists},
		{"empty title", store.Collection{Title: "  "}, store.ErrBadParameter},
		{"alias shaped like a UUID", store.Collection{Title: "B", Alias: uuid.NewString()}, store.ErrBadParameter},
		{"alias with a slash", store.Collection{Title: "B", Alias: "x/y"}, store.ErrBadParameter},
		{"control character", store.Collection{Title: "B\x01C"}, store.ErrBadParameter},
		{"empty media type", store.Collection{Title: "B", MediaTypes: []string{""}}, store.ErrBadParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := db.CreateCollection(ctx, tc.c); !errors.Is(err, tc.want) {
				t.Errorf("CreateCollection(%+v): %v, want %v", tc.c, err, tc.want)
			}
		})
	}
	// Title equal to its own alias is fine.
	if _, err := db.CreateCollection(ctx, store.Collection{Title: "same", Alias: "same"}); err != nil {
		t.Errorf("title equal to own alias: %v", err)
	}
}

func testUpdateCollection(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	a, _ := db.CreateCollection(ctx, store.Collection{Title: "A", Alias: "a"})
	b, _ := db.CreateCollection(ctx, store.Collection{Title: "B"})
	a.Title, a.Alias, a.PublicRead = "A2", "", true
	got, err := db.UpdateCollection(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "A2" || !got.Created.Equal(a.Created) {
		t.Errorf("UpdateCollection = %+v", got)
	}
	for _, ref := range []string{"A", "a"} {
		if _, err := db.Collection(ctx, ref); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("old name %q still resolves: %v", ref, err)
		}
	}
	if c, err := db.Collection(ctx, "A2"); err != nil || !c.PublicRead {
		t.Errorf("Collection(A2) = %+v, %v", c, err)
	}
	// The freed names can be used again, taken ones cannot.
	if _, err := db.CreateCollection(ctx, store.Collection{Title: "A", Alias: "a"}); err != nil {
		t.Errorf("reuse of freed names: %v", err)
	}
	b.Title = "A2"
	if _, err := db.UpdateCollection(ctx, b); !errors.Is(err, store.ErrExists) {
		t.Errorf("rename onto a taken title: %v, want ErrExists", err)
	}
	if _, err := db.UpdateCollection(ctx, store.Collection{ID: uuid.NewString(), Title: "X"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("update of a missing collection: %v, want ErrNotFound", err)
	}
}

func testCollectionsSortedByID(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	var ids []string
	for _, title := range []string{"z", "y", "x", "w", "v"} {
		ids = append(ids, mustCollection(t, db, title).ID)
	}
	sort.Strings(ids)
	list, err := db.Collections(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range list {
		got = append(got, c.ID)
	}
	if !slices.Equal(got, ids) {
		t.Errorf("Collections order %v, want %v", got, ids)
	}
}

func testDeleteCollection(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	a := mustCollection(t, db, "A")
	b := mustCollection(t, db, "B")
	mustPut(t, db, a.ID, sdo("note", objID("note", 1), mA1, "2.1"))
	mustPut(t, db, b.ID, sdo("note", objID("note", 1), mA1, "2.1"))
	hash, err := store.HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, store.Account{Name: "u", PasswordHash: hash,
		Grants: map[string]store.Grant{a.ID: {Read: true}, b.ID: {Read: true, Write: true}}}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteCollection(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Collection(ctx, "A"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted collection still found: %v", err)
	}
	if _, err := db.Objects(ctx, a.ID, store.Query{}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("objects of a deleted collection: %v, want ErrNotFound", err)
	}
	acc, err := db.Account(ctx, "u")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := acc.Grants[a.ID]; ok || acc.Grants[b.ID] != (store.Grant{Read: true, Write: true}) {
		t.Errorf("grants after delete = %v: want only the grant for B", acc.Grants)
	}
	if n, err := db.CountVersions(ctx, b.ID); err != nil || n != 1 {
		t.Errorf("the other collection lost objects: %d, %v", n, err)
	}
	if err := db.DeleteCollection(ctx, a.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	// The title is free again.
	mustCollection(t, db, "A")
}
