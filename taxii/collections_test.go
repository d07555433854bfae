package taxii_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldcti/herald/taxii"
)

// TAXII 2.1 §5: collections and objects.

// §5.1: each caller sees the collections it can read
// or write, with can_read/can_write computed for it, sorted by id.
func TestS5_1_CollectionsPerCaller(t *testing.T) {
	e := newEnv(t)
	type view struct{ read, write bool }
	cases := []struct {
		user string
		priv *view
		pub  view
	}{
		{"", nil, view{true, false}},
		{userNobody, nil, view{true, false}},
		{userReader, &view{true, false}, view{true, false}},
		{userWriter, &view{false, true}, view{true, false}},
		{userRW, &view{true, true}, view{true, false}},
		{userAdmin, &view{true, true}, view{true, true}},
	}
	for _, c := range cases {
		r := e.get("/herald/collections/", c.user)
		wantStatus(t, r, 200)
		var res struct {
			Collections []struct {
				ID       string `json:"id"`
				CanRead  bool   `json:"can_read"`
				CanWrite bool   `json:"can_write"`
			} `json:"collections"`
		}
		if err := jsonUnmarshal(r.body, &res); err != nil {
			t.Fatal(err)
		}
		got := map[string]view{}
		for i, col := range res.Collections {
			got[col.ID] = view{col.CanRead, col.CanWrite}
			if i > 0 && res.Collections[i-1].ID >= col.ID {
				t.Errorf("%s: collections not sorted by id", c.user)
			}
		}
		if got[e.pub.ID] != c.pub {
			t.Errorf("%q: public collection %+v, want %+v", c.user, got[e.pub.ID], c.pub)
		}
		pv, ok := got[e.priv.ID]
		if (c.priv == nil) == ok || (ok && pv != *c.priv) {
			t.Errorf("%q: private collection %+v (listed %v), want %+v", c.user, pv, ok, c.priv)
		}
	}
}

// §5.1: no visible collections → {} (no empty list).
func TestS5_1_NoCollectionsIsEmptyObject(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{e.priv.ID, e.pub.ID} {
		if err := e.db.DeleteCollection(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	r := e.get("/herald/collections/", userAdmin)
	wantStatus(t, r, 200)
	if string(r.body) != "{}" {
		t.Fatalf("body %s, want {}", r.body)
	}
}

// §5.2: a collection is addressed by id or alias
// (not title); invisible ones are 404 for authenticated callers and 401
// (with a challenge) for anonymous ones, existing or not.
func TestS5_2_CollectionAddressingAndVisibility(t *testing.T) {
	e := newEnv(t)
	wantStatus(t, e.get("/herald/collections/"+e.priv.ID+"/", userReader), 200)
	wantStatus(t, e.get("/herald/collections/private/", userReader), 200)
	wantError(t, e.get("/herald/collections/Private%20indicators/", userReader), 404)
	wantError(t, e.get("/herald/collections/"+e.priv.ID+"/", userNobody), 404)
	wantError(t, e.get("/herald/collections/00000000-0000-4000-8000-000000000000/", userNobody), 404)
	for _, p := range []string{e.priv.ID, "00000000-0000-4000-8000-000000000000"} {
		r := e.get("/herald/collections/"+p+"/objects/", "")
		wantError(t, r, 401)
		if !strings.HasPrefix(r.Header.Get("WWW-Authenticate"), "Basic realm=") {
			t.Errorf("401 without a Basic challenge: %q", r.Header.Get("WWW-Authenticate"))
		}
	}
	// Writers without read: visible, reads are 403.
	wantStatus(t, e.get("/herald/collections/"+e.priv.ID+"/", userWriter), 200)
	wantError(t, e.get("/herald/collections/"+e.priv.ID+"/objects/", userWriter), 403)
	wantError(t, e.get("/herald/collections/"+e.priv.ID+"/manifest/", userWriter), 403)
}

// §5.4: objects are the stored bytes, unchanged; an
// empty result has no objects key unless EmptyObjectsList is set.
func TestS5_4_EnvelopeServesStoredBytes(t *testing.T) {
	e := newEnv(t)
	o := indicator(1, "")
	o.JSON = []byte(`{"type":"indicator","spec_version":"2.1","id":"` + o.ID + `","created":"2025-01-01T00:00:00.000Z","modified":"2025-01-01T00:00:00.000Z","name":"<&> ünïcode","pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2025-01-01T00:00:00Z","x_custom":{"z":1,"a":[0.10,1e3]}}`)
	e.put(e.pub.ID, o)
	r := e.get(objectsPath(e, e.pub, ""), "")
	want := `{"more":false,"objects":[` + string(o.JSON) + `]}`
	if string(r.body) != want {
		t.Fatalf("envelope\n%s\nwant\n%s", r.body, want)
	}
	r = e.get(objectsPath(e, e.pub, "match[type]=tool"), "")
	if string(r.body) != `{"more":false}` {
		t.Fatalf("empty envelope %s", r.body)
	}
	e2 := newEnv(t, func(c *taxii.Config) { c.EmptyObjectsList = true })
	r = e2.get(objectsPath(e2, e2.pub, ""), "")
	if string(r.body) != `{"more":false,"objects":[]}` {
		t.Fatalf("compat empty envelope %s", r.body)
	}
}

// §5.3: manifest filters apply to the objects; one record per version.
func TestS5_3_ManifestFiltersAndRecords(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, ""))
	e.put(e.pub.ID, indicator(1, "2025-01-02T00:00:00.000Z"))
	e.put(e.pub.ID, malware(2))
	r := e.get("/herald/collections/"+e.pub.ID+"/manifest/?match[type]=indicator&match[version]=all", "")
	var m struct {
		Objects []map[string]string `json:"objects"`
	}
	if err := jsonUnmarshal(r.body, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Objects) != 2 {
		t.Fatalf("manifest %s, want the 2 indicator versions", r.body)
	}
	for _, rec := range m.Objects {
		if rec["media_type"] != taxii.MediaTypeSTIX || len(rec["date_added"]) != 27 || rec["version"] == "" {
			t.Errorf("manifest record %v", rec)
		}
	}
}

func post(e *env, user string, body []byte) resp {
	e.t.Helper()
	return e.do(req{method: http.MethodPost, user: user, path: objectsPath(e, e.priv, ""), body: body,
		header: map[string]string{"Content-Type": taxii.MediaTypeTAXII}})
}

type status struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	TotalCount   int    `json:"total_count"`
	SuccessCount int    `json:"success_count"`
	FailureCount int    `json:"failure_count"`
	PendingCount int    `json:"pending_count"`
	Successes    []struct{ ID, Version, Message string }
	Failures     []struct{ ID, Version, Message string }
}

func (r resp) status(t *testing.T) status {
	t.Helper()
	var s status
	if err := jsonUnmarshal(r.body, &s); err != nil {
		t.Fatalf("not a status: %v\n%s", err, r.body)
	}
	return s
}

// §5.5: 202 with a complete status; valid objects land,
// invalid ones are failures with a reason, duplicates are successes
// ("already present"), conflicts are failures; bundles are accepted.
func TestS5_5_AddObjects(t *testing.T) {
	e := newEnv(t)
	conflict := indicator(2, "")
	conflict.JSON = bytes.Replace(conflict.JSON, []byte(`"indicator 2"`), []byte(`"changed"`), 1)
	e.put(e.priv.ID, indicator(2, ""))

	body := envelopeOf(indicator(1, ""), indicator(2, ""), conflict)
	body = bytes.Replace(body, []byte(`]}`), []byte(`,{"type":"indicator","spec_version":"2.1","id":"indicator--bad"}]}`), 1)
	r := post(e, userRW, body)
	wantStatus(t, r, 202)
	s := r.status(t)
	if s.Status != "complete" || s.TotalCount != 4 || s.SuccessCount != 2 || s.FailureCount != 2 || s.PendingCount != 0 {
		t.Fatalf("status %+v", s)
	}
	msgs := map[string]string{}
	for _, x := range s.Successes {
		msgs[x.ID+" ok"] = x.Message
	}
	for _, x := range s.Failures {
		msgs[x.ID+" fail"] = x.Message
		if x.Message == "" {
			t.Errorf("failure without a reason: %+v", x)
		}
	}
	if msgs[indicator(1, "").ID+" ok"] != "added" {
		t.Errorf("new object not reported as added: %v", msgs)
	}
	if msgs[indicator(2, "").ID+" ok"] != "already present" {
		t.Errorf("duplicate not reported as already present: %v", msgs)
	}
	if _, ok := msgs["indicator--bad fail"]; !ok {
		t.Errorf("invalid object not a failure: %v", msgs)
	}
	if _, ok := msgs[indicator(2, "").ID+" fail"]; !ok {
		t.Errorf("conflict not a failure: %v", msgs)
	}
	got := e.get(objectsPath(e, e.priv, "match[id]="+indicator(1, "").ID), userRW).envelope(t)
	if len(got.Objects) != 1 || !bytes.Equal(got.Objects[0], indicator(1, "").JSON) {
		t.Fatalf("added object not served back byte for byte: %s", got.Objects)
	}

	s = post(e, userRW, envelopeOf(indicator(1, "2025-06-01T00:00:00.000Z"))).status(t)
	if s.SuccessCount != 1 || s.Successes[0].Message != "added as a new version" {
		t.Fatalf("second version of a stored object: %+v", s)
	}

	bundle := []byte(`{"type":"bundle","id":"bundle--6f3f3d3e-7bb1-4b3e-9e0c-1b1f7d2b9c11","objects":[` + string(indicator(5, "").JSON) + `]}`)
	s = post(e, userWriter, bundle).status(t)
	if s.SuccessCount != 1 {
		t.Fatalf("bundle body: %+v", s)
	}
}

// §5.5: permissions (403 read-only, 404 invisible, 401 anonymous), 415,
// 422, 413 at max_content_length+1 for sized and chunked bodies while
// exactly max_content_length passes.
func TestS5_5_AddObjectsRefusals(t *testing.T) {
	e := newEnv(t, func(c *taxii.Config) { c.MaxContentLength = 2000 })
	body := envelopeOf(indicator(1, ""))
	wantError(t, post(e, userReader, body), 403)
	wantError(t, post(e, userNobody, body), 404)
	wantError(t, post(e, "", body), 401)
	// Anonymous callers may read the public collection but are asked to
	// authenticate (401, not 403) for writes and deletes.
	wantError(t, e.do(req{method: http.MethodPost, path: objectsPath(e, e.pub, ""), body: body,
		header: map[string]string{"Content-Type": taxii.MediaTypeTAXII}}), 401)
	wantError(t, e.do(req{method: http.MethodDelete, path: "/herald/collections/" + e.pub.ID + "/objects/" + indicator(1, "").ID + "/"}), 401)
	wantError(t, e.do(req{method: http.MethodPost, user: userReader, path: objectsPath(e, e.pub, ""), body: body,
		header: map[string]string{"Content-Type": taxii.MediaTypeTAXII}}), 403)
	for _, ct := range []string{"", "application/json", "application/stix+json;version=2.1", "application/taxii+json;version=2.0", "text/plain"} {
		r := e.do(req{method: http.MethodPost, user: userRW, path: objectsPath(e, e.priv, ""), body: body, header: map[string]string{"Content-Type": ct}})
		wantError(t, r, 415)
	}
	for _, ct := range []string{"application/taxii+json", "application/taxii+json; version=2.1; charset=utf-8"} {
		r := e.do(req{method: http.MethodPost, user: userRW, path: objectsPath(e, e.priv, ""), body: body, header: map[string]string{"Content-Type": ct}})
		wantStatus(t, r, 202)
	}
	for _, bad := range []string{"not json", `{"objects":`, `{"objects":5}`, `42`} {
		wantError(t, post(e, userRW, []byte(bad)), 422)
	}

	exact := padTo(body, 2000)
	wantStatus(t, post(e, userRW, exact), 202)
	over := padTo(body, 2001)
	wantError(t, post(e, userRW, over), 413)

	for _, c := range []struct {
		body []byte
		want int
	}{{exact, 202}, {over, 413}} {
		hr, _ := http.NewRequest(http.MethodPost, e.base+objectsPath(e, e.priv, ""), io.MultiReader(bytes.NewReader(c.body)))
		hr.ContentLength = -1 // chunked
		hr.SetBasicAuth(userRW, password)
		hr.Header.Set("Content-Type", taxii.MediaTypeTAXII)
		hr.Header.Set("Accept", taxii.MediaTypeTAXII)
		r := e.send(hr)
		if r.StatusCode != c.want {
			t.Errorf("chunked %d bytes: status %d, want %d", len(c.body), r.StatusCode, c.want)
		}
	}
}

// padTo pads a JSON body with trailing spaces to exactly n bytes.
func padTo(b []byte, n int) []byte {
	if len(b) > n {
		panic(fmt.Sprintf("body of %d bytes exceeds %d", len(b), n))
	}
	return append(append([]byte{}, b...), bytes.Repeat([]byte(" "), n-len(b))...)
}

// §5.6: Get an Object is 404 when the collection has no such object, an
// envelope of the selected versions otherwise.
func TestS5_6_GetObject(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, ""))
	e.put(e.pub.ID, indicator(1, "2025-01-02T00:00:00.000Z"))
	e.put(e.priv.ID, indicator(2, ""))
	base := "/herald/collections/" + e.pub.ID + "/objects/"
	r := e.get(base+indicator(1, "").ID+"/?match[version]=all", "")
	wantStatus(t, r, 200)
	if n := len(r.envelope(t).Objects); n != 2 {
		t.Fatalf("%d versions, want 2", n)
	}
	r = e.get(base+indicator(1, "").ID+"/", "")
	if got := summarize(t, r.envelope(t)); len(got) != 1 || got[0] != "i1@02" {
		t.Fatalf("default version: %v, want the last", got)
	}
	wantError(t, e.get(base+indicator(2, "").ID+"/", ""), 404) // in another collection
	wantError(t, e.get(base+indicator(2, "").ID+"/versions/", ""), 404)
	wantError(t, e.get(base+"not-an-id/", ""), 404)
	// Exists, but the filter selects nothing: an empty envelope.
	r = e.get(base+indicator(1, "").ID+"/?match[spec_version]=2.0", "")
	wantStatus(t, r, 200)
}

// §5.7: the DELETE permission matrix.
func TestS5_7_DeleteMatrix(t *testing.T) {
	e := newEnv(t)
	cases := []struct {
		user string
		want int
	}{
		{userNobody, 404}, // F/F
		{userReader, 403}, // T/F
		{userWriter, 403}, // F/T
		{"", 401},
		{userRW, 200}, // T/T
	}
	for i, c := range cases {
		o := indicator(100+i, "")
		e.put(e.priv.ID, o)
		r := e.do(req{method: http.MethodDelete, user: c.user, path: "/herald/collections/" + e.priv.ID + "/objects/" + o.ID + "/"})
		if r.StatusCode != c.want {
			t.Errorf("%q: DELETE %d, want %d", c.user, r.StatusCode, c.want)
		}
	}
}

// §5.7: after a DELETE the object is 404 and gone from the manifest;
// match[version] deletes only the chosen version.
func TestS5_7_DeletedObjectIsGone(t *testing.T) {
	e := newEnv(t)
	e.put(e.priv.ID, indicator(1, ""))
	e.put(e.priv.ID, indicator(1, "2025-01-02T00:00:00.000Z"))
	e.put(e.priv.ID, indicator(2, ""))
	obj := "/herald/collections/" + e.priv.ID + "/objects/" + indicator(1, "").ID + "/"
	r := e.do(req{method: http.MethodDelete, user: userRW, path: obj + "?match[version]=2025-01-02T00:00:00.000Z"})
	wantStatus(t, r, 200)
	if len(r.body) != 0 {
		t.Errorf("DELETE body %q, want none", r.body)
	}
	if got := summarize(t, e.get(obj+"?match[version]=all", userRW).envelope(t)); len(got) != 1 || got[0] != "i1@01" {
		t.Fatalf("after deleting one version: %v", got)
	}
	wantStatus(t, e.do(req{method: http.MethodDelete, user: userRW, path: obj}), 200)
	wantError(t, e.get(obj, userRW), 404)
	wantError(t, e.do(req{method: http.MethodDelete, user: userRW, path: obj}), 404)
	m := e.get("/herald/collections/"+e.priv.ID+"/manifest/?match[version]=all", userRW)
	if bytes.Contains(m.body, []byte(indicator(1, "").ID)) {
		t.Fatalf("deleted object still in the manifest: %s", m.body)
	}
}

// §5.8: versions ascending by date_added.
func TestS5_8_Versions(t *testing.T) {
	e := newEnv(t)
	for _, d := range []string{"03", "01", "02"} {
		e.put(e.pub.ID, indicator(1, "2025-01-"+d+"T00:00:00.000Z"))
	}
	r := e.get("/herald/collections/"+e.pub.ID+"/objects/"+indicator(1, "").ID+"/versions/", "")
	wantStatus(t, r, 200)
	want := `{"more":false,"versions":["2025-01-03T00:00:00.000Z","2025-01-01T00:00:00.000Z","2025-01-02T00:00:00.000Z"]}`
	if string(r.body) != want {
		t.Fatalf("versions %s, want %s", r.body, want)
	}
}
