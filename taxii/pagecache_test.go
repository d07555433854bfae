package taxii_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/heraldcti/herald/taxii"
)

// pageCacheCount reads one result of herald_page_cache_requests_total.
func pageCacheCount(t *testing.T, e *env, result string) int {
	t.Helper()
	r := e.get("/metrics", userAdmin)
	wantStatus(t, r, http.StatusOK)
	m := regexp.MustCompile(`(?m)^herald_page_cache_requests_total\{result="` + result + `"\} (\d+)$`).FindSubmatch(r.body)
	if m == nil {
		t.Fatalf("no herald_page_cache_requests_total{result=%q} in /metrics", result)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// uncached serves e's database through a second server without the page
// cache: the reference every cached answer must equal.
func uncached(t *testing.T, e *env) *env {
	t.Helper()
	cfg := e.cfg
	cfg.PageCacheBytes = -1
	srv, err := taxii.NewServer(e.db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	ref := *e
	ref.srv, ref.hs, ref.base = srv, hs, hs.URL
	return &ref
}

// sameResponse fails unless two responses agree in status, body (gzip
// bodies compared decompressed) and the headers a client reads.
func sameResponse(t *testing.T, what string, got, want resp) {
	t.Helper()
	if got.StatusCode != want.StatusCode {
		t.Fatalf("%s: status %d, uncached %d", what, got.StatusCode, want.StatusCode)
	}
	for _, h := range []string{"Content-Type", "Content-Encoding", "Vary", "X-TAXII-Date-Added-First", "X-TAXII-Date-Added-Last"} {
		if g, w := got.Header.Values(h), want.Header.Values(h); !slices.Equal(g, w) {
			t.Fatalf("%s: %s %q, uncached %q", what, h, g, w)
		}
	}
	gb, wb := plain(t, got), plain(t, want)
	if got.StatusCode >= 400 { // every error has an id of its own
		gb, wb = errorID.ReplaceAll(gb, nil), errorID.ReplaceAll(wb, nil)
	}
	if !bytes.Equal(gb, wb) {
		t.Fatalf("%s: body\n%s\nuncached\n%s", what, gb, wb)
	}
	if cl := got.Header.Get("Content-Length"); cl != strconv.Itoa(len(got.body)) {
		t.Fatalf("%s: Content-Length %s for a body of %d bytes", what, cl, len(got.body))
	}
}

var errorID = regexp.MustCompile(`"error_id":"[0-9a-f]+"`)

// plain is r's body, decompressed when it is gzip.
func plain(t *testing.T, r resp) []byte {
	t.Helper()
	if r.Header.Get("Content-Encoding") != "gzip" {
		return r.body
	}
	zr, err := gzip.NewReader(bytes.NewReader(r.body))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A page answered from the cache is the page the store gives, byte for
// byte, for every caller (the next token is the caller's own), filter,
// position, encoding and empty-page form; and the second request of a page
// is a hit.
func TestPageCacheAnswersAsTheStoreDoes(t *testing.T) {
	e := newEnv(t)
	for i := range 5 {
		e.put(e.pub.ID, indicator(i, ""))
		e.put(e.priv.ID, indicator(100+i, ""))
	}
	e.put(e.pub.ID, malware(1))
	e.put(e.pub.ID, indicator(1, "2025-03-01T00:00:00.000Z"))
	ref := uncached(t, e)

	first := e.get(objectsPath(e, e.pub, "limit=2"), "")
	next := first.envelope(t).Next
	readerNext := e.get(objectsPath(e, e.priv, "limit=2"), userReader).envelope(t).Next
	obj := "/herald/collections/" + e.pub.ID + "/objects/" + indicator(1, "").ID + "/"
	paths := []struct{ name, path, user string }{
		{"default page", objectsPath(e, e.pub, ""), ""},
		{"first of several", objectsPath(e, e.pub, "limit=2"), ""},
		{"by next", objectsPath(e, e.pub, "limit=2&next="+url.QueryEscape(next)), ""},
		{"filters", objectsPath(e, e.pub, "match[type]=indicator&match[version]=all&limit=3"), ""},
		{"spec version", objectsPath(e, e.pub, "match[spec_version]=2.1"), ""},
		{"empty after added_after", objectsPath(e, e.pub, "added_after=2099-01-01T00:00:00Z"), ""},
		{"nothing matches", objectsPath(e, e.pub, "match[type]=campaign"), ""},
		{"one object", obj, ""},
		{"one object, all versions", obj + "?match[version]=all", ""},
		{"unknown object", "/herald/collections/" + e.pub.ID + "/objects/" + indicator(99, "").ID + "/", ""},
		{"object filtered away", obj + "?match[version]=2020-01-01T00:00:00Z", ""},
		{"reader, Basic", objectsPath(e, e.priv, "limit=2"), userReader},
		{"reader, next", objectsPath(e, e.priv, "limit=2&next="+url.QueryEscape(readerNext)), userReader},
		{"reader, the page anonymous asked for", objectsPath(e, e.pub, "limit=2"), userReader},
	}
	for _, p := range paths {
		for _, enc := range []string{"", "gzip"} {
			what := fmt.Sprintf("%s (%s) Accept-Encoding %q", p.name, p.path, enc)
			r := req{path: p.path, user: p.user, header: map[string]string{"Accept-Encoding": enc}}
			want := ref.do(r)
			for round := range 2 { // the second answer comes from the cache
				sameResponse(t, fmt.Sprintf("%s, round %d", what, round), e.do(r), want)
			}
		}
	}
	// A cached page remembers the head (and its next token) it was last
	// served with: callers and endpoints taking turns on one page (the
	// object endpoint and match[id] share a page) each get their own.
	id := url.QueryEscape(indicator(1, "").ID)
	for round := range 3 {
		for _, user := range []string{"", userReader, ""} {
			for _, path := range []string{
				obj + "?match[version]=all&limit=1",
				objectsPath(e, e.pub, "match[id]="+id+"&match[version]=all&limit=1"),
			} {
				r := req{path: path, user: user, header: map[string]string{"Accept-Encoding": ""}}
				got, want := e.do(r), ref.do(r)
				sameResponse(t, fmt.Sprintf("turns, round %d, %s as %q", round, path, user), got, want)
				if got.envelope(t).Next == "" {
					t.Fatalf("%s: no next token", path)
				}
			}
		}
	}

	// The caller's own next token: the reader's follows to the reader's
	// second page, anonymous's is refused to the reader (it is bound to
	// its caller), even when the page itself came from the cache.
	e.get(objectsPath(e, e.priv, "limit=2"), userReader) // cached
	n := e.get(objectsPath(e, e.priv, "limit=2"), userReader).envelope(t).Next
	wantStatus(t, e.get(objectsPath(e, e.priv, "limit=2&next="+url.QueryEscape(n)), userReader), http.StatusOK)
	wantError(t, e.get(objectsPath(e, e.pub, "limit=2&next="+url.QueryEscape(next)), userReader), http.StatusBadRequest)

	if hits := pageCacheCount(t, e, "hit"); hits < len(paths) {
		t.Fatalf("%d page cache hits for %d paths asked twice", hits, len(paths))
	}

	// The empty-list setting is applied per request, around a cached
	// empty page.
	empty := objectsPath(e, e.pub, "added_after=2099-01-01T00:00:00Z")
	if r := e.get(empty, ""); string(r.body) != `{"more":false}` {
		t.Fatalf("empty page %s", r.body)
	}
	cfg := e.cfg
	cfg.EmptyObjectsList = true
	if err := e.srv.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if r := e.get(empty, ""); string(r.body) != `{"more":false,"objects":[]}` {
		t.Fatalf("empty page with EmptyObjectsList %s", r.body)
	}
}

// No page is served from the cache once a write that changes it has been
// acknowledged: an object added by the store, added by a TAXII POST whose
// status said complete, deleted by a TAXII DELETE. Readers hammer the same
// page meanwhile, so the cache is refilled all the time, also by reads
// that overlap the writes.
func TestPageCacheNeverStaleAfterAcknowledgedWrite(t *testing.T) {
	e := newEnv(t)
	path := objectsPath(e, e.priv, "limit=1000")
	stop := make(chan struct{})
	var readers sync.WaitGroup
	for range 3 {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				hr, _ := http.NewRequest(http.MethodGet, e.base+path, nil)
				hr.Header.Set("Accept", taxii.MediaTypeTAXII)
				hr.SetBasicAuth(userRW, password)
				res, err := http.DefaultClient.Do(hr)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				_ = res.Body.Close()
			}
		}()
	}
	defer func() { close(stop); readers.Wait() }()

	has := func(id string) bool {
		t.Helper()
		r := e.get(path, userRW)
		wantStatus(t, r, http.StatusOK)
		if len(r.body) == len(`{"more":false}`) {
			return false
		}
		return slices.Contains(r.envelope(t).ids(t), id)
	}
	for i := range 40 {
		obj := indicator(i, "")
		switch i % 3 {
		case 0: // through the store
			e.put(e.priv.ID, obj)
		case 1: // through TAXII: the status says complete
			r := post(e, userRW, envelopeOf(obj))
			wantStatus(t, r, http.StatusAccepted)
			if st := r.status(t); st.Status != "complete" || st.SuccessCount != 1 {
				t.Fatalf("POST status %+v", st)
			}
		case 2: // added, then deleted through TAXII
			e.put(e.priv.ID, obj)
			if !has(obj.ID) {
				t.Fatalf("round %d: %s missing after it was added", i, obj.ID)
			}
			r := e.do(req{method: http.MethodDelete, path: "/herald/collections/" + e.priv.ID + "/objects/" + obj.ID + "/", user: userRW})
			wantStatus(t, r, http.StatusOK)
			if has(obj.ID) {
				t.Fatalf("round %d: %s still served after its DELETE was answered", i, obj.ID)
			}
			continue
		}
		if !has(obj.ID) {
			t.Fatalf("round %d: %s missing after the write was acknowledged", i, obj.ID)
		}
	}
	if pageCacheCount(t, e, "hit") == 0 {
		t.Fatal("the readers never hit the cache: the test proved nothing")
	}
}

// A negative budget turns the cache off; the store is walked every time.
func TestPageCacheOff(t *testing.T) {
	e := newEnv(t, func(c *taxii.Config) { c.PageCacheBytes = -1 })
	e.put(e.pub.ID, indicator(1, ""))
	for range 3 {
		wantStatus(t, e.get(objectsPath(e, e.pub, ""), ""), http.StatusOK)
	}
	if r := e.get("/metrics", userAdmin); bytes.Contains(r.body, []byte("herald_page_cache_requests_total")) {
		t.Fatal("a disabled page cache still reports metrics")
	}
}

// A write to one collection, through the store, a TAXII add request (its
// objects and its status) or a TAXII DELETE, leaves the cached pages of
// another collection in place (when the store stamps collections apart,
// as both backends do); the written collection's page shows the write.
func TestPageCacheKeepsOtherCollectionsPages(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, ""))
	pubPath, privPath := objectsPath(e, e.pub, ""), objectsPath(e, e.priv, "")
	first := e.get(pubPath, "")
	wantStatus(t, first, http.StatusOK)
	for i := 2; i < 8; i++ {
		obj := indicator(i, "")
		switch i % 3 {
		case 0:
			e.put(e.priv.ID, obj)
		case 1:
			wantStatus(t, post(e, userRW, envelopeOf(obj)), http.StatusAccepted)
		case 2:
			e.put(e.priv.ID, obj)
			r := e.do(req{method: http.MethodDelete, path: "/herald/collections/" + e.priv.ID + "/objects/" + obj.ID + "/", user: userRW})
			wantStatus(t, r, http.StatusOK)
		}
		hits, misses := pageCacheCount(t, e, "hit"), pageCacheCount(t, e, "miss")
		r := e.get(pubPath, "")
		wantStatus(t, r, http.StatusOK)
		if !bytes.Equal(r.body, first.body) {
			t.Fatalf("write %d: the other collection's page changed", i)
		}
		if pageCacheCount(t, e, "hit") != hits+1 || pageCacheCount(t, e, "miss") != misses {
			t.Fatalf("write %d to %s emptied the cached page of %s", i, e.priv.ID, e.pub.ID)
		}
		ids := e.get(privPath, userRW).envelope(t).ids(t)
		if want := i%3 != 2; slices.Contains(ids, obj.ID) != want {
			t.Fatalf("write %d: %s in the written collection's page: %v, want %v", i, obj.ID, !want, want)
		}
	}
}
