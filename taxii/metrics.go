package taxii

import (
	"context"
	"errors"
	"fmt"
	"github.com/heraldcti/herald/store"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// latencyBuckets are the upper bounds (seconds) of the latency histogram.
var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metricsScrapeTimeout bounds the store reads of one scrape.
const metricsScrapeTimeout = 10 * time.Second

// metrics holds the server's Prometheus collectors, in a registry of its
// own (several servers in one process, as in tests, do not collide), with
// the Go runtime and process collectors beside them.
//
// The request path only touches prepared children: the counter and
// histogram of a route are looked up once per (route, status code) and
// cached, so recording a request allocates nothing.
type metrics struct {
	reg *prometheus.Registry

	requests  *prometheus.CounterVec   // endpoint, code
	latency   *prometheus.HistogramVec // endpoint
	lastPoll  *prometheus.GaugeVec     // account
	added     *prometheus.CounterVec   // collection
	rejected  *prometheus.CounterVec   // collection
	authFails prometheus.Counter
	cacheHit  prometheus.Counter
	cacheMiss prometheus.Counter

	refreshOK, refreshRejected, refreshError prometheus.Counter // credential refresh-ahead by result

	handler http.Handler // the exposition of reg

	routes   atomic.Pointer[map[string]*routeMetrics] // copy on write
	routesMu sync.Mutex                               // serialises writers of routes
	polls    sync.Map                                 // account name → prometheus.Gauge
}

// routeMetrics are the prepared children of one route.
type routeMetrics struct {
	route   string
	latency prometheus.Observer
	codes   [500]atomic.Pointer[counterRef] // status 100..599
}

type counterRef struct{ prometheus.Counter }

func newMetrics(db store.Store, log *slog.Logger) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_http_requests_total",
			Help: "HTTP requests by endpoint and status code.",
		}, []string{"endpoint", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "herald_http_request_duration_seconds",
			Help:    "Request latency by endpoint.",
			Buckets: latencyBuckets,
		}, []string{"endpoint"}),
		lastPoll: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "herald_account_last_poll_timestamp_seconds",
			Help: "Unix time of each account's last read of objects, manifests or versions.",
		}, []string{"account"}),
		added: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_objects_added_total",
			Help: "Object versions accepted by add requests, by collection.",
		}, []string{"collection"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "herald_objects_rejected_total",
			Help: "Object versions refused by add requests, by collection.",
		}, []string{"collection"}),
		authFails: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "herald_auth_failures_total",
			Help: "Failed authentications.",
		}),
	}
	cache := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_auth_cache_requests_total",
		Help: "Credential cache lookups (Basic and tokens) by result.",
	}, []string{"result"})
	m.cacheHit, m.cacheMiss = cache.WithLabelValues("hit"), cache.WithLabelValues("miss")
	refreshes := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "herald_auth_cache_refreshes_total",
		Help: "Background re-checks of cached credentials about to expire, by result: ok (renewed), rejected (no longer valid, dropped), error (not checked, left to expire).",
	}, []string{"result"})
	m.refreshOK, m.refreshRejected, m.refreshError = refreshes.WithLabelValues("ok"), refreshes.WithLabelValues("rejected"), refreshes.WithLabelValues("error")
	empty := map[string]*routeMetrics{}
	m.routes.Store(&empty)
	m.reg.MustRegister(
		m.requests, m.latency, m.lastPoll, m.added, m.rejected, m.authFails, cache, refreshes,
		&collectionCollector{db: db},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	// A collector that fails (the store) is logged and left out; the other
	// metrics are still served. The client library compresses when the
	// scraper accepts gzip.
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:      slogPrinter{log},
		ErrorHandling: promhttp.ContinueOnError,
	})
	return m
}

// route returns the prepared children of a route, creating them on first
// use.
func (m *metrics) route(name string) *routeMetrics {
	if rm := (*m.routes.Load())[name]; rm != nil {
		return rm
	}
	m.routesMu.Lock()
	defer m.routesMu.Unlock()
	old := *m.routes.Load()
	if rm := old[name]; rm != nil {
		return rm
	}
	rm := &routeMetrics{route: name, latency: m.latency.WithLabelValues(name)}
	next := make(map[string]*routeMetrics, len(old)+1)
	for k, v := range old {
		next[k] = v
	}
	next[name] = rm
	m.routes.Store(&next)
	return rm
}

// requestCounter returns the request counter of a route and status code.
func (m *metrics) requestCounter(rm *routeMetrics, code int) prometheus.Counter {
	if code < 100 || code > 599 {
		return m.requests.WithLabelValues(rm.route, strconv.Itoa(code))
	}
	slot := &rm.codes[code-100]
	if c := slot.Load(); c != nil {
		return c.Counter
	}
	c := &counterRef{m.requests.WithLabelValues(rm.route, strconv.Itoa(code))}
	if !slot.CompareAndSwap(nil, c) {
		return slot.Load().Counter
	}
	return c.Counter
}

func (m *metrics) observe(route string, code int, d time.Duration) {
	rm := m.route(route)
	m.requestCounter(rm, code).Inc()
	rm.latency.Observe(d.Seconds())
}

// polled records an account's read; the value keeps millisecond precision.
func (m *metrics) polled(account string, t time.Time) {
	g, ok := m.polls.Load(account)
	if !ok {
		g, _ = m.polls.LoadOrStore(account, m.lastPoll.WithLabelValues(account))
	}
	g.(prometheus.Gauge).Set(float64(t.UnixMilli()) / 1000)
}

func (m *metrics) addedObjects(collection string, ok, failed int) {
	m.added.WithLabelValues(collection).Add(float64(ok))
	m.rejected.WithLabelValues(collection).Add(float64(failed))
}

func (m *metrics) authFailure() { m.authFails.Inc() }

// watchPageCache exports the page cache's counters and size; they are read
// at scrape time, so the request path only bumps atomic counters.
func (m *metrics) watchPageCache(pc *pageCache) {
	const name, help = "herald_page_cache_requests_total", "Objects pages by how the page cache answered: hit (from memory), miss (walked and kept), bypass (a write was in flight)."
	for result, n := range map[string]*atomic.Uint64{"hit": &pc.hits, "miss": &pc.misses, "bypass": &pc.bypasses} {
		m.reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: name, Help: help, ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 { return float64(n.Load()) }))
	}
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "herald_page_cache_bytes",
		Help: "Memory held by the page cache (bounded by page_cache_bytes).",
	}, func() float64 { return float64(pc.bytes()) }))
}

func (m *metrics) authCache(hit bool) {
	if hit {
		m.cacheHit.Inc()
	} else {
		m.cacheMiss.Inc()
	}
}

// authRefresh counts a credential refresh-ahead by the result of its check
// (whether or not a change of accounts meanwhile made it drop the result).
func (m *metrics) authRefresh(err error) {
	switch {
	case err == nil:
		m.refreshOK.Inc()
	case errors.Is(err, errBadCredentials):
		m.refreshRejected.Inc()
	default:
		m.refreshError.Inc()
	}
}

// collectionCollector reports the object versions stored per collection,
// read from the store at each scrape.
type collectionCollector struct{ db store.Store }

var collectionVersionsDesc = prometheus.NewDesc(
	"herald_collection_object_versions",
	"Object versions stored, by collection.",
	[]string{"collection", "title"}, nil)

func (cc *collectionCollector) Describe(ch chan<- *prometheus.Desc) { ch <- collectionVersionsDesc }

func (cc *collectionCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), metricsScrapeTimeout)
	defer cancel()
	cols, err := cc.db.Collections(ctx)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(collectionVersionsDesc, fmt.Errorf("list collections: %w", err))
		return
	}
	for _, col := range cols {
		n, err := cc.db.CountVersions(ctx, col.ID)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(collectionVersionsDesc, fmt.Errorf("count versions of collection %s: %w", col.ID, err))
			continue
		}
		ch <- prometheus.MustNewConstMetric(collectionVersionsDesc, prometheus.GaugeValue, float64(n), col.ID, col.Title)
	}
}

// MetricsHandler serves /metrics without credentials, for a listener that
// only a trusted scraper can reach (see ServeMetrics). The TAXII listener's
// /metrics needs an admin account.
func (s *Server) MetricsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.handler)
	return mux
}

// ServeMetrics serves MetricsHandler on ln, without credentials and
// without TLS, until ctx is done. It is for a scraper on a private
// network; the metrics name accounts and collections, so the address must
// not be reachable by feed consumers.
func (s *Server) ServeMetrics(ctx context.Context, ln net.Listener) error {
	hs := &http.Server{
		Handler:           s.MetricsHandler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      time.Minute,
		IdleTimeout:       2 * time.Minute,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("serving metrics without credentials", "addr", ln.Addr().String())
	select {
	case err := <-errc:
		return fmt.Errorf("metrics listener: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := hs.Shutdown(sctx)
	if serr := <-errc; !errors.Is(serr, http.ErrServerClosed) && serr != nil && err == nil {
		err = serr
	}
	if err != nil {
		return fmt.Errorf("metrics listener: shutdown: %w", err)
	}
	return nil
}

// slogPrinter adapts the server's logger to promhttp's error log.
type slogPrinter struct{ log *slog.Logger }

func (p slogPrinter) Println(v ...any) { p.log.Error("metrics", "err", fmt.Sprint(v...)) }

// getMetrics serves GET /metrics on the TAXII listener, to admin accounts
// only (Basic or token): the metrics name accounts and private
// collections. Anonymous callers get 401, other accounts 403.
func (s *Server) getMetrics(c echo.Context) error {
	who := callerFrom(c)
	if who.anonymous() {
		return errorf(http.StatusUnauthorized, "metrics need an admin account")
	}
	if !who.Admin {
		return errorf(http.StatusForbidden, "metrics need an admin account")
	}
	// The handler sets its own Content-Type over the TAXII default.
	c.Response().Header().Del(echo.HeaderContentType)
	s.metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}
