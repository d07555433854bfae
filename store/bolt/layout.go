package bolt

import (
	"github.com/heraldcti/herald/store/internal/order"

	"encoding/binary"
	"errors"
	"strings"
)

// Each collection has a bucket under "objects", named by its id, holding
// the buckets below. "da8" is a date_added: microseconds since the Unix
// epoch as 8 bytes big-endian with the sign bit flipped, so byte order is
// time order (see daKey). date_added is unique in a collection, so a da8
// identifies one version.
//
//	v  da8                          -> record (record.go): the version itself
//	t  type 0x00 da8                -> nil    versions by type
//	o  id 0x00 da8                  -> nil    versions of one object by date_added,
//	                                          only for objects with two or more
//	                                          (added.go)
//	s  id 0x00 specKey verKey       -> da8 [type] versions of one object, grouped
//	                                               by spec version, in version order;
//	                                               the type only when the id does
//	                                               not name it (sortedValue)
//	x  id 0x00 version              -> da8    exact (id, version) lookup, only
//	                                          for versions that are not timestamps
//	n  version 0x00 da8             -> nil    versions by version string
//	L  da8                          -> nil    the default "last" version of each object
//	F  da8                          -> nil    the default "first" version of each object
//	l  type 0x00 da8                -> nil    L by type
//	f  type 0x00 da8                -> nil    F by type
//	i  "count" -> uint64, "hw" -> da8        counters
//
// "Default first/last" is TAXII's default spec-version rule: among the
// versions whose spec version is the object's latest, the earliest and the
// latest in version order. L and F hold exactly one entry per object, so the
// default TAXII query (match[version]=last) and match[version]=first walk
// an index in which every entry is a result: a page costs O(page · log n).
//
// The exact lookup of (id, version) needs no index of its own when the
// version is a timestamp (nearly every SDO and SRO): its key in s is known
// without the date_added, so findVersion seeks it there, once per spec
// group of the object. Only versions that s orders by date_added (content
// hashes of SCOs without modified/created) keep an entry in x. Schema 1
// held every version in x too: 72 bytes of key per version, in a bucket
// whose random keys left its pages two-thirds full and were rewritten by
// every bulk write (see migrateSchema).
//
// Ids, types and versions never contain 0x00 (PutObjects rejects them), so
// "id 0x00" is an unambiguous prefix.
var (
	bktVersions   = []byte("v")
	bktTypes      = []byte("t")
	bktObjAdded   = []byte("o")
	bktObjSorted  = []byte("s")
	bktExact      = []byte("x")
	bktVersionIdx = []byte("n")
	bktLast       = []byte("L")
	bktFirst      = []byte("F")
	bktTypeLast   = []byte("l")
	bktTypeFirst  = []byte("f")
	bktInfo       = []byte("i")

	collBuckets = [][]byte{bktVersions, bktTypes, bktObjAdded, bktObjSorted, bktExact,
		bktVersionIdx, bktLast, bktFirst, bktTypeLast, bktTypeFirst, bktInfo}

	keyCount     = []byte("count")
	keyHighWater = []byte("hw")
)

const signBit = 1 << 63

// daKey encodes a date_added (µs since the epoch) so that byte order is
// numeric order, negative values included.
func daKey(us int64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, uint64(us)^signBit)
	return b
}

// putDA appends the encoded date_added to b.
func putDA(b []byte, us int64) []byte {
	return binary.BigEndian.AppendUint64(b, uint64(us)^signBit)
}

// daValue decodes an 8-byte date_added key.
func daValue(b []byte) int64 {
	return int64(binary.BigEndian.Uint64(b) ^ signBit)
}

// prefixKey is s followed by the 0x00 separator.
func prefixKey(s string) []byte {
	b := make([]byte, 0, len(s)+1+8)
	b = append(b, s...)
	return append(b, 0)
}

// prefixDAKey is s 0x00 da8: an entry of t, o, n, l and f.
func prefixDAKey(s string, us int64) []byte {
	return putDA(prefixKey(s), us)
}

// specKeyLen is the length of the specKey at the start of b, or -1.
func specKeyLen(b []byte) int {
	switch {
	case len(b) >= 5 && b[0] == 1:
		return 5
	case len(b) >= 2 && b[0] == 0 && len(b) >= 2+int(b[1]):
		return 2 + int(b[1])
	}
	return -1
}

// sortedKey is the key of a version in bucket s.
func sortedKey(id, spec, version string, da int64) []byte {
	b := prefixKey(id)
	b = append(b, specKey(spec)...)
	return append(b, verKey(version, da)...)
}

// inExact reports whether the version has an entry in x: it is not a
// timestamp, so its key in s holds the date_added and cannot be sought.
func inExact(version string) bool {
	_, _, ok := parseTimestamp(version)
	return !ok
}

// exactKey is the key of a version in bucket x: id 0x00 version.
func exactKey(id, version string) []byte {
	return append(prefixKey(id), version...)
}

// sortedValue is the value in bucket s: da8, then the type unless the id
// already names it. A STIX id is "type--uuid", so for nearly every object
// the type would repeat the start of the key (9 bytes of 17 for an
// indicator); it is stored only for an object whose id does not start
// with its type and "--", which the store does not forbid.
func sortedValue(da int64, id, typ string) []byte {
	if idType(id) == typ {
		return daKey(da)
	}
	b := make([]byte, 0, 8+len(typ))
	b = putDA(b, da)
	return append(b, typ...)
}

// idType is the type an id names: the part before "--", or "" when it
// has none.
func idType(id string) string {
	typ, _, ok := strings.Cut(id, "--")
	if !ok {
		return ""
	}
	return typ
}

// errCorrupt marks stored bytes that do not decode.
var errCorrupt = errors.New("corrupt entry")

// splitSortedKey returns the spec group key (prefix id 0x00 specKey) of an
// s key whose id prefix has length idLen+1.
func splitSortedKey(k []byte, prefixLen int) (group []byte, err error) {
	if len(k) < prefixLen {
		return nil, errCorrupt
	}
	n := specKeyLen(k[prefixLen:])
	if n < 0 {
		return nil, errCorrupt
	}
	return k[:prefixLen+n], nil
}

// specKey and verKey are the ordering keys shared by every backend (see
// package order): spec versions numerically, versions as instants.
func specKey(spec string) []byte { return order.SpecKey(spec) }

func verKey(version string, da int64) []byte { return order.VerKey(version, da) }
