package taxii

import (
	"errors"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/heraldcti/herald/stix"
)

// endpoint identifies a TAXII endpoint that takes query parameters. Its
// value is part of signed next tokens: never renumber.
type endpoint uint8

const (
	epObjects  endpoint = 1 // GET  collections/{id}/objects/
	epManifest endpoint = 2 // GET  collections/{id}/manifest/
	epObject   endpoint = 3 // GET  collections/{id}/objects/{object-id}/
	epVersions endpoint = 4 // GET  collections/{id}/objects/{object-id}/versions/
	epDelete   endpoint = 5 // DELETE collections/{id}/objects/{object-id}/
)

// Query parameter names (TAXII 2.1 §3.4).
const (
	qAddedAfter  = "added_after"
	qLimit       = "limit"
	qNext        = "next"
	qMatchID     = "match[id]"
	qMatchType   = "match[type]"
	qMatchVer    = "match[version]"
	qMatchSpec   = "match[spec_version]"
	maxQueryLen  = 64 << 10
	maxListItems = 1000
)

// supported lists the parameters each endpoint understands (TAXII 2.1
// §5.3–5.8 tables). Anything else is ignored, as §3.4 allows for match
// fields and as clients expect for stray parameters.
var supported = map[endpoint][]string{
	epObjects:  {qAddedAfter, qLimit, qNext, qMatchID, qMatchType, qMatchVer, qMatchSpec},
	epManifest: {qAddedAfter, qLimit, qNext, qMatchID, qMatchType, qMatchVer, qMatchSpec},
	epObject:   {qAddedAfter, qLimit, qNext, qMatchVer, qMatchSpec},
	epVersions: {qAddedAfter, qLimit, qNext, qMatchSpec},
	epDelete:   {qMatchVer, qMatchSpec},
}

// filters is the normalised filter part of a query: what a next token
// carries and what a follow-up request must agree with.
type filters struct {
	// AddedAfter is set when HasAddedAfter (the epoch is a valid value).
	AddedAfter    time.Time
	HasAddedAfter bool
	IDs           []string // sorted, unique
	Types         []string // sorted, unique
	Versions      []string // sorted; duplicates rejected
	SpecVersions  []string // sorted, unique
}

// equal reports whether f and g select the same versions.
func (f filters) equal(g filters) bool {
	return f.HasAddedAfter == g.HasAddedAfter && (!f.HasAddedAfter || f.AddedAfter.Equal(g.AddedAfter)) && f.sameMatch(g)
}

// hasMatch reports whether any match[...] filter is set.
func (f filters) hasMatch() bool {
	return len(f.IDs)+len(f.Types)+len(f.Versions)+len(f.SpecVersions) > 0
}

// sameMatch reports whether two normalised filter sets select the same
// objects, ignoring added_after.
func (f filters) sameMatch(g filters) bool {
	return equalStrings(f.IDs, g.IDs) && equalStrings(f.Types, g.Types) &&
		equalStrings(f.Versions, g.Versions) && equalStrings(f.SpecVersions, g.SpecVersions)
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// params is a parsed query string.
type params struct {
	filters
	// Limit is the client's limit, 0 when absent (the server default
	// applies). Values above the server maximum are kept here and capped
	// by the handler, so Reload of the maximum takes effect.
	Limit int
	// Next is the raw next token; "" when absent or empty (taxii2-client
	// sends next= when the server omitted it).
	Next string
}

// parseQuery parses a raw query string for an endpoint. Every malformed
// supported parameter, and any repeated one, is a 400 (TAXII 2.1 §3.4);
// unsupported parameters, including unknown match[...] fields, are ignored.
func parseQuery(raw string, ep endpoint) (params, error) {
	var p params
	if len(raw) > maxQueryLen {
		return p, badRequest("the query string is longer than %d bytes", maxQueryLen)
	}
	names := supported[ep]
	var found [maxSupported]struct {
		value string
		n     int
	}
	err := scanQuery(raw, func(key, value string) {
		for i, name := range names {
			if key == name {
				if found[i].n == 0 {
					found[i].value = value
				}
				found[i].n++
				return
			}
		}
	})
	if err != nil {
		return p, badRequest("the query string is malformed: %v", err)
	}
	for i, name := range names {
		if found[i].n == 0 {
			continue
		}
		if found[i].n > 1 {
			return p, badRequest("%s must not appear more than once", name)
		}
		v := found[i].value
		switch name {
		case qAddedAfter:
			t, err := parseTimestamp(v)
			if err != nil {
				return p, badRequest("added_after %q: %v", v, err)
			}
			p.AddedAfter, p.HasAddedAfter = t, true
		case qLimit:
			n, err := parseLimit(v)
			if err != nil {
				return p, err
			}
			p.Limit = n
		case qNext:
			p.Next = v
		case qMatchID:
			if p.IDs, err = parseList(name, v, validID); err != nil {
				return p, err
			}
		case qMatchType:
			if p.Types, err = parseList(name, v, validType); err != nil {
				return p, err
			}
		case qMatchVer:
			if p.Versions, err = parseVersions(v); err != nil {
				return p, err
			}
		case qMatchSpec:
			if p.SpecVersions, err = parseList(name, v, validSpecVersion); err != nil {
				return p, err
			}
		}
	}
	return p, nil
}

// maxSupported is the most parameters an endpoint supports (supported).
const maxSupported = 8

// maxQueryParams is net/url's default limit on the parameters of a query
// string (GODEBUG urlmaxqueryparams).
const maxQueryParams = 10000

// scanQuery calls f with each key and value of the query string raw,
// unescaped, in order, and returns the first error, exactly as
// url.ParseQuery would fill and answer (FuzzScanQuery compares them), but
// without building its map: the query of every page request passes here.
func scanQuery(raw string, f func(key, value string)) error {
	if strings.Count(raw, "&")+1 > maxQueryParams {
		return errors.New("number of URL query parameters exceeded limit")
	}
	var err error
	for raw != "" {
		var key string
		key, raw, _ = strings.Cut(raw, "&")
		if strings.Contains(key, ";") {
			err = errors.New("invalid semicolon separator in query")
			continue
		}
		if key == "" {
			continue
		}
		key, value, _ := strings.Cut(key, "=")
		key, err1 := url.QueryUnescape(key)
		if err1 != nil {
			if err == nil {
				err = err1
			}
			continue
		}
		value, err1 = url.QueryUnescape(value)
		if err1 != nil {
			if err == nil {
				err = err1
			}
			continue
		}
		f(key, value)
	}
	return err
}

// parseLimit accepts a positive decimal integer. Huge values are an
// integer all the same and are capped (to the server maximum) later.
func parseLimit(v string) (int, error) {
	if v == "" || len(v) > 40 || !isDigits([]byte(v)) {
		return 0, badRequest("limit %q must be a positive integer", v)
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil { // out of range: digits only, so it is just large
		return 1<<31 - 1, nil
	}
	if n <= 0 {
		return 0, badRequest("limit must be greater than 0")
	}
	return int(n), nil
}

// parseList splits a comma-separated match value (TAXII 2.1 §3.4: values
// are ORed, no spaces), checks every item, sorts and removes duplicates.
func parseList(name, v string, valid func(string) bool) ([]string, error) {
	items := strings.Split(v, ",")
	if len(items) > maxListItems {
		return nil, badRequest("%s has more than %d values", name, maxListItems)
	}
	for _, it := range items {
		if !valid(it) {
			return nil, badRequest("%s: %q is not a valid value", name, it)
		}
	}
	sort.Strings(items)
	out := items[:0]
	for i, it := range items {
		if i == 0 || it != items[i-1] {
			out = append(out, it)
		}
	}
	return out, nil
}

// parseVersions parses match[version] (TAXII 2.1 §3.4.1): "last", "first",
// "all" or exact versions; "all" must stand alone and no value may repeat.
func parseVersions(v string) ([]string, error) {
	items, err := parseList(qMatchVer, v, validVersion)
	if err != nil {
		return nil, err
	}
	if n := len(strings.Split(v, ",")); n != len(items) {
		return nil, badRequest("match[version] must not repeat a value")
	}
	if len(items) > 1 {
		for _, it := range items {
			if it == "all" {
				return nil, badRequest(`match[version] "all" cannot be combined with other values`)
			}
		}
	}
	return items, nil
}

func validVersion(s string) bool {
	switch s {
	case "last", "first", "all":
		return true
	}
	if rest, ok := strings.CutPrefix(s, stix.ContentVersionPrefix); ok {
		return len(rest) > 0 && len(rest) <= 128 && isHex(rest)
	}
	_, err := parseTimestamp(s)
	return err == nil
}

// validID accepts a STIX identifier shape: "<type>--<something>", printable
// ASCII without spaces or commas. (match[id] may name non-STIX objects too;
// an unknown id simply matches nothing.)
func validID(s string) bool {
	typ, rest, ok := strings.Cut(s, "--")
	return ok && validType(typ) && rest != "" && len(s) <= 256 && printable(rest)
}

// validType accepts a STIX type name: lower-case ASCII letters, digits and
// hyphens, 1 to 250 characters. Unknown types are valid and match nothing
// (§3.4.1: "MUST NOT error for invalid type" for STIX types).
func validType(s string) bool {
	if s == "" || len(s) > 250 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func validSpecVersion(s string) bool {
	major, minor, ok := strings.Cut(s, ".")
	return ok && len(s) <= 10 && isDigits([]byte(major)) && isDigits([]byte(minor))
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f || s[i] == ',' {
			return false
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
