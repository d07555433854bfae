package bolt

import (
	"encoding/binary"
	"errors"
	"strings"
	"time"

	"github.com/heraldcti/herald/store/internal/order"
)

// Each collection has a bucket under "objects", named by its id, holding
// the buckets below. "da8" is a date_added: microseconds since the Unix
// epoch as 8 bytes big-endian with the sign bit flipped, so byte order is
// time order (see daKey). date_added is unique in a collection, so a da8
// identifies one version.
//
//	v  da8                          -> record (record.go): the version itself
//	t  typeNum da8                  -> nil    versions by type (typenums.go)
//	o  id 0x00 da8                  -> nil    versions of one object by date_added,
//	                                          only for objects with two or more
//	                                          (added.go)
//	s  id 0x00 specKey verKey       -> da8 [type] versions of one object, grouped
//	                                               by spec version, in version order;
//	                                               the type only when the id does
//	                                               not name it (sortedValue)
//	x  id 0x00 version              -> da8    exact (id, version) lookup, only
//	                                          for versions that are not timestamps
//	n  versionPrefix da8            -> nil    versions by version (versionPrefix)
//	L  da8                          -> nil    the default "last" version of each object
//	F  da8                          -> nil    the default "first" version of each object
//	l  typeNum da8                  -> nil    L by type
//	f  typeNum da8                  -> nil    F by type
//	y  type                         -> typeNum  the number of each type (uvarint)
//	i  "count" -> uint64, "hw" -> da8, "types" -> uint64   counters
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
		bktVersionIdx, bktLast, bktFirst, bktTypeLast, bktTypeFirst, bktInfo, bktTypeNums}

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

// prefixDAKey is s 0x00 da8: an entry of o, or of n for a version that
// is not a plainly written timestamp (versionPrefix).
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

// versionTimeTag starts the key in n of a version that is a timestamp.
// No version is empty or holds 0x00 (PutObjects), so no other key of n
// starts with it.
const versionTimeTag = 0

// versionPrefix is the start of the keys in n of a version, before the
// date_added. A timestamp written the usual way ("2016-01-01T00:00:00Z",
// "…00.000Z": UTC, upper-case T and Z, up to nine fractional digits) is
// keyed by what it spells, in 14 bytes: versionTimeTag, seconds and
// nanoseconds as in verKey, and its number of fractional digits, instead
// of its string of 20 to 30 bytes, in a bucket of random keys where each
// byte costs about one and a half in pages. The key still names exactly
// one string ("…00Z" and "…00.000Z" differ), so n lists exactly the
// versions spelled as asked, as before. Any other version keeps its
// string and the 0x00 separator.
func versionPrefix(version string) []byte {
	sec, nsec, digits, ok := plainTimestamp(version)
	if !ok {
		return prefixKey(version)
	}
	b := make([]byte, 0, 14+8)
	b = append(b, versionTimeTag)
	b = binary.BigEndian.AppendUint64(b, uint64(sec)^signBit)
	b = binary.BigEndian.AppendUint32(b, uint32(nsec))
	return append(b, byte(digits))
}

// plainTimestamp parses a timestamp written as time.Time would write it
// in UTC with a given number of fractional digits: the string is exactly
// the one its seconds, nanoseconds and digits give back.
func plainTimestamp(version string) (sec int64, nsec int32, digits int, ok bool) {
	const whole = len("2006-01-02T15:04:05Z")
	n := len(version)
	if n < whole || version[n-1] != 'Z' {
		return 0, 0, 0, false
	}
	if n > whole {
		digits = n - whole - 1
		if version[whole-1] != '.' || digits < 1 || digits > 9 {
			return 0, 0, 0, false
		}
	}
	sec, nsec, ok = parseTimestamp(version)
	if !ok {
		return 0, 0, 0, false
	}
	var buf [len("2006-01-02T15:04:05.000000000Z")]byte
	b := time.Unix(sec, int64(nsec)).UTC().AppendFormat(buf[:0], "2006-01-02T15:04:05")
	if digits > 0 {
		frac := int64(nsec)
		for range 9 - digits {
			if frac%10 != 0 {
				return 0, 0, 0, false
			}
			frac /= 10
		}
		var d [9]byte
		for i := digits - 1; i >= 0; i-- {
			d[i] = byte('0' + frac%10)
			frac /= 10
		}
		b = append(append(b, '.'), d[:digits]...)
	}
	b = append(b, 'Z')
	return sec, nsec, digits, string(b) == version
}

// versionKey is the key of a version in bucket n.
func versionKey(version string, da int64) []byte {
	return putDA(versionPrefix(version), da)
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

// specKey is the ordering key of spec versions shared by every backend
// (see package order): numerically.
func specKey(spec string) []byte { return order.SpecKey(spec) }

// Marks in verKey between a timestamp's instant and what is left of its
// string, in the order of that string against the instant's own UTC
// date and time ("2006-01-02T15:04:05").
const (
	verBeforeHead = 0 // the string's first 19 bytes sort before it
	verSameHead   = 1 // they are it: only the rest of the string follows
	verAfterHead  = 2 // they sort after it
)

// verKey is the version part of a key of s. It sorts exactly as
// order.VerKey, the key every backend orders versions by (PostgreSQL
// stores it), but is shorter for a timestamp written in UTC: after the
// kind and the instant (13 bytes), order.VerKey ends with the whole
// string, so that two spellings of one instant ("…00Z", "…00.000Z") stay
// distinct and sort as strings. Such spellings differ, if at all, after
// their first 19 bytes whenever those are the instant's UTC date and time,
// so verKey keeps only the rest of the string there ("Z", ".000Z"), after
// verSameHead, and 20-odd bytes shorter keys in a bucket of random keys.
// Any other spelling (an offset, a lower-case t, a leap second) keeps its
// whole string after verBeforeHead or verAfterHead, which sort it against
// the short ones as the strings sort: if its first 19 bytes sort before
// the UTC date and time, the whole string sorts before every string that
// starts with it.
func verKey(version string, da int64) []byte {
	sec, nsec, ok := parseTimestamp(version)
	if !ok {
		return order.VerKey(version, da)
	}
	var headBuf [32]byte
	head := time.Unix(sec, 0).UTC().AppendFormat(headBuf[:0], "2006-01-02T15:04:05")
	b := make([]byte, 0, 1+12+1+len(version))
	b = append(b, order.VerKindTime)
	b = binary.BigEndian.AppendUint64(b, uint64(sec)^signBit)
	b = binary.BigEndian.AppendUint32(b, uint32(nsec))
	switch c := strings.Compare(version[:19], string(head)); {
	case c == 0:
		return append(append(b, verSameHead), version[19:]...)
	case c < 0:
		b = append(b, verBeforeHead)
	default:
		b = append(b, verAfterHead)
	}
	return append(b, version...)
}
