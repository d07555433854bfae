package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/heraldcti/herald/taxii"
)

// recorder is a server that notes whether any request carried an
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
		if a := req.Header.Get("Authorization"); a != "" {
			r.auth = append(r.auth, req.URL.Path)
		}
		r.mu.Unlock()
		if h != nil {
			h(w, req)
			return
		}
		w.Header().Set("Content-Type", taxiiMediaType)
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

// Through the command line: an API root that discovery
// names on another host (or scheme) than --server gets no credentials;
// herald refuses it and says how to fix the server's public URL. The
// client's own tests are in taxii (client_test.go).
func TestRemoteRefusesForeignAPIRoot(t *testing.T) {
	other := newRecorder(t, nil)
	server := newRecorder(t, func(w http.ResponseWriter, req *http.Request) {
		w.Header().Set("Content-Type", taxiiMediaType)
		w.Write([]byte(`{"title":"x","default":"` + other.srv.URL + `/herald/","api_roots":["` + other.srv.URL + `/herald/"]}`))
	})
	r := run(t, env{"HERALD_TOKEN": "secret-token-1"}, "", "export", "--server", server.srv.URL, "--collection", "c")
	if r.code == 0 {
		t.Fatalf("export through a foreign API root succeeded:\n%s", r.stderr)
	}
	if got := other.sawAuth(); len(got) > 0 {
		t.Fatalf("credentials were sent to the foreign API root: %v", got)
	}
	if !strings.Contains(r.stderr, "public") {
		t.Errorf("the error does not say how to fix the public URL:\n%s", r.stderr)
	}
}

// A redirect to another host (or from https to http) is not
// followed, so the Authorization header never leaves --server.
func TestRemoteRefusesCrossHostRedirect(t *testing.T) {
	other := newRecorder(t, nil)
	server := newRecorder(t, func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, other.srv.URL+req.URL.Path, http.StatusTemporaryRedirect)
	})
	r := run(t, env{"HERALD_TOKEN": "secret-token-1"}, "", "export", "--server", server.srv.URL, "--collection", "c")
	if r.code == 0 {
		t.Fatalf("export through a cross-host redirect succeeded:\n%s", r.stderr)
	}
	if got := other.sawAuth(); len(got) > 0 {
		t.Fatalf("credentials followed a redirect to another host: %v", got)
	}
}

// Plain http:// to a host that is not this machine warns,
// before the password prompt (taxii's TestClientWarnsOnPlainHTTP checks
// the cases); the command line passes the warning on.
func TestRemoteWarnsOnPlainHTTP(t *testing.T) {
	var stderr bytes.Buffer
	prompted := false
	m := &Main{Stderr: &stderr, Getenv: func(string) string { return "" }, ReadPassword: func(string) (string, error) {
		prompted = true
		if !strings.Contains(stderr.String(), "clear text") {
			t.Error("password asked for before the warning")
		}
		return "p", nil
	}}
	if _, err := newRemoteBackend(context.Background(), m, &dataFlags{server: "http://taxii.example.org:8080", user: "u"}); err != nil {
		t.Fatal(err)
	}
	if !prompted || !strings.Contains(stderr.String(), "herald: warning: --server http://taxii.example.org:8080") {
		t.Errorf("prompted %v, stderr %q", prompted, stderr.String())
	}
}

// taxiiMediaType is what the tests' fake servers answer with.
const taxiiMediaType = taxii.MediaTypeTAXII
