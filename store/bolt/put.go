package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

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
// It fails with store.ErrNotFound for an unknown collection and with
// store.ErrBadParameter, naming the object, when an object has an empty id or
// type or its bytes are not JSON; nothing is stored then.
func (db *DB) PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]store.PutResult, error) {
	versions := make([]string, len(objs))
	for i, o := range objs {
		versions[i] = o.Version()
		if err := store.ValidateObject(i, o, versions[i]); err != nil {
			return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
		}
	}
	var results []store.PutResult
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		// The clock is read once the write lock is held, so date_added is
		// the commit's time even after waiting for another writer.
		w := newPutWriter(c, db.now().UnixMicro())
		results = make([]store.PutResult, len(objs))
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
