package stix

import (
	"bytes"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/google/uuid"
)

// HeraldNamespace is the UUIDv5 namespace of every id Herald authors:
// UUIDv5(NameSpaceURL, "https://github.com/heraldcti/herald"). It must never
// change: the ids of every published object derive from it.
var HeraldNamespace = uuid.NewSHA1(uuid.NameSpaceURL, []byte("https://github.com/heraldcti/herald"))

// SCONamespace is the namespace STIX 2.1 §2.9 fixes for the deterministic
// ids of cyber-observable objects.
var SCONamespace = uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")

// AuthorID is the id of an object Herald authors: the type, "--", and the
// UUIDv5 of the type, the advisory id and the record key under
// HeraldNamespace. The same (type, advisory, key) always gives the same id,
// so a re-imported advisory updates its objects instead of duplicating them.
func AuthorID(typ, advisoryID, key string) string {
	name := typ + "\x00" + advisoryID + "\x00" + key
	return typ + "--" + uuid.NewSHA1(HeraldNamespace, []byte(name)).String()
}

// SCOID is the deterministic id of a cyber-observable object: UUIDv5 under
// SCONamespace of the canonical JSON (RFC 8785: sorted keys, no white
// space, minimal escaping) of its id-contributing properties, as STIX 2.1
// §2.9 and python-stix2 compute it. props holds only those properties, e.g.
// {"value": "example.com"} for a domain-name. Values may be strings,
// booleans, numbers, nil, []any, []string, map[string]any and
// map[string]string.
func SCOID(typ string, props map[string]any) string {
	var b bytes.Buffer
	if err := canonicalJSON(&b, props); err != nil {
		// Only unsupported Go types get here: a programming error.
		panic(fmt.Sprintf("stix: SCOID(%s): %v", typ, err))
	}
	return typ + "--" + uuid.NewSHA1(SCONamespace, b.Bytes()).String()
}

// canonicalJSON writes v in the RFC 8785 JSON Canonicalization Scheme form.
func canonicalJSON(b *bytes.Buffer, v any) error {
	switch x := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(x))
	case string:
		canonicalString(b, x)
	case int:
		b.WriteString(strconv.Itoa(x))
	case int64:
		b.WriteString(strconv.FormatInt(x, 10))
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%v cannot be written as JSON", x)
		}
		b.WriteString(canonicalNumber(x))
	case []string:
		b.WriteByte('[')
		for i, s := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			canonicalString(b, s)
		}
		b.WriteByte(']')
	case []any:
		b.WriteByte('[')
		for i, e := range x {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := canonicalJSON(b, e); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case map[string]string:
		m := make(map[string]any, len(x))
		for k, s := range x {
			m[k] = s
		}
		return canonicalJSON(b, m)
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		// RFC 8785 §3.2.3: sort by UTF-16 code units.
		sort.Slice(keys, func(i, j int) bool { return lessUTF16(keys[i], keys[j]) })
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			canonicalString(b, k)
			b.WriteByte(':')
			if err := canonicalJSON(b, x[k]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("unsupported type %T", v)
	}
	return nil
}

func lessUTF16(a, b string) bool {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			return ua[i] < ub[i]
		}
	}
	return len(ua) < len(ub)
}

// canonicalString escapes only what JSON requires: '"', '\\' and control
// characters (short forms where JSON has them); everything else, including
// non-ASCII, is written as UTF-8.
func canonicalString(b *bytes.Buffer, s string) {
	const hex = "0123456789abcdef"
	b.WriteByte('"')
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte(hex[r>>4])
			b.WriteByte(hex[r&0xf])
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\ufffd`)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	b.WriteByte('"')
}

// canonicalNumber formats a float as ECMAScript's Number.prototype.toString
// does, which RFC 8785 requires.
func canonicalNumber(f float64) string {
	if f == 0 {
		return "0"
	}
	abs := math.Abs(f)
	if abs >= 1e21 || abs < 1e-6 {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		// Go writes e+21 / e-07; ECMAScript writes e+21 / e-7.
		mant, exp, _ := bytes.Cut([]byte(s), []byte("e"))
		sign := exp[0]
		digits := bytes.TrimLeft(exp[1:], "0")
		return string(mant) + "e" + string(sign) + string(digits)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
