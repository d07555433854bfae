package bolt

import (
	"bytes"
	"fmt"
	"strconv"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

// migrations brings a file from schema version k to k+1 (the index is
// k). Open runs the ones a file needs inside the write transaction that
// checks the schema, so a file is migrated whole or not at all, and an
// interrupted migration leaves the old file as it was.
var migrations = map[int]func(tx *bbolt.Tx) error{
	1: dropTimestampExact,
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
	objects := tx.Bucket(bucketObjects)
	if objects == nil {
		return nil // a file without collections yet: initSchema creates the bucket
	}
	return objects.ForEachBucket(func(id []byte) error {
		x := objects.Bucket(id).Bucket(bktExact)
		if x == nil {
			return fmt.Errorf("collection %s: bucket %s is missing: %w", id, bktExact, errCorrupt)
		}
		if err := deleteTimestampEntries(x); err != nil {
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
