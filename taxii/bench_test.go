package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/taxii"
)

// BenchmarkObjectsPage measures GET …/objects/?limit=100 on a collection of
// 1,000 indicators, through the whole handler stack (routing, auth, store
// query, streaming) without the network, next to a baseline that writes
// the same bytes from memory. The ratio is the server's overhead over a
// static file.
//
//	go test -run XXX -bench ObjectsPage -benchmem ./taxii/
func BenchmarkObjectsPage(b *testing.B) {
	e := newEnv(b, benchLogger)
	seed(e, e.pub.ID, 1000)
	path := objectsPath(e, e.pub, "limit=100")
	h := e.srv.Handler()

	run := func(b *testing.B, h http.Handler, auth string, gzip bool) {
		r := httptest.NewRequest(http.MethodGet, path, nil)
		r.Header.Set("Accept", taxii.MediaTypeTAXII)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		if gzip {
			r.Header.Set("Accept-Encoding", "gzip")
		}
		r.RemoteAddr = "127.0.0.1:40000"
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, r)
		if w.status != 200 {
			b.Fatalf("status %d", w.status)
		}
		b.SetBytes(w.n)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			w.reset()
			h.ServeHTTP(w, r)
		}
	}

	b.Run("anonymous", func(b *testing.B) { run(b, h, "", false) })
	b.Run("basic", func(b *testing.B) { run(b, h, basic(userReader, password), false) })
	b.Run("bearer", func(b *testing.B) { run(b, h, "Bearer "+readerTok, false) })
	b.Run("anonymous-gzip", func(b *testing.B) { run(b, h, "", true) })

	// The page cache off: every request walks the store.
	cfg := e.cfg
	cfg.PageCacheBytes = -1
	walker, err := taxii.NewServer(e.db, cfg)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("anonymous-nocache", func(b *testing.B) { run(b, walker.Handler(), "", false) })
	b.Run("basic-nocache", func(b *testing.B) { run(b, walker.Handler(), basic(userReader, password), false) })

	// Baseline: the same response body served from memory.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Header.Set("Accept", taxii.MediaTypeTAXII)
	h.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	static := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
		_, _ = io.Copy(w, bytes.NewReader(body))
	})
	b.Run("static-baseline", func(b *testing.B) { run(b, static, "", false) })

	// The server's own share: the same stack over a store whose Objects
	// returns the page already read (no bbolt), to separate the cost of
	// routing, auth, token signing and streaming from the store query.
	// (Not being a *bolt.DB, it is served through Objects, not the
	// streaming ObjectsTo: see readPage.)
	page, err := e.db.Objects(context.Background(), e.pub.ID, store.Query{Limit: 100})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := taxii.NewServer(fixedPageStore{DB: e.db, page: page}, cfg) // no page cache
	if err != nil {
		b.Fatal(err)
	}
	b.Run("server-only-anonymous", func(b *testing.B) { run(b, srv.Handler(), "", false) })
	b.Run("server-only-basic", func(b *testing.B) { run(b, srv.Handler(), basic(userReader, password), false) })
}

// benchLogger makes the server log as it does in production by default
// (one JSON line per request at info level) but to io.Discard: the test
// environment's in-memory log, which grows by a line per request for the
// whole run, would otherwise be measured as the server's cost.
func benchLogger(c *taxii.Config) {
	c.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// fixedPageStore answers Objects with a fixed page (benchmarks only).
type fixedPageStore struct {
	*bolt.DB
	page store.Page
}

func (f fixedPageStore) Objects(context.Context, string, store.Query) (store.Page, error) {
	return f.page, nil
}

func (f fixedPageStore) ObjectsTo(_ context.Context, _ string, _ store.Query, emit func(store.RawVersion) error) (store.PageInfo, error) {
	return emitPage(f.page, nil, emit)
}

// BenchmarkObjectsPageHTTP is the same page over a real loopback HTTP
// connection (keep-alive), with and without Basic auth.
func BenchmarkObjectsPageHTTP(b *testing.B) {
	e := newEnv(b, benchLogger)
	seed(e, e.pub.ID, 1000)
	url := e.base + objectsPath(e, e.pub, "limit=100")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	run := func(b *testing.B, auth string) {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Header.Set("Accept", taxii.MediaTypeTAXII)
		req.Header.Set("Accept-Encoding", "identity")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			res, err := client.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			n, _ := io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Fatalf("status %d", res.StatusCode)
			}
			b.SetBytes(n)
		}
	}
	b.Run("anonymous", func(b *testing.B) { run(b, "") })
	b.Run("basic", func(b *testing.B) { run(b, basic(userReader, password)) })

	// Baseline: the same bytes as a static file from net/http's file server.
	res, err := client.Get(url)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	file := filepath.Join(b.TempDir(), "page.json")
	if err := os.WriteFile(file, body, 0o600); err != nil {
		b.Fatal(err)
	}
	static := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.ServeFile(w, r, file) }))
	defer static.Close()
	url = static.URL + "/page.json"
	b.Run("static-file-baseline", func(b *testing.B) { run(b, "") })
}

// discardWriter is a ResponseWriter that counts and drops the body.
type discardWriter struct {
	h      http.Header
	status int
	n      int64
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = 200
	}
	w.n += int64(len(p))
	return len(p), nil
}
func (w *discardWriter) reset() {
	clear(w.h)
	w.status, w.n = 0, 0
}

// objectsOnlyStore is a real store whose ObjectsTo is built on Objects
// (copied Records, then emitted): the way decorating wrappers of the store
// serve object pages.
type objectsOnlyStore struct{ *bolt.DB }

func (o objectsOnlyStore) ObjectsTo(ctx context.Context, col string, q store.Query, emit func(store.RawVersion) error) (store.PageInfo, error) {
	page, err := o.DB.Objects(ctx, col, q)
	return emitPage(page, err, emit)
}

// The two ways an envelope can be filled (streamed from bbolt by
// bolt.DB.ObjectsTo, or copied from the Page of bolt.DB.Objects) give
// byte-identical responses: status, body (next tokens
// included), date headers and length, on every page of a walk, on the
// object endpoint, on empty pages and on 404s. The benchmarks above
// compare these paths, and wrappers of the store rely on the second.
func TestObjectsPageStreamedEqualsCopied(t *testing.T) {
	for _, emptyList := range []bool{false, true} {
		t.Run(fmt.Sprintf("EmptyObjectsList=%v", emptyList), func(t *testing.T) {
			e := newEnv(t, func(c *taxii.Config) { c.EmptyObjectsList = emptyList })
			for n := 1; n <= 7; n++ {
				e.put(e.pub.ID, indicator(n, ""))
				e.put(e.pub.ID, malware(n))
			}
			e.put(e.pub.ID, indicator(3, "2025-06-01T00:00:00.000Z"), indicator(5, "2025-07-01T00:00:00.000Z"))
			copied, err := taxii.NewServer(objectsOnlyStore{e.db}, e.cfg)
			if err != nil {
				t.Fatal(err)
			}
			streamed, other := e.srv.Handler(), copied.Handler()
			get := func(h http.Handler, path string) *httptest.ResponseRecorder {
				r := httptest.NewRequest(http.MethodGet, path, nil)
				r.Header.Set("Accept", taxii.MediaTypeTAXII)
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				return w
			}
			id3 := indicator(3, "").ID
			object := func(id, query string) string {
				return "/herald/collections/" + e.pub.ID + "/objects/" + id + "/?" + query
			}
			paths := []string{
				objectsPath(e, e.pub, ""),
				objectsPath(e, e.pub, "limit=1"),
				objectsPath(e, e.pub, "limit=4"),
				objectsPath(e, e.pub, "limit=3&match[version]=all"),
				objectsPath(e, e.pub, "limit=2&match[type]=malware"),
				objectsPath(e, e.pub, "match[id]="+id3+"&match[version]=first"),
				objectsPath(e, e.pub, "added_after=2999-01-01T00:00:00Z"),
				object(id3, ""),
				object(id3, "match[version]=all&limit=1"),
				object(id3, "match[version]=2001-01-01T00:00:00.000Z"),
				object(indicator(99, "").ID, ""),
			}
			for _, first := range paths {
				for page, path := 0, first; ; page++ {
					if page > 30 {
						t.Fatalf("%s: walk does not end", first)
					}
					a, b := get(streamed, path), get(other, path)
					// Errors carry the request id (error_id), which differs.
					if a.Code != b.Code || a.Code == http.StatusOK && !bytes.Equal(a.Body.Bytes(), b.Body.Bytes()) {
						t.Fatalf("%s:\nstreamed %d %s\ncopied   %d %s", path, a.Code, a.Body, b.Code, b.Body)
					}
					for _, h := range []string{"X-Taxii-Date-Added-First", "X-Taxii-Date-Added-Last", "Content-Type", "Content-Length"} {
						if a.Header().Get(h) != b.Header().Get(h) {
							t.Errorf("%s: %s streamed %q, copied %q", path, h, a.Header().Get(h), b.Header().Get(h))
						}
					}
					if a.Code == http.StatusOK && a.Header().Get("X-Taxii-Date-Added-First") == "" {
						t.Errorf("%s: no X-TAXII-Date-Added-First", path)
					}
					var env struct {
						More bool   `json:"more"`
						Next string `json:"next"`
					}
					if a.Code != http.StatusOK {
						break
					}
					if err := json.Unmarshal(a.Body.Bytes(), &env); err != nil {
						t.Fatalf("%s: %v\n%s", path, err, a.Body)
					}
					if !env.More {
						break
					}
					// The same filters again, and the token.
					sep := "?"
					if strings.Contains(first, "?") {
						sep = "&"
					}
					path = first + sep + "next=" + url.QueryEscape(env.Next)
				}
			}
		})
	}
}
