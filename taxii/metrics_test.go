package taxii_test

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/heraldcti/herald/store"
)

// scrape reads the metrics through the credential-free handler, so the
// scrape itself adds no authentication to what it reports.
func scrape(t *testing.T, e *env) string {
	t.Helper()
	hs := httptest.NewServer(e.srv.MetricsHandler())
	defer hs.Close()
	res, err := http.Get(hs.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 {
		t.Fatalf("metrics: %d %s", res.StatusCode, body)
	}
	return string(body)
}

const adminTok = "admin-api-token-0123456789"

// giveAdminToken adds an API token to the admin account.
func giveAdminToken(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	a, err := e.db.Account(ctx, userAdmin)
	if err != nil {
		t.Fatal(err)
	}
	a.Tokens = append(a.Tokens, store.APIToken{ID: "admintok", SHA256: sha256hex(adminTok), Created: t0})
	if err := e.db.PutAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
}

// /metrics keeps its metric names and labels: requests by endpoint and
// status, the latency histogram, object versions per collection, the last
// poll per account, add results, authentication; and the Go runtime and
// process collectors of the client library are there too.
func TestMetrics_NamesAndLabels(t *testing.T) {
	e := newEnv(t)
	e.put(e.pub.ID, indicator(1, ""), indicator(2, ""))
	e.get(objectsPath(e, e.pub, ""), userReader)
	e.get(objectsPath(e, e.pub, "limit=0"), "")
	wantError(t, e.do(req{path: objectsPath(e, e.priv, ""), header: map[string]string{"Authorization": basic(userReader, "wrong")}}), 401)
	body := envelopeOf(indicator(3, ""))
	body = bytes.Replace(body, []byte(`]}`), []byte(`,{"type":"indicator","spec_version":"2.1","id":"indicator--bad"}]}`), 1)
	wantStatus(t, post(e, userRW, body), 202)

	text := scrape(t, e)
	for _, want := range []string{
		`herald_http_requests_total{code="200",endpoint="get_objects"} 1`,
		`herald_http_requests_total{code="400",endpoint="get_objects"} 1`,
		`herald_http_requests_total{code="401",endpoint="get_objects"} 1`,
		`herald_http_requests_total{code="202",endpoint="add_objects"} 1`,
		`herald_http_request_duration_seconds_bucket{endpoint="get_objects",le="0.0005"} `,
		`herald_http_request_duration_seconds_bucket{endpoint="get_objects",le="10"} 3`,
		`herald_http_request_duration_seconds_bucket{endpoint="get_objects",le="+Inf"} 3`,
		`herald_http_request_duration_seconds_count{endpoint="get_objects"} 3`,
		`herald_http_request_duration_seconds_sum{endpoint="get_objects"} `,
		`herald_collection_object_versions{collection="` + e.pub.ID + `",title="Public advisories"} 2`,
		`herald_collection_object_versions{collection="` + e.priv.ID + `",title="Private indicators"} 1`,
		`herald_account_last_poll_timestamp_seconds{account="reader"} ` + formatFloat(float64(t0.UnixMilli())/1000),
		`herald_objects_added_total{collection="` + e.priv.ID + `"} 1`,
		`herald_objects_rejected_total{collection="` + e.priv.ID + `"} 1`,
		`herald_auth_failures_total 1`,
		`herald_auth_cache_requests_total{result="miss"} `,
		"# TYPE herald_http_requests_total counter",
		"# TYPE herald_http_request_duration_seconds histogram",
		"# TYPE herald_collection_object_versions gauge",
		"# TYPE herald_account_last_poll_timestamp_seconds gauge",
		"# TYPE go_goroutines gauge",
		"# TYPE go_memstats_heap_alloc_bytes gauge",
		"# TYPE process_cpu_seconds_total counter",
		"# TYPE process_resident_memory_bytes gauge",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Each line is a comment or "name{labels} value".
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "# ") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 1 {
			t.Errorf("malformed metrics line %q", line)
			continue
		}
		if _, err := strconv.ParseFloat(line[i+1:], 64); err != nil {
			t.Errorf("metrics line %q: value: %v", line, err)
		}
	}
}

// On the TAXII listener, /metrics answers admin accounts only, by Basic or
// by token; the others get 401 (anonymous, wrong credentials) or 403, even
// from loopback, since the metrics name accounts and private collections.
func TestMetrics_NeedAnAdminAccount(t *testing.T) {
	e := newEnv(t)
	giveAdminToken(t, e)
	bearer := func(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }
	for _, tc := range []struct {
		name string
		r    req
		want int
	}{
		{"anonymous", req{path: "/metrics", noTAXII: true}, 401},
		{"wrong password", req{path: "/metrics", noTAXII: true, header: map[string]string{"Authorization": basic(userAdmin, "wrong")}}, 401},
		{"reader by Basic", req{path: "/metrics", noTAXII: true, user: userReader}, 403},
		{"reader by token", req{path: "/metrics", noTAXII: true, header: bearer(readerTok)}, 403},
		{"admin by Basic", req{path: "/metrics", noTAXII: true, user: userAdmin}, 200},
		{"admin by token", req{path: "/metrics", noTAXII: true, header: bearer(adminTok)}, 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.r)
			if tc.want != 200 {
				wantError(t, r, tc.want)
				if strings.Contains(string(r.body), "herald_") {
					t.Errorf("a refused scrape shows metrics: %s", r.body)
				}
				return
			}
			wantStatus(t, r, 200)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
				t.Errorf("Content-Type %q", ct)
			}
			mustContain(t, string(r.body), `herald_collection_object_versions{collection="`+e.priv.ID+`",title="Private indicators"} 0`)
		})
	}
}

// ServeMetrics serves the same metrics without credentials on a listener
// of its own, and nothing else there; it stops when its context ends.
func TestMetrics_SeparateListener(t *testing.T) {
	e := newEnv(t)
	e.get(objectsPath(e, e.pub, ""), "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.srv.ServeMetrics(ctx, ln) }()
	base := "http://" + ln.Addr().String()

	res, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("metrics listener: %d %s", res.StatusCode, body)
	}
	mustContain(t, string(body), `herald_http_requests_total{code="200",endpoint="get_objects"} 1`)
	mustContain(t, string(body), `herald_collection_object_versions{collection="`+e.priv.ID+`"`)
	for _, path := range []string{"/taxii2/", "/admin/users", "/healthz"} {
		res, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 404 {
			t.Errorf("metrics listener serves %s: %d", path, res.StatusCode)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("ServeMetrics: %v", err)
	}
	if _, err := http.Get(base + "/metrics"); err == nil {
		t.Fatal("metrics listener still answers after its context ended")
	}
}
