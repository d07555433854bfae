package stix

import (
	"strings"
	"time"
)

// vTypeNameProblem checks an object type name (STIX 2.1 §3.1 and §11.1):
// 3 to 250 characters of a–z, 0–9 and hyphen, starting with a letter, with
// no double hyphen and no trailing hyphen. It returns "" when valid.
func vTypeNameProblem(t string) string {
	switch {
	case len(t) < 3:
		return "shorter than 3 characters"
	case len(t) > 250:
		return "longer than 250 characters"
	case t[0] < 'a' || t[0] > 'z':
		return "must start with a lowercase letter"
	case strings.Contains(t, "--"):
		return "must not contain a double hyphen"
	case t[len(t)-1] == '-':
		return "must not end with a hyphen"
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return "only a-z, 0-9 and hyphen are allowed"
		}
	}
	return ""
}

// vIdentifierProblem checks a STIX identifier (STIX 2.1 §2.9): a type
// name, "--" and a lowercase RFC 4122 UUID (versions 1 to 5, variant 10xx,
// no braces). It returns "" when valid.
func vIdentifierProblem(id string) string {
	i := strings.Index(id, "--")
	if i < 0 {
		return `want <type>--<UUID>`
	}
	if reason := vTypeNameProblem(id[:i]); reason != "" {
		return "type part " + reason
	}
	return vUUIDProblem(id[i+2:])
}

// vUUIDProblem checks the UUID part of an identifier.
func vUUIDProblem(u string) string {
	if len(u) != 36 {
		return "UUID part must be 36 characters (8-4-4-4-12 lowercase hex digits, no braces)"
	}
	for i := 0; i < 36; i++ {
		c := u[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return "UUID part must be 8-4-4-4-12 hex digits"
			}
			continue
		}
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			return "UUID part must be lowercase"
		default:
			return "UUID part must be hexadecimal"
		}
	}
	if v := u[14]; v < '1' || v > '5' {
		return "UUID version must be 1 to 5 (RFC 4122)"
	}
	if v := u[19]; v != '8' && v != '9' && v != 'a' && v != 'b' {
		return "UUID variant must be RFC 4122 (8, 9, a or b)"
	}
	return ""
}

// vCustomNameProblem checks a custom property name (STIX 2.1 §11.1):
// 3 to 250 characters of a–z, 0–9 and underscore.
func vCustomNameProblem(name string) string {
	switch {
	case len(name) < 3:
		return "shorter than 3 characters"
	case len(name) > 250:
		return "longer than 250 characters"
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_') {
			return "only a-z, 0-9 and underscore are allowed"
		}
	}
	return ""
}

// vTimestampProblem checks a STIX timestamp: RFC 3339 in UTC with an
// upper-case "Z", "YYYY-MM-DDTHH:MM:SS[.s+]Z" (STIX 2.1 §2.15).
func vTimestampProblem(v string) string {
	if _, ok := vParseTimestamp(v); ok {
		return ""
	}
	if strings.HasSuffix(v, "z") || strings.Contains(v, "t") {
		return `"T" and "Z" must be upper case`
	}
	if len(v) >= 19 && !strings.HasSuffix(v, "Z") {
		return `must be in UTC and end in "Z"`
	}
	return "want YYYY-MM-DDTHH:MM:SS[.fraction]Z"
}

// vParseTimestamp parses a STIX timestamp. A leap second (:60) is
// accepted and read as the next second.
func vParseTimestamp(v string) (time.Time, bool) {
	if len(v) < 20 || v[len(v)-1] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	if v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' {
		return time.Time{}, false
	}
	year, ok1 := num(v[0:4])
	month, ok2 := num(v[5:7])
	day, ok3 := num(v[8:10])
	hour, ok4 := num(v[11:13])
	minute, ok5 := num(v[14:16])
	sec, ok6 := num(v[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return time.Time{}, false
	}
	nanos := 0
	rest := v[19 : len(v)-1]
	if rest != "" {
		if rest[0] != '.' || len(rest) < 2 {
			return time.Time{}, false
		}
		frac := rest[1:]
		if _, ok := num(frac); !ok {
			return time.Time{}, false
		}
		for i := 0; i < 9; i++ {
			nanos *= 10
			if i < len(frac) {
				nanos += int(frac[i] - '0')
			}
		}
	}
	if month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 60 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC)
	if t.Day() != day && sec != 60 {
		return time.Time{}, false // e.g. February 30
	}
	if sec == 60 && time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC).Day() != day {
		return time.Time{}, false
	}
	return t, true
}

// vMillis reports whether a valid timestamp has at least three fractional
// digits.
func vMillis(v string) bool {
	i := strings.IndexByte(v, '.')
	return i >= 0 && len(v)-1-(i+1) >= 3
}

// vLangProblem checks the shape of an RFC 5646 language tag: subtags of 1
// to 8 letters or digits joined by hyphens, a primary language of 2 to 8
// letters (or "x"/"i" for private use and grandfathered tags), and each
// singleton followed by at least one subtag. It does not look tags up in
// the IANA registry.
func vLangProblem(tag string) string {
	if tag == "" {
		return "empty"
	}
	parts := strings.Split(tag, "-")
	for _, p := range parts {
		if len(p) < 1 || len(p) > 8 {
			return "subtags must be 1 to 8 characters"
		}
		for i := 0; i < len(p); i++ {
			c := p[i] | 0x20
			if !('a' <= c && c <= 'z' || '0' <= p[i] && p[i] <= '9') {
				return "subtags must be letters or digits"
			}
		}
	}
	first := strings.ToLower(parts[0])
	if first == "x" || first == "i" {
		if len(parts) < 2 {
			return "private-use tag needs a subtag after x-"
		}
		return ""
	}
	if len(first) < 2 {
		return "primary language subtag must be 2 to 8 letters"
	}
	for i := 0; i < len(first); i++ {
		if first[i] < 'a' || first[i] > 'z' {
			return "primary language subtag must be letters"
		}
	}
	for i := 1; i < len(parts); i++ {
		if len(parts[i]) == 1 && i == len(parts)-1 {
			return "singleton subtag must be followed by another subtag"
		}
	}
	return ""
}
