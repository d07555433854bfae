package taxii_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/taxii"
)

// Hostile input against the real server on a real bbolt file. The bar:
// every client mistake gets the right 4xx as a TAXII error resource with
// the TAXII content type (never a 500, never a panic), and the stored data
// is byte-for-byte what it was before.

// hostileEnv is a server whose private collection holds a few objects,
// with authentication throttling off (the auth cases fail on purpose).
func hostileEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t, func(c *taxii.Config) { c.MaxAuthFailures = -1 })
	e.put(e.priv.ID, indicator(1, ""), indicator(2, ""), malware(3))
	e.put(e.priv.ID, indicator(1, "2025-03-01T00:00:00.000Z"))
	e.put(e.pub.ID, malware(4))
	return e
}

// snapshot is everything a reader can see of both collections: every
// version, with its manifest (date_added included), as the admin sees it.
func (e *env) snapshot(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, col := range []string{e.priv.ID, e.pub.ID} {
		for _, ep := range []string{"objects", "manifest"} {
			r := e.get("/herald/collections/"+col+"/"+ep+"/?match[version]=all&limit=1000", userAdmin)
			wantStatus(t, r, http.StatusOK)
			b.Write(r.body)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// intact fails unless the data equals the snapshot and the store's own
// consistency check finds nothing.
func (e *env) intact(t *testing.T, before string) {
	t.Helper()
	if after := e.snapshot(t); after != before {
		t.Errorf("stored data changed:\nbefore %s\nafter  %s", before, after)
	}
	problems, err := e.db.Check(context.Background())
	if err != nil || len(problems) != 0 {
		t.Errorf("store Check: %v %v", problems, err)
	}
}

// raw sends a request written byte for byte (paths and headers Go's client
// would refuse or clean) and reads one response. halfClose shuts the write
// side after sending, so a body shorter than its Content-Length ends.
func (e *env) raw(t *testing.T, text string, halfClose bool) resp {
	t.Helper()
	conn, err := net.Dial("tcp", e.hs.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Write([]byte(text)); err != nil {
		t.Fatalf("write: %v", err)
	}
	if halfClose {
		if err := conn.(*net.TCPConn).CloseWrite(); err != nil {
			t.Fatal(err)
		}
	}
	method, rest, _ := strings.Cut(text, " ")
	target, _, _ := strings.Cut(rest, " ")
	hr := &http.Request{Method: method, URL: nil}
	res, err := http.ReadResponse(bufio.NewReader(conn), hr)
	if err != nil {
		t.Fatalf("%s %.80s: read response: %v", method, target, err)
	}
	defer res.Body.Close()
	var body bytes.Buffer
	if _, err := body.ReadFrom(res.Body); err != nil {
		t.Fatalf("read body: %v", err)
	}
	res.Request = &http.Request{Method: method, URL: nil}
	return resp{Response: res, body: body.Bytes()}
}

// rawRequest builds the text of a request with the usual TAXII headers.
func rawRequest(method, target, auth string, extra string, body []byte, contentLength int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: %s\r\n", method, target, taxii.MediaTypeTAXII)
	if auth != "" {
		fmt.Fprintf(&b, "Authorization: %s\r\n", auth)
	}
	b.WriteString(extra)
	if body != nil {
		fmt.Fprintf(&b, "Content-Type: %s\r\nContent-Length: %d\r\n", taxii.MediaTypeTAXII, contentLength)
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.String()
}

// wantRejected checks the status is want, the body a TAXII error resource.
// It tolerates a missing request on raw responses.
func wantRejected(t *testing.T, name string, r resp, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Errorf("%s: status %d, want %d; body %.300s", name, r.StatusCode, want, r.body)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != taxii.MediaTypeTAXII {
		t.Errorf("%s: Content-Type %q, want %q", name, ct, taxii.MediaTypeTAXII)
	}
	var m struct {
		Title      string `json:"title"`
		HTTPStatus string `json:"http_status"`
	}
	if err := jsonUnmarshal(r.body, &m); err != nil || m.Title == "" || m.HTTPStatus != fmt.Sprint(want) {
		t.Errorf("%s: body is not a TAXII error resource for %d: %v %.300s", name, want, err, r.body)
	}
}

// addStatus is the part of an add-objects status the tests look at.
type addStatus struct {
	TotalCount   int `json:"total_count"`
	SuccessCount int `json:"success_count"`
	FailureCount int `json:"failure_count"`
	Failures     []struct {
		ID, Message string
	} `json:"failures"`
}

func postRW(e *env, body []byte) resp {
	return post(e, userRW, body)
}

// A body that is not a usable envelope at all is refused whole.
func TestHostileBodiesAreRefused(t *testing.T) {
	e := hostileEnv(t)
	before := e.snapshot(t)
	valid := envelopeOf(indicator(9, ""))
	big := `{"objects":[{"type":"indicator","name":"` + strings.Repeat("A", 10<<20) + `"}]}`
	cases := []struct {
		name string
		body []byte
		want int
	}{
		{"100k nested arrays", []byte(`{"objects":[` + strings.Repeat("[", 100_000)), 422},
		{"100k nested arrays at top", []byte(strings.Repeat("[", 100_000)), 422},
		{"100k nested objects", []byte(strings.Repeat(`{"a":`, 100_000)), 422},
		{"10 MB string", []byte(big), 413},
		{"NUL byte outside strings", []byte("{\"objects\":\x00[]}"), 422},
		{"NUL byte inside a string", []byte("{\"objects\":[{\"type\":\"indi\x00cator\"}]}"), 422},
		{"objects is a number", []byte(`{"objects":5}`), 422},
		{"objects is a string", []byte(`{"objects":"x"}`), 422},
		{"objects is null", []byte(`{"objects":null}`), 422},
		{"top level is null", []byte(`null`), 422},
		{"top level is a huge number", []byte(strings.Repeat("9", 100_000)), 422},
		{"empty body", []byte{}, 422},
		{"whitespace body", []byte("   \n\t "), 422},
		{"truncated mid-way", valid[:len(valid)/2], 422},
		{"truncated after the last brace but one", valid[:len(valid)-1], 422},
		{"trailing garbage", append(append([]byte{}, valid...), "}{"...), 422},
		{"two envelopes", append(append([]byte{}, valid...), valid...), 422},
		{"invalid UTF-8 outside strings", []byte("{\"objects\":[]\xff}"), 422},
	}
	for _, c := range cases {
		wantRejected(t, c.name, postRW(e, c.body), c.want)
	}
	e.intact(t, before)
}

// Objects that are individually bad are reported per object in a 202
// status (TAXII 2.1 §5.5: the envelope was accepted, these objects were
// not); nothing of them is stored.
func TestHostileObjectsAreFailures(t *testing.T) {
	e := hostileEnv(t)
	before := e.snapshot(t)
	ind := indicator(9, "")
	id, ts := ind.ID, ind.Created
	good := func(extra string) string {
		return fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"pattern":"[ipv4-addr:value = '1.2.3.4']","pattern_type":"stix","valid_from":%q%s}`, id, ts, ts, ts, extra)
	}
	withField := func(field, value string) string {
		// Replace one field of the good indicator by value.
		m := map[string]string{
			"type":     `"type":"indicator"`,
			"id":       fmt.Sprintf(`"id":%q`, id),
			"created":  fmt.Sprintf(`"created":%q`, ts),
			"modified": fmt.Sprintf(`"modified":%q`, ts),
		}
		return strings.Replace(good(""), m[field], fmt.Sprintf("%q:%s", field, value), 1)
	}
	tiny := bytes.Repeat([]byte("{},"), 100_000)
	tiny = append(append([]byte(`{"objects":[`), tiny[:len(tiny)-1]...), "]}"...)
	nums := bytes.Repeat([]byte("1,"), 100_000)
	nums = append(append([]byte(`{"objects":[`), nums[:len(nums)-1]...), "]}"...)
	cases := []struct {
		name  string
		objs  string // the elements of the objects list
		body  []byte // or a whole body
		total int
	}{
		{name: "type is a number", objs: withField("type", "5"), total: 1},
		{name: "id is an object", objs: withField("id", "{}"), total: 1},
		{name: "created is a number", objs: withField("created", "5"), total: 1},
		{name: "modified is null", objs: withField("modified", "null"), total: 1},
		{name: "type is null", objs: withField("type", "null"), total: 1},
		{name: "id is an array", objs: withField("id", `["`+id+`"]`), total: 1},
		{name: "created is a bad date", objs: withField("created", `"9999-99-99T99:99:99Z"`), total: 1},
		{name: "modified is not UTC", objs: withField("modified", `"2025-01-01T00:00:00.000+01:00"`), total: 1},
		{name: "duplicate id key", objs: strings.Replace(good(""), `"type"`, `"id":"indicator--00000000-0000-4000-8000-000000000001","type"`, 1), total: 1},
		{name: "duplicate type key", objs: strings.Replace(good(""), `"type":"indicator"`, `"type":"indicator","type":"malware"`, 1), total: 1},
		{name: "duplicate custom key", objs: good(`,"x_a":1,"x_a":2`), total: 1},
		{name: "invalid UTF-8 in a string", objs: good(`,"name":"bad ` + "\xff\xfe" + `"`), total: 1},
		{name: "invalid UTF-8 in a key", objs: good(`,"x_` + "\xc3\x28" + `":1`), total: 1},
		{name: "lone surrogate escape", objs: good(`,"name":"\ud800"`), total: 1},
		{name: "huge confidence", objs: good(`,"confidence":1e999999`), total: 1},
		{name: "huge custom number", objs: good(`,"x_big":` + strings.Repeat("9", 5000)), total: 1},
		{name: "huge exponent custom number", objs: good(`,"x_big":1e999999999999`), total: 1},
		{name: "element is a deep array", objs: strings.Repeat("[", 1000) + strings.Repeat("]", 1000), total: 1},
		{name: "object nested too deep", objs: good(`,"x_deep":` + strings.Repeat("[", 1000) + strings.Repeat("]", 1000)), total: 1},
		{name: "100k empty objects", body: tiny, total: 100_000},
		{name: "100k numbers", body: nums, total: 100_000},
	}
	for i, c := range cases {
		body := c.body
		if body == nil {
			// Each case its own id, so one accepted by mistake cannot
			// hide the next as a "conflict" failure.
			objs := strings.ReplaceAll(c.objs, id, indicator(100+i, "").ID)
			body = []byte(`{"objects":[` + objs + `]}`)
		}
		r := postRW(e, body)
		if r.StatusCode == http.StatusUnprocessableEntity {
			// Refusing the whole envelope is also acceptable.
			wantRejected(t, c.name, r, 422)
			continue
		}
		if r.StatusCode != http.StatusAccepted {
			t.Errorf("%s: status %d, want 202 or 422; body %.300s", c.name, r.StatusCode, r.body)
			continue
		}
		var st addStatus
		if err := jsonUnmarshal(r.body, &st); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if st.TotalCount != c.total || st.FailureCount != c.total || st.SuccessCount != 0 {
			t.Errorf("%s: total %d failures %d successes %d, want %d failures only; %.300s",
				c.name, st.TotalCount, st.FailureCount, st.SuccessCount, c.total, r.body)
		}
		// The failures listed are capped (10,000) so that a body of
		// tiny elements cannot make a status a hundred times its size.
		if want := min(c.total, 10_000); len(st.Failures) != want {
			t.Errorf("%s: %d failures listed, want %d", c.name, len(st.Failures), want)
		}
		if len(r.body) > 2<<20 {
			t.Errorf("%s: status of %d bytes for a body of %d", c.name, len(r.body), len(body))
		}
	}
	e.intact(t, before)
}

// Content-Length that lies, compressed bodies and chunked framing.
func TestHostileFraming(t *testing.T) {
	e := hostileEnv(t)
	before := e.snapshot(t)
	target := objectsPath(e, e.priv, "")
	auth := basic(userRW, password)
	body := envelopeOf(indicator(9, ""))

	// Content-Length smaller than the body: the server reads a truncated
	// envelope.
	r := e.raw(t, rawRequest("POST", target, auth, "", body, len(body)/2), false)
	wantRejected(t, "Content-Length too small", r, 422)
	// Content-Length larger than the body: the body ends early.
	r = e.raw(t, rawRequest("POST", target, auth, "", body, len(body)+100), true)
	wantRejected(t, "Content-Length too large", r, 400)

	// Chunked framing that breaks half way: the body cannot be read.
	chunked := "POST " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAccept: " + taxii.MediaTypeTAXII +
		"\r\nAuthorization: " + auth + "\r\nContent-Type: " + taxii.MediaTypeTAXII + "\r\nTransfer-Encoding: chunked\r\n\r\n" +
		fmt.Sprintf("%x\r\n%s\r\n", 20, body[:20]) + "zz\r\n" + string(body[20:]) + "\r\n0\r\n\r\n"
	r = e.raw(t, chunked, false)
	wantRejected(t, "malformed chunk size", r, 400)

	// A Content-Length beyond max_content_length is refused before the
	// body is read.
	r = e.raw(t, rawRequest("POST", target, auth, "", body, 99_999_999_999), true)
	wantRejected(t, "Content-Length of 100 GB", r, http.StatusRequestEntityTooLarge)

	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write(body)
	_ = zw.Close()
	for _, enc := range []string{"gzip", "deflate", "br", "x-unknown", "gzip, gzip"} {
		r := e.do(req{method: http.MethodPost, user: userRW, path: target, body: gz.Bytes(),
			header: map[string]string{"Content-Type": taxii.MediaTypeTAXII, "Content-Encoding": enc}})
		wantRejected(t, "Content-Encoding "+enc, r, http.StatusUnsupportedMediaType)
		if got := r.Header.Get("Accept-Encoding"); got != "identity" {
			t.Errorf("Content-Encoding %s: 415 with Accept-Encoding %q, want identity (RFC 7694 §3)", enc, got)
		}
	}
	// identity is no encoding at all; gzip bombs never get decompressed.
	r = e.do(req{method: http.MethodPost, user: userRW, path: target, body: envelopeOf(),
		header: map[string]string{"Content-Type": taxii.MediaTypeTAXII, "Content-Encoding": "identity"}})
	if r.StatusCode != http.StatusUnprocessableEntity && r.StatusCode != http.StatusAccepted {
		t.Errorf("Content-Encoding identity: status %d; body %s", r.StatusCode, r.body)
	}
	e.intact(t, before)
}

// Hostile query strings are 400s (TAXII 2.1 §3.4: any malformed parameter)
// or harmlessly ignored; never a 500.
func TestHostileQueryStrings(t *testing.T) {
	e := hostileEnv(t)
	before := e.snapshot(t)
	many := strings.TrimSuffix(strings.Repeat("indicator,", 10_000), ",")
	cases := []struct {
		query string
		want  int
	}{
		{"match[type]=", 400},
		{"match[id]=", 400},
		{"match[id]=,,,", 400},
		{"match[type]=,,,", 400},
		{"match[version]=,", 400},
		{"match[spec_version]=", 400},
		{"match[type]=" + many, 400},
		{"limit=99999999999999999999", 200},
		{"limit=" + strings.Repeat("9", 1000), 400},
		{"limit=-1", 400},
		{"limit=0", 400},
		{"limit=1.5", 400},
		{"limit=0x10", 400},
		{"limit=%2B1", 400},
		{"limit=", 400},
		{"added_after=9999-99-99", 400},
		{"added_after=9999-99-99T99:99:99Z", 400},
		{"added_after=2025-01-01T00:00:00.12345678901234567890Z", 400},
		{"added_after=2025-01-01T00:00:00Z&added_after=2025-01-01T00:00:00Z", 400},
		{"added_after=", 400},
		{"added_after=%00", 400},
		{"next=garbage", 400},
		{"next=" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, 200)), 400},
		{"next=" + base64.StdEncoding.EncodeToString([]byte(`{"collection":"x","after":"y"}`)), 400},
		{"next=" + strings.Repeat("A", 60_000), 400},
		{"next=" + strings.Repeat("A", 70_000), 400},
		{"next=%00", 400},
		{"next=a&next=b", 400},
		{"limit=1&limit=2", 400},
		{"match[type]=indicator&match[type]=malware", 400},
		{"match[type]=%00", 400},
		{"match[id]=indicator--%00", 400},
		{"match[type]=indic%E2%80%AEator", 400},
		{"x=%00", 200},
		{"match[foo]=%00", 200},
		{"%00=%00", 200},
		{"a=%ff%fe", 200},
	}
	for _, c := range cases {
		for _, ep := range []string{"objects", "manifest"} {
			path := "/herald/collections/" + e.priv.ID + "/" + ep + "/?" + c.query
			r := e.get(path, userReader)
			name := fmt.Sprintf("%s ?%.60s", ep, c.query)
			if c.want == 200 {
				if r.StatusCode != 200 {
					t.Errorf("%s: status %d, want 200; body %.300s", name, r.StatusCode, r.body)
				}
				continue
			}
			wantRejected(t, name, r, c.want)
		}
	}
	// The delete endpoint takes match[version] and match[spec_version]:
	// malformed ones are 400s, and nothing is deleted.
	obj := "/herald/collections/" + e.priv.ID + "/objects/" + indicator(1, "").ID + "/?"
	for _, q := range []string{"match[version]=", "match[version]=,", "match[version]=all,last", "match[version]=last,last",
		"match[version]=9999-99-99T00:00:00Z", "match[spec_version]=x", "match[version]=first&match[version]=last"} {
		r := e.do(req{method: http.MethodDelete, user: userAdmin, path: obj + q})
		wantRejected(t, "DELETE ?"+q, r, 400)
	}
	// Invalid percent-encoding cannot be sent by Go's client: raw requests.
	for _, q := range []string{"limit=%zz", "match[type]=%", "next=%G0", "%=1", "added_after=%"} {
		target := "/herald/collections/" + e.priv.ID + "/objects/?" + q
		r := e.raw(t, rawRequest("GET", target, basic(userReader, password), "", nil, 0), false)
		wantRejected(t, "?"+q, r, 400)
	}
	e.intact(t, before)
}

// Hostile paths are 404s (or 400 for a malformed object id); none escapes
// the router.
func TestHostilePaths(t *testing.T) {
	e := hostileEnv(t)
	before := e.snapshot(t)
	col := "/herald/collections/" + e.priv.ID
	obj := indicator(1, "").ID
	cases := []struct {
		target string
		want   int
	}{
		{"/herald/collections/../../etc/passwd", 404},
		{"/herald/collections/%2e%2e/%2e%2e/etc/passwd", 404},
		{"/../../etc/passwd", 404},
		{"/herald/" + strings.Repeat("a", 60_000) + "/", 404},
		{"/herald/collections/" + strings.Repeat("a", 60_000) + "/objects/", 404},
		{col + "/objects/" + strings.Repeat("x", 60_000) + "/", 404},
		{"/herald/collections/%C3%BCn%C3%AFc%C3%B6d%C3%A9/objects/", 404},
		{"/herald/collections/\xc3\xbcn\xc3\xafc/objects/", 404},
		{"/herald/collections/%ff%fe/objects/", 404},
		{"/herald/collections/" + e.priv.ID + "%2Fobjects/", 404},
		{col + "/objects/" + obj + "%2Fversions/", 404},
		{col + "/objects/indicator--a%2F..%2F..%2Fb/", 404},
		{col + "/objects/indicator--%00/", 404},
		{col + "/objects/" + obj + "/versions/x/", 404},
		{"/herald/status/%00/", 404},
		{"/herald/status/" + strings.Repeat("0", 10_000) + "/", 404},
		{"/taxii2/%00", 404},
	}
	for _, c := range cases {
		r := e.raw(t, rawRequest("GET", c.target, basic(userAdmin, password), "", nil, 0), false)
		wantRejected(t, fmt.Sprintf("GET %.80s", c.target), r, c.want)
		r = e.raw(t, rawRequest("DELETE", c.target, basic(userAdmin, password), "", nil, 0), false)
		if r.StatusCode >= 500 || r.StatusCode < 400 {
			t.Errorf("DELETE %.80s: status %d; body %.300s", c.target, r.StatusCode, r.body)
		}
	}
	// A path with invalid percent-encoding never reaches Herald: net/http
	// answers 400 itself (as plain text) when it cannot parse the
	// request-target. Still a 400, and nothing is touched.
	for _, target := range []string{col + "/objects/%/", col + "/objects/" + obj + "/versions/%zz/"} {
		r := e.raw(t, rawRequest("GET", target, basic(userAdmin, password), "", nil, 0), false)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: status %d, want 400", target, r.StatusCode)
		}
	}
	e.intact(t, before)
}

// Odd Accept headers are either served or 406; never a 500.
func TestHostileAcceptHeaders(t *testing.T) {
	e := hostileEnv(t)
	path := objectsPath(e, e.pub, "")
	thousand := strings.TrimSuffix(strings.Repeat("text/html;q=0.1, ", 1000), ", ")
	cases := []struct {
		accept string
		want   int
	}{
		// Longer than any real client sends (8 KiB): 431, whatever it holds.
		{thousand, 431},
		{thousand + ", " + taxii.MediaTypeTAXII, 431},
		{strings.Repeat(taxii.MediaTypeTAXII+",", 1000), 431},
		{strings.Repeat("text/html;q=0.1,", 200) + taxii.MediaTypeTAXII, 200},
		{"application/taxii+json;q=abc", 406},
		{"application/taxii+json;q=2", 406},
		{"application/taxii+json;q=-1", 406},
		{"application/taxii+json;q=0", 406},
		{"application/taxii+json;q=0.0000001", 406},
		{"application/taxii+json;q=0.001", 200},
		{"application/taxii+json;q=", 406},
		{"application/taxii+json;;;;;", 200},
		{"application/taxii+json;version=", 406},
		{"application/taxii+json;version=2.1;version=2.0", 406},
		{`application/taxii+json;version="2.1"`, 200},
		{`application/taxii+json;x="unterminated`, 200},
		{";;;", 406},
		{",,,", 406},
		{"*/*;q=0", 406},
		{"application/taxii+json;version=" + strings.Repeat("9", 100), 406},
		{"application/taxii+json;version=" + strings.Repeat("9", 10_000), 431},
	}
	for _, c := range cases {
		r := e.do(req{path: path, noTAXII: true, header: map[string]string{"Accept": c.accept}})
		name := fmt.Sprintf("Accept %.60q", c.accept)
		if c.want == 200 {
			if r.StatusCode != 200 {
				t.Errorf("%s: status %d, want 200; body %.300s", name, r.StatusCode, r.body)
			}
			continue
		}
		wantRejected(t, name, r, c.want)
	}
	// Control bytes in a header never reach Herald: net/http answers 400
	// itself (plain text) for an invalid field value.
	r := e.raw(t, strings.Replace(rawRequest("GET", path, "", "", nil, 0), "Accept: "+taxii.MediaTypeTAXII, "Accept: \x01\x02", 1), false)
	if r.StatusCode != http.StatusBadRequest {
		t.Errorf("Accept with control bytes: status %d, want 400", r.StatusCode)
	}
}

// Malformed Authorization headers are 401 with WWW-Authenticate; they
// never reach the handlers as some account.
func TestHostileAuthorization(t *testing.T) {
	e := hostileEnv(t)
	before := e.snapshot(t)
	b64 := base64.StdEncoding.EncodeToString
	cases := []string{
		"Basic !!!",
		"Basic " + b64([]byte("no-colon-here")),
		"Basic " + b64([]byte(":")),
		"Basic " + b64([]byte(userAdmin+":")),
		"Basic " + b64([]byte(":"+password)),
		"Basic " + b64([]byte(userAdmin+"\x00:"+password)),
		"Basic " + b64([]byte(userAdmin+":"+password+"\x00")),
		"Basic " + b64([]byte("\xff\xfe:\xff")),
		"Basic " + b64([]byte(userAdmin+":"+strings.Repeat("p", 100_000))),
		"Basic " + b64([]byte(strings.Repeat("u", 100_000)+":"+password)),
		"Basic " + strings.Repeat("A", 200_000),
		"Basic",
		"Basic ",
		"Basic  " + b64([]byte(userAdmin+":wrong")),
		"Bearer",
		"Bearer ",
		"Bearer " + strings.Repeat("t", 200_000),
		"Token ",
		"Digest username=\"admin\"",
		"basic",
		strings.Repeat("x", 100_000),
		"🔑 🔑",
	}
	for _, h := range cases {
		name := fmt.Sprintf("Authorization %.40q", h)
		r := e.do(req{path: objectsPath(e, e.priv, ""), header: map[string]string{"Authorization": h}})
		wantRejected(t, name, r, http.StatusUnauthorized)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", name)
		}
		r = e.do(req{method: http.MethodPost, path: objectsPath(e, e.priv, ""), body: envelopeOf(indicator(9, "")),
			header: map[string]string{"Authorization": h, "Content-Type": taxii.MediaTypeTAXII}})
		wantRejected(t, "POST "+name, r, http.StatusUnauthorized)
	}
	// A raw header with bytes Go's client will not send.
	// High bytes are legal in a field value (obs-text): Herald sees them
	// and says 401. Control bytes are not: net/http answers 400 itself.
	for _, c := range []struct {
		h    string
		want int
	}{{"Basic \xff\xfe", 401}, {"Bearer \xc3\xa9\xff", 401}, {"Bearer \x01", 400}, {"Bearer \x7f\x7f", 400}} {
		r := e.raw(t, rawRequest("GET", objectsPath(e, e.priv, ""), c.h, "", nil, 0), false)
		if c.want == 401 {
			wantRejected(t, fmt.Sprintf("raw Authorization %q", c.h), r, c.want)
		} else if r.StatusCode != c.want {
			t.Errorf("raw Authorization %q: status %d, want %d", c.h, r.StatusCode, c.want)
		}
	}
	e.intact(t, before)
}

// Hostile bodies on the admin API are 4xx too, and change nothing.
func TestHostileAdminBodies(t *testing.T) {
	e := hostileEnv(t)
	before := e.snapshot(t)
	for _, path := range []string{"/admin/collections", "/admin/users"} {
		for _, body := range []string{
			strings.Repeat("[", 100_000), `{"title":5}`, `{"name":{}}`, "{\"title\":\"\xff\"}",
			`{"title":"a","title":"b"}`, `{"name":"x","password":null}`, "", "\x00", `{"title":"` + strings.Repeat("a", 2<<20) + `"}`,
		} {
			r := e.do(req{method: http.MethodPost, user: userAdmin, path: path, body: []byte(body),
				header: map[string]string{"Content-Type": "application/json"}})
			if r.StatusCode < 400 || r.StatusCode >= 500 {
				t.Errorf("POST %s %.40q: status %d; body %.300s", path, body, r.StatusCode, r.body)
				continue
			}
			wantRejected(t, fmt.Sprintf("POST %s %.40q", path, body), r, r.StatusCode)
		}
	}
	r0 := e.do(req{method: http.MethodPost, user: userAdmin, path: "/admin/collections", body: []byte(`{"title":"zipped"}`),
		header: map[string]string{"Content-Type": "application/json", "Content-Encoding": "gzip"}})
	wantRejected(t, "admin body with Content-Encoding gzip", r0, http.StatusUnsupportedMediaType)

	// Hostile names in admin paths: unknown (404) or refused (400),
	// whatever the method.
	long := strings.Repeat("u", 10_000)
	for _, c := range []struct{ method, path, body string }{
		{"DELETE", "/admin/collections/%00", ""},
		{"DELETE", "/admin/collections/" + long, ""},
		{"DELETE", "/admin/collections/..%2F..%2Fetc", ""},
		{"DELETE", "/admin/users/%00", ""},
		{"DELETE", "/admin/users/" + long, ""},
		{"PUT", "/admin/users/%C3%BC%00/password", `{"password":"a long enough password"}`},
		{"PUT", "/admin/users/" + userReader + "/password", `{"password":5}`},
		{"PUT", "/admin/users/" + userReader + "/password", `{"password":"` + "\u0000" + `"}`},
		{"PUT", "/admin/users/" + userReader + "/grants/%00", `{"read":true}`},
		{"PUT", "/admin/users/" + userReader + "/grants/" + e.priv.ID, `{"read":"yes"}`},
		{"PUT", "/admin/users/" + userReader + "/grants/" + e.priv.ID, `{"read":true,"read":false}`},
		{"POST", "/admin/users/" + long + "/tokens", `{}`},
		{"DELETE", "/admin/users/" + userReader + "/tokens/%00", ""},
	} {
		r := e.do(req{method: c.method, user: userAdmin, path: c.path, body: []byte(c.body),
			header: map[string]string{"Content-Type": "application/json"}})
		name := fmt.Sprintf("%s %.60s %.40s", c.method, c.path, c.body)
		if r.StatusCode != 400 && r.StatusCode != 404 {
			t.Errorf("%s: status %d, want 400 or 404; body %.300s", name, r.StatusCode, r.body)
			continue
		}
		wantRejected(t, name, r, r.StatusCode)
	}
	// The reader's grants and password are what they were.
	if r := e.get(objectsPath(e, e.priv, ""), userReader); r.StatusCode != 200 {
		t.Errorf("reader after hostile admin requests: status %d", r.StatusCode)
	}

	r := e.get("/admin/collections", userAdmin)
	wantStatus(t, r, 200)
	var cols []map[string]any
	if err := jsonUnmarshal(r.body, &cols); err != nil || len(cols) != 2 {
		t.Errorf("collections after hostile admin bodies: %v %s", err, r.body)
	}
	e.intact(t, before)
}

// The server survives it all: after every hostile test above, a database
// reopened from the file is consistent.
func TestHostileThenRestart(t *testing.T) {
	e := hostileEnv(t)
	before := e.snapshot(t)
	postRW(e, []byte(strings.Repeat("[", 100_000)))
	postRW(e, envelopeOf(indicator(9, ""))[:40])
	e.restart()
	e.intact(t, before)
}
