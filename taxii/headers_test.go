package taxii_test

import (
	"crypto/tls"
	"net/http"
	"strings"
	"testing"

	"github.com/heraldcti/herald/taxii"
)

// Nosniff on every response (errors and 404s too),
// Cache-Control: no-store on responses to requests with credentials, no
// HSTS over plain HTTP.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	priv := objectsPath(e, e.priv, "")
	for _, r := range []resp{e.get("/taxii2/", ""), e.get("/nowhere", ""), e.get(priv, userReader), e.get(priv, ""),
		e.do(req{path: priv, header: map[string]string{"Authorization": basic(userReader, "wrong")}})} {
		if got := r.Header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", r.Request.URL.Path, got)
		}
		if r.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("%s: HSTS over plain HTTP", r.Request.URL.Path)
		}
	}
	for _, r := range []resp{e.get(priv, userReader), e.get("/admin/users", userAdmin), e.do(req{path: "/taxii2/", header: map[string]string{"Authorization": "Bearer " + readerTok}})} {
		if got := r.Header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("authenticated %s: Cache-Control %q, want no-store", r.Request.URL.Path, got)
		}
	}
}

// Under TLS every response carries Strict-Transport-Security.
func TestSecurityHeadersTLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t)
	e := newEnv(t, func(c *taxii.Config) { c.TLSCertFile, c.TLSKeyFile = certFile, keyFile })
	addr := serveBackground(t, e.srv)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	res, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if got := res.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
		t.Fatalf("Strict-Transport-Security %q under TLS", got)
	}
}

// A 1 MB query string (or path) is not logged whole.
func TestLogTruncatesClientFields(t *testing.T) {
	e := newEnv(t)
	long := strings.Repeat("a", 1<<20)
	e.do(req{path: "/taxii2/?q=" + long})
	e.do(req{path: "/x" + strings.Repeat("b", 100<<10)})
	logs := e.logs.String()
	if len(logs) > 64<<10 {
		t.Fatalf("the log holds %d bytes after two requests with huge query and path", len(logs))
	}
	if !strings.Contains(logs, "bytes)") {
		t.Fatalf("truncated fields are not marked: %.500s", logs)
	}
}

// Serving on loopback without trusted proxies warns at start
// (a local reverse proxy would make every client one address), and a
// request with X-Forwarded-For from an untrusted peer warns once.
func TestWarnLoopbackWithoutTrustedProxies(t *testing.T) {
	e := newEnv(t)
	serveBackground(t, e.srv)
	e.do(req{path: "/taxii2/", header: map[string]string{"X-Forwarded-For": "203.0.113.1"}})
	e.do(req{path: "/taxii2/", header: map[string]string{"X-Forwarded-For": "203.0.113.2"}})
	logs := e.logs.String()
	if !strings.Contains(logs, "listening on loopback with no trusted_proxies") {
		t.Fatalf("no start-up warning about trusted_proxies:\n%.2000s", logs)
	}
	if n := strings.Count(logs, "X-Forwarded-For but no trusted_proxies"); n != 1 {
		t.Fatalf("%d X-Forwarded-For warnings, want 1", n)
	}
	p := newEnv(t, func(c *taxii.Config) { c.TrustedProxies = []string{"127.0.0.1"} })
	serveBackground(t, p.srv)
	p.do(req{path: "/taxii2/", header: map[string]string{"X-Forwarded-For": "203.0.113.1"}})
	if strings.Contains(p.logs.String(), "trusted_proxies") {
		t.Fatal("warned although trusted proxies are configured")
	}
}
