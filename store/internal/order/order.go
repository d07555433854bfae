// Package order holds the ordering keys every storage backend uses, so
// that all backends agree on what "first" and "last" mean for TAXII's
// match[version] and on the order of spec versions: versions compare as
// instants (never as strings, since "…00Z" sorts after "…00.5Z" as text),
// spec versions numerically ("2.0" < "2.1" < "2.10"). The keys are byte
// strings compared with bytes.Compare (bbolt keys, PostgreSQL bytea).
package order

import (
	"encoding/binary"
	"strconv"
	"time"
)

// signBit flips the sign of a big-endian int64 so that negative values sort
// before positive ones as bytes.
const signBit = 1 << 63

// SpecKey encodes a spec version so that "2.0" < "2.1" < "2.10": a
// canonical "major.minor" (no leading zeros, each < 65536) becomes 0x01 and
// two 2-byte numbers; anything else becomes 0x00, its length (one byte) and
// its bytes, sorting before every numeric version. Both forms are
// self-delimiting, so the version key can follow.
func SpecKey(spec string) []byte {
	if maj, min, ok := numericSpec(spec); ok {
		return []byte{1, byte(maj >> 8), byte(maj), byte(min >> 8), byte(min)}
	}
	b := make([]byte, 0, 2+len(spec))
	b = append(b, 0, byte(len(spec)))
	return append(b, spec...)
}

func numericSpec(s string) (maj, min int, ok bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			a, okA := canonicalUint16(s[:i])
			b, okB := canonicalUint16(s[i+1:])
			return a, b, okA && okB
		}
	}
	return 0, 0, false
}

func canonicalUint16(s string) (int, bool) {
	if s == "" || len(s) > 5 || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n > 0xffff {
		return 0, false
	}
	return n, true
}

// Version key kinds: timestamps sort by instant; other versions (content
// hashes of SCOs, or unparsable strings) sort after them, by date_added.
const (
	VerKindTime  = 1
	VerKindOther = 2
)

// VerKey encodes a version for ordering inside one object and spec group.
// The version string ends the key, so two strings naming the same instant
// ("…00Z" and "…00.000Z") stay distinct versions.
func VerKey(version string, da int64) []byte {
	b := make([]byte, 0, 1+12+len(version))
	if sec, nsec, ok := ParseTimestamp(version); ok {
		b = append(b, VerKindTime)
		b = binary.BigEndian.AppendUint64(b, uint64(sec)^signBit)
		b = binary.BigEndian.AppendUint32(b, uint32(nsec))
	} else {
		b = append(b, VerKindOther)
		b = binary.BigEndian.AppendUint64(b, uint64(da)^signBit)
	}
	return append(b, version...)
}

// ParseTimestamp parses an RFC 3339 date-time with a fractional second of
// any length ("2016-01-01T01:01:01Z", "…01.5Z", "…01.123456789123Z",
// "…01+02:00") into seconds since the epoch and nanoseconds. Digits beyond
// nanoseconds are ignored for ordering; the full string still identifies
// the version. STIX versions must be compared as instants, never as
// strings: "…00Z" sorts after "…00.5Z" as a string.
func ParseTimestamp(s string) (sec int64, nsec int32, ok bool) {
	// YYYY-MM-DDTHH:MM:SS is 19 bytes.
	if len(s) < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
		s[13] != ':' || s[16] != ':' {
		return 0, 0, false
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	hour, ok4 := digits(s[11:13])
	minute, ok5 := digits(s[14:16])
	second, ok6 := digits(s[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) ||
		hour > 23 || minute > 59 || second > 60 {
		return 0, 0, false
	}
	rest := s[19:]
	var ns int
	if rest[0] == '.' {
		i := 1
		scale := 100000000
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			ns += int(rest[i]-'0') * scale
			scale /= 10
			i++
		}
		if i == 1 {
			return 0, 0, false
		}
		rest = rest[i:]
	}
	offset := 0
	switch {
	case rest == "Z" || rest == "z":
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, okH := digits(rest[1:3])
		om, okM := digits(rest[4:6])
		if !okH || !okM || oh > 23 || om > 59 {
			return 0, 0, false
		}
		offset = oh*3600 + om*60
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, 0, false
	}
	// A leap second (:60) orders as the following second.
	t := time.Date(year, time.Month(month), day, hour, minute, second, ns, time.UTC)
	return t.Unix() - int64(offset), int32(t.Nanosecond()), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
