package bolt_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

func TestBackupWhileWriting(t *testing.T) {
	db := mustOpen(t, &store.Options{NoSync: true})
	c := mustCollection(t, db, "c")
	mustPut(t, db, c.ID, sdo("note", objID("note", 1), mA1, "2.1"))
	stop := make(chan struct{})
	wg, committed := writeInBackground(t, db, c.ID, stop)
	dir := t.TempDir()
	var paths []string
	for i := 0; i < 3; i++ {
		nextCommit(committed) // each backup is taken among writes
		var buf bytes.Buffer
		n, err := db.Backup(ctx, &buf)
		if err != nil || n != int64(buf.Len()) || n == 0 {
			t.Fatalf("Backup = %d, %v (buffer %d)", n, err, buf.Len())
		}
		p := filepath.Join(dir, "stream"+string(rune('a'+i))+".db")
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
		p = filepath.Join(dir, "file"+string(rune('a'+i))+".db")
		if _, err := store.BackupFile(ctx, db, p); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	close(stop)
	wg.Wait()
	for _, p := range paths {
		b, err := bolt.Open(p, nil)
		if err != nil {
			t.Fatalf("open backup %s: %v", p, err)
		}
		if n, err := b.CountVersions(ctx, c.ID); err != nil || n < 1 {
			t.Errorf("backup %s holds %d versions, %v", p, n, err)
		}
		mustCheckClose(t, b)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}

func TestBackupFileReplacesAtomically(t *testing.T) {
	db := mustOpen(t, nil)
	mustCollection(t, db, "c")
	p := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := store.BackupFile(ctx, db, p); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Size() < 4096 || fi.Mode().Perm() != 0o600 {
		t.Errorf("backup file %v, %v: want a database with mode 0600", fi, err)
	}
	if _, err := store.BackupFile(ctx, db, filepath.Join(t.TempDir(), "missing-dir", "x.db")); err == nil {
		t.Error("BackupFile into a missing directory succeeded")
	}
}

// corrupt builds a small database, edits its file with bbolt directly
// and returns what Check finds afterwards.
func corrupt(t *testing.T, edit func(tx *bbolt.Tx, coll *bbolt.Bucket) error) []store.CheckProblem {
	t.Helper()
	path := filepath.Join(t.TempDir(), "herald.db")
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := db.CreateCollection(ctx, store.Collection{Title: "c", Alias: "cc"})
	mustPut(t, db, c.ID, sdo("indicator", idA, mA1, "2.1"), sdo("indicator", idA, mA2, "2.1"), sco("ipv4-addr", idS1, "1.2.3.4"))
	if err := db.PutStatus(ctx, store.Status{ID: "s", Status: "complete", RequestTime: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, store.Account{Name: "u", Grants: map[string]store.Grant{c.ID: {Read: true}},
		Tokens: []store.APIToken{{ID: "t", SHA256: tokenHash("x")}}}); err != nil {
		t.Fatal(err)
	}
	if problems, err := db.Check(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("healthy database: %v, %v", problems, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(tx *bbolt.Tx) error {
		return edit(tx, tx.Bucket([]byte("objects")).Bucket([]byte(c.ID)))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	problems, err := db.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return problems
}

// deleteFirst removes the first key of a bucket.
func deleteFirst(b *bbolt.Bucket) error {
	k, _ := b.Cursor().First()
	if k == nil {
		return errors.New("empty bucket")
	}
	return b.Delete(append([]byte(nil), k...))
}

func TestCheckFindsInconsistencies(t *testing.T) {
	sub := func(name string) func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
		return func(tx *bbolt.Tx, coll *bbolt.Bucket) error { return deleteFirst(coll.Bucket([]byte(name))) }
	}
	top := func(name string) func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
		return func(tx *bbolt.Tx, coll *bbolt.Bucket) error { return deleteFirst(tx.Bucket([]byte(name))) }
	}
	for _, tc := range []struct {
		name   string
		edit   func(tx *bbolt.Tx, coll *bbolt.Bucket) error
		bucket string // a problem names this bucket (suffix)
	}{
		{"version without type entry", sub("t"), "/t"},
		{"version without object entry", sub("o"), "/o"},
		{"version without order entry", sub("s"), "/s"},
		{"version without exact entry", sub("x"), "/x"},
		{"version without version entry", sub("n"), "/n"},
		{"missing default last", sub("L"), "/L"},
		{"missing default first", sub("F"), "/F"},
		{"missing default last by type", sub("l"), "/l"},
		{"missing default first by type", sub("f"), "/f"},
		{"index entries without their version", sub("v"), "/t"},
		{"wrong counter", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			return coll.Bucket([]byte("i")).Put([]byte("count"), []byte{0, 0, 0, 0, 0, 0, 0, 9})
		}, "/i"},
		{"extra default last", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			k, _ := coll.Bucket([]byte("v")).Cursor().First()
			return coll.Bucket([]byte("L")).Put(append([]byte(nil), k...), nil)
		}, "/L"},
		{"exact entry of a timestamp version", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			k, _ := coll.Bucket([]byte("v")).Cursor().First()
			return coll.Bucket([]byte("x")).Put([]byte(idA+"\x00"+mA1), append([]byte(nil), k...))
		}, "/x"},
		{"type without number", sub("y"), "/y"},
		{"two types with one number", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			k, v := coll.Bucket([]byte("y")).Cursor().First()
			return coll.Bucket([]byte("y")).Put([]byte("x-"+string(k)), append([]byte(nil), v...))
		}, "/y"},
		{"type number past the count", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			return coll.Bucket([]byte("y")).Put([]byte("x-new"), []byte{100})
		}, "/y"},
		{"type number not in shortest form", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			k, v := coll.Bucket([]byte("y")).Cursor().First()
			return coll.Bucket([]byte("y")).Put(append([]byte(nil), k...), []byte{v[0] | 0x80, 0})
		}, "/y"},
		{"garbage version", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			k, _ := coll.Bucket([]byte("v")).Cursor().First()
			return coll.Bucket([]byte("v")).Put(append([]byte(nil), k...), []byte{9, 9, 9})
		}, "/v"},
		{"name index", top("names"), "names"},
		{"status expiry index", top("status_time"), "status_time"},
		{"token index", top("tokens"), "tokens"},
		{"grant for a missing collection", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			return tx.Bucket([]byte("accounts")).Put([]byte("u"), []byte(`{"name":"u","grants":{"gone":{"read":true}},"created":"2024-01-01T00:00:00Z"}`))
		}, "accounts"},
		{"schema", func(tx *bbolt.Tx, coll *bbolt.Bucket) error {
			return tx.Bucket([]byte("meta")).Put([]byte("token_secret"), []byte("short"))
		}, "meta"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			problems := corrupt(t, tc.edit)
			found := false
			for _, p := range problems {
				bucket, _, _ := strings.Cut(strings.TrimPrefix(p.Detail, "bbolt bucket "), ",")
				if strings.HasSuffix(bucket, tc.bucket) && p.Reason != "" && p.Subject != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("Check found %+v, want a problem in bucket *%s", problems, tc.bucket)
			}
		})
	}
}
