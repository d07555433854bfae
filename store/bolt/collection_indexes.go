package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"
)

// coll is one collection's buckets inside one transaction.
type coll struct {
	id                                   string
	versions, types, objAdded, objSorted *bbolt.Bucket
	exact, versionIdx, last, first       *bbolt.Bucket
	typeLast, typeFirst, info, typeNums  *bbolt.Bucket
	typeNum                              *typeNumbers  // keys of t, l and f
	sortedCur                            *bbolt.Cursor // reused for object-state lookups
	scratch                              []byte        // reused key buffer
}

func openColl(tx *bbolt.Tx, id string) (*coll, error) {
	b, err := collectionBucket(tx, id)
	if err != nil {
		return nil, err
	}
	c := &coll{id: id}
	dst := []**bbolt.Bucket{&c.versions, &c.types, &c.objAdded, &c.objSorted, &c.exact,
		&c.versionIdx, &c.last, &c.first, &c.typeLast, &c.typeFirst, &c.info, &c.typeNums}
	for i, name := range collBuckets {
		sub := b.Bucket(name)
		if sub == nil {
			return nil, fmt.Errorf("collection %s: bucket %s is missing: %w", id, name, errCorrupt)
		}
		*dst[i] = sub
	}
	// date_added keys only ever grow: fill pages fully.
	c.versions.FillPercent = 1
	c.last.FillPercent = 1
	c.first.FillPercent = 1
	// "typeNum da8" keys grow at the end of each type's range (a few
	// types, each appended to): split full pages there too instead of at
	// bbolt's default half, which left these three indexes half empty.
	// Only how pages split changes: the file format is the same.
	c.types.FillPercent = 1
	c.typeLast.FillPercent = 1
	c.typeFirst.FillPercent = 1
	c.sortedCur = c.objSorted.Cursor()
	c.typeNum = newTypeNumbers(c.typeNums, c.info)
	return c, nil
}

// openCollFor is openColl for a read that runs plan p. The default query
// (latest or earliest version of each object, any spec-version rule left
// at its default, no id or explicit version) reads only the version bucket
// and the first/last index (or its per-type twin): it opens just those,
// two or three buckets instead of eleven. Its sources are all trusted, so
// the walk never calls matches, which needs the others. Any other plan
// gets every bucket.
func openCollFor(tx *bbolt.Tx, id string, p plan) (*coll, error) {
	if p.ids != nil || p.all || p.specs != nil || len(p.explicit) > 0 {
		return openColl(tx, id)
	}
	b, err := collectionBucket(tx, id)
	if err != nil {
		return nil, err
	}
	c := &coll{id: id}
	open := func(name []byte) (*bbolt.Bucket, error) {
		sub := b.Bucket(name)
		if sub == nil {
			return nil, fmt.Errorf("collection %s: bucket %s is missing: %w", id, name, errCorrupt)
		}
		return sub, nil
	}
	if c.versions, err = open(bktVersions); err != nil {
		return nil, err
	}
	if p.types != nil {
		if c.typeNums, err = open(bktTypeNums); err != nil {
			return nil, err
		}
		c.typeNum = newTypeNumbers(c.typeNums, nil)
	}
	if p.first {
		if p.types == nil {
			c.first, err = open(bktFirst)
		} else {
			c.typeFirst, err = open(bktTypeFirst)
		}
		if err != nil {
			return nil, err
		}
	}
	if p.last {
		if p.types == nil {
			c.last, err = open(bktLast)
		} else {
			c.typeLast, err = open(bktTypeLast)
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

func (c *coll) count() uint64 {
	v := c.info.Get(keyCount)
	if len(v) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(v)
}

func (c *coll) setCount(n uint64) error {
	return c.info.Put(keyCount, binary.BigEndian.AppendUint64(nil, n))
}

// highWater is the largest date_added ever assigned in the collection,
// including versions deleted since, so a date_added is never reused.
func (c *coll) highWater() (int64, bool) {
	v := c.info.Get(keyHighWater)
	if len(v) != 8 {
		return 0, false
	}
	return daValue(v), true
}

// objEntry is one entry of bucket s, copied out.
type objEntry struct {
	da  int64
	typ string
	key []byte // the s key (valid only inside the transaction)
}

// decodeSortedValue decodes an entry of s (see sortedValue): the type is
// the value's tail, or when there is none the type the key's id names.
func decodeSortedValue(k, v []byte) (objEntry, error) {
	if len(v) < 8 {
		return objEntry{}, errCorrupt
	}
	e := objEntry{da: daValue(v[:8]), key: k}
	if len(v) > 8 {
		e.typ = string(v[8:])
		return e, nil
	}
	id, _, _ := bytes.Cut(k, []byte{0})
	typ, _, ok := bytes.Cut(id, []byte("--"))
	if !ok || len(typ) == 0 {
		return objEntry{}, errCorrupt
	}
	e.typ = string(typ)
	return e, nil
}

// objState is what the default first/last indexes hold for one object:
// the first and last version (in version order) among those with the
// object's latest spec version.
type objState struct {
	exists      bool
	first, last objEntry
	latestGroup []byte // prefix id 0x00 specKey of the latest spec group (copy)
}

// state computes the default first/last of an object from bucket s in
// O(log n).
func (c *coll) state(id string) (objState, error) {
	prefix := prefixKey(id)
	lastKey, lastVal := lastWithPrefix(c.sortedCur, prefix)
	if lastKey == nil {
		return objState{}, nil
	}
	group, err := splitSortedKey(lastKey, len(prefix))
	if err != nil {
		return objState{}, fmt.Errorf("object %s: %w", id, err)
	}
	st := objState{exists: true, latestGroup: bytes.Clone(group)}
	if st.last, err = decodeSortedValue(lastKey, lastVal); err != nil {
		return objState{}, fmt.Errorf("object %s: %w", id, err)
	}
	fk, fv := c.sortedCur.Seek(st.latestGroup)
	if fk == nil || !bytes.HasPrefix(fk, st.latestGroup) {
		return objState{}, fmt.Errorf("object %s: spec group vanished: %w", id, errCorrupt)
	}
	if st.first, err = decodeSortedValue(fk, fv); err != nil {
		return objState{}, fmt.Errorf("object %s: %w", id, err)
	}
	return st, nil
}

// groupEnds returns the first and last entries of the spec group with
// this prefix (id 0x00 specKey), if any.
func groupEnds(cur *bbolt.Cursor, group []byte) (first, last objEntry, ok bool, err error) {
	fk, fv := cur.Seek(group)
	if fk == nil || !bytes.HasPrefix(fk, group) {
		return first, last, false, nil
	}
	if first, err = decodeSortedValue(fk, fv); err != nil {
		return first, last, false, err
	}
	lk, lv := lastWithPrefix(cur, group)
	if lk == nil {
		return first, last, false, errCorrupt
	}
	if last, err = decodeSortedValue(lk, lv); err != nil {
		return first, last, false, err
	}
	return first, last, true, nil
}

// lastWithPrefix positions cur on the last key that starts with prefix and
// returns it, or nil.
func lastWithPrefix(cur *bbolt.Cursor, prefix []byte) (k, v []byte) {
	end := prefixEnd(prefix)
	if end == nil {
		k, v = cur.Last()
	} else if k, _ = cur.Seek(end); k == nil {
		k, v = cur.Last()
	} else {
		k, v = cur.Prev()
	}
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil
	}
	return k, v
}

// prefixEnd is the smallest key greater than every key with this prefix,
// or nil when there is none (prefix all 0xff).
func prefixEnd(prefix []byte) []byte {
	end := bytes.Clone(prefix)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// setDefaultIndexes moves the object's entries in L/F/l/f from before to
// after.
func (c *coll) setDefaultIndexes(before, after objState) error {
	type move struct {
		all, byType *bbolt.Bucket
		old, new    objEntry
		hadOld      bool
		hasNew      bool
	}
	moves := []move{
		{c.last, c.typeLast, before.last, after.last, before.exists, after.exists},
		{c.first, c.typeFirst, before.first, after.first, before.exists, after.exists},
	}
	for _, m := range moves {
		if m.hadOld && m.hasNew && m.old.da == m.new.da && m.old.typ == m.new.typ {
			continue
		}
		if m.hadOld {
			if err := m.all.Delete(daKey(m.old.da)); err != nil {
				return err
			}
			k, err := c.storedTypeKey(m.old.typ, m.old.da)
			if err != nil {
				return err
			}
			if err := m.byType.Delete(k); err != nil {
				return err
			}
		}
		if m.hasNew {
			if err := m.all.Put(daKey(m.new.da), nil); err != nil {
				return err
			}
			k, err := c.typeKey(m.new.typ, m.new.da)
			if err != nil {
				return err
			}
			if err := m.byType.Put(k, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// findVersion returns the date_added of the stored version (id, version).
// A timestamp version is sought in s under each spec group of the object
// (one or two groups in practice): its key there does not depend on the
// date_added. Any other version is looked up in x (see layout.go).
func (c *coll) findVersion(id, version string) (da int64, found bool, err error) {
	if inExact(version) {
		v := c.exact.Get(exactKey(id, version))
		if v == nil {
			return 0, false, nil
		}
		if len(v) != 8 {
			return 0, false, fmt.Errorf("exact entry of %s version %s: %w", id, version, errCorrupt)
		}
		return daValue(v), true, nil
	}
	prefix := prefixKey(id)
	vk := verKey(version, 0)
	cur := c.sortedCur
	for k, v := cur.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); {
		group, err := splitSortedKey(k, len(prefix))
		if err != nil {
			return 0, false, fmt.Errorf("object %s: %w", id, err)
		}
		// The group's first key is often the one (an object with one
		// version): no second seek then.
		if bytes.Equal(k[len(group):], vk) {
			return sortedDA(id, k, v)
		}
		want := append(bytes.Clone(group), vk...)
		if fk, fv := cur.Seek(want); bytes.Equal(fk, want) {
			return sortedDA(id, fk, fv)
		}
		end := prefixEnd(want[:len(group)])
		if end == nil {
			break
		}
		k, v = cur.Seek(end)
	}
	return 0, false, nil
}

// sortedDA is the date_added held by an entry of s, for findVersion.
func sortedDA(id string, k, v []byte) (int64, bool, error) {
	e, err := decodeSortedValue(k, v)
	if err != nil {
		return 0, false, fmt.Errorf("object %s: %w", id, err)
	}
	return e.da, true, nil
}
