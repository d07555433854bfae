package taxii_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// TAXII 2.1 §1.6.9 and §8.2.2: authentication and TLS.

const challenge = `Basic realm="herald", Bearer`

// §8.2.2(5): HTTP Basic against the accounts;
// failures are 401 with WWW-Authenticate.
func TestS8_2_BasicAuth(t *testing.T) {
	e := newEnv(t)
	priv := objectsPath(e, e.priv, "")
	wantStatus(t, e.get(priv, userReader), 200)
	for name, h := range map[string]string{
		"wrong password": basic(userReader, "wrong"),
		"unknown user":   basic("mallory", password),
		"no colon":       "Basic " + "cmVhZGVy",
		"bad base64":     "Basic !!!",
		"empty":          "Basic ",
		"unknown scheme": "Digest username=reader",
		"empty bearer":   "Bearer ",
	} {
		r := e.do(req{path: priv, header: map[string]string{"Authorization": h}})
		if r.StatusCode != 401 || r.Header.Get("WWW-Authenticate") != challenge {
			t.Errorf("%s: %d WWW-Authenticate %q, want 401 %q", name, r.StatusCode, r.Header.Get("WWW-Authenticate"), challenge)
		}
	}
	// Wrong credentials are refused even where anonymous access is fine.
	wantError(t, e.do(req{path: "/taxii2/", header: map[string]string{"Authorization": basic(userReader, "wrong")}}), 401)
	if strings.Contains(e.logs.String(), password) {
		t.Fatal("a password reached the log")
	}
}

// What real clients send: API tokens as Bearer, Token and as the
// Basic password.
func TestS8_2_TokenSchemes(t *testing.T) {
	e := newEnv(t)
	priv := objectsPath(e, e.priv, "")
	for _, h := range []string{"Bearer " + readerTok, "Token " + readerTok, "bearer  " + readerTok, basic(userReader, readerTok)} {
		wantStatus(t, e.do(req{path: priv, header: map[string]string{"Authorization": h}}), 200)
	}
	for _, h := range []string{"Bearer nope", basic(userRW, readerTok)} {
		wantError(t, e.do(req{path: priv, header: map[string]string{"Authorization": h}}), 401)
	}
	if strings.Contains(e.logs.String(), readerTok) {
		t.Fatal("a token reached the log")
	}
}

// Repeated failures from one client IP get 429 with
// Retry-After until the window ends; other IPs are unaffected. The client
// IP comes from X-Forwarded-For only because 127.0.0.1 is a trusted proxy.
func TestS8_2_FailureThrottle(t *testing.T) {
	e := newEnv(t, func(c *taxii.Config) {
		c.MaxAuthFailures = 3
		c.AuthFailureWindow = time.Minute
		c.TrustedProxies = []string{"127.0.0.1/32", "::1"}
	})
	priv := objectsPath(e, e.priv, "")
	from := func(ip, auth string) resp {
		return e.do(req{path: priv, header: map[string]string{"Authorization": auth, "X-Forwarded-For": ip}})
	}
	for i := 0; i < 3; i++ {
		wantError(t, from("203.0.113.5", basic(userReader, "guess")), 401)
	}
	r := from("203.0.113.5", basic(userReader, password))
	wantError(t, r, 429)
	if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After %q", ra)
	}
	wantStatus(t, from("203.0.113.6", basic(userReader, password)), 200)
	e.clock.Add(61 * time.Second)
	wantStatus(t, from("203.0.113.5", basic(userReader, password)), 200)
}

// Verified Basic credentials are
// cached (no argon2 per poll) for AuthCacheTTL; a changed password takes
// effect after the TTL, or at once after Reload.
func TestS8_2_CredentialCache(t *testing.T) {
	e := newEnv(t, func(c *taxii.Config) { c.AuthCacheTTL = time.Minute })
	priv := objectsPath(e, e.priv, "")
	for i := 0; i < 3; i++ {
		wantStatus(t, e.get(priv, userReader), 200)
	}
	m := scrape(t, e)
	mustContain(t, m, `herald_auth_cache_requests_total{result="hit"} 2`)
	mustContain(t, m, `herald_auth_cache_requests_total{result="miss"} 1`)

	acct, err := e.db.Account(context.Background(), userReader)
	if err != nil {
		t.Fatal(err)
	}
	acct.PasswordHash, err = store.HashPassword("new password")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.db.PutAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.get(priv, userReader), 200) // cached
	e.clock.Add(61 * time.Second)
	wantError(t, e.get(priv, userReader), 401)
	wantStatus(t, e.do(req{path: priv, header: map[string]string{"Authorization": basic(userReader, "new password")}}), 200)
}

// writeCert writes a self-signed ECDSA certificate for 127.0.0.1.
func writeCert(t *testing.T) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "herald test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}

// serveBackground runs Serve on 127.0.0.1:0 until the test ends.
func serveBackground(t *testing.T, srv *taxii.Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Addr().String()
}

// §8.2.2(1–4): TLS 1.2 and 1.3 with AEAD ECDHE
// suites only, HTTP/2, https URLs in discovery.
func TestS8_2_TLS(t *testing.T) {
	certFile, keyFile, pool := writeCert(t)
	e := newEnv(t, func(c *taxii.Config) { c.TLSCertFile, c.TLSKeyFile = certFile, keyFile })
	addr := serveBackground(t, e.srv)
	url := "https://" + addr + "/taxii2/"

	get := func(cfg *tls.Config) (*http.Response, error) {
		cfg.RootCAs = pool
		tr := &http.Transport{TLSClientConfig: cfg, ForceAttemptHTTP2: true}
		defer tr.CloseIdleConnections()
		res, err := (&http.Client{Transport: tr}).Get(url)
		if err == nil {
			res.Body.Close()
		}
		return res, err
	}
	res, err := get(&tls.Config{})
	if err != nil {
		t.Fatalf("TLS default: %v", err)
	}
	if res.Proto != "HTTP/2.0" || res.TLS.Version != tls.VersionTLS13 {
		t.Errorf("negotiated %s over TLS %x, want HTTP/2.0 over TLS 1.3", res.Proto, res.TLS.Version)
	}
	if _, err := get(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}); err != nil {
		t.Errorf("TLS 1.2 with an AEAD ECDHE suite refused: %v", err)
	}
	if _, err := get(&tls.Config{MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}}); err == nil {
		t.Error("TLS 1.2 with a CBC suite accepted")
	}
	if _, err := get(&tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}); err == nil {
		t.Error("TLS 1.1 accepted")
	}

	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	defer tr.CloseIdleConnections()
	hr, _ := http.NewRequest(http.MethodGet, url, nil)
	hr.Header.Set("Accept", taxii.MediaTypeTAXII)
	r, err := (&http.Client{Transport: tr}).Do(hr)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	var d struct {
		Default string `json:"default"`
	}
	if err := decodeJSON(r.Body, &d); err != nil {
		t.Fatal(err)
	}
	if d.Default != "https://"+addr+"/herald/" {
		t.Errorf("discovery over TLS advertises %q", d.Default)
	}
}

// Reload re-reads the certificate files (rotation without a restart).
func TestS8_2_TLSCertificateReload(t *testing.T) {
	certFile, keyFile, pool1 := writeCert(t)
	e := newEnv(t, func(c *taxii.Config) { c.TLSCertFile, c.TLSKeyFile = certFile, keyFile })
	addr := serveBackground(t, e.srv)
	get := func(pool *x509.CertPool) error {
		tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
		defer tr.CloseIdleConnections()
		res, err := (&http.Client{Transport: tr}).Get("https://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	if err := get(pool1); err != nil {
		t.Fatalf("first certificate: %v", err)
	}
	cert2, key2, pool2 := writeCert(t)
	cfg := e.cfg
	cfg.TLSCertFile, cfg.TLSKeyFile = cert2, key2
	if err := e.srv.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if err := get(pool2); err != nil {
		t.Fatalf("after reload, the new certificate is not served: %v", err)
	}
	if err := get(pool1); err == nil {
		t.Fatal("after reload, the old certificate is still served")
	}
	cfg.TLSCertFile, cfg.TLSKeyFile = "", ""
	if err := e.srv.Reload(cfg); err == nil {
		t.Fatal("Reload switched TLS off")
	}
}
