package bolt

import "time"

// parseTimestamp parses an RFC 3339 date-time with a fractional second of
// any length ("2016-01-01T01:01:01Z", "…01.5Z", "…01.123456789123Z",
// "…01+02:00") into seconds since the epoch and nanoseconds. Digits beyond
// nanoseconds are ignored for ordering; the full string still identifies
// the version. STIX versions must be compared as instants, never as
// strings: "…00Z" sorts after "…00.5Z" as a string.
func parseTimestamp(s string) (sec int64, nsec int32, ok bool) {
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
