package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	_ "github.com/heraldcti/herald/store/bolt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/internal/testutil"
	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
	"github.com/heraldcti/herald/web"
)

// Test accounts: "reader" may read the private collection, "nobody" may
// read nothing but public collections, "admin" may do everything.
const (
	password  = "correct horse battery staple"
	readerTok = "reader-api-token-0123456789abcdef"
)

var passwordHash = sync.OnceValue(func() string {
	h, err := store.HashPassword(password)
	if err != nil {
		panic(err)
	}
	return h
})

// env is a real server: a bbolt file seeded with the built-in advisory in
// a public collection and a private collection, the TAXII server with the
// web pages mounted, listening on a loopback port.
type env struct {
	t       testing.TB
	db      store.Store
	srv     *taxii.Server
	hs      *httptest.Server
	base    string
	pub     store.Collection
	priv    store.Collection
	report  string // the built-in report's id
	builtin int    // the number of objects of the built-in advisory
	idents  int    // how many of them are identities
	privRep string // the private report's id
	logs    *testutil.SyncBuffer
}

type envOpt struct {
	taxii func(*taxii.Config)
	web   func(*web.Options)
}

func newEnv(t testing.TB, opts ...envOpt) *env {
	t.Helper()
	e := &env{t: t, logs: &testutil.SyncBuffer{}}
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "herald.db"), nil)
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	e.db = db
	t.Cleanup(func() { _ = db.Close() })
	ctx := context.Background()
	e.pub, err = db.CreateCollection(ctx, store.Collection{Title: "Herald advisories", Alias: "advisories", Description: "Public advisories.", PublicRead: true})
	if err != nil {
		t.Fatal(err)
	}
	e.priv, err = db.CreateCollection(ctx, store.Collection{Title: "Partner intelligence", Alias: "partners", Description: "For partners only."})
	if err != nil {
		t.Fatal(err)
	}
	a, err := feed.BuiltinAdvisory()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := stix.ConvertAdvisory(a, stix.ConvertOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e.put(e.pub.ID, objs...)
	e.builtin = len(objs)
	for _, o := range objs {
		switch o.Type {
		case "report":
			e.report = o.ID
		case "identity":
			e.idents++
		}
	}
	e.privRep = "report--6f1c2d3e-4b5a-4c6d-8e9f-0a1b2c3d4e5f"
	e.putJSON(e.priv.ID,
		`{"type":"identity","spec_version":"2.1","id":"identity--0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Partner desk","identity_class":"organization"}`,
		`{"type":"indicator","spec_version":"2.1","id":"indicator--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","created":"2026-01-02T00:00:00.000Z","modified":"2026-01-02T00:00:00.000Z","name":"Secret beacon domain","pattern":"[domain-name:value = 'beacon.example.net']","pattern_type":"stix","valid_from":"2026-01-02T00:00:00Z","created_by_ref":"identity--0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3"}`,
		`{"type":"report","spec_version":"2.1","id":"`+e.privRep+`","created":"2026-01-03T00:00:00.000Z","modified":"2026-01-03T00:00:00.000Z","name":"Private operation Nightjar","published":"2026-01-03T00:00:00Z","description":"Only partners may read this.","object_refs":["indicator--1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d","identity--0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3"],"created_by_ref":"identity--0b1c2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3"}`,
	)
	accounts := []store.Account{
		{Name: "admin", Admin: true},
		{Name: "reader", Grants: map[string]store.Grant{e.priv.ID: {Read: true}},
			Tokens: []store.APIToken{{ID: "tok1", SHA256: sha256hex(readerTok), Created: time.Now()}}},
		{Name: "nobody"},
	}
	for _, acct := range accounts {
		acct.PasswordHash = passwordHash()
		if err := db.CreateAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
	}
	cfg := taxii.Config{Logger: slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	wo := web.Options{Logger: cfg.Logger}
	for _, o := range opts {
		if o.taxii != nil {
			o.taxii(&cfg)
		}
		if o.web != nil {
			o.web(&wo)
		}
	}
	e.srv, err = taxii.NewServer(db, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := web.Mount(e.srv, db, wo); err != nil {
		t.Fatal(err)
	}
	e.hs = httptest.NewServer(e.srv.Handler())
	t.Cleanup(e.hs.Close)
	e.base = e.hs.URL
	return e
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func (e *env) put(col string, objs ...stix.Object) {
	e.t.Helper()
	res, err := e.db.PutObjects(context.Background(), col, objs)
	if err != nil {
		e.t.Fatalf("put objects: %v", err)
	}
	for _, r := range res {
		if r.Outcome == store.Conflict {
			e.t.Fatalf("conflict storing %s", r.ID)
		}
	}
}

func (e *env) putJSON(col string, raws ...string) {
	e.t.Helper()
	var objs []stix.Object
	for _, raw := range raws {
		o, err := stix.Decode([]byte(raw), stix.DecodeOptions{})
		if err != nil {
			e.t.Fatalf("decode %s: %v", raw, err)
		}
		for _, x := range o {
			if err := stix.Validate(x); err != nil {
				e.t.Fatalf("test object %s is invalid: %v", x.ID, err)
			}
		}
		objs = append(objs, o...)
	}
	e.put(col, objs...)
}

// who is how a request authenticates.
type who struct {
	name   string // "" anonymous
	bearer string
}

var (
	anon   = who{}
	reader = who{name: "reader"}
	nobody = who{name: "nobody"}
	admin  = who{name: "admin"}
	bearer = who{bearer: readerTok}
)

func (w who) String() string {
	switch {
	case w.bearer != "":
		return "bearer"
	case w.name == "":
		return "anonymous"
	}
	return w.name
}

// page is a response with its body.
type page struct {
	status int
	header http.Header
	body   string
}

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// get fetches path as w, without following redirects.
func (e *env) get(w who, path string) page {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if w.name != "" {
		req.SetBasicAuth(w.name, password)
	}
	if w.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+w.bearer)
	}
	return e.do(&http.Client{CheckRedirect: noRedirect}, req)
}

func (e *env) do(c *http.Client, req *http.Request) page {
	e.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read %s: %v", req.URL, err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// browser is a client with a cookie jar, as a browser session.
func (e *env) browser() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: noRedirect}
}

func (e *env) browserGet(c *http.Client, path string) page {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(c, req)
}

func (e *env) post(c *http.Client, path string, form url.Values) page {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(c, req)
}

// hiddenValue finds <input type="hidden" name="NAME" value="..."> in body.
func hiddenValue(t testing.TB, body, name string) string {
	t.Helper()
	marker := `name="` + name + `" value="`
	i := strings.Index(body, marker)
	if i < 0 {
		t.Fatalf("no hidden %q in page:\n%s", name, body)
	}
	rest := body[i+len(marker):]
	j := strings.IndexByte(rest, '"')
	return rest[:j]
}

// signIn signs in through the form and returns the browser.
func (e *env) signIn(name string) *http.Client {
	e.t.Helper()
	c := e.browser()
	form := e.browserGet(c, "/web/login")
	if form.status != http.StatusOK {
		e.t.Fatalf("login form: %d", form.status)
	}
	p := e.post(c, "/web/login", url.Values{"csrf": {hiddenValue(e.t, form.body, "csrf")}, "name": {name}, "password": {password}, "next": {"/web/"}})
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("sign in as %s: status %d\n%s", name, p.status, p.body)
	}
	return c
}

func colPath(c store.Collection) string { return "/web/c/" + c.ID }

func mustContain(t testing.TB, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

func mustNotContain(t testing.TB, body string, bad ...string) {
	t.Helper()
	for _, b := range bad {
		if strings.Contains(body, b) {
			t.Errorf("page contains %q", b)
		}
	}
}

var _ = fmt.Sprint
