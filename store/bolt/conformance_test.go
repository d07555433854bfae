package bolt_test

import (
	"path/filepath"
	"testing"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/store/storetest"
)

// openStore opens a new bbolt file in a temporary directory: the Opener of
// the conformance suite.
func openStore(t *testing.T, opts *store.Options) store.Store {
	t.Helper()
	db, err := bolt.Open(filepath.Join(t.TempDir(), "herald.db"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return db
}

// TestConformance runs the store.Store conformance suite against bbolt
// files.
func TestConformance(t *testing.T) { storetest.Run(t, openStore) }

// TestOpenByPath: store.Open gives a path to this backend (it registers
// itself for paths).
func TestOpenByPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	s, err := store.Open(ctx, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, ok := s.(*bolt.DB)
	if !ok || db.Path() != path {
		t.Errorf("store.Open(%q) = %T, want a *bolt.DB of that file", path, s)
	}
	mustCheckClose(t, s)
}
