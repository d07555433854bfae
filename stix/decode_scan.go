package stix

import (
	"bytes"
	"encoding/json"
	"errors"
)

// scanValue advances past one JSON value that starts at the current
// position (no leading whitespace) and returns its bytes, a slice of the
// reader's buffer valid until the next read. It finds the end of the value
// by counting brackets outside strings, enforcing MaxDepth (baseDepth is the
// depth of the value's container inside the current object) and
// MaxObjectBytes on the way; it does not check the JSON grammar, which
// json.Compact does afterwards.
func (d *Decoder) scanValue(baseDepth int) ([]byte, error) {
	r := d.r
	startAbs := r.offset(r.pos)
	c, ok, err := r.peek()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, r.syntaxError(r.pos, "unexpected end of input, want a JSON value")
	}
	switch c {
	case '}', ']', ',', ':':
		return nil, r.syntaxError(r.pos, "invalid character %q, want a JSON value", c)
	}
	scalar := c != '{' && c != '[' && c != '"'
	depth := 0
	inString, escaped := false, false
	maxObj := d.opts.MaxObjectBytes
	for {
		if r.pos >= len(r.buf) {
			more, err := r.fill()
			if err != nil {
				return nil, err
			}
			if !more && r.pos >= len(r.buf) {
				if scalar && !inString {
					break
				}
				return nil, r.syntaxError(r.pos, "unexpected end of input inside a JSON value")
			}
			if maxObj >= 0 && r.offset(len(r.buf))-r.markAbs > maxObj+decodeChunk {
				return nil, r.limitError(int(r.markAbs-r.base), "object size", maxObj)
			}
		}
		if inString {
			b := r.buf[r.pos:]
			if escaped {
				escaped = false
				r.pos++
				continue
			}
			j := bytes.IndexAny(b, "\"\\")
			if j < 0 {
				r.pos = len(r.buf)
				continue
			}
			r.pos += j + 1
			if b[j] == '\\' {
				escaped = true
				continue
			}
			inString = false
			if depth == 0 {
				break // a string scalar
			}
			continue
		}
		c := r.buf[r.pos]
		if scalar {
			switch c {
			case ',', '}', ']', ':', ' ', '\t', '\n', '\r', '"', '{', '[':
				goto done
			}
			r.pos++
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			depth++
			if d.opts.MaxDepth >= 0 && baseDepth+depth > d.opts.MaxDepth {
				return nil, r.limitError(r.pos, "depth", int64(d.opts.MaxDepth))
			}
		case '}', ']':
			depth--
			if depth == 0 {
				r.pos++
				goto done
			}
		}
		r.pos++
	}
done:
	start := int(startAbs - r.base)
	if maxObj >= 0 && int64(r.pos-start) > maxObj {
		return nil, r.limitError(start, "object size", maxObj)
	}
	return r.buf[start:r.pos], nil
}

// decodeObject compacts one element known to start with '{' and extracts
// its indexed fields. Fields that are not JSON strings are left empty.
func decodeObject(raw []byte) (Object, error) {
	var buf bytes.Buffer
	buf.Grow(len(raw))
	if err := json.Compact(&buf, raw); err != nil {
		return Object{}, err
	}
	o := Object{JSON: buf.Bytes()}
	err := decodeMembers(o.JSON, func(key string, val []byte) bool {
		var dst *string
		switch key {
		case "type":
			dst = &o.Type
		case "id":
			dst = &o.ID
		case "spec_version":
			dst = &o.SpecVersion
		case "created":
			dst = &o.Created
		case "modified":
			dst = &o.Modified
		default:
			return true
		}
		s, _ := decodeString(val)
		*dst = s // the last member wins, as with encoding/json
		return true
	})
	if err != nil {
		return Object{}, err
	}
	return o, nil
}

// errNotObject is returned by decodeMembers for a value that is not an object.
var errNotObject = errors.New("not a JSON object")

// decodeMembers calls fn for each member of the compact, valid JSON object
// b, in order, with the unescaped name and the raw value. It stops early
// when fn returns false.
func decodeMembers(b []byte, fn func(key string, val []byte) bool) error {
	if len(b) < 2 || b[0] != '{' {
		return errNotObject
	}
	i := 1
	if b[i] == '}' {
		return nil
	}
	for i < len(b) {
		kEnd := decodeStringEnd(b, i)
		if kEnd < 0 || kEnd >= len(b) || b[kEnd] != ':' {
			return errNotObject
		}
		key, ok := decodeString(b[i:kEnd])
		if !ok {
			return errNotObject
		}
		vStart := kEnd + 1
		vEnd := decodeValueEnd(b, vStart)
		if vEnd < 0 || vEnd >= len(b) {
			return errNotObject
		}
		if !fn(key, b[vStart:vEnd]) {
			return nil
		}
		switch b[vEnd] {
		case ',':
			i = vEnd + 1
		case '}':
			return nil
		default:
			return errNotObject
		}
	}
	return errNotObject
}

// decodeElements calls fn for each element of the compact, valid JSON array b.
func decodeElements(b []byte, fn func(i int, val []byte) bool) bool {
	if len(b) < 2 || b[0] != '[' {
		return false
	}
	if b[1] == ']' {
		return true
	}
	pos, n := 1, 0
	for pos < len(b) {
		end := decodeValueEnd(b, pos)
		if end < 0 || end >= len(b) {
			return false
		}
		if !fn(n, b[pos:end]) {
			return true
		}
		n++
		switch b[end] {
		case ',':
			pos = end + 1
		case ']':
			return true
		default:
			return false
		}
	}
	return false
}

// decodeStringEnd returns the index just past the JSON string starting at
// b[i], or -1. It jumps from quote to quote (bytes.IndexByte is fast) and
// skips quotes escaped by an odd number of backslashes.
func decodeStringEnd(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for j := i + 1; ; {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return -1
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1
		}
		j = q + 1
	}
}

// decodeValueEnd returns the index just past the compact JSON value
// starting at b[i], or -1.
func decodeValueEnd(b []byte, i int) int {
	if i >= len(b) {
		return -1
	}
	switch b[i] {
	case '"':
		return decodeStringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				e := decodeStringEnd(b, j)
				if e < 0 {
					return -1
				}
				j = e - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
		return -1
	}
	for j := i; j < len(b); j++ {
		switch b[j] {
		case ',', '}', ']':
			return j
		}
	}
	return len(b)
}

// decodeString returns the value of the JSON string raw; ok is false when
// raw is not a JSON string.
func decodeString(raw []byte) (string, bool) {
	if len(raw) < 2 || raw[0] != '"' || raw[len(raw)-1] != '"' {
		return "", false
	}
	inner := raw[1 : len(raw)-1]
	if bytes.IndexByte(inner, '\\') < 0 {
		return string(inner), true
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}
