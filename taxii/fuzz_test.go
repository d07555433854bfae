package taxii

import (
	"encoding/json"
	"errors"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

// Fuzz tests of the request parsers: never a panic, and bad input is
// always a 400-class error (never a 500).

func FuzzQueryParams(f *testing.F) {
	for _, s := range []string{
		"", "added_after=2026-01-02T03:04:05Z", "added_after=2026-01-02T03:04:05.123456789%2B01:00",
		"limit=10", "limit=0", "limit=-1", "limit=99999999999999999999999999",
		"match[id]=indicator--00000001-0000-4000-8000-000000000001,malware--x",
		"match[type]=indicator,malware", "match[version]=first,last", "match[version]=all,last",
		"match[version]=2025-01-01T00:00:00.000Z", "match[version]=sha256:00ff",
		"match[spec_version]=2.0,2.1", "next=", "next=abc.def", "match[x]=1&match[x]=2",
		"%zz", "a=%", "limit=1&limit=2", ";;;&&&===",
	} {
		f.Add(s, uint8(1))
	}
	ts := tokenSigner{key: []byte("0123456789abcdef0123456789abcdef")}
	f.Fuzz(func(t *testing.T, raw string, ep uint8) {
		e := endpoint(ep%5 + 1)
		p, err := parseQuery(raw, e)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
				t.Fatalf("parseQuery(%q): %v is not a 400", raw, err)
			}
			return
		}
		if p.Limit < 0 {
			t.Fatalf("negative limit %d from %q", p.Limit, raw)
		}
		for i := 1; i < len(p.Versions); i++ {
			if p.Versions[i] == p.Versions[i-1] {
				t.Fatalf("duplicate versions accepted from %q", raw)
			}
		}
		if p.HasAddedAfter && p.AddedAfter.Nanosecond()%1000 != 0 {
			t.Fatalf("added_after not truncated to µs: %v", p.AddedAfter)
		}
		sc := scope{Endpoint: e, Collection: "c", Caller: "u"}
		f2, _, err := ts.resolve(p, sc)
		if err != nil {
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != http.StatusBadRequest {
				t.Fatalf("resolve(%q): %v is not a 400", raw, err)
			}
			return
		}
		// The hand-written token payload is json.Marshal's, byte for byte.
		cur := cursor{V: tokenVersion, Endpoint: e, Collection: "c", Caller: "u", IDs: f2.IDs, Types: f2.Types,
			Versions: f2.Versions, Specs: f2.SpecVersions, Position: 42}
		if fast, ok := appendCursor(nil, &cur); ok {
			if want, _ := json.Marshal(cur); string(fast) != string(want) {
				t.Fatalf("appendCursor = %s, json.Marshal = %s", fast, want)
			}
		}
		// A token for these filters resolves back to them.
		tok := ts.sign(sc, f2, 42)
		resend := filters{IDs: f2.IDs, Types: f2.Types, Versions: f2.Versions, SpecVersions: f2.SpecVersions}
		f3, pos, err := ts.resolve(params{filters: resend, Next: tok}, sc)
		if err != nil || pos != 42 || !f3.sameMatch(f2) || f3.HasAddedAfter != f2.HasAddedAfter ||
			(f2.HasAddedAfter && !f3.AddedAfter.Equal(f2.AddedAfter)) {
			t.Fatalf("token round trip for %q: %+v %d %v, want %+v", raw, f3, pos, err, f2)
		}
	})
}

func FuzzAccept(f *testing.F) {
	for _, s := range []string{
		"", "application/taxii+json;version=2.1", "application/taxii+json", "*/*", "application/*",
		"application/json", "text/html", "application/taxii+json;version=2.0",
		`application/taxii+json; version="2.1"; q=0.5, */*;q=0`, "application/stix+json;version=2.1",
		",,,", ";;;", "a/b;q=1.0000", "application/taxii+json;q=", "*/json", `"quoted,comma"/x`,
	} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, h string, stixOK bool) {
		_ = acceptable(h, stixOK) // must not panic
		// The exact TAXII 2.1 type with q=1 is the most specific range
		// there is: appending it makes any header acceptable (when the
		// header has no quotes that could swallow the comma).
		if len(h) < maxAccepted-64 && !strings.ContainsAny(h, `"\`) {
			if !acceptable(h+", application/taxii+json;version=2.1", stixOK) {
				t.Fatalf("%q plus the exact TAXII type is refused", h)
			}
		}
		// Only another TAXII version: refused.
		if v := "application/taxii+json;version=" + h; !strings.ContainsAny(h, ",;\"\\ \t") && h != "2.1" && h != "" {
			if acceptable(v, stixOK) {
				t.Fatalf("%q accepted", v)
			}
		}
	})
}

func FuzzContentType(f *testing.F) {
	for _, s := range []string{
		"application/taxii+json;version=2.1", "application/taxii+json", "APPLICATION/TAXII+JSON ; version=2.1 ; charset=utf-8",
		"application/taxii+json;version=2.0", "application/json", "", ";", "/", "application/taxii+json;version",
		`application/taxii+json;version="2.1"`, "application/taxii+json, text/plain",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		ok := isTAXIIContentType(h)
		m, parsed := parseMediaRange(h)
		if ok && (!parsed || m.typ != "application" || m.sub != "taxii+json") {
			t.Fatalf("isTAXIIContentType(%q) accepted a non-TAXII type %+v", h, m)
		}
		if ok && m.hasVersion && m.version != "2.1" {
			t.Fatalf("isTAXIIContentType(%q) accepted version %q", h, m.version)
		}
	})
}

func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{"2026-01-02T03:04:05Z", "2026-01-02T03:04:05.123456789+01:00", "2026-01-02", "x", "2026-02-30T00:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := parseTimestamp(s)
		if err != nil {
			return
		}
		if ts.Location() != time.UTC || ts.Nanosecond()%1000 != 0 {
			t.Fatalf("parseTimestamp(%q) = %v: not UTC µs", s, ts)
		}
		if len(formatTimestamp(ts)) != len(timestampLayout) && ts.Year() >= 0 && ts.Year() <= 9999 {
			t.Fatalf("formatTimestamp(%v) = %q", ts, formatTimestamp(ts))
		}
	})
}

// scanQuery reads a query string exactly as url.ParseQuery does: the same
// keys and values in the same order, and the same error.
func FuzzScanQuery(f *testing.F) {
	for _, s := range []string{
		"", "a=1&b=2&a=3", "limit=10&added_after=2026-01-02T03:04:05Z", "%zz", "a=%", "a=%zz&b;c=1",
		"a;b=1&%zz=2", "&&&", "=x", "a==b", "a+b=c+d", "match%5Btype%5D=indicator", strings.Repeat("&", maxQueryParams),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		want, wantErr := url.ParseQuery(raw)
		got := url.Values{}
		err := scanQuery(raw, func(k, v string) { got[k] = append(got[k], v) })
		if (err == nil) != (wantErr == nil) || err != nil && err.Error() != wantErr.Error() {
			t.Fatalf("scanQuery(%q): error %v, url.ParseQuery %v", raw, err, wantErr)
		}
		if wantErr == nil && !maps.EqualFunc(got, want, slices.Equal) {
			t.Fatalf("scanQuery(%q) = %v, url.ParseQuery %v", raw, got, want)
		}
	})
}

// No endpoint supports more parameters than parseQuery has room for.
func TestSupportedFitsParseQuery(t *testing.T) {
	for ep, names := range supported {
		if len(names) > maxSupported {
			t.Errorf("endpoint %d supports %d parameters, more than maxSupported (%d)", ep, len(names), maxSupported)
		}
	}
}
