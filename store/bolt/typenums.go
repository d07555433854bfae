package bolt

import (
	"bytes"
	"encoding/binary"
	"fmt"

	bbolt "go.etcd.io/bbolt"
)

// The type indexes t, l and f key a version by its type's number in the
// collection, not by the type's name: "indicator 0x00 da8" (18 bytes)
// becomes "uvarint da8" (9 bytes while the collection has fewer than 128
// types), about a quarter of each entry with bbolt's 16 bytes of entry
// header, in three indexes that every version has entries in. Bucket y
// maps each type to its number; numbers are handed out in the order types
// first arrive and never reused, and info's "types" counts them. A uvarint
// is never the start of another, so "number da8" needs no separator.
var (
	bktTypeNums  = []byte("y")
	keyTypeCount = []byte("types")
)

// typeNumbers reads and hands out a collection's type numbers within one
// transaction, remembering those it has seen.
type typeNumbers struct {
	nums, info *bbolt.Bucket
	seen       map[string][]byte
}

func newTypeNumbers(nums, info *bbolt.Bucket) *typeNumbers {
	return &typeNumbers{nums: nums, info: info}
}

// lookup returns the number of typ as the uvarint that starts its keys,
// or false when no version of that type was ever stored.
func (tn *typeNumbers) lookup(typ string) ([]byte, bool) {
	if p, ok := tn.seen[typ]; ok {
		return p, true
	}
	v := tn.nums.Get([]byte(typ))
	if v == nil {
		return nil, false
	}
	v = bytes.Clone(v)
	tn.remember(typ, v)
	return v, true
}

// number returns the number of typ, giving it the next one if it has
// none yet (a write transaction).
func (tn *typeNumbers) number(typ string) ([]byte, error) {
	if p, ok := tn.lookup(typ); ok {
		return p, nil
	}
	var next uint64
	if v := tn.info.Get(keyTypeCount); len(v) == 8 {
		next = binary.BigEndian.Uint64(v)
	}
	p := binary.AppendUvarint(nil, next)
	if err := tn.nums.Put([]byte(typ), p); err != nil {
		return nil, fmt.Errorf("number type %q: %w", typ, err)
	}
	if err := tn.info.Put(keyTypeCount, binary.BigEndian.AppendUint64(nil, next+1)); err != nil {
		return nil, fmt.Errorf("number type %q: %w", typ, err)
	}
	tn.remember(typ, p)
	return p, nil
}

func (tn *typeNumbers) remember(typ string, p []byte) {
	if tn.seen == nil {
		tn.seen = make(map[string][]byte)
	}
	if len(tn.seen) < 1024 {
		tn.seen[typ] = p
	}
}

// key is the key of a version in t, l or f: the type's number, then da8.
// A write transaction numbers a new type; reading, a type without a
// number has no entries, and key returns false.
func (tn *typeNumbers) key(typ string, da int64, create bool) ([]byte, bool, error) {
	var p []byte
	if create {
		var err error
		if p, err = tn.number(typ); err != nil {
			return nil, false, err
		}
	} else {
		var ok bool
		if p, ok = tn.lookup(typ); !ok {
			return nil, false, nil
		}
	}
	k := make([]byte, 0, len(p)+8)
	return putDA(append(k, p...), da), true, nil
}

// validTypeNumber reports whether v is a uvarint as number writes it: the
// shortest form, nothing after it.
func validTypeNumber(v []byte) (uint64, bool) {
	n, w := binary.Uvarint(v)
	return n, w > 0 && w == len(v) && len(binary.AppendUvarint(nil, n)) == w
}

// typeKey is the key of a version in t, l or f, numbering a new type.
func (c *coll) typeKey(typ string, da int64) ([]byte, error) {
	k, _, err := c.typeNum.key(typ, da, true)
	return k, err
}

// storedTypeKey is the key of a stored version in t, l or f, whose type
// has a number.
func (c *coll) storedTypeKey(typ string, da int64) ([]byte, error) {
	k, ok, err := c.typeNum.key(typ, da, false)
	if err == nil && !ok {
		err = fmt.Errorf("type %q has no number: %w", typ, errCorrupt)
	}
	return k, err
}
