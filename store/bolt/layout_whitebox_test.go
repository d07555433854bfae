package bolt

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Whitebox tests of the key encodings the indexes depend on.

func TestParseTimestamp(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2016-01-01T01:01:01Z", time.Date(2016, 1, 1, 1, 1, 1, 0, time.UTC), true},
		{"2016-01-01T01:01:01.5Z", time.Date(2016, 1, 1, 1, 1, 1, 500_000_000, time.UTC), true},
		{"2016-01-01T01:01:01.000Z", time.Date(2016, 1, 1, 1, 1, 1, 0, time.UTC), true},
		{"2016-01-01T01:01:01.123456Z", time.Date(2016, 1, 1, 1, 1, 1, 123_456_000, time.UTC), true},
		{"2016-01-01T01:01:01.123456789123Z", time.Date(2016, 1, 1, 1, 1, 1, 123_456_789, time.UTC), true},
		{"2016-01-01t01:01:01z", time.Date(2016, 1, 1, 1, 1, 1, 0, time.UTC), true},
		{"2016-01-01T01:01:01+02:00", time.Date(2015, 12, 31, 23, 1, 1, 0, time.UTC), true},
		{"2016-01-01T01:01:01.25-00:30", time.Date(2016, 1, 1, 1, 31, 1, 250_000_000, time.UTC), true},
		{"2016-12-31T23:59:60Z", time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC), true}, // leap second
		{"1969-12-31T23:59:59.999Z", time.Date(1969, 12, 31, 23, 59, 59, 999_000_000, time.UTC), true},
		{"2016-02-30T01:01:01Z", time.Time{}, false},
		{"2016-13-01T01:01:01Z", time.Time{}, false},
		{"2016-01-01T24:00:00Z", time.Time{}, false},
		{"2016-01-01T01:01:01", time.Time{}, false},
		{"2016-01-01T01:01:01.Z", time.Time{}, false},
		{"2016-01-01 01:01:01Z", time.Time{}, false},
		{"2016-01-01T01:01:01+0200", time.Time{}, false},
		{"sha256:00112233445566778899aabbccddeeff", time.Time{}, false},
		{"", time.Time{}, false},
		{"+016-01-01T01:01:01Z", time.Time{}, false},
	} {
		sec, nsec, ok := parseTimestamp(tc.in)
		if ok != tc.ok {
			t.Errorf("parseTimestamp(%q) ok = %v, want %v", tc.in, ok, tc.ok)
			continue
		}
		if ok && (sec != tc.want.Unix() || int(nsec) != tc.want.Nanosecond()) {
			t.Errorf("parseTimestamp(%q) = %v, want %v", tc.in, time.Unix(sec, int64(nsec)).UTC(), tc.want)
		}
	}
}

// FuzzParseTimestamp compares the parser with the standard library on
// what the standard library accepts, and checks it never panics.
func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{"2016-01-01T01:01:01Z", "2016-01-01T01:01:01.123456789Z", "2016-01-01T01:01:01+02:00", "x", "2016-01-01T01:01:01.5"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sec, nsec, ok := parseTimestamp(s)
		ref, err := time.Parse(time.RFC3339Nano, s)
		// Where both accept, they agree. parseTimestamp must accept the
		// shape STIX uses ("…Z") whenever time.Parse does; elsewhere it is
		// stricter (time.Parse takes one-digit hours, a comma before the
		// fraction, offsets of 60 minutes).
		strict := len(s) >= 20 && (s[10] == 'T' || s[10] == 't') && s[13] == ':' && s[16] == ':' && s[19] != ',' && s[len(s)-1] == 'Z'
		if err == nil && strict && !ok {
			t.Fatalf("parseTimestamp(%q) rejects what time.Parse accepts (%v)", s, ref)
		}
		if err == nil && ok {
			if sec != ref.Unix() || int(nsec) != ref.Nanosecond() {
				t.Fatalf("parseTimestamp(%q) = %d.%09d, time.Parse = %v", s, sec, nsec, ref)
			}
		}
	})
}

func TestVerKeyOrdersByInstant(t *testing.T) {
	ordered := []string{
		"1969-12-31T23:59:59.999Z",
		"2016-01-01T00:00:00Z",
		"2016-01-01T00:00:00.000001Z",
		"2016-01-01T00:00:00.5Z",
		"2016-01-01T00:00:00.51Z",
		"2016-01-01T01:00:00+00:30", // 00:30 UTC
		"2016-01-01T00:59:00Z",
		"2016-01-02T00:00:00Z",
		"9999-12-31T23:59:59.999999999Z",
	}
	for i := 1; i < len(ordered); i++ {
		a, b := verKey(ordered[i-1], 5), verKey(ordered[i], 1)
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("verKey(%q) >= verKey(%q)", ordered[i-1], ordered[i])
		}
	}
	// Content versions sort after timestamps, by date_added.
	if bytes.Compare(verKey("9999-12-31T23:59:59Z", 9), verKey("sha256:ff", 1)) >= 0 {
		t.Error("content version sorts before a timestamp")
	}
	if bytes.Compare(verKey("sha256:ff", 1), verKey("sha256:00", 2)) >= 0 {
		t.Error("content versions do not sort by date_added")
	}
}

func TestSpecKeyOrder(t *testing.T) {
	// Non-numeric versions sort first, by length then bytes.
	ordered := []string{"", "2.x", "abc", "01.0", "0.9", "2.0", "2.1", "2.9", "2.10", "10.0"}
	for i := 1; i < len(ordered); i++ {
		if bytes.Compare(specKey(ordered[i-1]), specKey(ordered[i])) >= 0 {
			t.Errorf("specKey(%q) >= specKey(%q)", ordered[i-1], ordered[i])
		}
	}
	for _, s := range ordered {
		k := specKey(s)
		if n := specKeyLen(append(k, 1, 2, 3)); n != len(k) {
			t.Errorf("specKeyLen(specKey(%q)...) = %d, want %d", s, n, len(k))
		}
	}
}

func TestDAKeyOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	vals := []int64{-1 << 63, -1, 0, 1, 1<<63 - 1}
	for i := 0; i < 1000; i++ {
		vals = append(vals, int64(rng.Uint64()))
	}
	slices.Sort(vals)
	for i := 1; i < len(vals); i++ {
		a, b := daKey(vals[i-1]), daKey(vals[i])
		if vals[i-1] != vals[i] && bytes.Compare(a, b) >= 0 {
			t.Fatalf("daKey(%d) >= daKey(%d)", vals[i-1], vals[i])
		}
		if daValue(b) != vals[i] {
			t.Fatalf("daValue(daKey(%d)) = %d", vals[i], daValue(b))
		}
	}
}

func TestRecordRoundTripAndCorruption(t *testing.T) {
	v := encodeRecord("indicator--1", "indicator", "2016-01-01T00:00:00Z", "2.1", []byte(`{"a":1}`))
	r, err := decodeRecord(v)
	if err != nil || string(r.id) != "indicator--1" || string(r.typ) != "indicator" ||
		string(r.version) != "2016-01-01T00:00:00Z" || string(r.spec) != "2.1" || string(r.json) != `{"a":1}` {
		t.Fatalf("round trip = %+v, %v", r, err)
	}
	for i := 0; i < len(v); i++ {
		if _, err := decodeRecord(v[:i]); err == nil && i < 1+4 {
			t.Errorf("truncated record of %d bytes decodes", i)
		}
	}
	for _, bad := range [][]byte{nil, {}, {2}, {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, {1, 5, 'a'}} {
		if _, err := decodeRecord(bad); err == nil {
			t.Errorf("decodeRecord(%v) succeeded", bad)
		}
	}
}
