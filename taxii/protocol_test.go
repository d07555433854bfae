package taxii_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/taxii"
)

// TAXII 2.1 §3: media types, headers, sorting, filtering, pagination and
// errors. Test names cite the section of the TAXII 2.1 specification.

// §3.1: every response, errors included, carries the
// TAXII media type with its version.
func TestS3_1_ContentTypeOnEveryResponse(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, ""))
	pub := "/herald/collections/" + e.pub.ID
	cases := []req{
		{path: "/taxii2/"},
		{path: "/herald/"},
		{path: "/herald/collections/"},
		{path: pub + "/"},
		{path: pub + "/objects/"},
		{path: pub + "/manifest/"},
		{path: pub + "/objects/indicator--00000001-0000-4000-8000-000000000001/"},
		{path: pub + "/objects/indicator--00000001-0000-4000-8000-000000000001/versions/"},
		{path: "/nowhere/"}, // 404
		{method: http.MethodPatch, path: pub + "/objects/"},                                              // 405
		{path: pub + "/objects/?limit=x"},                                                                // 400
		{path: "/herald/", header: map[string]string{"Accept": "text/html"}},                             // 406
		{path: "/herald/collections/" + e.priv.ID + "/"},                                                 // 401
		{path: "/herald/collections/", header: map[string]string{"Authorization": "Basic Zm9vOmJhcg=="}}, // 401
		{method: http.MethodPost, path: pub + "/objects/", user: userAdmin, body: []byte("{}")},          // 415
		{method: http.MethodDelete, path: pub + "/objects/indicator--00000001-0000-4000-8000-000000000001/", user: userAdmin},
		{path: "/healthz"},
	}
	for _, c := range cases {
		r := e.do(c)
		if ct := r.Header.Get("Content-Type"); ct != taxii.MediaTypeTAXII {
			t.Errorf("%s %s → %d: Content-Type %q, want %q", r.Request.Method, c.path, r.StatusCode, ct, taxii.MediaTypeTAXII)
		}
		if r.StatusCode >= 400 {
			wantError(t, r, r.StatusCode)
		}
	}
}

// §3.1, leniently (real clients send loose Accept headers): lenient Accept, 406
// only for an explicit other TAXII version or nothing acceptable.
func TestS3_1_AcceptNegotiation(t *testing.T) {
	e := newEnv(t)
	pub := "/herald/collections/" + e.pub.ID
	cases := []struct {
		path, accept string
		want         int
	}{
		{"/herald/", "", 200},
		{"/herald/", "application/taxii+json;version=2.1", 200},
		{"/herald/", "application/taxii+json", 200},
		{"/herald/", "Application/TAXII+JSON ; Version=2.1", 200},
		{"/herald/", `application/taxii+json; version="2.1"`, 200},
		{"/herald/", "*/*", 200},
		{"/herald/", "application/*", 200},
		{"/herald/", "application/json", 200},
		{"/herald/", "application/json, text/plain, */*", 200},
		{"/herald/", "text/html;q=0.9, application/taxii+json;q=0.1", 200},
		{"/herald/", "application/taxii+json;version=2.0", 406},
		{"/herald/", "application/vnd.oasis.taxii+json; version=2.0", 406},
		{"/herald/", "text/html", 406},
		{"/herald/", "application/taxii+json;version=2.1;q=0", 406},
		{"/herald/", "application/taxii+json;version=2.1;q=0, */*", 406}, // most specific range wins
		{"/herald/", "application/taxii+json;version=2.0, */*;q=0.1", 200},
		{"/herald/", "application/stix+json;version=2.1", 406},
		{pub + "/manifest/", "application/taxii+json;version=2.1,application/stix+json;version=2.1", 200},
		{pub + "/manifest/", "application/stix+json;version=2.1", 200},
		{pub + "/manifest/", "application/stix+json", 200},
	}
	for _, c := range cases {
		r := e.do(req{path: c.path, noTAXII: true, header: map[string]string{"Accept": c.accept}})
		if r.StatusCode != c.want {
			t.Errorf("GET %s Accept %q: %d, want %d", c.path, c.accept, r.StatusCode, c.want)
		}
	}
}

// Elastic's TAXII input (elastic/integrations#12874): Content-Type on
// GET and DELETE is ignored.
func TestS3_1_ContentTypeIgnoredOnGetAndDelete(t *testing.T) {
	e := newEnv(t)
	e.put(e.priv.ID, indicator(1, ""))
	for _, ct := range []string{"application/taxii+json", "text/plain", "application/json"} {
		r := e.do(req{path: objectsPath(e, e.pub, ""), header: map[string]string{"Content-Type": ct}})
		wantStatus(t, r, 200)
	}
	r := e.do(req{method: http.MethodDelete, user: userRW, path: "/herald/collections/" + e.priv.ID + "/objects/indicator--00000001-0000-4000-8000-000000000001/",
		header: map[string]string{"Content-Type": "text/plain"}})
	wantStatus(t, r, 200)
}

// TAXII 2.1 §4 (recommended): paths answer with and without the trailing slash
// and tolerate doubled slashes (MISP's taxii_push).
func TestS3_1_TrailingSlashAndDoubleSlash(t *testing.T) {
	e := newEnv(t)
	for _, p := range []string{
		"/taxii2/", "/taxii2", "//taxii2//", "/herald", "/herald/", "//herald//collections/",
		"/herald/collections", "/herald/collections/" + e.pub.ID, "/herald//collections//" + e.pub.ID + "//objects/",
	} {
		r := e.do(req{path: p})
		wantStatus(t, r, 200)
	}
}

// §3.2: X-TAXII-Date-Added-First/-Last on every 200 of the four endpoints,
// from date_added, six fraction digits; on an empty page the request's
// added_after, else the collection's latest date_added; absent only when
// the collection is empty.
func TestS3_2_DateAddedHeaders(t *testing.T) {
	e := newEnv(t)
	pub := "/herald/collections/" + e.pub.ID
	obj := pub + "/objects/indicator--00000001-0000-4000-8000-000000000001"

	// Empty collection: 200 without the headers.
	r := e.get(pub+"/objects/", "")
	wantStatus(t, r, 200)
	if h := r.Header.Get("X-TAXII-Date-Added-First"); h != "" {
		t.Errorf("empty collection: X-TAXII-Date-Added-First %q, want none", h)
	}

	res := e.put(e.pub.ID, indicator(1, ""))
	e.clock.Add(time.Millisecond)
	res2 := e.put(e.pub.ID, indicator(2, ""))
	first := res[0].DateAdded.UTC().Format("2006-01-02T15:04:05.000000Z")
	last := res2[0].DateAdded.UTC().Format("2006-01-02T15:04:05.000000Z")

	cases := []struct {
		path        string
		first, last string
	}{
		{pub + "/objects/", first, last},
		{pub + "/manifest/", first, last},
		{obj + "/", first, first},
		{obj + "/versions/", first, first},
		{pub + "/objects/?match[type]=tool", last, last}, // empty, no added_after
		{pub + "/objects/?added_after=2030-01-01T00:00:00Z", "2030-01-01T00:00:00.000000Z", "2030-01-01T00:00:00.000000Z"}, // empty, echo
		{pub + "/manifest/?added_after=2030-01-01T00:00:00.5%2B01:00", "2029-12-31T23:00:00.500000Z", "2029-12-31T23:00:00.500000Z"},
	}
	for _, c := range cases {
		r := e.get(c.path, "")
		wantStatus(t, r, 200)
		if got := r.Header.Get("X-TAXII-Date-Added-First"); got != c.first {
			t.Errorf("%s: First %q, want %q", c.path, got, c.first)
		}
		if got := r.Header.Get("X-TAXII-Date-Added-Last"); got != c.last {
			t.Errorf("%s: Last %q, want %q", c.path, got, c.last)
		}
	}
}

// §3.3: objects and manifest records ascending by date_added, whatever the
// STIX timestamps say.
func TestS3_3_SortedByDateAdded(t *testing.T) {
	e := newEnv(t)
	order := []int{5, 3, 9, 1, 7}
	for _, n := range order {
		e.put(e.pub.ID, indicator(n, fmt.Sprintf("2025-0%d-01T00:00:00.000Z", 10-n)))
	}
	r := e.get(objectsPath(e, e.pub, ""), "")
	ids := r.envelope(t).ids(t)
	for i, n := range order {
		if want := indicator(n, "").ID; ids[i] != want {
			t.Fatalf("object %d is %s, want %s (date_added order)", i, ids[i], want)
		}
	}
	var m struct {
		Objects []struct {
			DateAdded string `json:"date_added"`
		} `json:"objects"`
	}
	r = e.get("/herald/collections/"+e.pub.ID+"/manifest/", "")
	if err := jsonUnmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(m.Objects); i++ {
		if m.Objects[i].DateAdded <= m.Objects[i-1].DateAdded {
			t.Fatalf("manifest not ascending: %v", m.Objects)
		}
	}
}

// §3.4: added_after is strictly after.
func TestS3_4_AddedAfterIsStrict(t *testing.T) {
	e := newEnv(t)
	var das []string
	for i := 1; i <= 3; i++ {
		res := e.put(e.pub.ID, indicator(i, ""))
		das = append(das, res[0].DateAdded.UTC().Format("2006-01-02T15:04:05.000000Z"))
	}
	r := e.get(objectsPath(e, e.pub, "added_after="+das[1]), "")
	ids := r.envelope(t).ids(t)
	if len(ids) != 1 || ids[0] != indicator(3, "").ID {
		t.Fatalf("added_after=%s: got %v, want only the third object", das[1], ids)
	}
}

// TAXII 2.1 §2.1 (timestamps; lenient by choice): added_after parsed leniently: 0–9 fraction
// digits, Z or offsets.
func TestS3_4_AddedAfterLenientFormats(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, "")) // date_added = t0
	cases := []struct {
		value string
		want  int
	}{
		{"2026-01-02T03:04:04Z", 1},
		{"2026-01-02T03:04:05Z", 0},
		{"2026-01-02T03:04:04.5Z", 1},
		{"2026-01-02T03:04:04.999999999Z", 1},
		{"2026-01-02T03:04:04.999Z", 1},
		{"2026-01-02T04:04:04+01:00", 1},
		{"2026-01-02T04:04:05+01:00", 0},
		{"2026-01-02t03:04:04z", 1},
		{"1970-01-01T00:00:00Z", 1},
	}
	for _, c := range cases {
		r := e.get(objectsPath(e, e.pub, "added_after="+url.QueryEscape(c.value)), "")
		wantStatus(t, r, 200)
		if got := len(r.envelope(t).Objects); got != c.want {
			t.Errorf("added_after=%s: %d objects, want %d", c.value, got, c.want)
		}
	}
}

// §3.4: malformed or
// repeated parameters are 400, never 500.
func TestS3_4_MalformedParametersAre400(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, ""))
	bad := []string{
		"added_after=yesterday",
		"added_after=2026-01-02",
		"added_after=2026-01-02T03:04:05",
		"added_after=2026-01-02T03:04:05.1234567890Z",
		"added_after=2026-13-02T03:04:05Z",
		"added_after=2026-01-02T03:04:05Z&added_after=2026-01-02T03:04:05Z",
		"limit=0", "limit=-1", "limit=abc", "limit=1.5", "limit=", "limit=1&limit=2",
		"match[type]=indicator&match[type]=malware",
		"match[type]=", "match[type]=Indicator", "match[type]=indicator,,malware",
		"match[id]=nonsense", "match[id]=",
		"match[version]=all,last", "match[version]=last,last", "match[version]=yesterday",
		"match[spec_version]=two", "match[spec_version]=2.1&match[spec_version]=2.0",
		"next=garbage", "next=a.b",
		"%zz=1",
	}
	for _, q := range bad {
		r := e.get(objectsPath(e, e.pub, q), "")
		wantError(t, r, 400)
	}
}

// §3.4: unknown match fields and stray parameters are
// ignored; an empty next= means no cursor (taxii2-client).
func TestS3_4_UnknownParametersIgnored(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, ""))
	for _, q := range []string{"match[color]=red", "foo=bar&foo=baz", "next=", "match[created_by_ref]=x&match[color]=1&match[color]=2"} {
		r := e.get(objectsPath(e, e.pub, q), "")
		wantStatus(t, r, 200)
		if n := len(r.envelope(t).Objects); n != 1 {
			t.Errorf("%s: %d objects, want 1", q, n)
		}
	}
}

// §3.4: limit is honoured, capped at the server
// maximum (not refused), and the default page size applies without it.
func TestS3_4_LimitDefaultAndCap(t *testing.T) {
	e := newEnv(t, func(c *taxii.Config) { c.DefaultPageSize = 3; c.MaxPageSize = 5 })
	for i := 1; i <= 8; i++ {
		e.put(e.pub.ID, indicator(i, ""))
	}
	cases := []struct {
		q    string
		want int
		more bool
	}{
		{"", 3, true},
		{"limit=2", 2, true},
		{"limit=5", 5, true},
		{"limit=100", 5, true},
		{"limit=99999999999999999999999", 5, true},
		{"limit=8", 5, true},
		{"match[type]=indicator&limit=8&added_after=2026-01-02T03:04:05.000003Z", 4, false},
	}
	for _, c := range cases {
		r := e.get(objectsPath(e, e.pub, c.q), "")
		wantStatus(t, r, 200)
		v := r.envelope(t)
		if len(v.Objects) != c.want || v.More != c.more {
			t.Errorf("%q: %d objects more=%v, want %d more=%v", c.q, len(v.Objects), v.More, c.want, c.more)
		}
	}
}

// §3.4.1: match[id], match[type], match[version], match[spec_version].
func TestS3_4_1_MatchFilters(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, "2025-01-01T00:00:00.000Z"))
	e.put(e.pub.ID, indicator(1, "2025-01-02T00:00:00.000Z"))
	e.put(e.pub.ID, indicator(1, "2025-01-03T00:00:00.000Z"))
	e.put(e.pub.ID, malware(2))
	e.put(e.pub.ID, indicator(3, ""))
	id1 := indicator(1, "").ID
	cases := []struct {
		q    string
		want []string // id@modified-day
	}{
		{"", []string{"i1@03", "m2", "i3"}},
		{"match[type]=malware", []string{"m2"}},
		{"match[type]=malware,indicator", []string{"i1@03", "m2", "i3"}},
		{"match[type]=tool", nil},
		{"match[type]=x-unknown-type", nil},
		{"match[id]=" + id1, []string{"i1@03"}},
		{"match[id]=" + id1 + "," + malware(2).ID, []string{"i1@03", "m2"}},
		{"match[id]=" + id1 + "&match[version]=first", []string{"i1@01"}},
		{"match[id]=" + id1 + "&match[version]=all", []string{"i1@01", "i1@02", "i1@03"}},
		{"match[id]=" + id1 + "&match[version]=first,last", []string{"i1@01", "i1@03"}},
		{"match[id]=" + id1 + "&match[version]=2025-01-02T00:00:00.000Z", []string{"i1@02"}},
		{"match[type]=malware&match[id]=" + id1, nil},
		{"match[spec_version]=2.1&match[type]=malware", []string{"m2"}},
		{"match[spec_version]=2.0", nil},
	}
	for _, c := range cases {
		r := e.get(objectsPath(e, e.pub, c.q), "")
		wantStatus(t, r, 200)
		got := summarize(t, r.envelope(t))
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("%q: got %v, want %v", c.q, got, c.want)
		}
	}
}

// §3.4.1: objects without created/modified (SCOs) get
// a consistent version, usable in match[version].
func TestS3_4_1_UnversionedObjectsHaveConsistentVersion(t *testing.T) {
	e := newEnv(t)
	js := `{"type":"ipv4-addr","spec_version":"2.1","id":"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd","value":"198.51.100.7"}`
	o := stix.Object{Type: "ipv4-addr", ID: "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", SpecVersion: "2.1", JSON: []byte(js)}
	e.put(e.pub.ID, o)
	want := stix.ContentVersion([]byte(js))
	var m struct {
		Objects []struct{ Version string } `json:"objects"`
	}
	r := e.get("/herald/collections/"+e.pub.ID+"/manifest/", "")
	if err := jsonUnmarshal(r.body, &m); err != nil || len(m.Objects) != 1 || m.Objects[0].Version != want {
		t.Fatalf("manifest %s, want version %s", r.body, want)
	}
	r = e.get(objectsPath(e, e.pub, "match[version]="+url.QueryEscape(want)), "")
	if n := len(r.envelope(t).Objects); n != 1 {
		t.Fatalf("match[version]=%s: %d objects, want 1", want, n)
	}
}

// §8.2.1(7): a request without User-Agent is served.
func TestS8_2_1_MissingUserAgentIsServed(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{path: "/herald/collections/", header: map[string]string{"User-Agent": ""}})
	wantStatus(t, r, 200)
}
