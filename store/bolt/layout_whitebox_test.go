package bolt

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/store/internal/order"
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

// inlineRecord is a record as schema 3 and older wrote it.
func inlineRecord(id, typ, version, spec string, js []byte) []byte {
	b := []byte{recordInline}
	for _, f := range []string{id, typ, version, spec} {
		b = append(b, byte(len(f)))
		b = append(b, f...)
	}
	return append(b, js...)
}

func TestRecordRoundTrip(t *testing.T) {
	indicator := []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",` +
		`"created":"2016-04-06T20:03:48.000Z","modified":"2016-04-06T20:03:48.000Z","pattern":"[file:name = 'x']"}`)
	file := []byte(`{"type":"file","id":"file--5e8c3b8c-5d8f-5e04-8b42-2c3c48b4b7a2","name":"a.exe"}`)
	for _, tc := range []struct {
		name                   string
		id, typ, version, spec string
		json                   []byte
		maxHeader              int // bytes before the JSON
	}{
		{"every field in the JSON", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator", "2016-04-06T20:03:48.000Z", "2.1", indicator, 10},
		{"spec version 2.0 has no spec_version", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "indicator", "2016-04-06T20:03:48.000Z", "2.0", indicator, 13},
		{"content-hash version of an SCO", "file--5e8c3b8c-5d8f-5e04-8b42-2c3c48b4b7a2", "file", "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff", "2.1", file, 10 + 72},
		{"id that names another type", "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", "malware", "2016-04-06T20:03:48.000Z", "2.1", indicator, 17},
		{"empty fields and JSON", "", "", "", "", nil, 5},
		{"JSON that holds nothing of it", "x--1", "x", "v", "2.1", []byte(`{}`), 14},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := encodeRecord(tc.id, tc.typ, tc.version, tc.spec, tc.json)
			if v[0] != recordShared {
				t.Fatalf("format byte %d", v[0])
			}
			if h := len(v) - len(tc.json); h > tc.maxHeader {
				t.Errorf("header of %d bytes, want at most %d", h, tc.maxHeader)
			}
			for _, v := range [][]byte{v, inlineRecord(tc.id, tc.typ, tc.version, tc.spec, tc.json)} {
				r, err := decodeRecord(v)
				if err != nil || string(r.id) != tc.id || string(r.typ) != tc.typ || string(r.version) != tc.version ||
					string(r.spec) != tc.spec || !bytes.Equal(r.json, tc.json) {
					t.Errorf("format %d: decodeRecord = %q %q %q %q %q, %v", v[0], r.id, r.typ, r.version, r.spec, r.json, err)
				}
			}
		})
	}
}

func TestRecordCorruption(t *testing.T) {
	v := encodeRecord("indicator--1", "indicator", "2016-01-01T00:00:00Z", "2.1",
		[]byte(`{"type":"indicator","id":"indicator--1","spec_version":"2.1","modified":"2016-01-01T00:00:00Z"}`))
	header := len(v) - bytes.IndexByte(v, '{')
	for i := 0; i < header; i++ {
		if _, err := decodeRecord(v[:i]); err == nil {
			t.Errorf("record cut to %d bytes, inside its header, decodes", i)
		}
	}
	// A JSON shorter than a reference reaches: the reference is refused,
	// never followed past the end.
	short := encodeRecord("a-long-id", "t", "v", "s", []byte(`{"id":"a-long-id"}`))
	if _, err := decodeRecord(short[:len(short)-4]); err == nil {
		t.Error("a reference past the end of the JSON decodes")
	}
	for _, bad := range [][]byte{
		nil, {}, {0}, {3}, {recordInline, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, {recordInline, 5, 'a'},
		{recordShared, 0xff}, {recordShared, 9}, {recordShared, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0},
		{recordShared, 3, 0, 3, 0, 3, 0, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, '{'},
		{recordShared, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0},
	} {
		if _, err := decodeRecord(bad); err == nil {
			t.Errorf("decodeRecord(%v) succeeded", bad)
		}
	}
}

// FuzzRecord checks that every version round-trips through its stored
// form, and that no stored bytes make decodeRecord panic or return a
// field that is not inside them.
func FuzzRecord(f *testing.F) {
	f.Add("indicator--1", "indicator", "2016-01-01T00:00:00Z", "2.1", []byte(`{"id":"indicator--1","modified":"2016-01-01T00:00:00Z"}`))
	f.Add("", "", "", "", []byte{})
	f.Add("a", "a", "a", "a", []byte("a"))
	f.Fuzz(func(t *testing.T, id, typ, version, spec string, js []byte) {
		v := encodeRecord(id, typ, version, spec, js)
		r, err := decodeRecord(v)
		if err != nil || string(r.id) != id || string(r.typ) != typ || string(r.version) != version ||
			string(r.spec) != spec || !bytes.Equal(r.json, js) {
			t.Fatalf("round trip of %q %q %q %q %q = %q %q %q %q %q, %v", id, typ, version, spec, js, r.id, r.typ, r.version, r.spec, r.json, err)
		}
		// The same bytes read as a stored value of any format.
		for _, format := range []byte{recordInline, recordShared} {
			raw := append([]byte{format}, js...)
			if r, err := decodeRecord(raw); err == nil {
				for _, b := range [][]byte{r.id, r.typ, r.version, r.spec, r.json} {
					if len(b) > len(raw) {
						t.Fatalf("decodeRecord(%q) returned a field of %d bytes", raw, len(b))
					}
				}
			}
		}
	})
}

func TestVersionPrefix(t *testing.T) {
	for _, tc := range []struct {
		version string
		digits  int
		plain   bool
	}{
		{"2016-01-01T01:01:01Z", 0, true},
		{"2016-01-01T01:01:01.5Z", 1, true},
		{"2016-01-01T01:01:01.000Z", 3, true},
		{"2016-01-01T01:01:01.123456789Z", 9, true},
		{"1969-12-31T23:59:59.999Z", 3, true},
		{"2016-01-01T01:01:01.1234567891Z", 0, false}, // digits beyond nanoseconds
		{"2016-01-01t01:01:01Z", 0, false},
		{"2016-01-01T01:01:01z", 0, false},
		{"2016-01-01T01:01:01+00:00", 0, false},
		{"2016-12-31T23:59:60Z", 0, false}, // a leap second names the next minute's instant
		{"2016-01-01T01:01:01.Z", 0, false},
		{"2016-01-01T01:01:01,5Z", 0, false},
		{"sha256:00112233445566778899aabbccddeeff", 0, false},
		{"not-a-time", 0, false},
	} {
		_, _, digits, ok := plainTimestamp(tc.version)
		if ok != tc.plain || (ok && digits != tc.digits) {
			t.Errorf("plainTimestamp(%q) = %d digits, %v; want %d, %v", tc.version, digits, ok, tc.digits, tc.plain)
		}
		p := versionPrefix(tc.version)
		if (p[0] == versionTimeTag) != tc.plain || (tc.plain && len(p) != 14) || (!tc.plain && string(p) != tc.version+"\x00") {
			t.Errorf("versionPrefix(%q) = %q", tc.version, p)
		}
	}
}

// FuzzVersionPrefix checks that the keys of n tell every two versions
// apart: a query for one spelling never lists another.
func FuzzVersionPrefix(f *testing.F) {
	f.Add("2016-01-01T01:01:01Z", "2016-01-01T01:01:01.000Z")
	f.Add("2016-01-01T01:01:01.5Z", "2016-01-01T01:01:01.50Z")
	f.Add("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z")
	f.Fuzz(func(t *testing.T, a, b string) {
		if a == "" || b == "" || strings.IndexByte(a, 0) >= 0 || strings.IndexByte(b, 0) >= 0 {
			return // PutObjects refuses such versions
		}
		pa, pb := versionPrefix(a), versionPrefix(b)
		if a != b && (bytes.HasPrefix(pa, pb) || bytes.HasPrefix(pb, pa)) {
			t.Fatalf("versions %q and %q share the key prefix %q / %q", a, b, pa, pb)
		}
		if a == b && !bytes.Equal(pa, pb) {
			t.Fatalf("version %q has two prefixes", a)
		}
	})
}

// FuzzVerKeyOrder checks that the short keys of s sort versions exactly as
// order.VerKey, which the other backends sort by, and tell them apart.
func FuzzVerKeyOrder(f *testing.F) {
	f.Add("2016-01-01T01:01:01Z", "2016-01-01T01:01:01.000Z", int64(1), int64(2))
	f.Add("2016-01-01T02:01:01+01:00", "2016-01-01T01:01:01Z", int64(1), int64(2))
	f.Add("2016-01-01t01:01:01z", "2016-01-01T01:01:01.0Z", int64(1), int64(2))
	f.Add("2016-12-31T23:59:60Z", "2017-01-01T00:00:00Z", int64(1), int64(2))
	f.Add("0000-01-01T00:30:00+01:00", "0000-01-01T00:00:00Z", int64(1), int64(2))
	f.Add("sha256:00", "2016-01-01T01:01:01Z", int64(5), int64(2))
	f.Fuzz(func(t *testing.T, a, b string, daA, daB int64) {
		if a == b {
			daB = daA // one version has one date_added
		}
		short := bytes.Compare(verKey(a, daA), verKey(b, daB))
		long := bytes.Compare(order.VerKey(a, daA), order.VerKey(b, daB))
		if short != long {
			t.Fatalf("%q vs %q: verKey compares %d, order.VerKey %d", a, b, short, long)
		}
		if a != b && short == 0 {
			t.Fatalf("%q and %q have one key", a, b)
		}
	})
}
