package taxii_test

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/heraldcti/herald/taxii"
)

// TAXII 2.1 §4: discovery, API root, status.

// §4.1: absolute API root URLs with a trailing slash,
// default one of them; anonymous access allowed.
func TestS4_1_DiscoveryAbsoluteURLs(t *testing.T) {
	e := newEnv(t)
	m := e.get("/taxii2/", "").json(t)
	want := e.base + "/herald/"
	roots, _ := m["api_roots"].([]any)
	if len(roots) != 1 || roots[0] != want || m["default"] != want {
		t.Fatalf("discovery %v, want api_roots [%s] and default %s", m, want, want)
	}
	if m["title"] != taxii.DefaultTitle {
		t.Errorf("title %v", m["title"])
	}
}

// §4.1: a configured public base URL wins; X-Forwarded-*
// count only from trusted proxies.
func TestS4_1_DiscoveryBaseURL(t *testing.T) {
	e := newEnv(t, func(c *taxii.Config) { c.PublicBaseURL = "https://cti.example.org/feeds/" })
	m := e.get("/taxii2/", "").json(t)
	if m["default"] != "https://cti.example.org/feeds/herald/" {
		t.Fatalf("default %v", m["default"])
	}

	fwd := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example"}
	e = newEnv(t)
	m = e.do(req{path: "/taxii2/", header: fwd}).json(t)
	if m["default"] != e.base+"/herald/" {
		t.Fatalf("untrusted X-Forwarded-* honoured: %v", m["default"])
	}
	e = newEnv(t, func(c *taxii.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
	m = e.do(req{path: "/taxii2/", header: map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "taxii.example.org"}}).json(t)
	if m["default"] != "https://taxii.example.org/herald/" {
		t.Fatalf("trusted X-Forwarded-* ignored: %v", m["default"])
	}
}

// §4.2: versions and the configured max_content_length.
func TestS4_2_APIRoot(t *testing.T) {
	e := newEnv(t, func(c *taxii.Config) { c.MaxContentLength = 12345; c.APIRootTitle = "Feeds" })
	m := e.get("/herald/", "").json(t)
	if m["title"] != "Feeds" || m["max_content_length"] != float64(12345) {
		t.Fatalf("api root %v", m)
	}
	v, _ := m["versions"].([]any)
	if len(v) != 1 || v[0] != taxii.MediaTypeTAXII {
		t.Fatalf("versions %v", v)
	}
}

// §4.3: the status of an add request answers for at
// least 24 hours, then 404; only writers of the collection see it.
func TestS4_3_StatusRetention(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{method: http.MethodPost, user: userRW, path: objectsPath(e, e.priv, ""), body: envelopeOf(indicator(1, "")),
		header: map[string]string{"Content-Type": taxii.MediaTypeTAXII}})
	wantStatus(t, r, 202)
	id := r.json(t)["id"].(string)
	path := "/herald/status/" + id + "/"
	wantStatus(t, e.get(path, userRW), 200)
	wantStatus(t, e.get(path, userAdmin), 200)
	wantError(t, e.get(path, userReader), 404)
	wantError(t, e.get(path, ""), 401)
	wantError(t, e.get("/herald/status/not-a-uuid/", userRW), 404)

	serveFor := func() {
		ctx, cancel := context.WithCancel(context.Background())
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- e.srv.Serve(ctx, ln) }()
		// Serve purges before it serves; the listener is already bound, so
		// one request waits in the backlog until Serve answers it.
		waitHTTP(t, "http://"+ln.Addr().String()+"/healthz")
		cancel()
		if err := <-done; err != nil {
			t.Fatalf("Serve: %v", err)
		}
	}
	e.clock.Add(24 * time.Hour)
	serveFor()
	wantStatus(t, e.get(path, userRW), 200)
	e.clock.Add(90 * time.Minute)
	serveFor()
	wantError(t, e.get(path, userRW), 404)
}

// waitHTTP makes one GET to url and fails the test if it gets no answer
// before the test's own deadline. The listener must already be bound: the
// connection then waits in its backlog until the server accepts it.
func waitHTTP(t *testing.T, url string) {
	t.Helper()
	ctx := t.Context()
	if d, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, d)
		defer cancel()
	}
	rq, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(rq)
	if err != nil {
		t.Fatalf("%s never answered: %v", url, err)
	}
	res.Body.Close()
}
