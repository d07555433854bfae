package postgres_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

// dumpAll collects a database's dump.
func dumpAll(t *testing.T, db store.Dumper) []store.DumpItem {
	t.Helper()
	var items []store.DumpItem
	if err := db.Dump(ctx, func(it store.DumpItem) error {
		items = append(items, it)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return items
}

// sameDump compares two dumps item by item.
func sameDump(t *testing.T, what string, got, want []store.DumpItem) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d items, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Fatalf("%s: item %d differs:\n got %s\nwant %s", what, i, itemString(got[i]), itemString(want[i]))
		}
	}
}

func itemString(it store.DumpItem) string {
	switch {
	case it.Collection != nil:
		return fmt.Sprintf("collection %+v", *it.Collection)
	case it.Version != nil:
		return fmt.Sprintf("version %+v", *it.Version)
	case it.Status != nil:
		return fmt.Sprintf("status %+v", *it.Status)
	case it.Account != nil:
		return fmt.Sprintf("account %+v", *it.Account)
	case it.Meta != nil:
		return fmt.Sprintf("meta %+v", *it.Meta)
	}
	return fmt.Sprintf("secret %x", it.TokenSecret)
}

// populate gives db a bit of everything: two collections with versions
// (some deleted, so date_added has gaps), statuses, accounts with grants
// and tokens, meta values.
func populate(t *testing.T, db store.Store) {
	t.Helper()
	pool := newPool(11)
	var colls []string
	for _, title := range []string{"one", "two"} {
		c, err := db.CreateCollection(ctx, store.Collection{Title: title, Alias: title + "-alias", Description: "d", PublicRead: title == "one"})
		if err != nil {
			t.Fatal(err)
		}
		colls = append(colls, c.ID)
	}
	for i := range 60 {
		var objs []stix.Object
		for range 1 + i%7 {
			objs = append(objs, pool.object())
		}
		if _, err := db.PutObjects(ctx, colls[i%2], objs); err != nil {
			t.Fatal(err)
		}
		if i%9 == 0 {
			_, err := db.DeleteObject(ctx, colls[i%2], objs[0].ID, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for i := range 3 {
		err := db.PutStatus(ctx, store.Status{ID: fmt.Sprintf("status-%d", i), Status: "complete",
			RequestTime: time.Date(2024, 5, 1, 12, 0, i, 123456789, time.UTC), CollectionID: colls[0],
			TotalCount: 2, SuccessCount: 1, FailureCount: 1,
			Successes: []store.StatusDetail{{ID: "indicator--x", Version: "v"}},
			Failures:  []store.StatusDetail{{ID: "indicator--y", Message: "bad"}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	hash, err := store.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range []string{"admin", "alice", "bob"} {
		a := store.Account{Name: name, PasswordHash: hash, Admin: i == 0,
			Created: time.Date(2024, 1, 2, 3, 4, 5, 6789, time.UTC)}
		if i > 0 {
			a.Grants = map[string]store.Grant{colls[i-1]: {Read: true, Write: i == 1}}
			a.Tokens = []store.APIToken{{ID: "t" + name, SHA256: fmt.Sprintf("%064x", i), Created: time.Date(2024, 2, 1, 0, 0, 0, 42, time.UTC)}}
		}
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.SetMeta(ctx, "herald.seeded", []byte("yes")); err != nil {
		t.Fatal(err)
	}
	if err := db.SetMeta(ctx, "empty", []byte{}); err != nil {
		t.Fatal(err)
	}
}

// TestCopyBoltToPostgresToBolt: copying bbolt → PostgreSQL → bbolt keeps
// everything: the three dumps (secret, collections, every version with
// its date_added and bytes, statuses, accounts, meta) are identical.
func TestCopyBoltToPostgresToBolt(t *testing.T) {
	dir := t.TempDir()
	src, err := bolt.Open(filepath.Join(dir, "src.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	populate(t, src)
	want := dumpAll(t, src)

	pg := openPG(t, nil)
	var last store.CopyProgress
	if err := store.Copy(ctx, pg, src, func(p store.CopyProgress) { last = p }); err != nil {
		t.Fatal(err)
	}
	if last.Collections != 2 || last.Accounts != 3 || last.Statuses != 3 || last.Versions == 0 {
		t.Errorf("progress at the end: %+v", last)
	}
	sameDump(t, "bbolt → postgres", dumpAll(t, pg), want)

	back, err := bolt.Open(filepath.Join(dir, "back.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	if err := store.Copy(ctx, back, pg, nil); err != nil {
		t.Fatal(err)
	}
	sameDump(t, "postgres → bbolt", dumpAll(t, back), want)
	problems, err := back.Check(ctx)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check of the copy: %v %v", problems, err)
	}

	// A copy into a database that holds data is refused.
	if err := store.Copy(ctx, back, pg, nil); err == nil {
		t.Fatal("copy into a non-empty database succeeded")
	}

	// Writes after the copy continue date_added above the copied ones.
	c := want[1].Collection
	before, err := pg.LastDateAdded(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	res, err := pg.PutObjects(ctx, c.ID, []stix.Object{makeObject("indicator--00000000-0000-4000-8000-999999999999", "indicator", 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].DateAdded.After(before) {
		t.Fatalf("new date_added %v is not after %v", res[0].DateAdded, before)
	}
}

// TestBackupWritesBoltFile: Backup of a PostgreSQL database is a bbolt
// file holding the same dump, which passes Check.
func TestBackupWritesBoltFile(t *testing.T) {
	pg := openPG(t, nil)
	populate(t, pg)
	want := dumpAll(t, pg)
	var buf bytes.Buffer
	n, err := pg.Backup(ctx, &buf)
	if err != nil {
		t.Fatal(err)
	}
	if n != int64(buf.Len()) || n == 0 {
		t.Fatalf("Backup reported %d bytes, wrote %d", n, buf.Len())
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sameDump(t, "backup", dumpAll(t, db), want)
	problems, err := db.Check(ctx)
	if err != nil || len(problems) > 0 {
		t.Fatalf("Check of the backup: %v %v", problems, err)
	}
}
