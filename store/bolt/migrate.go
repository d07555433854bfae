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
	3: shortRecordsAndVersionKeys,
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

// shortRecordsAndVersionKeys is schema 3 → 4, two changes that save
// about a tenth of the file for small objects:
//   - new versions are written as recordShared (record.go), which a
//     schema-3 program would misread. The records already in the file
//     (recordInline) stay as they are and are read as before: rewriting
//     them here would grow the file by all of them for the length of the
//     migration. An export and import into a new file gives an existing
//     collection the short form;
//   - bucket n keys a plainly written timestamp by what it spells
//     (versionPrefix), and bucket s keeps only the end of a UTC
//     timestamp's string (verKey);
//   - the type indexes t, l and f key a version by its type's number
//     (typenums.go), which a new bucket y holds.
//
// Every collection's n, s, t, l and f are rewritten, so the file grows
// once by about their size.
func shortRecordsAndVersionKeys(tx *bbolt.Tx) error {
	if err := forEachCollectionIndex(tx, bktVersionIdx, rekeyVersionIndex); err != nil {
		return err
	}
	if err := forEachCollectionIndex(tx, bktObjSorted, rekeySorted); err != nil {
		return err
	}
	return numberTypes(tx)
}

// numberTypes gives every collection bucket y and rewrites the keys
// "type 0x00 da8" of its t, l and f as typeNumbers.key.
func numberTypes(tx *bbolt.Tx) error {
	objects := tx.Bucket(bucketObjects)
	if objects == nil {
		return nil
	}
	return objects.ForEachBucket(func(id []byte) error {
		cb := objects.Bucket(id)
		info := cb.Bucket(bktInfo)
		if info == nil {
			return fmt.Errorf("collection %s: bucket %s is missing: %w", id, bktInfo, errCorrupt)
		}
		nums, err := cb.CreateBucketIfNotExists(bktTypeNums)
		if err != nil {
			return fmt.Errorf("collection %s: %w", id, err)
		}
		tn := newTypeNumbers(nums, info)
		for _, name := range [][]byte{bktTypes, bktTypeLast, bktTypeFirst} {
			b := cb.Bucket(name)
			if b == nil {
				return fmt.Errorf("collection %s: bucket %s is missing: %w", id, name, errCorrupt)
			}
			if err := rekeyTypeIndex(b, tn); err != nil {
				return fmt.Errorf("collection %s: bucket %s: %w", id, name, err)
			}
		}
		return nil
	})
}

// rekeyTypeIndex rewrites the keys "type 0x00 da8" of t, l or f as
// "typeNum da8", a chunk at a time. The new keys sort anywhere among the
// old ones, so the walk tells them apart: an old key has 0x00 nine bytes
// from its end and at least one byte of type before it; a new one is nine
// bytes long, or longer with a multi-byte uvarint, whose bytes before the
// last are never 0x00 and whose last is not either.
func rekeyTypeIndex(b *bbolt.Bucket, tn *typeNumbers) error {
	var from []byte
	for {
		var moves []kv // old key, new key
		var next []byte
		cur := b.Cursor()
		k, _ := cur.First()
		if from != nil {
			k, _ = cur.Seek(from)
		}
		for ; k != nil; k, _ = cur.Next() {
			if len(k) < 10 || k[len(k)-9] != 0 {
				continue // already numbered
			}
			if len(moves) == migrateChunk {
				next = bytes.Clone(k)
				break
			}
			nk, _, err := tn.key(string(k[:len(k)-9]), daValue(k[len(k)-8:]), true)
			if err != nil {
				return err
			}
			moves = append(moves, kv{bytes.Clone(k), nk})
		}
		for _, m := range moves {
			if err := b.Delete(m.k); err != nil {
				return err
			}
			if err := b.Put(m.v, nil); err != nil {
				return err
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

// rekeySorted rewrites the keys of s whose version part is a timestamp
// with its whole string (order.VerKey) as verKey, a chunk at a time. A
// new key stays in its object's group and may sort after the chunk's end,
// so the walk tells the two forms apart by the byte after the instant: a
// year digit in the old one, a mark below '0' in the new one.
func rekeySorted(s *bbolt.Bucket) error {
	var from []byte
	for {
		var moves []kv // old key, new key; the value moves with it
		var values [][]byte
		var next []byte
		cur := s.Cursor()
		k, v := cur.First()
		if from != nil {
			k, v = cur.Seek(from)
		}
		for ; k != nil; k, v = cur.Next() {
			i := bytes.IndexByte(k, 0)
			if i < 0 {
				return fmt.Errorf("bucket %s, key %q: %w", bktObjSorted, k, errCorrupt)
			}
			group, err := splitSortedKey(k, i+1)
			if err != nil {
				return fmt.Errorf("bucket %s, key %q: %w", bktObjSorted, k, err)
			}
			vk := k[len(group):]
			const instant = 1 + 12
			if len(vk) <= instant || vk[0] != order.VerKindTime || vk[instant] < '0' {
				continue // not a timestamp, or already short
			}
			if len(moves) == migrateChunk {
				next = bytes.Clone(k)
				break
			}
			nk := append(bytes.Clone(group), verKey(string(vk[instant:]), 0)...)
			moves = append(moves, kv{bytes.Clone(k), nk})
			values = append(values, bytes.Clone(v))
		}
		for i, m := range moves {
			if err := s.Delete(m.k); err != nil {
				return fmt.Errorf("bucket %s: %w", bktObjSorted, err)
			}
			if err := s.Put(m.v, values[i]); err != nil {
				return fmt.Errorf("bucket %s: %w", bktObjSorted, err)
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
}

// rekeyVersionIndex rewrites the keys "version 0x00 da8" of n whose
// version is a timestamp as versionKey, a chunk at a time. The new keys
// start with versionTimeTag, before every old key, so the walk through
// the old keys never meets them.
func rekeyVersionIndex(n *bbolt.Bucket) error {
	var from []byte
	for {
		var moves []kv // old key, new key
		var next []byte
		cur := n.Cursor()
		k, _ := cur.First()
		if from != nil {
			k, _ = cur.Seek(from)
		}
		for ; k != nil; k, _ = cur.Next() {
			if k[0] == versionTimeTag {
				continue
			}
			if len(moves) == migrateChunk {
				next = bytes.Clone(k)
				break
			}
			if len(k) < 10 || k[len(k)-9] != 0 {
				return fmt.Errorf("bucket %s, key %q: %w", bktVersionIdx, k, errCorrupt)
			}
			version := string(k[:len(k)-9])
			if nk := versionKey(version, daValue(k[len(k)-8:])); !bytes.Equal(nk, k) {
				moves = append(moves, kv{bytes.Clone(k), nk})
			}
		}
		for _, m := range moves {
			if err := n.Delete(m.k); err != nil {
				return fmt.Errorf("bucket %s: %w", bktVersionIdx, err)
			}
			if err := n.Put(m.v, nil); err != nil {
				return fmt.Errorf("bucket %s: %w", bktVersionIdx, err)
			}
		}
		if next == nil {
			return nil
		}
		from = next
	}
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
		k, v := cur.First()
		if from != nil {
			k, v = cur.Seek(from)
		}
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
		k, _ := cur.First()
		if from != nil {
			k, _ = cur.Seek(from)
		}
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
		k, _ := cur.First()
		if from != nil {
			k, _ = cur.Seek(from)
		}
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
