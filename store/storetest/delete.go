package storetest

import (
	"errors"
	"slices"
	"testing"

	"github.com/heraldcti/herald/store"
)

func testDeleteObject(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name         string
		id           string
		versions     []string
		specVersions []string
		deleted      int
		// remaining: every version of every object, both specs.
		remaining []int
		// defaults: the default query (last, latest spec) afterwards.
		defaults []int
	}{
		{"everything", idA, nil, nil, 3, []int{2, 3, 5, 6, 7, 8, 10, 11, 12, 13}, []int{2, 6, 8, 11, 12, 13}},
		{"the last version", idA, []string{"last"}, nil, 1, []int{1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13}, []int{1, 2, 6, 8, 11, 12, 13}},
		{"the first version", idA, []string{"first"}, nil, 1, []int{1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13}, []int{2, 6, 8, 9, 11, 12, 13}},
		{"first and last", idA, []string{"first", "last"}, nil, 2, []int{1, 2, 3, 5, 6, 7, 8, 10, 11, 12, 13}, []int{1, 2, 6, 8, 11, 12, 13}},
		{"an explicit version", idA, []string{mA2}, nil, 1, []int{2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, []int{2, 6, 8, 9, 11, 12, 13}},
		{"versions default to all of the latest spec", idC, nil, []string{"2.1"}, 1, []int{1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13}, []int{2, 8, 9, 10, 11, 12, 13}},
		{"by spec version", idC, nil, []string{"2.0"}, 2, []int{1, 2, 4, 5, 6, 7, 8, 9, 11, 12, 13}, []int{2, 6, 8, 9, 11, 12, 13}},
		{"all of the latest spec only", idC, []string{"all"}, nil, 1, []int{1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13}, []int{2, 8, 9, 10, 11, 12, 13}},
		{"last across specs", idC, []string{"last"}, []string{"2.0", "2.1"}, 1, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13}, []int{2, 6, 8, 9, 11, 12, 13}},
		{"SCO last", idS1, []string{"last"}, nil, 1, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 13}, []int{2, 5, 6, 8, 9, 12, 13}},
		{"nothing matches", idA, []string{"1999-01-01T00:00:00Z"}, nil, 0, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, []int{2, 6, 8, 9, 11, 12, 13}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, open)
			n, err := f.db.DeleteObject(ctx, f.coll, tc.id, tc.versions, tc.specVersions)
			if err != nil || n != tc.deleted {
				t.Fatalf("DeleteObject = %d, %v; want %d", n, err, tc.deleted)
			}
			all := store.Query{Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}}
			if got, want := keys(walk(t, f.db, f.coll, all)), f.want(tc.remaining...); !slices.Equal(got, want) {
				t.Errorf("remaining:\n got %v\nwant %v", got, want)
			}
			if got, want := keys(walk(t, f.db, f.coll, store.Query{Limit: 2})), f.want(tc.defaults...); !slices.Equal(got, want) {
				t.Errorf("default query afterwards:\n got %v\nwant %v", got, want)
			}
			if count, _ := f.db.CountVersions(ctx, f.coll); count != len(tc.remaining) {
				t.Errorf("CountVersions = %d, want %d", count, len(tc.remaining))
			}
			// mustOpen's cleanup checks every index.
		})
	}
}

func testDeleteObjectErrors(t *testing.T, open Opener) {
	f := newFixture(t, open)
	if _, err := f.db.DeleteObject(ctx, f.coll, objID("note", 99), nil, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing object: %v, want ErrNotFound", err)
	}
	if _, err := f.db.DeleteObject(ctx, "nope", idA, nil, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing collection: %v, want ErrNotFound", err)
	}
	if _, err := f.db.DeleteObject(ctx, f.coll, idA, []string{"all", "last"}, nil); !errors.Is(err, store.ErrBadParameter) {
		t.Errorf("all,last: %v, want ErrBadParameter", err)
	}
	if n, _ := f.db.DeleteObject(ctx, f.coll, idA, nil, nil); n != 3 {
		t.Errorf("delete everything = %d, want 3", n)
	}
	if ok, _ := f.db.ObjectExists(ctx, f.coll, idA); ok {
		t.Error("deleted object still exists")
	}
	if _, err := f.db.DeleteObject(ctx, f.coll, idA, nil, nil); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
	// The object can come back.
	res := mustPut(t, f.db, f.coll, f.steps[0])
	if res[0].Outcome != store.Added || !res[0].NewObject {
		t.Errorf("re-adding a deleted object: %+v", res[0])
	}
}
