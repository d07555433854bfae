package order

import (
	"bytes"
	"testing"
)

func TestSpecKeyOrdersNumerically(t *testing.T) {
	// Each spec version sorts strictly before the next; non-numeric ones
	// come before every numeric one, shorter before longer.
	ordered := []string{"", "x", "2.1-draft", "0.9", "2.0", "2.1", "2.10", "10.0"}
	for i := 1; i < len(ordered); i++ {
		a, b := SpecKey(ordered[i-1]), SpecKey(ordered[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("SpecKey(%q) = %x is not before SpecKey(%q) = %x", ordered[i-1], a, ordered[i], b)
		}
	}
	if bytes.Equal(SpecKey("2.01"), SpecKey("2.1")) {
		t.Error(`"2.01" must not share "2.1"'s key: it is not canonical`)
	}
}

func TestVerKeyOrdersInstants(t *testing.T) {
	ordered := []string{
		"1969-12-31T23:59:59.999Z",
		"2016-01-01T00:00:00Z",
		"2016-01-01T00:00:00.5Z", // later than …00Z, although it sorts before it as a string
		"2016-01-01T01:00:00.6+01:00",
		"2016-01-01T00:00:01Z",
		"2016-12-31T23:59:60Z", // a leap second orders as the next second
		"2017-01-01T00:00:00.000000001Z",
	}
	for i := 1; i < len(ordered); i++ {
		a, b := VerKey(ordered[i-1], 0), VerKey(ordered[i], 0)
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("VerKey(%q) is not before VerKey(%q)", ordered[i-1], ordered[i])
		}
	}
	// The same instant spelled twice gives two distinct keys.
	if bytes.Equal(VerKey("2016-01-01T00:00:00Z", 0), VerKey("2016-01-01T00:00:00.000Z", 0)) {
		t.Error("two spellings of one instant share a key")
	}
	// Non-timestamp versions (content hashes) sort after every timestamp,
	// by date_added.
	h1, h2 := VerKey("sha256:aa", 5), VerKey("sha256:00", 6)
	if bytes.Compare(VerKey("9999-12-31T23:59:59Z", 0), h1) >= 0 || bytes.Compare(h1, h2) >= 0 {
		t.Error("hash versions do not sort after timestamps by date_added")
	}
}

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		sec  int64
		nsec int32
		ok   bool
	}{
		{"1970-01-01T00:00:00Z", 0, 0, true},
		{"1970-01-01T00:00:01.5Z", 1, 500000000, true},
		{"1970-01-01T00:00:00.1234567891234Z", 0, 123456789, true},
		{"1970-01-01T01:00:00+01:00", 0, 0, true},
		{"1970-01-01t00:00:00z", 0, 0, true},
		{"1970-02-30T00:00:00Z", 0, 0, false},
		{"1970-01-01T00:00:00", 0, 0, false},
		{"1970-01-01T00:00:00.Z", 0, 0, false},
		{"1970-01-01T24:00:00Z", 0, 0, false},
		{"not a time at all!!", 0, 0, false},
	}
	for _, tt := range tests {
		sec, nsec, ok := ParseTimestamp(tt.in)
		if ok != tt.ok || (ok && (sec != tt.sec || nsec != tt.nsec)) {
			t.Errorf("ParseTimestamp(%q) = %d, %d, %v; want %d, %d, %v", tt.in, sec, nsec, ok, tt.sec, tt.nsec, tt.ok)
		}
	}
}
