package taxii_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/internal/testutil"
	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/taxii"
)

// Compile-time check: the real store satisfies the server's interface.
var _ store.Store = (*bolt.DB)(nil)

// clock is a settable clock shared by the store and the server, so
// date_added values and status timestamps are deterministic.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

var t0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func newClock() *clock { return &clock{t: t0} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// Test accounts. Each name says what it may do with the private
// collection "priv"; all of them can read the public collection "pub".
const (
	userAdmin  = "admin"
	userReader = "reader" // priv: read
	userWriter = "writer" // priv: write only
	userRW     = "rw"     // priv: read + write
	userNobody = "nobody" // priv: nothing
	password   = "correct horse battery staple"
	readerTok  = "reader-api-token-0123456789"
)

// passwordHash is computed once: argon2id is deliberately slow.
var passwordHash = sync.OnceValue(func() string {
	h, err := store.HashPassword(password)
	if err != nil {
		panic(err)
	}
	return h
})

// env is a running server over a real bbolt file with two collections and
// the accounts above.
type env struct {
	t     testing.TB
	db    *bolt.DB
	path  string
	clock *clock
	srv   *taxii.Server
	hs    *httptest.Server
	base  string // http://127.0.0.1:port
	priv  store.Collection
	pub   store.Collection
	logs  *syncBuffer
	cfg   taxii.Config
}

// syncBuffer collects the logs of servers under test.
type syncBuffer = testutil.SyncBuffer

// newEnv starts a server; mod may adjust the config first.
func newEnv(t testing.TB, mod ...func(*taxii.Config)) *env {
	t.Helper()
	e := &env{t: t, clock: newClock(), logs: &syncBuffer{}}
	e.path = filepath.Join(t.TempDir(), "herald.db")
	db, err := bolt.Open(e.path, &store.Options{Now: e.clock.Now})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	e.db = db
	t.Cleanup(func() { _ = e.db.Close() })
	ctx := context.Background()
	e.priv, err = db.CreateCollection(ctx, store.Collection{Title: "Private indicators", Description: "granted accounts only", Alias: "private"})
	if err != nil {
		t.Fatalf("create collection: %v", err)
	}
	e.pub, err = db.CreateCollection(ctx, store.Collection{Title: "Public advisories", PublicRead: true})
	if err != nil {
		t.Fatalf("create collection: %v", err)
	}
	accounts := []store.Account{
		{Name: userAdmin, Admin: true},
		{Name: userReader, Grants: map[string]store.Grant{e.priv.ID: {Read: true}},
			Tokens: []store.APIToken{{ID: "tok1", SHA256: sha256hex(readerTok), Created: t0}}},
		{Name: userWriter, Grants: map[string]store.Grant{e.priv.ID: {Write: true}}},
		{Name: userRW, Grants: map[string]store.Grant{e.priv.ID: {Read: true, Write: true}}},
		{Name: userNobody},
	}
	for _, a := range accounts {
		a.PasswordHash = passwordHash()
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatalf("create account %s: %v", a.Name, err)
		}
	}
	e.cfg = taxii.Config{
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:    e.clock.Now,
	}
	for _, m := range mod {
		m(&e.cfg)
	}
	e.start()
	return e
}

// start (re)creates the server over e.db.
func (e *env) start() {
	e.t.Helper()
	srv, err := taxii.NewServer(e.db, e.cfg)
	if err != nil {
		e.t.Fatalf("NewServer: %v", err)
	}
	e.serve(srv)
}

// serve puts srv behind a new test HTTP server.
func (e *env) serve(srv *taxii.Server) {
	e.srv = srv
	if e.hs != nil {
		e.hs.Close()
	}
	e.hs = httptest.NewServer(srv.Handler())
	e.base = e.hs.URL
	e.t.Cleanup(e.hs.Close)
}

// restart closes the database and the server and opens both again from
// the same file, as a process restart would.
func (e *env) restart() {
	e.t.Helper()
	e.hs.Close()
	if err := e.db.Close(); err != nil {
		e.t.Fatalf("close store: %v", err)
	}
	db, err := bolt.Open(e.path, &store.Options{Now: e.clock.Now})
	if err != nil {
		e.t.Fatalf("reopen store: %v", err)
	}
	e.db = db
	e.hs = nil
	e.start()
}

// req describes one request.
type req struct {
	method  string
	path    string // absolute path + query
	user    string // Basic auth as this account (password above)
	header  map[string]string
	body    []byte
	noTAXII bool // do not set Accept
}

// resp is a response with its body read.
type resp struct {
	*http.Response
	body []byte
}

func (r resp) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.body)
	}
	return m
}

func (e *env) do(r req) resp {
	e.t.Helper()
	if r.method == "" {
		r.method = http.MethodGet
	}
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, e.base+r.path, body)
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if !r.noTAXII {
		hr.Header.Set("Accept", taxii.MediaTypeTAXII)
	}
	if r.user != "" {
		hr.SetBasicAuth(r.user, password)
	}
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	return e.send(hr)
}

func (e *env) send(hr *http.Request) resp {
	e.t.Helper()
	res, err := http.DefaultClient.Do(hr)
	if err != nil {
		e.t.Fatalf("%s %s: %v", hr.Method, hr.URL, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return resp{Response: res, body: b}
}

func (e *env) get(path, user string) resp {
	e.t.Helper()
	return e.do(req{path: path, user: user})
}

// wantStatus fails unless r has the status.
func wantStatus(t *testing.T, r resp, status int) {
	t.Helper()
	if r.StatusCode != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", r.Request.Method, r.Request.URL, r.StatusCode, status, r.body)
	}
}

// wantError checks a TAXII error resource with the given status.
func wantError(t *testing.T, r resp, status int) map[string]any {
	t.Helper()
	wantStatus(t, r, status)
	if ct := r.Header.Get("Content-Type"); ct != taxii.MediaTypeTAXII {
		t.Errorf("error Content-Type %q, want %q", ct, taxii.MediaTypeTAXII)
	}
	m := r.json(t)
	if m["title"] == nil || m["title"] == "" {
		t.Errorf("error resource without title: %s", r.body)
	}
	if m["http_status"] != fmt.Sprint(status) {
		t.Errorf("http_status %v, want %q", m["http_status"], fmt.Sprint(status))
	}
	if id, _ := m["error_id"].(string); id == "" || id != r.Header.Get("X-Request-Id") {
		t.Errorf("error_id %v, want the X-Request-Id %q", m["error_id"], r.Header.Get("X-Request-Id"))
	}
	return m
}

func sha256hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// indicator builds a valid STIX 2.1 indicator version.
func indicator(n int, modified string) stix.Object {
	id := fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", n, n)
	created := "2025-01-01T00:00:00.000Z"
	if modified == "" {
		modified = created
	}
	js := fmt.Sprintf(`{"type":"indicator","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"indicator %d","pattern":"[ipv4-addr:value = '198.51.100.%d']","pattern_type":"stix","valid_from":%q}`,
		id, created, modified, n, n%250+1, created)
	return stix.Object{Type: "indicator", ID: id, SpecVersion: "2.1", Created: created, Modified: modified, JSON: []byte(js)}
}

// malware builds a valid STIX 2.1 malware object.
func malware(n int) stix.Object {
	id := fmt.Sprintf("malware--%08x-0000-4000-8000-%012x", n, n)
	ts := "2025-02-01T00:00:00.000Z"
	js := fmt.Sprintf(`{"type":"malware","spec_version":"2.1","id":%q,"created":%q,"modified":%q,"name":"malware %d","is_family":false}`, id, ts, ts, n)
	return stix.Object{Type: "malware", ID: id, SpecVersion: "2.1", Created: ts, Modified: ts, JSON: []byte(js)}
}

// put stores objects in a collection, each in its own transaction so each
// gets the next date_added.
func (e *env) put(col string, objs ...stix.Object) []store.PutResult {
	e.t.Helper()
	res, err := e.db.PutObjects(context.Background(), col, objs)
	if err != nil {
		e.t.Fatalf("PutObjects: %v", err)
	}
	return res
}

// envelope is a decoded envelope.
type envelope struct {
	More    bool              `json:"more"`
	Next    string            `json:"next"`
	Objects []json.RawMessage `json:"objects"`
}

func (r resp) envelope(t *testing.T) envelope {
	t.Helper()
	var env envelope
	if err := json.Unmarshal(r.body, &env); err != nil {
		t.Fatalf("not an envelope: %v\n%s", err, r.body)
	}
	return env
}

// ids returns the "id" of each object in an envelope.
func (v envelope) ids(t *testing.T) []string {
	t.Helper()
	out := make([]string, len(v.Objects))
	for i, o := range v.Objects {
		var x struct {
			ID string `json:"id"`
		}
		if err := json.Unmarshal(o, &x); err != nil {
			t.Fatalf("object %d: %v", i, err)
		}
		out[i] = x.ID
	}
	return out
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func objectsPath(e *env, col store.Collection, query string) string {
	p := "/herald/collections/" + col.ID + "/objects/"
	if query != "" {
		p += "?" + query
	}
	return p
}

func mustContain(t *testing.T, s, sub string) {
	t.Helper()
	if !strings.Contains(s, sub) {
		t.Fatalf("%q does not contain %q", s, sub)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// summarize names each object of an envelope compactly: the type's first
// letter and the number of the test object ("i3", "m2"), plus "@" and the
// day of modified for object 1, which has several versions ("i1@03").
func summarize(t *testing.T, v envelope) []string {
	t.Helper()
	var out []string
	for _, raw := range v.Objects {
		var o struct{ Type, ID, Modified string }
		if err := json.Unmarshal(raw, &o); err != nil {
			t.Fatal(err)
		}
		var n int
		if _, err := fmt.Sscanf(o.ID[len(o.ID)-12:], "%x", &n); err != nil {
			t.Fatalf("id %s: %v", o.ID, err)
		}
		s := fmt.Sprintf("%c%d", o.Type[0], n)
		if n == 1 {
			s += "@" + o.Modified[8:10]
		}
		out = append(out, s)
	}
	return out
}

// envelopeOf is a TAXII envelope holding the objects.
func envelopeOf(objs ...stix.Object) []byte {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i, o := range objs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(o.JSON)
	}
	b.WriteString(`]}`)
	return b.Bytes()
}

func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// emitPage serves a Store's ObjectsTo from a ready Page, for test wrappers
// of the store that decorate or replace Objects: the server reads object
// pages only through ObjectsTo, so a wrapper must provide it too (an
// ObjectsTo promoted from an embedded *bolt.DB would bypass the wrapper).
func emitPage(page store.Page, err error, emit func(store.RawVersion) error) (store.PageInfo, error) {
	if err != nil {
		return store.PageInfo{}, err
	}
	info := store.PageInfo{Count: len(page.Records), More: page.More, Next: page.Next}
	for i, r := range page.Records {
		pos := store.Position(r.DateAdded.UnixMicro())
		if i == 0 {
			info.First = pos
		}
		info.Last = pos
		v := store.RawVersion{DateAdded: pos, ID: []byte(r.ID), Type: []byte(r.Type), Version: []byte(r.Version), SpecVersion: []byte(r.SpecVersion), JSON: r.JSON}
		if err := emit(v); err != nil {
			return store.PageInfo{}, err
		}
	}
	return info, nil
}
