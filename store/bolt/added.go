package bolt

import (
	"bytes"
	"fmt"
)

// Bucket o (versions of one object by date_added) is sparse: it holds the
// versions of an object only when the object has two or more, and then
// all of them. The versions of an object with one version are listed by
// its single entry in s, so o would repeat what s already holds: in a
// typical feed nearly every object has one version, and o cost a fifth of
// the index pages of a file, on random keys that every bulk write
// rewrote (docs/performance.md, "Where the bytes of a bbolt file go").
//
// The rule is "all or none, and none only for fewer than two versions":
// PutObjects writes the entries of every version once an object has a
// second version (the first version's entry with it), deleting a version
// deletes its entry, and an object deleted down to one version keeps the
// entry of the one left (still "all"). Files of schema 2, where o held
// every version, satisfy the rule too; migrating them only frees pages.

// soleVersion reads an object's versions from s: count is 0, 1, or 2 for
// "two or more", and da is the date_added of the version when there is
// exactly one.
func (c *coll) soleVersion(id string) (da int64, count int, err error) {
	prefix := prefixKey(id)
	cur := c.sortedCur
	k, v := cur.Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return 0, 0, nil
	}
	e, err := decodeSortedValue(k, v)
	if err != nil {
		return 0, 0, fmt.Errorf("object %s: %w", id, err)
	}
	if k, _ = cur.Next(); k != nil && bytes.HasPrefix(k, prefix) {
		return 0, 2, nil
	}
	return e.da, 1, nil
}

// addedSource walks the versions of one object in date_added order from
// lower on: its entry in s when it has one version, else its entries in o.
func (c *coll) addedSource(id string, lower int64) (source, error) {
	da, n, err := c.soleVersion(id)
	switch {
	case err != nil:
		return nil, err
	case n == 0 || (n == 1 && da < lower):
		return &sliceSource{}, nil
	case n == 1:
		return &sliceSource{das: []int64{da}}, nil
	}
	return newCursorSource(c.objAdded, prefixKey(id), lower, false), nil
}

// addedOrder lists the date_added of every version of one object, in
// date_added order.
func (c *coll) addedOrder(id string) ([]int64, error) {
	src, err := c.addedSource(id, minDA)
	if err != nil {
		return nil, err
	}
	var das []int64
	for ; src.valid(); src.next() {
		das = append(das, src.da())
	}
	return das, nil
}
