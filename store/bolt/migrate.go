package bolt

import (
	"bytes"
	"fmt"
	"strconv"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/internal/order"
)

// migrations brings a file from schema version k to k+1 (the index is
// k). Open runs the ones a file needs inside the write transaction that
// checks the schema, so a file is migrated whole or not at all, and an
// interrupted migration leaves the old file as it was.
var migrations = map[int]func(tx *bbolt.Tx) error{
	1: dropTimestampExact,
	2: sparseIndexes,
	3: shortKeys,
}

// migrateSchema brings a file written with schema version from up to
// SchemaVersion and records the new version.
func migrateSchema(tx *bbolt.Tx, meta *bbolt.Bucket, from int) error {
	for v := from; v < SchemaVersion; v++ {
		m := migrations[v]
		if m == nil {
			return fmt.Errorf("%w: no migration from schema version %d to %d", store.ErrSchema, v, v+1)
		}
		if err := m(tx); err != nil {
			return fmt.Errorf("migrate schema version %d to %d: %w", v, v+1, err)
		}
	}
	return meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion)))
}

// dropTimestampExact is schema 1 → 2: bucket x keeps only the versions
// that are not timestamps (layout.go); the others are found in s. Every
// collection's x loses its timestamp entries; nothing else changes.
func dropTimestampExact(tx *bbolt.Tx) error {
	return forEachCollectionIndex(tx, bktExact, deleteTimestampEntries)
}

// sparseIndexes is schema 2 → 3, two rules a schema-2 program would
// misread:
//   - bucket o holds the versions of an object only when it has two or
//     more (added.go): every collection's o loses the entries of objects
//     that have one;
//   - a value in s holds the type only when the id does not name it
//     (sortedValue): the others lose it.
//
// Neither frees space in the file (bbolt never shrinks one); the pages go
// to its free list for later writes.
func sparseIndexes(tx *bbolt.Tx) error {
	if err := forEachCollectionIndex(tx, bktObjAdded, deleteSoleEntries); err != nil {
		return err
	}
	return forEachCollectionIndex(tx, bktObjSorted, shortenSortedValues)
}

// shortKeys is schema 3 → 4, changes that save about a sixth of the file
// for small objects:
//   - new versions are written as recordShared (record.go), which a
//     schema-3 program would misread. The records already in the file
//     (recordInline) stay as they are and are read as before: rewriting
//     them would grow the file by all of them for the length of the
//     migration. An export and import into a new file gives an existing
//     collection the short form;
//   - bucket n keys a plainly written timestamp by what it spells
//     (versionPrefix), and bucket s keeps only the end of a UTC
//     timestamp's string (verKey);
//   - the type indexes t, l and f key a version by its type's number
//     (typenums.go), which a new bucket y holds.
//
// Rewriting every key of n, s, t, l and f in one transaction would hold
// all their pages in memory until it commits (a gigabyte for 300,000
// objects), so this step only records the new schema version, which an
// older program refuses, and marks the rewrite as pending; Open then
// runs it in transactions of rekeyChunk keys (finishRekey). Each rewrite
// skips keys already in the new form, so a rewrite cut short by a crash
// goes on where it stopped when the file is next opened.
func shortKeys(tx *bbolt.Tx) error {
	return tx.Bucket(bucketMeta).Put(keyRekeying, []byte("4"))
}

// keyRekeying in meta marks the rewrite of shortKeys as not finished.
var keyRekeying = []byte("rekeying")

// rekeyChunk is how many keys one transaction of finishRekey rewrites.
var rekeyChunk = 1 << 14

// afterRekeyChunk, when set (tests), runs after each transaction of
// finishRekey; an error stops the rewrite as a crash would.
var afterRekeyChunk func() error

// rekeyStep rewrites one index bucket of a collection: rekeyer returns,
// for one transaction, the function that maps an old key to its new one
// (nil: the key stays).
type rekeyStep struct {
	bucket  []byte
	rekeyer func(coll *bbolt.Bucket) (func(k []byte) ([]byte, error), error)
}

var rekeySteps = []rekeyStep{
	{bktVersionIdx, func(*bbolt.Bucket) (func([]byte) ([]byte, error), error) { return rekeyVersionEntry, nil }},
	{bktObjSorted, func(*bbolt.Bucket) (func([]byte) ([]byte, error), error) { return rekeySortedEntry, nil }},
	{bktTypes, typeRekeyer},
	{bktTypeLast, typeRekeyer},
	{bktTypeFirst, typeRekeyer},
}

// finishRekey runs the rewrite that shortKeys marked as pending, one
// chunk of keys per write transaction, then clears the mark.
func (db *DB) finishRekey() error {
	var colls [][]byte
	err := db.bdb.View(func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketObjects).ForEachBucket(func(id []byte) error {
			colls = append(colls, bytes.Clone(id))
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, id := range colls {
		for _, step := range rekeySteps {
			var from []byte
			for {
				err := db.bdb.Update(func(tx *bbolt.Tx) error {
					cb := tx.Bucket(bucketObjects).Bucket(id)
					if cb == nil {
						return fmt.Errorf("collection %s is missing: %w", id, errCorrupt)
					}
					b := cb.Bucket(step.bucket)
					if b == nil {
						return fmt.Errorf("collection %s: bucket %s is missing: %w", id, step.bucket, errCorrupt)
					}
					rekey, err := step.rekeyer(cb)
					if err != nil {
						return fmt.Errorf("collection %s: %w", id, err)
					}
					if from, err = rekeyEntries(b, from, rekey); err != nil {
						return fmt.Errorf("collection %s: bucket %s: %w", id, step.bucket, err)
					}
					return nil
				})
				if err == nil && afterRekeyChunk != nil {
					err = afterRekeyChunk()
				}
				if err != nil {
					return fmt.Errorf("migrate schema version 3 to 4: %w", err)
				}
				if from == nil {
					break
				}
			}
		}
	}
	return db.bdb.Update(func(tx *bbolt.Tx) error { return tx.Bucket(bucketMeta).Delete(keyRekeying) })
}

// rekeyEntries rewrites up to rekeyChunk keys of b, from key from on (nil:
// the first), that rekey gives a new key, each keeping its value, and
// returns the key to go on from, nil at the end. Keys are collected
// before they are moved: a put under a bbolt cursor may make it skip keys.
// A new key may sort after the chunk's end; rekey leaves it alone there.
func rekeyEntries(b *bbolt.Bucket, from []byte, rekey func(k []byte) ([]byte, error)) (next []byte, err error) {
	var moves []kv // old key, new key
	var values [][]byte
	cur := b.Cursor()
	k, v := seekFrom(cur, from)
	for ; k != nil; k, v = cur.Next() {
		if len(moves) == rekeyChunk {
			next = bytes.Clone(k)
			break
		}
		nk, err := rekey(k)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		if nk != nil && !bytes.Equal(nk, k) {
			moves = append(moves, kv{bytes.Clone(k), nk})
			values = append(values, bytes.Clone(v))
		}
	}
	for i, m := range moves {
		if err := b.Delete(m.k); err != nil {
			return nil, err
		}
		if err := b.Put(m.v, values[i]); err != nil {
			return nil, err
		}
	}
	return next, nil
}

// rekeyVersionEntry maps a key "version 0x00 da8" of n to versionKey. A
// key that starts with versionTimeTag is new already.
func rekeyVersionEntry(k []byte) ([]byte, error) {
	if k[0] == versionTimeTag {
		return nil, nil
	}
	if len(k) < 10 || k[len(k)-9] != 0 {
		return nil, errCorrupt
	}
	return versionKey(string(k[:len(k)-9]), daValue(k[len(k)-8:])), nil
}

// rekeySortedEntry maps a key of s whose version part is a timestamp with
// its whole string (order.VerKey) to verKey. The byte after the instant
// tells the forms apart: a year digit in the old one, a mark below '0'
// in the new one.
func rekeySortedEntry(k []byte) ([]byte, error) {
	i := bytes.IndexByte(k, 0)
	if i < 0 {
		return nil, errCorrupt
	}
	group, err := splitSortedKey(k, i+1)
	if err != nil {
		return nil, err
	}
	vk := k[len(group):]
	const instant = 1 + 12
	if len(vk) <= instant || vk[0] != order.VerKindTime || vk[instant] < '0' {
		return nil, nil // not a timestamp, or already short
	}
	return append(bytes.Clone(group), verKey(string(vk[instant:]), 0)...), nil
}

// typeRekeyer gives a collection bucket y and maps the keys "type 0x00
// da8" of its t, l or f to typeNumbers.key. An old key has 0x00 nine
// bytes from its end and at least one byte of type before it; a new one
// is nine bytes long, or longer with a multi-byte uvarint, whose bytes
// are never 0x00 but for the number 0, which is one byte.
func typeRekeyer(coll *bbolt.Bucket) (func([]byte) ([]byte, error), error) {
	info := coll.Bucket(bktInfo)
	if info == nil {
		return nil, fmt.Errorf("bucket %s is missing: %w", bktInfo, errCorrupt)
	}
	nums, err := coll.CreateBucketIfNotExists(bktTypeNums)
	if err != nil {
		return nil, err
	}
	tn := newTypeNumbers(nums, info)
	return func(k []byte) ([]byte, error) {
		if len(k) < 10 || k[len(k)-9] != 0 {
			return nil, nil // numbered already
		}
		nk, _, err := tn.key(string(k[:len(k)-9]), daValue(k[len(k)-8:]), true)
		return nk, err
	}, nil
}

// shortenSortedValues drops the type from the values of s whose id names
// it, a chunk of keys at a time (a put under a bbolt cursor may make it
// skip keys).
func shortenSortedValues(s *bbolt.Bucket) error {
	var from []byte
	for {
		var short []kv
		var next []byte
		cur := s.Cursor()
		k, v := seekFrom(cur, from)
		for ; k != nil; k, v = cur.Next() {
			if len(short) == migrateChunk {
				next = bytes.Clone(k)
				break
			}
			id, _, ok := bytes.Cut(k, []byte{0})
			if !ok || len(v) < 8 {
				return fmt.Errorf("bucket %s, key %q: %w", bktObjSorted, k, errCorrupt)
			}
			if len(v) > 8 && idType(string(id)) == string(v[8:]) {
				short = append(short, kv{bytes.Clone(k), bytes.Clone(v[:8])})
			}
		}
		for _, e := range short {
			if err := s.Put(e.k, e.v); err != nil {
				return fmt.Errorf("bucket %s: %w", bktObjSorted, err)
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

// forEachCollectionIndex runs fn on the index bucket name of every
// collection.
func forEachCollectionIndex(tx *bbolt.Tx, name []byte, fn func(*bbolt.Bucket) error) error {
	objects := tx.Bucket(bucketObjects)
	if objects == nil {
		return nil // a file without collections yet: initSchema creates the bucket
	}
	return objects.ForEachBucket(func(id []byte) error {
		b := objects.Bucket(id).Bucket(name)
		if b == nil {
			return fmt.Errorf("collection %s: bucket %s is missing: %w", id, name, errCorrupt)
		}
		if err := fn(b); err != nil {
			return fmt.Errorf("collection %s: %w", id, err)
		}
		return nil
	})
}

// seekFrom puts a chunked walk's cursor at from, or at the first key when
// from is nil.
func seekFrom(cur *bbolt.Cursor, from []byte) (k, v []byte) {
	if from == nil {
		return cur.First()
	}
	return cur.Seek(from)
}

// migrateChunk bounds the keys collected before they are deleted, so a
// large collection is migrated without holding all its keys in memory.
const migrateChunk = 1 << 16

// deleteTimestampEntries removes the entries of x whose version is a
// timestamp. Keys are collected a chunk at a time and then deleted
// (deleting under a bbolt cursor makes it skip keys).
func deleteTimestampEntries(x *bbolt.Bucket) error {
	var from []byte
	for {
		var doomed [][]byte
		var next []byte
		cur := x.Cursor()
		k, _ := seekFrom(cur, from)
		for ; k != nil; k, _ = cur.Next() {
			if len(doomed) == migrateChunk {
				next = bytes.Clone(k)
				break
			}
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("bucket %s, key %q: %w", bktExact, k, errCorrupt)
			}
			if !inExact(string(k[i+1:])) {
				doomed = append(doomed, bytes.Clone(k))
			}
		}
		for _, k := range doomed {
			if err := x.Delete(k); err != nil {
				return fmt.Errorf("bucket %s: %w", bktExact, err)
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

// deleteSoleEntries removes the entries of o (id 0x00 da8) whose id has
// no other entry. A chunk always ends at the start of an id's entries, so
// no id is split between two chunks.
func deleteSoleEntries(o *bbolt.Bucket) error {
	var from []byte
	for {
		var doomed [][]byte
		var next []byte
		var group, first []byte // "id 0x00" of the entries being counted, and the first of them
		n := 0
		settle := func() {
			if n == 1 {
				doomed = append(doomed, first)
			}
		}
		cur := o.Cursor()
		k, _ := seekFrom(cur, from)
		for ; k != nil; k, _ = cur.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("bucket %s, key %q: %w", bktObjAdded, k, errCorrupt)
			}
			if group != nil && bytes.Equal(k[:i+1], group) {
				n++
				continue
			}
			settle()
			if len(doomed) >= migrateChunk {
				next = bytes.Clone(k)
				break
			}
			group, first, n = bytes.Clone(k[:i+1]), bytes.Clone(k), 1
		}
		if next == nil {
			settle()
		}
		for _, k := range doomed {
			if err := o.Delete(k); err != nil {
				return fmt.Errorf("bucket %s: %w", bktObjAdded, err)
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}
