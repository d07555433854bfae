package bolt_test

import (
	"bytes"
	"encoding/binary"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

// migrationFixture is a collection that exercises every way a version is
// found: timestamp versions in one and in two spec groups, two strings
// naming the same instant, and content versions (SCOs), which keep their
// exact entries.
func migrationFixture() []stix.Object {
	idB, idC := objID("malware", 2), objID("note", 3)
	return []stix.Object{
		sdo("indicator", idA, mA1, "2.1"),
		sdo("indicator", idA, mA2, "2.1"),
		sdo("malware", idB, "2021-02-01T00:00:00Z", "2.0"),
		sdo("malware", idB, "2021-03-01T00:00:00Z", "2.1"),
		sdo("note", idC, "2021-04-01T00:00:00Z", "2.1"),
		sdo("note", idC, "2021-04-01T00:00:00.000Z", "2.1"),
		sco("ipv4-addr", idS1, "1.2.3.4"),
		sco("ipv4-addr", idS1, "1.2.3.5"),
	}
}

// migrationView is what a client can see of a collection: the queries
// whose answers must not change when the file is migrated.
func migrationView(t *testing.T, db *bolt.DB, coll string, objs []stix.Object) map[string][]store.Record {
	t.Helper()
	view := map[string][]store.Record{
		"all":     walk(t, db, coll, store.Query{Versions: []string{store.VersionAll}}),
		"last":    walk(t, db, coll, store.Query{}),
		"first":   walk(t, db, coll, store.Query{Versions: []string{store.VersionFirst}}),
		"2.0 all": walk(t, db, coll, store.Query{Versions: []string{store.VersionAll}, SpecVersions: []string{"2.0"}}),
		"every":   walk(t, db, coll, store.Query{Versions: []string{store.VersionAll}, SpecVersions: []string{"2.0", "2.1"}}),
	}
	for _, o := range objs {
		view["exact "+o.ID+" "+o.Version()] = walk(t, db, coll, store.Query{IDs: []string{o.ID}, Versions: []string{o.Version()}, SpecVersions: []string{"2.0", "2.1"}})
		view["versions "+o.ID] = walk(t, db, coll, store.Query{IDs: []string{o.ID}, Versions: []string{store.VersionAll}, SpecVersions: []string{"2.0", "2.1"}})
	}
	return view
}

// downgradeToSchema1 rewrites a schema-2 file the way schema 1 wrote it:
// bucket x held every version, timestamps included.
func downgradeToSchema1(t *testing.T, path, coll string, recs []store.Record) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		x := tx.Bucket([]byte("objects")).Bucket([]byte(coll)).Bucket([]byte("x"))
		for _, r := range recs {
			da := binary.BigEndian.AppendUint64(nil, uint64(r.DateAdded.UnixMicro())^(1<<63))
			if err := x.Put([]byte(r.ID+"\x00"+r.Version), da); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte("1"))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// exactEntries lists the keys of a collection's bucket x and the schema
// version stored in the file.
func exactEntries(t *testing.T, path, coll string) (keys []string, schema string) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.View(func(tx *bbolt.Tx) error {
		schema = string(tx.Bucket([]byte("meta")).Get([]byte("schema")))
		return tx.Bucket([]byte("objects")).Bucket([]byte(coll)).Bucket([]byte("x")).ForEach(func(k, _ []byte) error {
			keys = append(keys, string(bytes.ReplaceAll(k, []byte{0}, []byte{'@'})))
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return keys, schema
}

func TestOpenMigratesSchema1(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := mustCollection(t, db, "c")
	objs := migrationFixture()
	mustPut(t, db, c.ID, objs...)
	want := migrationView(t, db, c.ID, objs)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	downgradeToSchema1(t, path, c.ID, want["every"])
	if keys, schema := exactEntries(t, path, c.ID); len(keys) != len(objs) || schema != "1" {
		t.Fatalf("old-layout file has exact entries %q, schema %q; want %d entries, schema 1", keys, schema, len(objs))
	}

	db, err = bolt.Open(path, nil)
	if err != nil {
		t.Fatalf("Open of a schema-1 file: %v", err)
	}
	if got := migrationView(t, db, c.ID, objs); !reflect.DeepEqual(got, want) {
		t.Errorf("after migration the collection reads\n%v\nwant\n%v", got, want)
	}
	// Every stored version is still found for a duplicate check.
	for i, r := range mustPut(t, db, c.ID, objs...) {
		if r.Outcome != store.Unchanged {
			t.Errorf("re-put of %s %s after migration: %v, want unchanged", objs[i].ID, objs[i].Version(), r.Outcome)
		}
	}
	mustCheckClose(t, db)

	keys, schema := exactEntries(t, path, c.ID)
	if schema != "2" {
		t.Errorf("schema after migration = %q, want 2", schema)
	}
	for _, k := range keys {
		if !bytes.Contains([]byte(k), []byte("@"+stix.ContentVersionPrefix)) {
			t.Errorf("exact entry %q of a timestamp version is left after migration", k)
		}
	}
	if len(keys) != 2 {
		t.Errorf("exact entries after migration %q, want the two content versions", keys)
	}
}
