package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

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
	now := db.now().UnixMicro()
	results := make([]PutResult, len(objs))
	err := db.update(ctx, func(tx *bolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		hw, hasHW := c.highWater()
		next := now
		if hasHW && hw >= next {
			next = hw + 1
		}
		n := c.count()
		for i, o := range objs {
			if i%1024 == 1023 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			res, err := c.put(o, versions[i], next)
			if err != nil {
				return fmt.Errorf("object %s version %s: %w", o.ID, versions[i], err)
			}
			if res.Outcome == Added {
				next++
				n++
			}
			results[i] = res
		}
		if n == c.count() {
			return nil // nothing added
		}
		if err := c.info.Put(keyHighWater, daKey(next-1)); err != nil {
			return err
		}
		return c.setCount(n)
	})
	if err != nil {
		return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
	}
	return results, nil
}

// put stores one version with date_added da unless (id, version) exists.
func (c *coll) put(o stix.Object, version string, da int64) (PutResult, error) {
	res := PutResult{ID: o.ID, Version: version}
	exactKey := append(prefixKey(o.ID), version...)
	if v := c.exact.Get(exactKey); v != nil {
		if len(v) != 8 {
			return res, errCorrupt
		}
		storedDA := daValue(v)
		res.DateAdded = time.UnixMicro(storedDA).UTC()
		raw := c.versions.Get(v)
		r, err := decodeRecord(raw)
		if err != nil {
			return res, fmt.Errorf("stored version at %d: %w", storedDA, err)
		}
		if bytes.Equal(r.json, o.JSON) {
			res.Outcome = Unchanged
		} else {
			res.Outcome = Conflict
		}
		return res, nil
	}
	spec := o.EffectiveSpecVersion()
	before, err := c.state(o.ID)
	if err != nil {
		return res, err
	}
	key := daKey(da)
	puts := []struct {
		b   *bolt.Bucket
		k   []byte
		v   []byte
		why string
	}{
		{c.versions, key, encodeRecord(o.ID, o.Type, version, spec, o.JSON), "version"},
		{c.types, prefixDAKey(o.Type, da), nil, "type index"},
		{c.objAdded, prefixDAKey(o.ID, da), nil, "object index"},
		{c.objSorted, sortedKey(o.ID, spec, version, da), sortedValue(da, o.Type), "version order index"},
		{c.exact, exactKey, key, "exact index"},
		{c.versionIdx, prefixDAKey(version, da), nil, "version index"},
	}
	for _, p := range puts {
		if err := p.b.Put(p.k, p.v); err != nil {
			return res, fmt.Errorf("write %s: %w", p.why, err)
		}
	}
	after := objState{exists: true, first: objEntry{da: da, typ: o.Type}, last: objEntry{da: da, typ: o.Type}}
	if before.exists {
		if after, err = c.state(o.ID); err != nil {
			return res, err
		}
	}
	if err := c.setDefaultIndexes(before, after); err != nil {
		return res, fmt.Errorf("write first/last index: %w", err)
	}
	res.Outcome = Added
	res.DateAdded = time.UnixMicro(da).UTC()
	res.NewObject = !before.exists
	return res, nil
}
