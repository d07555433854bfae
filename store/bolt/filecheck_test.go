package bolt_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

// A database file cut short (a full disk, an interrupted copy) must be
// refused with a clear error at Open. bbolt maps the file, so reading a
// page past its end would otherwise kill the process with SIGBUS.
func TestOpenRefusesTruncatedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	col, err := db.CreateCollection(ctx, store.Collection{Title: "t"})
	if err != nil {
		t.Fatal(err)
	}
	objs := make([]stix.Object, 2000)
	for i := range objs {
		id := fmt.Sprintf("malware--%08x-0000-4000-8000-000000000000", i)
		js := fmt.Sprintf(`{"type":"malware","spec_version":"2.1","id":%q,"created":"2025-01-01T00:00:00.000Z","modified":"2025-01-01T00:00:00.000Z","name":"m%d","is_family":false,"description":"%0500d"}`, id, i, i)
		objs[i] = stix.Object{Type: "malware", ID: id, SpecVersion: "2.1", Created: "2025-01-01T00:00:00.000Z", Modified: "2025-01-01T00:00:00.000Z", JSON: []byte(js)}
	}
	if _, err := db.PutObjects(ctx, col.ID, objs); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}

	// The intact file opens.
	db, err = bolt.Open(path, nil)
	if err != nil {
		t.Fatalf("intact file: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	for _, size := range []int64{8192, 16384, st.Size() / 2} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			cut := filepath.Join(t.TempDir(), "cut.db")
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(cut, data[:size], 0o600); err != nil {
				t.Fatal(err)
			}
			db, err := bolt.Open(cut, nil)
			if err == nil {
				db.Close()
				t.Fatalf("truncated to %d of %d bytes: opened without error", size, st.Size())
			}
			if !errors.Is(err, store.ErrDamaged) {
				t.Fatalf("error %v does not wrap ErrDamaged", err)
			}
			got, _ := os.ReadFile(cut)
			if int64(len(got)) != size {
				t.Fatalf("the refused file was changed: %d bytes, want %d", len(got), size)
			}
		})
	}
}

// A file that is not a bbolt database at all is an error too, never a crash.
func TestOpenRefusesGarbageFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "garbage.db")
	junk := make([]byte, 20000)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	if db, err := bolt.Open(path, nil); err == nil {
		db.Close()
		t.Fatal("garbage file opened without error")
	}
}
