package taxii_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/taxii"
)

// Operations: request ids and logs, health, metrics, gzip, shutdown,
// plain-HTTP policy, reload.

func decodeJSON(r io.Reader, v any) error { return json.NewDecoder(r).Decode(v) }

// Every response has an X-Request-Id; every log line of the request has
// it; a well-formed incoming id is kept; secrets never reach the log.
func TestOps_RequestIDInResponsesAndLogs(t *testing.T) {
	e := newEnv(t)
	r := e.get(objectsPath(e, e.priv, ""), userReader)
	rid := r.Header.Get("X-Request-Id")
	if len(rid) < 8 {
		t.Fatalf("X-Request-Id %q", rid)
	}
	r = e.do(req{path: "/nowhere", header: map[string]string{"X-Request-Id": "proxy-id-12345"}})
	if r.Header.Get("X-Request-Id") != "proxy-id-12345" {
		t.Errorf("incoming request id not kept: %q", r.Header.Get("X-Request-Id"))
	}
	r = e.do(req{path: "/nowhere", header: map[string]string{"X-Request-Id": "bad id\"with quotes"}})
	if strings.Contains(r.Header.Get("X-Request-Id"), "quotes") {
		t.Errorf("malformed request id echoed")
	}
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(e.logs.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line is not JSON: %q", line)
		}
		if m["msg"] == "request" && m["request_id"] == rid {
			found = true
			if m["user"] != userReader || m["status"] != float64(200) || m["route"] != "get_objects" {
				t.Errorf("request log line %v", m)
			}
		}
		if m["request_id"] == nil && m["msg"] == "request" {
			t.Errorf("request log line without request_id: %q", line)
		}
	}
	if !found {
		t.Fatalf("no request log line with request_id %s:\n%s", rid, e.logs.String())
	}
	if strings.Contains(e.logs.String(), password) || strings.Contains(e.logs.String(), "Authorization") {
		t.Fatal("credentials reached the log")
	}
}

func TestOps_Healthz(t *testing.T) {
	e := newEnv(t)
	r := e.do(req{path: "/healthz", noTAXII: true})
	wantStatus(t, r, 200)
	if string(r.body) != `{"status":"ok"}` {
		t.Fatalf("healthz %s", r.body)
	}
}

// gzip when the client accepts it; the decompressed body is
// the identity body.
func TestOps_Gzip(t *testing.T) {
	e := newEnv(t)
	for i := 1; i <= 20; i++ {
		e.put(e.pub.ID, indicator(i, ""))
	}
	plain := e.do(req{path: objectsPath(e, e.pub, ""), header: map[string]string{"Accept-Encoding": "identity"}})
	if plain.Header.Get("Content-Encoding") != "" {
		t.Fatalf("identity response encoded %q", plain.Header.Get("Content-Encoding"))
	}
	for _, ae := range []string{"gzip", "br;q=1, gzip;q=0.5", "*"} {
		r := e.do(req{path: objectsPath(e, e.pub, ""), header: map[string]string{"Accept-Encoding": ae}})
		if r.Header.Get("Content-Encoding") != "gzip" {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q", ae, r.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, plain.body) {
			t.Fatalf("gzip body differs from identity body")
		}
	}
	r := e.do(req{path: objectsPath(e, e.pub, ""), header: map[string]string{"Accept-Encoding": "gzip;q=0"}})
	if r.Header.Get("Content-Encoding") != "" {
		t.Fatalf("gzip;q=0 still compressed")
	}
}

// slowStore holds an objects page until release is closed, to have a
// request in flight at shutdown.
type slowStore struct {
	*bolt.DB
	started chan struct{}
	release chan struct{}
}

func (s slowStore) ObjectsTo(ctx context.Context, col string, q store.Query, emit func(store.RawVersion) error) (store.PageInfo, error) {
	close(s.started)
	<-s.release
	return s.DB.ObjectsTo(ctx, col, q, emit)
}

// closeSignal is a listener that reports when it is closed: the server
// closes its listeners first when it starts shutting down.
type closeSignal struct {
	net.Listener
	once   sync.Once
	closed chan struct{}
}

func (l *closeSignal) Close() error {
	l.once.Do(func() { close(l.closed) })
	return l.Listener.Close()
}

// Serve returns after draining when its context is cancelled; the request
// in flight completes.
func TestOps_GracefulShutdown(t *testing.T) {
	e := newEnv(t)
	started, release := make(chan struct{}), make(chan struct{})
	srv, err := taxii.NewServer(slowStore{DB: e.db, started: started, release: release}, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &closeSignal{Listener: raw, closed: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	status := make(chan int, 1)
	go func() {
		res, err := http.Get("http://" + ln.Addr().String() + objectsPath(e, e.pub, ""))
		if err != nil {
			status <- -1
			return
		}
		res.Body.Close()
		status <- res.StatusCode
	}()
	<-started
	cancel()
	<-ln.closed // shutdown has begun while the request is held
	select {
	case err := <-done:
		t.Fatalf("Serve returned %v with a request in flight", err)
	default:
	}
	close(release)
	if st := <-status; st != 200 {
		t.Fatalf("in-flight request got %d, want 200", st)
	}
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	if _, err := http.Get("http://" + ln.Addr().String() + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

// Plain HTTP only on loopback unless AllowInsecureHTTP
// (then with a warning).
func TestOps_PlainHTTPOffLoopback(t *testing.T) {
	e := newEnv(t)
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Skipf("cannot listen on 0.0.0.0: %v", err)
	}
	err = e.srv.Serve(context.Background(), ln)
	ln.Close()
	if err == nil || !strings.Contains(err.Error(), "plain HTTP") {
		t.Fatalf("Serve on 0.0.0.0 without TLS: %v, want a refusal", err)
	}

	e = newEnv(t, func(c *taxii.Config) { c.AllowInsecureHTTP = true })
	ln, err = net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	waitHTTP(t, "http://127.0.0.1:"+port+"/healthz")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mustContain(t, e.logs.String(), "plain HTTP on a non-loopback address")
}

// Reload applies page sizes at once and refuses changes that need a
// restart.
func TestOps_Reload(t *testing.T) {
	e := newEnv(t)
	seed(e, e.pub.ID, 5)
	if n := len(e.get(objectsPath(e, e.pub, ""), "").envelope(t).Objects); n != 5 {
		t.Fatalf("%d objects", n)
	}
	cfg := e.cfg
	cfg.DefaultPageSize, cfg.MaxPageSize = 2, 3
	if err := e.srv.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if n := len(e.get(objectsPath(e, e.pub, ""), "").envelope(t).Objects); n != 2 {
		t.Fatalf("after reload: %d objects, want the new default 2", n)
	}
	if n := len(e.get(objectsPath(e, e.pub, "limit=50"), "").envelope(t).Objects); n != 3 {
		t.Fatalf("after reload: %d objects, want the new max 3", n)
	}
	bad := cfg
	bad.APIRoot = "other"
	if err := e.srv.Reload(bad); err == nil {
		t.Fatal("Reload accepted a new api root")
	}
	bad = cfg
	bad.DefaultPageSize = 10
	if err := e.srv.Reload(bad); err == nil {
		t.Fatal("Reload accepted default > max")
	}
}

// NewServer validates its configuration.
func TestNewServer_RejectsBadConfig(t *testing.T) {
	e := newEnv(t)
	for name, cfg := range map[string]taxii.Config{
		"api root with slash": {APIRoot: "a/b"},
		"reserved api root":   {APIRoot: "taxii2"},
		"negative page":       {DefaultPageSize: -1},
		"cert without key":    {TLSCertFile: "x.pem"},
		"relative base url":   {PublicBaseURL: "example.org"},
		"base url with query": {PublicBaseURL: "https://example.org/?x=1"},
		"bad proxy":           {TrustedProxies: []string{"not-an-ip"}},
		"missing cert files":  {TLSCertFile: "/nonexistent/c.pem", TLSKeyFile: "/nonexistent/k.pem"},
	} {
		if _, err := taxii.NewServer(e.db, cfg); err == nil {
			t.Errorf("%s: NewServer accepted %+v", name, cfg)
		}
	}
}
