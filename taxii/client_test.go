package taxii_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

var bg = context.Background()

// client is a taxii.Client for the env's server as the given user.
func (e *env) client(t *testing.T, user string) *taxii.Client {
	t.Helper()
	c, err := taxii.NewClient(taxii.ClientOptions{Server: e.base, User: user, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// The client against a real server: collections, adding objects with
// machine-readable outcomes, walking, one object, and the admin API.
func TestClientAgainstTheServer(t *testing.T) {
	e := newEnv(t)
	c := e.client(t, userAdmin)

	cols, err := c.Collections(bg)
	if err != nil || len(cols) != 2 {
		t.Fatalf("Collections = %+v, %v", cols, err)
	}
	for _, ref := range []string{e.priv.ID, "private", "Private indicators"} {
		if got, err := c.Collection(bg, ref); err != nil || got.ID != e.priv.ID || got.OnConflict != "keep" {
			t.Errorf("Collection(%q) = %+v, %v", ref, got, err)
		}
	}
	if _, err := c.Collection(bg, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Collection(nope): %v, want ErrNotFound", err)
	}
	if n, err := c.MaxContentLength(bg); err != nil || n != taxii.DefaultMaxContentLength {
		t.Errorf("MaxContentLength = %d, %v", n, err)
	}

	a, b := indicator(1, ""), indicator(2, "")
	e.put(e.priv.ID, b)
	bad := stix.Object{ID: "indicator--bad", Type: "indicator", JSON: []byte(`{"type":"indicator","spec_version":"2.1","id":"indicator--bad"}`)}
	added, err := c.AddObjects(bg, e.priv.ID, []stix.Object{a, b, edited(b), indicator(1, "2025-06-01T00:00:00.000Z"), bad})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{taxii.OutcomeAdded, taxii.OutcomeUnchanged, taxii.OutcomeConflict, taxii.OutcomeNewVersion, taxii.OutcomeInvalid}
	for i, w := range want {
		if added[i].Outcome != w || added[i].Message == "" {
			t.Errorf("object %d: %+v, want outcome %s with a message", i, added[i], w)
		}
	}

	var walked []string
	if err := c.WalkObjects(bg, e.priv.ID, taxii.ObjectsQuery{AllVersions: true, Limit: 1}, func(o []byte) error {
		walked = append(walked, string(o))
		return nil
	}); err != nil || len(walked) != 3 || walked[0] != string(b.JSON) {
		t.Errorf("WalkObjects: %d objects, %v", len(walked), err)
	}
	if objs, err := c.Object(bg, e.priv.ID, a.ID, ""); err != nil || len(objs) != 1 || !strings.Contains(string(objs[0]), "2025-06-01") {
		t.Errorf("Object latest: %s, %v", objs, err)
	}
	if objs, err := c.Object(bg, e.priv.ID, a.ID, a.Modified); err != nil || string(objs[0]) != string(a.JSON) {
		t.Errorf("Object by version: %s, %v", objs, err)
	}
	if _, err := c.Object(bg, e.priv.ID, indicator(9, "").ID, ""); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing object: %v, want ErrNotFound", err)
	}

	// The admin API, and the server's statuses read back as store errors.
	created, err := c.CreateCollection(bg, taxii.AdminCollection{Title: "Mirror", OnConflict: "replace"})
	if err != nil || created.OnConflict != "replace" {
		t.Fatalf("CreateCollection = %+v, %v", created, err)
	}
	if _, err := c.CreateCollection(bg, taxii.AdminCollection{Title: "Mirror"}); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate title: %v, want ErrExists", err)
	}
	bogus := "bogus"
	var se *taxii.StatusError
	if _, err := c.UpdateCollection(bg, "Mirror", taxii.AdminCollectionUpdate{OnConflict: &bogus}); !errors.Is(err, store.ErrBadParameter) || !errors.As(err, &se) || se.Status != 400 {
		t.Errorf("bad policy: %v, want a 400 StatusError that is ErrBadParameter", err)
	}
	if err := c.DeleteCollection(bg, "no such collection"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete a missing collection: %v, want ErrNotFound", err)
	}
	if err := c.CreateUser(bg, taxii.AdminUser{Name: "dave", Password: "dave's long password"}); err != nil {
		t.Fatal(err)
	}
	if err := c.SetGrant(bg, "dave", "Mirror", taxii.AdminGrant{Read: true}); err != nil {
		t.Fatal(err)
	}
	tok, err := c.CreateToken(bg, "dave")
	if err != nil || tok.Token == "" {
		t.Fatalf("CreateToken = %+v, %v", tok, err)
	}
	users, err := c.Users(bg)
	if err != nil {
		t.Fatal(err)
	}
	var dave *taxii.AdminUser
	for i := range users {
		if users[i].Name == "dave" {
			dave = &users[i]
		}
	}
	if dave == nil || !dave.Grants[created.ID].Read || len(dave.Tokens) != 1 {
		t.Errorf("dave = %+v", dave)
	}
	// The token works; a reader is refused the admin API with 403.
	dc, err := taxii.NewClient(taxii.ClientOptions{Server: e.base, Token: tok.Token})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dc.Collection(bg, "Mirror"); err != nil {
		t.Errorf("dave's token: %v", err)
	}
	if _, err := dc.Users(bg); !errors.As(err, &se) || se.Status != http.StatusForbidden {
		t.Errorf("dave on the admin API: %v, want 403", err)
	}
	if err := c.DeleteToken(bg, "dave", tok.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteUser(bg, "dave"); err != nil {
		t.Fatal(err)
	}
	if chk, err := c.Check(bg); err != nil || len(chk.Problems) != 0 {
		t.Errorf("Check = %+v, %v", chk, err)
	}
	var backup strings.Builder
	if n, err := c.Backup(bg, &backup); err != nil || n < 4096 || int64(backup.Len()) != n {
		t.Errorf("Backup: %d bytes, %v", n, err)
	}

	// 401 names the hint.
	anon, err := taxii.NewClient(taxii.ClientOptions{Server: e.base, User: userAdmin, Password: "wrong", AuthHint: "set THE_PASSWORD"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := anon.Users(bg); err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "set THE_PASSWORD") {
		t.Errorf("wrong password: %v", err)
	}
}

// A server that does not send x_herald_outcomes (not Herald) is read as
// success or failure only: successes are added, failures invalid; an
// object the status counts among failures without listing it is
// unlisted, never added.
func TestClientWithoutOutcomes(t *testing.T) {
	objs := []stix.Object{indicator(1, ""), indicator(2, ""), indicator(3, "")}
	srv := fakeTAXII(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
		w.WriteHeader(http.StatusAccepted)
		fmt.Fprintf(w, `{"id":"2d086da7-4bdc-4f91-900e-d77486753710","status":"complete","total_count":3,"success_count":1,
			"successes":[{"id":%q,"version":%q,"message":"already present, but this server words it otherwise"}],
			"failure_count":2,"failures":[{"id":%q,"version":%q,"message":"nope"}],"pending_count":0}`,
			objs[0].ID, objs[0].Version(), objs[1].ID, objs[1].Version())
	})
	c, err := taxii.NewClient(taxii.ClientOptions{Server: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	added, err := c.AddObjects(bg, "c", objs)
	if err != nil {
		t.Fatal(err)
	}
	for i, w := range []string{taxii.OutcomeAdded, taxii.OutcomeInvalid, taxii.OutcomeUnlisted} {
		if added[i].Outcome != w {
			t.Errorf("object %d: %+v, want %s", i, added[i], w)
		}
	}
}

// fakeTAXII is a minimal TAXII server: discovery and an API root at
// /api/, and add for whatever path under it.
func fakeTAXII(t *testing.T, add http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
		switch {
		case r.URL.Path == "/taxii2/":
			fmt.Fprint(w, `{"title":"t","default":"/api/","api_roots":["/api/"]}`)
		case r.URL.Path == "/api/":
			fmt.Fprint(w, `{"title":"a","versions":["application/taxii+json;version=2.1"],"max_content_length":100000}`)
		case r.Method == http.MethodPost:
			add(w, r)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// recorder is a server that notes every path requested with an
// Authorization header.
type recorder struct {
	mu   sync.Mutex
	auth []string
	srv  *httptest.Server
}

func newRecorder(t *testing.T, h http.HandlerFunc) *recorder {
	r := &recorder{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.mu.Lock()
		if req.Header.Get("Authorization") != "" {
			r.auth = append(r.auth, req.URL.Path)
		}
		r.mu.Unlock()
		if h != nil {
			h(w, req)
			return
		}
		w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
		w.Write([]byte(`{"title":"elsewhere","max_content_length":1000}`))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *recorder) sawAuth() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.auth...)
}

// An API root that discovery names on another host (or
// scheme) than the server URL gets no credentials; the client refuses it
// and says how to fix the server's public URL.
func TestClientRefusesForeignAPIRoot(t *testing.T) {
	other := newRecorder(t, nil)
	server := newRecorder(t, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", taxii.MediaTypeTAXII)
		w.Write([]byte(`{"title":"x","default":"` + other.srv.URL + `/herald/","api_roots":["` + other.srv.URL + `/herald/"]}`))
	})
	c, err := taxii.NewClient(taxii.ClientOptions{Server: server.srv.URL, Token: "secret-token-1"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Collections(bg)
	if err == nil {
		t.Fatal("a foreign API root was used")
	}
	if got := other.sawAuth(); len(got) > 0 {
		t.Fatalf("credentials were sent to the foreign API root: %v", got)
	}
	if !strings.Contains(err.Error(), "public") {
		t.Errorf("the error does not say how to fix the public URL: %v", err)
	}
}

// A redirect to another host (or from https to http) is not
// followed, so the Authorization header never leaves the server URL.
func TestClientRefusesCrossHostRedirect(t *testing.T) {
	other := newRecorder(t, nil)
	for _, target := range []string{other.srv.URL, strings.Replace(other.srv.URL, "127.0.0.1", "localhost", 1)} {
		server := newRecorder(t, func(w http.ResponseWriter, req *http.Request) {
			http.Redirect(w, req, target+req.URL.Path, http.StatusTemporaryRedirect)
		})
		c, err := taxii.NewClient(taxii.ClientOptions{Server: server.srv.URL, Token: "secret-token-1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Collections(bg); err == nil || !strings.Contains(err.Error(), "redirect") {
			t.Errorf("redirect to %s: %v, want a refused redirect", target, err)
		}
		if got := other.sawAuth(); len(got) > 0 {
			t.Fatalf("credentials followed a redirect to another host: %v", got)
		}
	}
}

// Plain http:// to a host that is not this machine warns
// (before any password is asked for); loopback and https do not.
func TestClientWarnsOnPlainHTTP(t *testing.T) {
	for _, c := range []struct {
		server string
		warn   bool
	}{
		{"http://taxii.example.org:8080", true},
		{"http://127.0.0.1:8080", false},
		{"http://localhost:8080", false},
		{"http://[::1]:8080", false},
		{"https://taxii.example.org", false},
	} {
		var events []string
		_, err := taxii.NewClient(taxii.ClientOptions{Server: c.server, User: "u",
			Warnf: func(format string, args ...any) { events = append(events, "warn: "+fmt.Sprintf(format, args...)) },
			ReadPassword: func(host string) (string, error) {
				events = append(events, "password for "+host)
				return "p", nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		warned := len(events) == 2 && strings.Contains(events[0], "clear text") && strings.HasPrefix(events[1], "password")
		if c.warn != warned || (!c.warn && len(events) != 1) {
			t.Errorf("server %s: events %q, want a warning %v before the password prompt", c.server, events, c.warn)
		}
	}
}

// NewClient refuses what is not an http(s) URL with a host.
func TestClientServerURL(t *testing.T) {
	for _, s := range []string{"", "ftp://x", "127.0.0.1:8080", "http://", "://x"} {
		if _, err := taxii.NewClient(taxii.ClientOptions{Server: s}); !errors.Is(err, taxii.ErrServerURL) {
			t.Errorf("NewClient(%q): %v, want ErrServerURL", s, err)
		}
	}
	if _, err := taxii.NewClient(taxii.ClientOptions{Server: "https://x", CACertPEM: []byte("not PEM")}); !errors.Is(err, taxii.ErrCACert) {
		t.Errorf("bad CA PEM: %v, want ErrCACert", err)
	}
}
