package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

// DeleteObject removes versions of one object from a collection and
// returns how many it removed. With no versions and no specVersions it
// removes every version. Otherwise it removes exactly the versions that
// the same filters would return from Objects with IDs=[objectID]
// (match[version] then defaults to "all", match[spec_version] to the
// object's latest spec version), so a client deletes what it sees.
// Every index, including the default first/last ones, is updated in the
// same transaction. It fails with store.ErrNotFound when the collection does not
// exist or holds no version of the object, and store.ErrBadParameter for
// malformed filters.
func (db *DB) DeleteObject(ctx context.Context, collectionID, objectID string, versions, specVersions []string) (int, error) {
	if objectID == "" {
		return 0, fmt.Errorf("delete object: empty object id: %w", store.ErrBadParameter)
	}
	everything := len(versions) == 0 && len(specVersions) == 0
	if len(versions) == 0 {
		versions = []string{store.VersionAll}
	}
	p, err := parseQuery(store.Query{IDs: []string{objectID}, Versions: versions, SpecVersions: specVersions}, 1)
	if err != nil {
		return 0, fmt.Errorf("delete object %s: %w", objectID, err)
	}
	n := 0
	err = db.updateObjects(ctx, collectionID, func(tx *bbolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		before, err := c.state(objectID)
		if err != nil {
			return err
		}
		if !before.exists {
			return fmt.Errorf("object %s: %w", objectID, store.ErrNotFound)
		}
		das, err := c.selectVersions(objectID, p, everything)
		if err != nil {
			return err
		}
		for _, da := range das {
			if err := c.deleteVersion(da); err != nil {
				return fmt.Errorf("version at %d: %w", da, err)
			}
		}
		after, err := c.state(objectID)
		if err != nil {
			return err
		}
		if err := c.setDefaultIndexes(before, after); err != nil {
			return err
		}
		n = len(das)
		if n == 0 {
			return nil
		}
		return c.setCount(c.count() - uint64(n))
	})
	if err != nil {
		return 0, fmt.Errorf("delete object %s in %s: %w", objectID, collectionID, err)
	}
	return n, nil
}

// selectVersions lists every version of one object that p selects (all
// of them when everything is set). The list is collected before any
// deletion, so deleting cannot change what first/last mean midway.
func (c *coll) selectVersions(id string, p plan, everything bool) ([]int64, error) {
	all, err := c.addedOrder(id)
	if err != nil || everything {
		return all, err
	}
	var out []int64
	for _, da := range all {
		r, err := decodeRecord(c.versions.Get(daKey(da)))
		if err != nil {
			return nil, fmt.Errorf("version at %d: %w", da, err)
		}
		ok, err := c.matches(r, da, p)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, da)
		}
	}
	return out, nil
}

// deleteVersion removes one version and its entries in the per-version
// indexes; the caller fixes the first/last indexes and the counter.
func (c *coll) deleteVersion(da int64) error {
	key := daKey(da)
	r, err := decodeRecord(c.versions.Get(key))
	if err != nil {
		return err
	}
	id, typ, version, spec := string(r.id), string(r.typ), string(r.version), string(r.spec)
	tk, err := c.storedTypeKey(typ, da)
	if err != nil {
		return err
	}
	type entry struct {
		b *bbolt.Bucket
		k []byte
	}
	dels := []entry{
		{c.types, tk},
		{c.objAdded, prefixDAKey(id, da)},
		{c.objSorted, sortedKey(id, spec, version, da)},
		{c.versionIdx, versionKey(version, da)},
		{c.versions, key},
	}
	if inExact(version) {
		dels = append(dels, entry{c.exact, exactKey(id, version)})
	}
	for _, d := range dels {
		if err := d.b.Delete(d.k); err != nil {
			return err
		}
	}
	return nil
}
