package pattern

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// literalValue converts a constant token into a Value, validating its
// content; on failure it returns why the content is invalid. The checks:
// integers must fit in 64 bits, hex literals need an even number of
// hex digits, binary literals must be canonical padded base64 (line feeds
// are dropped), timestamps
// must be RFC 3339 in UTC ("Z") with a real calendar date.
func literalValue(t token) (Value, string) {
	switch t.kind {
	case tString:
		return Value{Kind: KindString, Str: t.str}, ""
	case tTrue:
		return Value{Kind: KindBool, Bool: true}, ""
	case tFalse:
		return Value{Kind: KindBool, Bool: false}, ""
	case tInt:
		n, err := strconv.ParseInt(t.text, 10, 64)
		if err != nil {
			return Value{}, "out of the 64-bit range"
		}
		return Value{Kind: KindInt, Int: n}, ""
	case tFloat:
		f, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return Value{}, "out of range"
		}
		return Value{Kind: KindFloat, Float: f}, ""
	case tHex:
		if msg := checkHex(t.str); msg != "" {
			return Value{}, msg
		}
		return Value{Kind: KindHex, Str: strings.ToLower(t.str)}, ""
	case tBinary:
		// STIX 2.1 §9.2: line feeds in base64 MUST be supported and ignored.
		b64 := strings.NewReplacer("\r", "", "\n", "").Replace(t.str)
		if msg := checkBase64(b64); msg != "" {
			return Value{}, msg
		}
		return Value{Kind: KindBinary, Str: b64}, ""
	case tTimestamp:
		ts, msg := parseTimestamp(t.str)
		if msg != "" {
			return Value{}, msg
		}
		return Value{Kind: KindTimestamp, Str: t.str, Time: ts}, ""
	}
	return Value{}, "not a constant"
}

func checkHex(s string) string {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return fmt.Sprintf("%q is not a hex digit", rune(c))
		}
	}
	if len(s)%2 != 0 {
		return "odd number of hex digits"
	}
	return ""
}

// checkBase64 accepts what the STIX 2.1 grammar's BinaryLiteral accepts:
// one or more groups of four characters of the standard alphabet, the last
// possibly padded with one or two '='. The decoder also rejects non-zero
// padding bits, so every accepted value has exactly one encoding.
func checkBase64(s string) string {
	if s == "" {
		return "empty (base64 needs at least one 4-character group)"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/' || c == '=') {
			return fmt.Sprintf("%q is not a base64 character", rune(c))
		}
	}
	if len(s)%4 != 0 {
		return "base64 length is not a multiple of 4"
	}
	if _, err := base64.StdEncoding.Strict().DecodeString(s); err != nil {
		return "malformed base64 padding"
	}
	return ""
}

// parseTimestamp checks YYYY-MM-DDTHH:MM:SS[.fraction]Z. Seconds may be 60
// (a leap second), as the grammar allows.
func parseTimestamp(s string) (time.Time, string) {
	const layout = "YYYY-MM-DDTHH:MM:SS"
	bad := func(why string) (time.Time, string) {
		return time.Time{}, why
	}
	if len(s) < len(layout)+1 {
		return bad("want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
	}
	for i := 0; i < len(layout); i++ {
		c := s[i]
		switch layout[i] {
		case '-', 'T', ':':
			if c != layout[i] {
				return bad("want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
			}
		default:
			if !isDigit(c) {
				return bad("want YYYY-MM-DDTHH:MM:SS[.fraction]Z")
			}
		}
	}
	rest := s[len(layout):]
	nanos := 0
	if rest[0] == '.' {
		j := 1
		for j < len(rest) && isDigit(rest[j]) {
			j++
		}
		if j == 1 {
			return bad("no digits after the decimal point")
		}
		frac := rest[1:j]
		if len(frac) > 9 {
			frac = frac[:9]
		}
		nanos, _ = strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
		rest = rest[j:]
	}
	if rest != "Z" {
		return bad("must end in Z (UTC), e.g. 2016-06-01T01:30:00Z")
	}
	num := func(a, b int) int { n, _ := strconv.Atoi(s[a:b]); return n }
	year, month, day := num(0, 4), num(5, 7), num(8, 10)
	hour, minute, sec := num(11, 13), num(14, 16), num(17, 19)
	switch {
	case month < 1 || month > 12:
		return bad(fmt.Sprintf("month %02d out of range", month))
	case day < 1 || day > daysIn(year, month):
		return bad(fmt.Sprintf("day %02d out of range for %04d-%02d", day, year, month))
	case hour > 23:
		return bad(fmt.Sprintf("hour %02d out of range", hour))
	case minute > 59:
		return bad(fmt.Sprintf("minute %02d out of range", minute))
	case sec > 60:
		return bad(fmt.Sprintf("second %02d out of range", sec))
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC), ""
}

func daysIn(year, month int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
