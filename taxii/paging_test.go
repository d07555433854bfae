package taxii_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/taxii"
)

// TAXII 2.1 §3.5 pagination and Appendix B (next must not be trusted).

func seed(e *env, col string, n int) {
	e.t.Helper()
	for i := 1; i <= n; i++ {
		e.put(col, indicator(i, ""))
	}
}

// walk follows next from a first request until more is false; it returns
// every id and the number of pages. It fails on more without next.
func walk(t *testing.T, e *env, first string, user string, follow func(next string) string) ([]string, int) {
	t.Helper()
	var ids []string
	path := first
	for pages := 1; ; pages++ {
		r := e.get(path, user)
		wantStatus(t, r, 200)
		v := r.envelope(t)
		ids = append(ids, v.ids(t)...)
		if (v.Next != "") != v.More {
			t.Fatalf("page %d: more=%v next=%q: more and next must come together", pages, v.More, v.Next)
		}
		if !v.More {
			return ids, pages
		}
		if pages > 1000 {
			t.Fatal("walk does not end")
		}
		path = follow(v.Next)
	}
}

// §3.5: more and next come together, on objects,
// manifest and versions, and a walk returns everything once.
func TestS3_5_NextWalkObjectsManifestVersions(t *testing.T) {
	e := newEnv(t)
	seed(e, e.pub.ID, 7)
	base := objectsPath(e, e.pub, "")
	ids, pages := walk(t, e, base+"?limit=3", "", func(n string) string { return base + "?limit=3&next=" + url.QueryEscape(n) })
	if len(ids) != 7 || pages != 3 {
		t.Fatalf("objects walk: %d ids in %d pages, want 7 in 3", len(ids), pages)
	}
	assertUnique(t, ids)

	man := "/herald/collections/" + e.pub.ID + "/manifest/"
	r := e.get(man+"?limit=4", "")
	m := r.json(t)
	if m["more"] != true || m["next"] == nil {
		t.Fatalf("manifest page 1: %s", r.body)
	}
	r = e.get(man+"?limit=4&next="+url.QueryEscape(m["next"].(string)), "")
	m = r.json(t)
	if m["more"] != false || len(m["objects"].([]any)) != 3 {
		t.Fatalf("manifest page 2: %s", r.body)
	}

	for i := 2; i <= 5; i++ {
		e.put(e.pub.ID, indicator(1, "2025-01-0"+string(rune('0'+i))+"T00:00:00.000Z"))
	}
	ver := "/herald/collections/" + e.pub.ID + "/objects/" + indicator(1, "").ID + "/versions/"
	var all []any
	path := ver + "?limit=2"
	for range 10 {
		r = e.get(path, "")
		wantStatus(t, r, 200)
		m = r.json(t)
		all = append(all, m["versions"].([]any)...)
		if m["more"] != true {
			break
		}
		path = ver + "?limit=2&next=" + url.QueryEscape(m["next"].(string))
	}
	if len(all) != 5 {
		t.Fatalf("versions walk: %v, want 5 versions", all)
	}
}

// Appendix B: a tampered token is a 400.
func TestS3_5_TamperedNextIs400(t *testing.T) {
	e := newEnv(t)
	seed(e, e.pub.ID, 3)
	r := e.get(objectsPath(e, e.pub, "limit=1"), "")
	next := r.envelope(t).Next
	payload, mac, _ := strings.Cut(next, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(payload)
	forged := strings.Replace(string(raw), `"p":`, `"p":1`, 1)
	for _, tok := range []string{
		base64.RawURLEncoding.EncodeToString([]byte(forged)) + "." + mac,
		payload + "." + mac[:len(mac)-2] + "AA",
		payload,
		next + "x",
	} {
		wantError(t, e.get(objectsPath(e, e.pub, "next="+url.QueryEscape(tok)), ""), 400)
	}
}

// Appendix B: a token from another collection,
// endpoint, caller or query is a 400, never someone else's data.
func TestS3_5_MismatchedNextIs400(t *testing.T) {
	e := newEnv(t)
	seed(e, e.pub.ID, 3)
	seed(e, e.priv.ID, 3)
	next := e.get(objectsPath(e, e.pub, "limit=1&match[type]=indicator"), userReader).envelope(t).Next
	q := "next=" + url.QueryEscape(next)
	cases := []struct {
		name string
		path string
		user string
	}{
		{"other collection", objectsPath(e, e.priv, q), userReader},
		{"other endpoint", "/herald/collections/" + e.pub.ID + "/manifest/?" + q, userReader},
		{"other caller", objectsPath(e, e.pub, q), userRW},
		{"anonymous caller", objectsPath(e, e.pub, q), ""},
		{"other filters", objectsPath(e, e.pub, q+"&match[type]=malware"), userReader},
		{"other spec filter", objectsPath(e, e.pub, q+"&match[type]=indicator&match[spec_version]=2.0"), userReader},
	}
	for _, c := range cases {
		r := e.get(c.path, c.user)
		if r.StatusCode != 400 {
			t.Errorf("%s: status %d, want 400; %s", c.name, r.StatusCode, r.body)
		}
	}
	// The same filters, resent in another order, are fine.
	r := e.get(objectsPath(e, e.pub, q+"&match[type]=indicator"), userReader)
	wantStatus(t, r, 200)
}

// Elastic's TAXII input: a follow-up with only next (+limit) gets the
// original filters from the token.
func TestS3_5_NextAloneCarriesFilters(t *testing.T) {
	e := newEnv(t)
	for i := 1; i <= 6; i++ {
		e.put(e.pub.ID, indicator(i, ""))
		e.put(e.pub.ID, malware(i))
	}
	base := objectsPath(e, e.pub, "")
	ids, _ := walk(t, e, base+"?match[type]=malware&limit=2", "", func(n string) string {
		return base + "?limit=2&next=" + url.QueryEscape(n)
	})
	if len(ids) != 6 {
		t.Fatalf("got %d objects, want the 6 malware", len(ids))
	}
	for _, id := range ids {
		if !strings.HasPrefix(id, "malware--") {
			t.Fatalf("filter lost across pages: %s", id)
		}
	}
}

// OpenCTI's TAXII connector: next wins over an added_after sent with it,
// even a different one.
func TestS3_5_NextWinsOverAddedAfter(t *testing.T) {
	e := newEnv(t)
	seed(e, e.pub.ID, 5)
	base := objectsPath(e, e.pub, "")
	ids, _ := walk(t, e, base+"?added_after=2000-01-01T00:00:00Z&limit=2", "", func(n string) string {
		return base + "?added_after=2030-01-01T00:00:00Z&limit=2&next=" + url.QueryEscape(n)
	})
	if len(ids) != 5 {
		t.Fatalf("got %d objects, want 5", len(ids))
	}
}

// Next tokens are signed, not stored: they survive a restart (the key is in the store).
func TestS3_5_NextSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	seed(e, e.pub.ID, 4)
	v := e.get(objectsPath(e, e.pub, "limit=2"), "").envelope(t)
	e.restart()
	r := e.get(objectsPath(e, e.pub, "limit=2&next="+url.QueryEscape(v.Next)), "")
	wantStatus(t, r, 200)
	got := r.envelope(t).ids(t)
	if len(got) != 2 || got[0] != indicator(3, "").ID {
		t.Fatalf("after restart: %v, want objects 3 and 4", got)
	}
}

// §3.5: more:true may be followed by an empty page; the
// headers then keep the cursor (the token's position).
func TestS3_5_EmptyPageAfterDeleteKeepsCursor(t *testing.T) {
	e := newEnv(t)
	res := e.put(e.pub.ID, indicator(1, ""))
	e.put(e.pub.ID, indicator(2, ""))
	v := e.get(objectsPath(e, e.pub, "limit=1"), "").envelope(t)
	wantStatus(t, e.do(req{method: http.MethodDelete, user: userAdmin, path: "/herald/collections/" + e.pub.ID + "/objects/" + indicator(2, "").ID + "/"}), 200)
	r := e.get(objectsPath(e, e.pub, "limit=1&next="+url.QueryEscape(v.Next)), "")
	wantStatus(t, r, 200)
	if n := len(r.envelope(t).Objects); n != 0 {
		t.Fatalf("%d objects, want 0", n)
	}
	want := res[0].DateAdded.UTC().Format("2006-01-02T15:04:05.000000Z")
	if got := r.Header.Get("X-TAXII-Date-Added-Last"); got != want {
		t.Fatalf("X-TAXII-Date-Added-Last %q, want the cursor %q", got, want)
	}
}

func assertUnique(t *testing.T, ids []string) {
	t.Helper()
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			t.Fatalf("duplicate %s", id)
		}
		seen[id] = true
	}
}

// faultyStore injects failures and panics into a real store.
type faultyStore struct {
	*bolt.DB
	objects func() error
}

func (f faultyStore) Objects(ctx context.Context, col string, q store.Query) (store.Page, error) {
	if err := f.objects(); err != nil {
		return store.Page{}, err
	}
	return f.DB.Objects(ctx, col, q)
}

func (f faultyStore) ObjectsTo(ctx context.Context, col string, q store.Query, emit func(store.RawVersion) error) (store.PageInfo, error) {
	if err := f.objects(); err != nil {
		return store.PageInfo{}, err
	}
	return f.DB.ObjectsTo(ctx, col, q, emit)
}

// §3.6: store errors map to statuses in one table, panics
// become a logged 500 with a request id and no internals.
func TestS3_6_StoreErrorsAndPanics(t *testing.T) {
	cases := []struct {
		name   string
		fail   func() error
		status int
	}{
		{"not found", func() error { return store.ErrNotFound }, 404},
		{"bad parameter", func() error { return errors.Join(errors.New("match[version]"), store.ErrBadParameter) }, 400},
		{"locked", func() error { return store.ErrLocked }, 503},
		{"unknown", func() error { return errors.New("disk on fire at /var/lib/herald.db") }, 500},
		{"panic", func() error { panic("secret internal state") }, 500},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			srv, err := taxii.NewServer(faultyStore{DB: e.db, objects: c.fail}, e.cfg)
			if err != nil {
				t.Fatal(err)
			}
			e.serve(srv)
			r := e.get(objectsPath(e, e.pub, ""), "")
			m := wantError(t, r, c.status)
			desc, _ := m["description"].(string)
			if strings.Contains(desc, "secret") || strings.Contains(desc, "/var/lib") {
				t.Errorf("internals leak into the error: %q", desc)
			}
			if c.status == 500 && !strings.Contains(e.logs.String(), m["error_id"].(string)) {
				t.Errorf("the 500 is not logged with its request id")
			}
		})
	}
}

// §3.6: 405 with Allow for a wrong method on a TAXII path,
// 404 for unknown paths.
func TestS3_6_MethodNotAllowedAndNotFound(t *testing.T) {
	e := newEnv(t)
	pub := "/herald/collections/" + e.pub.ID
	r := e.do(req{method: http.MethodPut, path: pub + "/objects/"})
	wantError(t, r, 405)
	allow := r.Header.Get("Allow")
	if !strings.Contains(allow, "GET") || !strings.Contains(allow, "POST") {
		t.Errorf("Allow %q, want GET and POST", allow)
	}
	r = e.do(req{method: http.MethodPost, path: "/taxii2/"})
	wantError(t, r, 405)
	wantError(t, e.get("/herald/collections/"+e.pub.ID+"/nothing/", ""), 404)
	wantError(t, e.get("/other-root/", ""), 404)
}

// A long match[id] list is not copied into the token (it would not fit a
// URL): the token holds its hash, and the client must resend the list.
func TestS3_5_LongFiltersTravelAsHash(t *testing.T) {
	e := newEnv(t)
	seed(e, e.pub.ID, 5)
	var ids []string
	for i := 1; i <= 300; i++ {
		ids = append(ids, indicator(i, "").ID)
	}
	q := "match[id]=" + strings.Join(ids, ",")
	v := e.get(objectsPath(e, e.pub, q+"&limit=2"), "").envelope(t)
	if !v.More || len(v.Next) > 1024 {
		t.Fatalf("more=%v, token of %d bytes", v.More, len(v.Next))
	}
	next := "&next=" + url.QueryEscape(v.Next)
	r := e.get(objectsPath(e, e.pub, q+"&limit=10"+next), "")
	wantStatus(t, r, 200)
	if got := len(r.envelope(t).Objects); got != 3 {
		t.Fatalf("second page: %d objects, want 3", got)
	}
	wantError(t, e.get(objectsPath(e, e.pub, "limit=10"+next), ""), 400)
	wantError(t, e.get(objectsPath(e, e.pub, q+","+malware(9).ID+"&limit=10"+next), ""), 400)
}
