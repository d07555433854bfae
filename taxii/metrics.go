package taxii

import (
	"bytes"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// metricsContentType is the Prometheus text exposition format, v0.0.4.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// latencyBuckets are the upper bounds (seconds) of the latency histogram.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics holds the counters behind /metrics, written by hand in the
// Prometheus text format (no client library: no new dependency).
type metrics struct {
	mu        sync.Mutex
	requests  map[requestKey]uint64
	latency   map[string]*histogram // by route
	lastPoll  map[string]time.Time  // by account
	added     map[string]uint64     // objects added, by collection id
	rejected  map[string]uint64     // objects refused, by collection id
	authFails uint64
	cacheHits uint64
	cacheMiss uint64
}

type requestKey struct {
	route string
	code  int
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative; last is +Inf
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{
		requests: map[requestKey]uint64{},
		latency:  map[string]*histogram{},
		lastPoll: map[string]time.Time{},
		added:    map[string]uint64{},
		rejected: map[string]uint64{},
	}
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	sec := d.Seconds()
	i := sort.SearchFloat64s(latencyBuckets, sec)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{route, code}]++
	h := m.latency[route]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets)+1)}
		m.latency[route] = h
	}
	h.counts[i]++
	h.sum += sec
	h.n++
}

func (m *metrics) polled(account string, t time.Time) {
	m.mu.Lock()
	m.lastPoll[account] = t
	m.mu.Unlock()
}

func (m *metrics) addedObjects(collection string, ok, failed int) {
	m.mu.Lock()
	m.added[collection] += uint64(ok)
	m.rejected[collection] += uint64(failed)
	m.mu.Unlock()
}

func (m *metrics) authFailure() {
	m.mu.Lock()
	m.authFails++
	m.mu.Unlock()
}

func (m *metrics) authCache(hit bool) {
	m.mu.Lock()
	if hit {
		m.cacheHits++
	} else {
		m.cacheMiss++
	}
	m.mu.Unlock()
}

// getMetrics serves GET /metrics. It is open to loopback peers (a local
// Prometheus) and to admin accounts; everyone else gets 401/403, because
// the metrics name accounts and collections.
func (s *Server) getMetrics(c echo.Context) error {
	who := callerFrom(c)
	if !who.Admin && (!loopbackPeer(c.Request()) || s.fromTrustedProxy(c.Request())) {
		if who.anonymous() {
			return errorf(http.StatusUnauthorized, "metrics need an admin account or a loopback client")
		}
		return errorf(http.StatusForbidden, "metrics need an admin account or a loopback client")
	}
	ctx := c.Request().Context()
	cols, err := s.db.Collections(ctx)
	if err != nil {
		return err
	}
	counts := make([]int, len(cols))
	for i, col := range cols {
		if counts[i], err = s.db.CountVersions(ctx, col.ID); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	m := s.metrics
	m.mu.Lock()
	header(&b, "herald_http_requests_total", "counter", "HTTP requests by endpoint and status code.")
	keys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].route != keys[j].route {
			return keys[i].route < keys[j].route
		}
		return keys[i].code < keys[j].code
	})
	for _, k := range keys {
		sample(&b, "herald_http_requests_total", m.requests[k], "endpoint", k.route, "code", strconv.Itoa(k.code))
	}
	header(&b, "herald_http_request_duration_seconds", "histogram", "Request latency by endpoint.")
	for _, route := range sortedKeys(m.latency) {
		h := m.latency[route]
		var cum uint64
		for i, ub := range latencyBuckets {
			cum += h.counts[i]
			sample(&b, "herald_http_request_duration_seconds_bucket", cum, "endpoint", route, "le", strconv.FormatFloat(ub, 'g', -1, 64))
		}
		sample(&b, "herald_http_request_duration_seconds_bucket", h.n, "endpoint", route, "le", "+Inf")
		sampleFloat(&b, "herald_http_request_duration_seconds_sum", h.sum, "endpoint", route)
		sample(&b, "herald_http_request_duration_seconds_count", h.n, "endpoint", route)
	}
	header(&b, "herald_account_last_poll_timestamp_seconds", "gauge", "Unix time of each account's last read of objects, manifests or versions.")
	for _, name := range sortedKeys(m.lastPoll) {
		sampleFloat(&b, "herald_account_last_poll_timestamp_seconds", float64(m.lastPoll[name].UnixMilli())/1000, "account", name)
	}
	header(&b, "herald_objects_added_total", "counter", "Object versions accepted by add requests, by collection.")
	for _, id := range sortedKeys(m.added) {
		sample(&b, "herald_objects_added_total", m.added[id], "collection", id)
	}
	header(&b, "herald_objects_rejected_total", "counter", "Object versions refused by add requests, by collection.")
	for _, id := range sortedKeys(m.rejected) {
		sample(&b, "herald_objects_rejected_total", m.rejected[id], "collection", id)
	}
	header(&b, "herald_auth_failures_total", "counter", "Failed authentications.")
	sample(&b, "herald_auth_failures_total", m.authFails)
	header(&b, "herald_auth_cache_requests_total", "counter", "Basic credential cache lookups by result.")
	sample(&b, "herald_auth_cache_requests_total", m.cacheHits, "result", "hit")
	sample(&b, "herald_auth_cache_requests_total", m.cacheMiss, "result", "miss")
	m.mu.Unlock()

	header(&b, "herald_collection_object_versions", "gauge", "Object versions stored, by collection.")
	for i, col := range cols {
		sample(&b, "herald_collection_object_versions", uint64(counts[i]), "collection", col.ID, "title", col.Title)
	}
	c.Response().Header().Set(echo.HeaderContentType, metricsContentType)
	return c.Blob(http.StatusOK, metricsContentType, b.Bytes())
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func header(b *bytes.Buffer, name, typ, help string) {
	b.WriteString("# HELP " + name + " " + help + "\n# TYPE " + name + " " + typ + "\n")
}

func sample(b *bytes.Buffer, name string, v uint64, labels ...string) {
	writeName(b, name, labels)
	b.WriteString(strconv.FormatUint(v, 10))
	b.WriteByte('\n')
}

func sampleFloat(b *bytes.Buffer, name string, v float64, labels ...string) {
	writeName(b, name, labels)
	b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
	b.WriteByte('\n')
}

func writeName(b *bytes.Buffer, name string, labels []string) {
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(labelEscaper.Replace(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
}

// labelEscaper escapes label values as the exposition format requires.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// loopbackPeer reports whether the TCP peer itself is on loopback (proxy
// headers are not consulted).
func loopbackPeer(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
