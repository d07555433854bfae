package taxii

import (
	"errors"
	"time"
)

// timestampLayout is the TAXII 2.1 timestamp (§2): UTC, "Z", exactly six
// fraction digits.
const timestampLayout = "2006-01-02T15:04:05.000000Z"

// formatTimestamp writes t as a TAXII timestamp (microseconds, UTC).
func formatTimestamp(t time.Time) string {
	return t.UTC().Truncate(time.Microsecond).Format(timestampLayout)
}

// appendTimestamp is formatTimestamp without the string allocation.
func appendTimestamp(b []byte, t time.Time) []byte {
	return t.UTC().Truncate(time.Microsecond).AppendFormat(b, timestampLayout)
}

var errTimestamp = errors.New("not an RFC 3339 timestamp (YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM))")

// parseTimestamp reads an added_after value leniently, as real clients send
// it (the timestamp type of TAXII 2.1 §2.1): RFC 3339 with 0 to 9 fraction digits, "Z" or a
// numeric offset (normalised to UTC), "T"/"Z" in either case. The result is
// truncated to microseconds, the precision of date_added; truncating keeps
// "strictly after" exact.
func parseTimestamp(s string) (time.Time, error) {
	// Shape check first: time.Parse accepts things RFC 3339 does not
	// (e.g. single-digit hours with some layouts) and we want one message.
	if len(s) < 20 || len(s) > 35 {
		return time.Time{}, errTimestamp
	}
	b := []byte(s)
	for i, want := range []byte("dddd-dd-ddTdd:dd:dd") {
		c := b[i]
		switch want {
		case 'd':
			if c < '0' || c > '9' {
				return time.Time{}, errTimestamp
			}
		case 'T':
			if c != 'T' && c != 't' {
				return time.Time{}, errTimestamp
			}
			b[i] = 'T'
		default:
			if c != want {
				return time.Time{}, errTimestamp
			}
		}
	}
	i := 19
	if i < len(b) && b[i] == '.' {
		j := i + 1
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		if j == i+1 || j-i-1 > 9 {
			return time.Time{}, errTimestamp
		}
		i = j
	}
	zone := b[i:]
	switch {
	case len(zone) == 1 && (zone[0] == 'Z' || zone[0] == 'z'):
		b[i] = 'Z'
	case len(zone) == 6 && (zone[0] == '+' || zone[0] == '-') && zone[3] == ':' &&
		isDigits(zone[1:3]) && isDigits(zone[4:6]):
	default:
		return time.Time{}, errTimestamp
	}
	t, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return time.Time{}, errTimestamp
	}
	return t.UTC().Truncate(time.Microsecond), nil
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
