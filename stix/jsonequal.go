package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// EqualJSON reports whether two JSON texts denote the same JSON value:
// objects with the same members in any order, arrays with equal elements in
// the same order, strings equal after unescaping ("\u0041" is "A"), and
// numbers equal as exact decimal values. White space never matters.
//
// Numbers compare by value, so 1, 1.0, 10e-1 and 1e0 are equal, and -0 is 0.
// JSON (RFC 8259 §6) gives a number no type beyond its value, and the JSON
// Canonicalization Scheme (RFC 8785 §3.2.2.3) serialises all of those
// spellings the same way; two releases of a dataset written by different
// serialisers differ in exactly such spellings, and nothing a STIX consumer
// computes from the object can tell them apart. The comparison is exact (no
// conversion to float64), so 0.1 and 0.10000000000000001 differ.
//
// Byte-equal texts are equal without being parsed. An error means one of the
// texts is not a single JSON value.
func EqualJSON(a, b []byte) (bool, error) {
	if bytes.Equal(a, b) {
		return true, nil
	}
	va, err := parseJSONValue(a)
	if err != nil {
		return false, fmt.Errorf("first value: %w", err)
	}
	vb, err := parseJSONValue(b)
	if err != nil {
		return false, fmt.Errorf("second value: %w", err)
	}
	return equalValues(va, vb), nil
}

func parseJSONValue(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

func equalValues(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, xv := range x {
			yv, ok := y[k]
			if !ok || !equalValues(xv, yv) {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalValues(x[i], y[i]) {
				return false
			}
		}
		return true
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		dx, okx := normalizeNumber(string(x))
		dy, oky := normalizeNumber(string(y))
		return okx && oky && dx == dy
	default: // string, bool, nil
		return a == b
	}
}

// decimal is a JSON number reduced to sign × digits × 10^exp, with no
// leading or trailing zeros in digits; zero is the zero value.
type decimal struct {
	neg    bool
	digits string
	exp    int64
}

// normalizeNumber reduces a JSON number literal (already checked by the
// decoder) to its exact value. It reports false for an exponent too large
// to represent, which I-JSON input never has.
func normalizeNumber(s string) (decimal, bool) {
	var d decimal
	if strings.HasPrefix(s, "-") {
		d.neg = true
		s = s[1:]
	}
	mant, expPart, hasExp := strings.Cut(strings.ToLower(s), "e")
	var exp int64
	if hasExp {
		e, err := strconv.ParseInt(strings.TrimPrefix(expPart, "+"), 10, 32)
		if err != nil {
			return decimal{}, false
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	digits := strings.TrimLeft(intPart+frac, "0")
	exp -= int64(len(frac))
	trimmed := strings.TrimRight(digits, "0")
	exp += int64(len(digits) - len(trimmed))
	if trimmed == "" {
		return decimal{}, true // every spelling of zero, -0 included
	}
	d.digits, d.exp = trimmed, exp
	return d, true
}
