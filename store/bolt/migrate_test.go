package bolt_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/store/internal/order"
)

// migrationFixture is a collection that exercises every way a version is
// found: timestamp versions in one and in two spec groups, two strings
// naming the same instant (and a third with an offset), content versions (SCOs), which keep their
// exact entries, and an object with a single version, which has no entry
// in o from schema 3 on.
func migrationFixture() []stix.Object {
	idB, idC, idD := objID("malware", 2), objID("note", 3), objID("tool", 4)
	return []stix.Object{
		sdo("tool", idD, "2021-05-01T00:00:00Z", "2.1"),
		sdo("tool", objID("campaign", 5), "2021-05-01T00:00:00Z", "2.1"), // an id that names another type
		sdo("indicator", idA, mA1, "2.1"),
		sdo("indicator", idA, mA2, "2.1"),
		sdo("malware", idB, "2021-02-01T00:00:00Z", "2.0"),
		sdo("malware", idB, "2021-03-01T00:00:00Z", "2.1"),
		sdo("note", idC, "2021-04-01T00:00:00Z", "2.1"),
		sdo("note", idC, "2021-04-01T00:00:00.000Z", "2.1"),
		sdo("note", idC, "2021-04-01T02:00:00+02:00", "2.1"), // a third spelling of that instant
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
	// By version alone (bucket n), and by two spellings of one instant.
	view["two spellings"] = walk(t, db, coll, store.Query{Versions: []string{"2021-04-01T00:00:00Z", "2021-04-01T00:00:00.000Z"}})
	for _, o := range objs {
		view["version "+o.Version()] = walk(t, db, coll, store.Query{Versions: []string{o.Version()}, SpecVersions: []string{"2.0", "2.1"}})
		view["exact "+o.ID+" "+o.Version()] = walk(t, db, coll, store.Query{IDs: []string{o.ID}, Versions: []string{o.Version()}, SpecVersions: []string{"2.0", "2.1"}})
		view["versions "+o.ID] = walk(t, db, coll, store.Query{IDs: []string{o.ID}, Versions: []string{store.VersionAll}, SpecVersions: []string{"2.0", "2.1"}})
	}
	return view
}

// downgrade rewrites a file of the current schema the way an older one
// wrote it: up to schema 3, every record held its id, type, version and
// spec version itself (format 1), bucket n was keyed by the version
// string (version 0x00 da8) whatever the version, every key of s ended
// with order.VerKey, the whole version string, and t, l and f were keyed
// by the type's name (type 0x00 da8), with no bucket y; up to schema 2, bucket o held every
// version and every value of s ended with the type; in schema 1, bucket x
// held every version too, timestamps included.
func downgrade(t *testing.T, path, coll string, recs []store.Record, schema int) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	err = bdb.Update(func(tx *bbolt.Tx) error {
		c := tx.Bucket([]byte("objects")).Bucket([]byte(coll))
		n := c.Bucket([]byte("n"))
		if n.Stats().KeyN != len(recs) {
			return fmt.Errorf("bucket n has %d keys for %d versions", n.Stats().KeyN, len(recs))
		}
		var compact [][]byte
		if err := n.ForEach(func(k, _ []byte) error {
			if k[0] == 0 {
				compact = append(compact, bytes.Clone(k))
			}
			return nil
		}); err != nil {
			return err
		}
		for _, k := range compact {
			if err := n.Delete(k); err != nil {
				return err
			}
		}
		if err := unnumberTypes(c); err != nil {
			return err
		}
		for _, r := range recs {
			da := binary.BigEndian.AppendUint64(nil, uint64(r.DateAdded.UnixMicro())^(1<<63))
			if err := c.Bucket([]byte("v")).Put(da, inlineRecord(r)); err != nil {
				return err
			}
			if err := n.Put(append([]byte(r.Version+"\x00"), da...), nil); err != nil {
				return err
			}
			sk, sv := sortedEntry(t, c.Bucket([]byte("s")), r)
			long := append([]byte(r.ID+"\x00"), order.SpecKey(r.SpecVersion)...)
			long = append(long, order.VerKey(r.Version, r.DateAdded.UnixMicro())...)
			if err := c.Bucket([]byte("s")).Delete(sk); err != nil {
				return err
			}
			if err := c.Bucket([]byte("s")).Put(long, sv); err != nil {
				return err
			}
			if schema > 2 {
				continue
			}
			if err := c.Bucket([]byte("s")).Put(long, append(sv[:8:8], r.Type...)); err != nil {
				return err
			}
			if err := c.Bucket([]byte("o")).Put(append([]byte(r.ID+"\x00"), da...), nil); err != nil {
				return err
			}
			if schema > 1 {
				continue
			}
			if err := c.Bucket([]byte("x")).Put([]byte(r.ID+"\x00"+r.Version), da); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema"), []byte(strconv.Itoa(schema)))
	})
	if err != nil {
		t.Fatal(err)
	}
}

// unnumberTypes turns the keys "typeNum da8" of t, l and f back into
// "type 0x00 da8" and drops bucket y and the type count, as schema 3 and
// older had them.
func unnumberTypes(c *bbolt.Bucket) error {
	names := map[uint64]string{}
	if err := c.Bucket([]byte("y")).ForEach(func(k, v []byte) error {
		n, _ := binary.Uvarint(v)
		names[n] = string(k)
		return nil
	}); err != nil {
		return err
	}
	for _, name := range []string{"t", "l", "f"} {
		b := c.Bucket([]byte(name))
		var keys [][]byte
		if err := b.ForEach(func(k, _ []byte) error {
			keys = append(keys, bytes.Clone(k))
			return nil
		}); err != nil {
			return err
		}
		for _, k := range keys {
			n, w := binary.Uvarint(k)
			if w <= 0 || names[n] == "" || len(k) != w+8 {
				return fmt.Errorf("bucket %s: key %x is not numbered", name, k)
			}
			if err := b.Delete(k); err != nil {
				return err
			}
			if err := b.Put(append([]byte(names[n]+"\x00"), k[w:]...), nil); err != nil {
				return err
			}
		}
	}
	if err := c.DeleteBucket([]byte("y")); err != nil {
		return err
	}
	return c.Bucket([]byte("i")).Delete([]byte("types"))
}

// inlineRecord is a stored version in format 1, as schema 3 and older
// wrote every one: a format byte, then id, type, version and spec version
// each as uvarint length and bytes, then the JSON.
func inlineRecord(r store.Record) []byte {
	b := []byte{1}
	for _, f := range []string{r.ID, r.Type, r.Version, r.SpecVersion} {
		b = binary.AppendUvarint(b, uint64(len(f)))
		b = append(b, f...)
	}
	return append(b, r.JSON...)
}

// recordFormats counts the stored versions of a collection by their
// format byte.
func recordFormats(t *testing.T, path, coll string) map[byte]int {
	t.Helper()
	formats := map[byte]int{}
	viewFile(t, path, func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte("objects")).Bucket([]byte(coll)).Bucket([]byte("v")).ForEach(func(_, v []byte) error {
			formats[v[0]]++
			return nil
		})
	})
	return formats
}

// versionKeyKinds counts the keys of bucket n that name an instant (they
// start with 0x00) and those that hold the version string.
func versionKeyKinds(t *testing.T, path, coll string) (kinds [2]int) {
	t.Helper()
	keys, _ := indexEntries(t, path, coll, "n")
	for _, k := range keys {
		if k[0] == '@' { // indexEntries shows 0x00 as @
			kinds[0]++
		} else {
			kinds[1]++
		}
	}
	return kinds
}

// longSortedKeys counts the versions whose key in s ends with their whole
// version string.
func longSortedKeys(t *testing.T, path, coll string, recs []store.Record) int {
	t.Helper()
	n := 0
	viewFile(t, path, func(tx *bbolt.Tx) error {
		s := tx.Bucket([]byte("objects")).Bucket([]byte(coll)).Bucket([]byte("s"))
		for _, r := range recs {
			if k, _ := sortedEntry(t, s, r); bytes.HasSuffix(k, []byte(r.Version)) && !strings.HasPrefix(r.Version, stix.ContentVersionPrefix) {
				n++
			}
		}
		return nil
	})
	return n
}

// sortedEntry finds the entry of s of a version (the one whose value
// starts with its date_added) and returns copies of its key and value.
func sortedEntry(t *testing.T, s *bbolt.Bucket, r store.Record) (k, v []byte) {
	t.Helper()
	da := binary.BigEndian.AppendUint64(nil, uint64(r.DateAdded.UnixMicro())^(1<<63))
	prefix := []byte(r.ID + "\x00")
	cur := s.Cursor()
	for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = cur.Next() {
		if bytes.HasPrefix(v, da) {
			return bytes.Clone(k), bytes.Clone(v)
		}
	}
	t.Fatalf("no entry in s for %s %s", r.ID, r.Version)
	return nil, nil
}

// sortedValueLens maps each version (id and version) to the length of its
// value in s.
func sortedValueLens(t *testing.T, path, coll string, recs []store.Record) map[string]int {
	t.Helper()
	lens := map[string]int{}
	viewFile(t, path, func(tx *bbolt.Tx) error {
		s := tx.Bucket([]byte("objects")).Bucket([]byte(coll)).Bucket([]byte("s"))
		for _, r := range recs {
			_, v := sortedEntry(t, s, r)
			lens[r.ID+" "+r.Version] = len(v)
		}
		return nil
	})
	return lens
}

// wantSortedValueLens is sortedValueLens of a current file: 8 bytes (the
// date_added), plus the type for an object whose id names another.
func wantSortedValueLens(recs []store.Record) map[string]int {
	lens := map[string]int{}
	for _, r := range recs {
		lens[r.ID+" "+r.Version] = 8
		if !strings.HasPrefix(r.ID, r.Type+"--") {
			lens[r.ID+" "+r.Version] += len(r.Type)
		}
	}
	return lens
}

// indexEntries lists the keys of a collection's index bucket (0x00 shown
// as @, a date_added as its microseconds) and the schema version stored
// in the file.
func indexEntries(t *testing.T, path, coll, bucket string) (keys []string, schema string) {
	t.Helper()
	viewFile(t, path, func(tx *bbolt.Tx) error {
		schema = string(tx.Bucket([]byte("meta")).Get([]byte("schema")))
		return tx.Bucket([]byte("objects")).Bucket([]byte(coll)).Bucket([]byte(bucket)).ForEach(func(k, _ []byte) error {
			if bucket == "o" && len(k) > 8 {
				da := int64(binary.BigEndian.Uint64(k[len(k)-8:]) ^ (1 << 63))
				k = append(k[:len(k)-8:len(k)-8], strconv.FormatInt(da, 10)...)
			}
			keys = append(keys, string(bytes.ReplaceAll(k, []byte{0}, []byte{'@'})))
			return nil
		})
	})
	return keys, schema
}

// migrationFile writes the fixture into a new file of the current schema
// and returns the file (closed), the collection, and what it reads.
func migrationFile(t *testing.T) (path string, c store.Collection, objs []stix.Object, want map[string][]store.Record) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "herald.db")
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c = mustCollection(t, db, "c")
	objs = migrationFixture()
	mustPut(t, db, c.ID, objs...)
	want = migrationView(t, db, c.ID, objs)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path, c, objs, want
}

func TestOpenMigratesSchema1(t *testing.T) {
	path, c, objs, want := migrationFile(t)
	downgrade(t, path, c.ID, want["every"], 1)
	if keys, schema := indexEntries(t, path, c.ID, "x"); len(keys) != len(objs) || schema != "1" {
		t.Fatalf("old-layout file has exact entries %q, schema %q; want %d entries, schema 1", keys, schema, len(objs))
	}

	db := openMigrated(t, path, c.ID, objs, want, "1")
	mustCheckClose(t, db)

	keys, schema := indexEntries(t, path, c.ID, "x")
	if schema != strconv.Itoa(bolt.SchemaVersion) {
		t.Errorf("schema after migration = %q, want %d", schema, bolt.SchemaVersion)
	}
	for _, k := range keys {
		if !bytes.Contains([]byte(k), []byte("@"+stix.ContentVersionPrefix)) {
			t.Errorf("exact entry %q of a timestamp version is left after migration", k)
		}
	}
	if len(keys) != 2 {
		t.Errorf("exact entries after migration %q, want the two content versions", keys)
	}
	checkAddedEntries(t, path, c.ID, want["every"])
	if got, want := sortedValueLens(t, path, c.ID, want["every"]), wantSortedValueLens(want["every"]); !reflect.DeepEqual(got, want) {
		t.Errorf("lengths of the values of s after migration %v, want %v", got, want)
	}
}

// openMigrated opens a file of an older schema, which migrates it, and
// checks that the collection reads as it did and that every stored
// version is still found for a duplicate check (a re-put is unchanged).
func openMigrated(t *testing.T, path, coll string, objs []stix.Object, want map[string][]store.Record, schema string) *bolt.DB {
	t.Helper()
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatalf("Open of a schema-%s file: %v", schema, err)
	}
	if got := migrationView(t, db, coll, objs); !reflect.DeepEqual(got, want) {
		t.Errorf("after migration the collection reads\n%v\nwant\n%v", got, want)
	}
	for i, r := range mustPut(t, db, coll, objs...) {
		if r.Outcome != store.Unchanged {
			t.Errorf("re-put of %s %s after migration: %v, want unchanged", objs[i].ID, objs[i].Version(), r.Outcome)
		}
	}
	return db
}

// viewFile runs fn in a read transaction of the bbolt file at path.
func viewFile(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if err := bdb.View(fn); err != nil {
		t.Fatal(err)
	}
}

// checkAddedEntries checks that bucket o holds exactly the versions of the
// objects with two or more of them, recs being every version.
func checkAddedEntries(t *testing.T, path, coll string, recs []store.Record) {
	t.Helper()
	count := map[string]int{}
	for _, r := range recs {
		count[r.ID]++
	}
	var want []string
	for _, r := range recs {
		if count[r.ID] > 1 {
			want = append(want, r.ID+"@"+strconv.FormatInt(r.DateAdded.UnixMicro(), 10))
		}
	}
	got, _ := indexEntries(t, path, coll, "o")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("bucket o holds\n%q\nwant the versions of objects with two or more\n%q", got, want)
	}
}

// TestOpenMigratesSchema2 opens a file in which bucket o holds every
// version, as schema 2 wrote it: the collection reads the same, the
// entries of single-version objects are gone, and later writes keep the
// rule (a second version brings the first one's entry back).
func TestOpenMigratesSchema2(t *testing.T) {
	path, c, objs, want := migrationFile(t)
	checkAddedEntries(t, path, c.ID, want["every"])
	downgrade(t, path, c.ID, want["every"], 2)
	if keys, schema := indexEntries(t, path, c.ID, "o"); len(keys) != len(objs) || schema != "2" {
		t.Fatalf("schema-2 file has o entries %q, schema %q; want %d entries, schema 2", keys, schema, len(objs))
	}
	for k, n := range sortedValueLens(t, path, c.ID, want["every"]) {
		if n <= 8 {
			t.Fatalf("schema-2 file: the value of s for %s has no type", k)
		}
	}

	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatalf("Open of a schema-2 file: %v", err)
	}
	if got := migrationView(t, db, c.ID, objs); !reflect.DeepEqual(got, want) {
		t.Errorf("after migration the collection reads\n%v\nwant\n%v", got, want)
	}
	mustCheckClose(t, db)
	checkAddedEntries(t, path, c.ID, want["every"])
	if got, want := sortedValueLens(t, path, c.ID, want["every"]), wantSortedValueLens(want["every"]); !reflect.DeepEqual(got, want) {
		t.Errorf("lengths of the values of s after migration %v, want %v", got, want)
	}

	// The single-version object gets a second version: both are in o.
	db, err = bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	mustPut(t, db, c.ID, sdo("tool", objs[0].ID, "2021-06-01T00:00:00Z", "2.1"))
	every := walk(t, db, c.ID, store.Query{Versions: []string{store.VersionAll}, SpecVersions: []string{"2.0", "2.1"}})
	mustCheckClose(t, db)
	checkAddedEntries(t, path, c.ID, every)
}

// TestOpenMigratesSchema3 opens a file whose records hold their fields
// themselves, as schema 3 wrote them: the migration leaves them as they
// are, the collection reads the same, and a later version is written in
// the short form beside them.
func TestOpenMigratesSchema3(t *testing.T) {
	path, c, objs, want := migrationFile(t)
	if got := recordFormats(t, path, c.ID); !reflect.DeepEqual(got, map[byte]int{2: len(want["every"])}) {
		t.Fatalf("a new file's records by format %v, want every one in format 2", got)
	}
	// Every version but the two content versions and the one with an
	// offset is a plainly written timestamp.
	if got := versionKeyKinds(t, path, c.ID); got != [2]int{len(want["every"]) - 3, 3} {
		t.Fatalf("a new file's n has %d instant and %d string keys, want all but three by instant", got[0], got[1])
	}
	if got := longSortedKeys(t, path, c.ID, want["every"]); got != 1 {
		t.Fatalf("a new file's s has %d keys with the whole version string, want the one with an offset", got)
	}
	downgrade(t, path, c.ID, want["every"], 3)
	if got := recordFormats(t, path, c.ID); !reflect.DeepEqual(got, map[byte]int{1: len(want["every"])}) {
		t.Fatalf("schema-3 file's records by format %v, want every one in format 1", got)
	}
	if got := versionKeyKinds(t, path, c.ID); got != [2]int{0, len(want["every"])} {
		t.Fatalf("schema-3 file's n has %d instant and %d string keys, want only strings", got[0], got[1])
	}
	if got := longSortedKeys(t, path, c.ID, want["every"]); got != len(want["every"])-2 {
		t.Fatalf("schema-3 file's s has %d keys with the whole version string, want every timestamp's", got)
	}
	if keys, _ := indexEntries(t, path, c.ID, "t"); len(keys) != len(want["every"]) || !strings.HasPrefix(keys[0], "indicator@") {
		t.Fatalf("schema-3 file's t holds %q, want a key \"type 0x00 da8\" per version", keys)
	}

	db := openMigrated(t, path, c.ID, objs, want, "3")
	later := sdo("tool", objs[0].ID, "2021-06-01T00:00:00Z", "2.1")
	mustPut(t, db, c.ID, later)
	every := walk(t, db, c.ID, store.Query{Versions: []string{store.VersionAll}, SpecVersions: []string{"2.0", "2.1"}})
	if len(every) != len(want["every"])+1 || !bytes.Equal(every[len(every)-1].JSON, later.JSON) {
		t.Errorf("after a later put the collection holds %d versions, the last %s; want %d, the last %s",
			len(every), every[len(every)-1].JSON, len(want["every"])+1, later.JSON)
	}
	mustCheckClose(t, db)
	if _, schema := indexEntries(t, path, c.ID, "v"); schema != strconv.Itoa(bolt.SchemaVersion) {
		t.Errorf("schema after migration = %q, want %d", schema, bolt.SchemaVersion)
	}
	if got := versionKeyKinds(t, path, c.ID); got != [2]int{len(want["every"]) - 2, 3} {
		t.Errorf("after migration and a later put, n has %d instant and %d string keys, want all but three by instant", got[0], got[1])
	}
	for _, name := range []string{"t", "l", "f"} {
		keys, _ := indexEntries(t, path, c.ID, name)
		for _, k := range keys {
			if len(k) != 9 {
				t.Errorf("after migration, bucket %s has the key %q, want a type number and a date_added", name, k)
			}
		}
	}
	if got := longSortedKeys(t, path, c.ID, every); got != 1 {
		t.Errorf("after migration and a later put, s has %d keys with the whole version string, want the one with an offset", got)
	}
	if got := recordFormats(t, path, c.ID); !reflect.DeepEqual(got, map[byte]int{1: len(want["every"]), 2: 1}) {
		t.Errorf("records by format after a later put %v, want the old ones in format 1 and the new one in 2", got)
	}
}

// TestOpenMigratesSchema3Interrupted cuts the rewrite of index keys short
// after a few of its transactions, as a crash would: the file already
// says schema 4 (an older program refuses it) and keeps the mark of the
// unfinished rewrite, and the next Open finishes it.
func TestOpenMigratesSchema3Interrupted(t *testing.T) {
	path, c, objs, want := migrationFile(t)
	downgrade(t, path, c.ID, want["every"], 3)

	commits := 0
	crash := errors.New("crash")
	restore := bolt.SetRekeyForTest(2, func() error {
		if commits++; commits == 7 { // n is done, s half

			return crash
		}
		return nil
	})
	defer restore()
	if _, err := bolt.Open(path, nil); !errors.Is(err, crash) {
		t.Fatalf("Open with the rewrite cut short: %v, want the crash", err)
	}
	schema, mark, long := metaValue(t, path, "schema"), metaValue(t, path, "rekeying"), longSortedKeys(t, path, c.ID, want["every"])
	if schema != "4" || mark == "" || long <= 1 || long >= len(want["every"])-2 {
		t.Fatalf("after the crash: schema %q, mark %q, %d keys of s with the whole version; want 4, a mark, and s half rewritten", schema, mark, long)
	}

	commits = 0
	restore2 := bolt.SetRekeyForTest(2, nil)
	defer restore2()
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatalf("Open after the crash: %v", err)
	}
	if got := migrationView(t, db, c.ID, objs); !reflect.DeepEqual(got, want) {
		t.Errorf("after the finished migration the collection reads\n%v\nwant\n%v", got, want)
	}
	mustCheckClose(t, db)
	if metaValue(t, path, "rekeying") != "" {
		t.Error("the mark of the rewrite is left after it finished")
	}
	if got := versionKeyKinds(t, path, c.ID); got != [2]int{len(want["every"]) - 3, 3} {
		t.Errorf("n has %d instant and %d string keys, want all but three by instant", got[0], got[1])
	}
	if got := longSortedKeys(t, path, c.ID, want["every"]); got != 1 {
		t.Errorf("s has %d keys with the whole version string, want the one with an offset", got)
	}
}

// metaValue reads one value of the meta bucket.
func metaValue(t *testing.T, path, key string) string {
	t.Helper()
	var v string
	viewFile(t, path, func(tx *bbolt.Tx) error {
		v = string(tx.Bucket([]byte("meta")).Get([]byte(key)))
		return nil
	})
	return v
}
