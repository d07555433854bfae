package main

import (
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
)

// getMetrics fetches url, with Basic credentials when user is set.
func getMetrics(t *testing.T, url, user, password string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// serve --metrics-addr serves /metrics without credentials on a second
// listener; the TAXII listener's /metrics still needs the admin account.
func TestServeMetricsAddr(t *testing.T) {
	s := startServer(t, "--metrics-addr", "127.0.0.1:0")
	var discovery map[string]any
	taxiiGet(t, s.url+"/taxii2/", "", "", &discovery)

	code, body := getMetrics(t, s.metrics+"/metrics", "", "")
	if code != 200 {
		t.Fatalf("metrics listener: %d %s", code, body)
	}
	for _, want := range []string{
		`herald_http_requests_total{code="200",endpoint="discovery"} 1`,
		`herald_collection_object_versions{collection="`,
		"go_goroutines ",
		"process_resident_memory_bytes ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics listener lacks %q", want)
		}
	}
	if code, _ := getMetrics(t, s.url+"/metrics", "", ""); code != 401 {
		t.Errorf("anonymous /metrics on the TAXII listener: %d, want 401", code)
	}
	if code, body := getMetrics(t, s.url+"/metrics", "admin", s.password); code != 200 || !strings.Contains(body, "herald_http_requests_total") {
		t.Errorf("admin /metrics on the TAXII listener: %d %.200s", code, body)
	}
}

// Without --metrics-addr there is no second listener; the TAXII listener
// answers /metrics for the admin only.
func TestServeMetricsWithoutAddr(t *testing.T) {
	s := startServer(t)
	if s.metrics != "" {
		t.Fatalf("a metrics listener without --metrics-addr: %s", s.metrics)
	}
	if code, _ := getMetrics(t, s.url+"/metrics", "", ""); code != 401 {
		t.Errorf("anonymous /metrics: %d, want 401", code)
	}
}

// A metrics address that cannot be bound stops serve from starting, and
// the message names it.
func TestServeMetricsAddrInUse(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	db := filepath.Join(t.TempDir(), "herald.db")
	r := run(t, env{"HERALD_ADMIN_PASSWORD": "metrics-test-password"}, "", "serve", "--db", db, "--addr", "127.0.0.1:0", "--metrics-addr", taken.Addr().String())
	if r.code != 1 || !strings.Contains(r.stderr, "listen for metrics on "+taken.Addr().String()) {
		t.Errorf("exit %d, stderr %q; want 1 naming the metrics address", r.code, r.stderr)
	}
}
