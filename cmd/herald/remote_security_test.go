package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
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

// Issue 10 §2: an API root that discovery names on another host (or
// scheme) than --server gets no credentials; herald refuses it and says
// how to fix the server's public URL.
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
	// A scheme change on the same host is refused the same way.
	b := &remoteBackend{}
	b.base = mustURL(t, "https://taxii.example:443/")
	if sameServer(mustURL(t, "http://taxii.example/herald/"), b.base) {
		t.Error("http:// root accepted for an https:// --server")
	}
	if !sameServer(mustURL(t, "https://TAXII.example/herald/"), b.base) {
		t.Error("the same server with the default port written out differently was refused")
	}
}

// Issue 10 §2: a redirect to another host (or from https to http) is not
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

// Issue 10 §2: plain http:// to a host that is not this machine warns;
// loopback does not.
func TestRemoteWarnsOnPlainHTTP(t *testing.T) {
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
		var stderr bytes.Buffer
		m := &Main{Stderr: &stderr, Getenv: func(k string) string {
			if k == "HERALD_TOKEN" {
				return "tok"
			}
			return ""
		}}
		if _, err := newRemoteBackend(context.Background(), m, &dataFlags{server: c.server}); err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(stderr.String(), "clear text"); got != c.warn {
			t.Errorf("--server %s: warned %v, want %v (%q)", c.server, got, c.warn, stderr.String())
		}
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
