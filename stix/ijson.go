package stix

import (
	"math"
	"strconv"
)

// hasUnpairedSurrogate reports whether a JSON text has a \uD800–\uDFFF
// escape that is not a high surrogate followed by a low one. Such a string
// is valid JSON but not I-JSON (RFC 7493 §2.1, which TAXII 2.1 §1.6.7
// requires): Go decodes it to U+FFFD, Python keeps a lone surrogate that
// cannot be encoded again, so two clients would see different values.
func hasUnpairedSurrogate(b []byte) bool {
	in := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !in {
			in = c == '"'
			continue
		}
		switch c {
		case '"':
			in = false
		case '\\':
			if i+1 < len(b) && b[i+1] == 'u' {
				r, ok := hex4(b, i+2)
				switch {
				case !ok:
				case r >= 0xDC00 && r <= 0xDFFF:
					return true
				case r >= 0xD800 && r <= 0xDBFF:
					lo, ok := -1, false
					if i+11 < len(b) && b[i+6] == '\\' && b[i+7] == 'u' {
						lo, ok = hex4(b, i+8)
					}
					if !ok || lo < 0xDC00 || lo > 0xDFFF {
						return true
					}
					i += 6 // the low half is checked and skipped here
				}
				i += 5
				continue
			}
			i++
		}
	}
	return false
}

// hex4 parses the four hex digits at b[i:i+4].
func hex4(b []byte, i int) (int, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	n := 0
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			n = n<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			n = n<<4 | int(c-'a'+10)
		case c >= 'A' && c <= 'F':
			n = n<<4 | int(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}

// hasHugeNumber reports whether a JSON text has a number whose magnitude
// overflows an IEEE 754 double. I-JSON (RFC 7493 §2.2) says not to send
// them, and they break readers: Go's encoding/json refuses the whole
// object, JavaScript reads Infinity, Python 3.11+ refuses integers of
// more than 4300 digits. One such object would poison every page that
// carries it, so Validate rejects it.
func hasHugeNumber(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			i = jsonStringEnd(b, i)
		case c == '-' || c >= '0' && c <= '9':
			j := i
			for j < len(b) && (b[j] >= '0' && b[j] <= '9' || b[j] == '-' || b[j] == '+' || b[j] == '.' || b[j] == 'e' || b[j] == 'E') {
				j++
			}
			if f, err := strconv.ParseFloat(string(b[i:j]), 64); err != nil && math.IsInf(f, 0) {
				return true
			}
			i = j - 1
		}
	}
	return false
}

// jsonStringEnd returns the index of the quote that closes the JSON string
// opening at b[i], or len(b) when the string is not closed.
func jsonStringEnd(b []byte, i int) int {
	for i++; i < len(b); i++ {
		switch b[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(b)
}
