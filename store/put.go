package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/heraldcti/herald/stix"
	bolt "go.etcd.io/bbolt"
)

// maxKeyPart bounds ids, types and versions so every index key stays far
// below bbolt's 32 KiB key limit.
const maxKeyPart = 1024

// validateObject checks what the store relies on: non-empty id and type,
// no 0x00 in the indexed strings, bounded lengths, JSON bytes.
func validateObject(i int, o stix.Object, version string) error {
	name := o.ID
	if name == "" {
		name = fmt.Sprintf("#%d", i)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("object %s: %s: %w", name, fmt.Sprintf(format, args...), ErrBadParameter)
	}
	switch {
	case o.ID == "":
		return bad("empty id")
	case o.Type == "":
		return bad("empty type")
	case len(o.ID) > maxKeyPart, len(o.Type) > maxKeyPart, len(version) > maxKeyPart:
		return bad("id, type or version longer than %d bytes", maxKeyPart)
	case len(o.SpecVersion) > maxSpecLen:
		return bad("spec_version longer than %d bytes", maxSpecLen)
	case strings.IndexByte(o.ID, 0) >= 0 || strings.IndexByte(o.Type, 0) >= 0 ||
		strings.IndexByte(version, 0) >= 0 || strings.IndexByte(o.SpecVersion, 0) >= 0:
		return bad("NUL character in id, type, version or spec_version")
	case len(o.JSON) == 0 || !json.Valid(o.JSON):
		return bad("bytes are not valid JSON")
	}
	return nil
}

// PutObjects stores object versions in the collection with this id, all in
// one write transaction: either every version is recorded or none is.
//
// A version is identified by (id, Version()). A version that is already
// stored with the same bytes is Unchanged; with different bytes it is a
// Conflict and the stored bytes are kept. A new version is Added and gets
// a date_added of max(now, previous+1µs): unique and strictly increasing
// within the collection even when thousands arrive in the same
// microsecond. The same version twice in objs is Added once, then
// Unchanged (or Conflict).
//
// It fails with ErrNotFound for an unknown collection and with
// ErrBadParameter, naming the object, when an object has an empty id or
// type or its bytes are not JSON; nothing is stored then.
func (db *DB) PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]PutResult, error) {
	versions := make([]string, len(objs))
	for i, o := range objs {
		versions[i] = o.Version()
		if err := validateObject(i, o, versions[i]); err != nil {
			return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
		}
	}
	var results []PutResult
	err := db.update(ctx, func(tx *bolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		// The clock is read once the write lock is held, so date_added is
		// the commit's time even after waiting for another writer.
		w := newPutWriter(c, db.now().UnixMicro())
		results = make([]PutResult, len(objs))
		for i, o := range objs {
			if i%1024 == 1023 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			if results[i], err = w.add(o, versions[i]); err != nil {
				return fmt.Errorf("object %s version %s: %w", o.ID, versions[i], err)
			}
		}
		return w.flush()
	})
	if err != nil {
		return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
	}
	return results, nil
}
