package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// PutObjects is PutObjectsWith with the zero options: a conflict keeps the
// stored version.
func (db *DB) PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]store.PutResult, error) {
	return db.PutObjectsWith(ctx, collectionID, objs, store.PutOptions{})
}

// PutObjectsWith stores object versions in the collection with this id,
// all in one write transaction: either every version is recorded or none
// is.
//
// A version is identified by (id, Version()). A version already stored
// with JSON-equal content (stix.EqualJSON: byte-equal first, then as JSON
// values) is Unchanged and its stored bytes stay. With other content it is
// a conflict, settled by opts.OnConflict: keep (Conflict, stored bytes
// kept), replace (Replaced: the old version is removed like DeleteObject
// removes one, then the incoming one is added with a new date_added), or
// fail (nothing written, *store.ConflictError). A new version is Added and
// gets a date_added of max(now, previous+1µs): unique and strictly
// increasing within the collection even when thousands arrive in the same
// microsecond. The same version twice in objs is compared with its first
// occurrence the same way.
//
// It fails with store.ErrNotFound for an unknown collection and with
// store.ErrBadParameter, naming the object, when an object has an empty id or
// type or its bytes are not JSON, or for an unknown policy; nothing is
// stored then.
func (db *DB) PutObjectsWith(ctx context.Context, collectionID string, objs []stix.Object, opts store.PutOptions) ([]store.PutResult, error) {
	policy, err := store.ParseConflictPolicy(string(opts.OnConflict))
	if err != nil {
		return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
	}
	versions := make([]string, len(objs))
	for i, o := range objs {
		versions[i] = o.Version()
		if err := store.ValidateObject(i, o, versions[i]); err != nil {
			return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
		}
	}
	var results []store.PutResult
	err = db.updateObjects(ctx, collectionID, func(tx *bbolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		// The clock is read once the write lock is held, so date_added is
		// the commit's time even after waiting for another writer.
		now := db.now().UnixMicro()
		w := newPutWriter(c, now)
		results = make([]store.PutResult, len(objs))
		var conflicts []store.ConflictDetail
		for i, o := range objs {
			if i%1024 == 1023 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			r, err := w.add(o, versions[i])
			if err != nil {
				return fmt.Errorf("object %s version %s: %w", o.ID, versions[i], err)
			}
			if r.Outcome == store.Conflict {
				switch policy {
				case store.ConflictFail:
					conflicts = append(conflicts, store.ConflictDetail{Index: i, PutResult: r})
				case store.ConflictReplace:
					// Rare: write what is planned, remove the stored
					// version with every index entry, and add the new
					// bytes with a writer that starts past the high water.
					if err := w.flush(); err != nil {
						return err
					}
					if err := c.removeVersion(o.ID, versions[i]); err != nil {
						return fmt.Errorf("object %s version %s: %w", o.ID, versions[i], err)
					}
					w = newPutWriter(c, now)
					if r, err = w.add(o, versions[i]); err != nil {
						return fmt.Errorf("object %s version %s: %w", o.ID, versions[i], err)
					}
					if r.Outcome != store.Added {
						return fmt.Errorf("object %s version %s: still stored after its removal: %w", o.ID, versions[i], errCorrupt)
					}
					r.Outcome, r.NewObject = store.Replaced, false
				}
			}
			results[i] = r
		}
		if len(conflicts) > 0 {
			return &store.ConflictError{Conflicts: conflicts}
		}
		return w.flush()
	})
	if err != nil {
		return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
	}
	return results, nil
}

// removeVersion deletes one stored version (id, version) with its index
// entries, fixes the object's default first/last entries and the counter.
// The high water stays: the removed date_added is never given again.
func (c *coll) removeVersion(id, version string) error {
	da, found, err := c.findVersion(id, version)
	if err != nil {
		return err
	}
	if !found {
		return errCorrupt
	}
	before, err := c.state(id)
	if err != nil {
		return err
	}
	if err := c.deleteVersion(da); err != nil {
		return fmt.Errorf("version at %d: %w", da, err)
	}
	after, err := c.state(id)
	if err != nil {
		return err
	}
	if err := c.setDefaultIndexes(before, after); err != nil {
		return err
	}
	return c.setCount(c.count() - 1)
}
