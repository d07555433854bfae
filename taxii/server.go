package taxii

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/store"
)

// Server is Herald's TAXII 2.1 server: one API root over a store.Store. It is
// safe for concurrent use; Reload may be called while it serves.
type Server struct {
	db      store.Store
	e       *echo.Echo
	set     atomic.Pointer[settings]
	cert    atomic.Pointer[tls.Certificate]
	apiRoot string // fixed: routes are registered once
	useTLS  bool   // fixed: decided by NewServer's config

	proxyWarned atomic.Bool // the X-Forwarded-For-without-trusted-proxies warning was logged
	tokens      tokenSigner
	auth        *authenticator
	metrics     *metrics
	pages       *pageCache // nil: off, or a store without content stamps
	log         *slog.Logger
}

// NewServer builds a server over db. It reads the store's token secret
// (so db must be open) and, when TLS files are configured, loads them.
func NewServer(db store.Store, cfg Config) (*Server, error) {
	if db == nil {
		return nil, errors.New("taxii: nil store")
	}
	st, err := compile(cfg.withDefaults())
	if err != nil {
		return nil, err
	}
	secret, err := db.TokenSecret(context.Background())
	if err != nil {
		return nil, fmt.Errorf("taxii: read token secret: %w", err)
	}
	if len(secret) < 16 {
		return nil, fmt.Errorf("taxii: token secret is %d bytes, want at least 16", len(secret))
	}
	s := &Server{
		db:      db,
		apiRoot: st.APIRoot,
		useTLS:  st.TLSCertFile != "",
		tokens:  tokenSigner{key: secret},
		metrics: newMetrics(db, st.Logger),
		log:     st.Logger,
	}
	s.auth = newAuthenticator(s)
	if s.pages = newPageCache(db, st.PageCacheBytes); s.pages != nil {
		s.metrics.watchPageCache(s.pages)
	}
	if s.useTLS {
		if err := s.loadCert(st); err != nil {
			return nil, err
		}
	}
	s.set.Store(st)
	s.e = s.newEcho()
	return s, nil
}

// settings returns the current configuration.
func (s *Server) settings() *settings { return s.set.Load() }

// Handler returns the HTTP handler: TAXII endpoints, /healthz, /metrics and
// (when admin.go registers it) the admin API. Use it with httptest or your
// own http.Server; Serve adds TLS, timeouts and graceful shutdown.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

// serveHTTP normalises the request's path (normalisePath) and routes it.
// This is Echo's pre-router middleware done by hand: Echo would make
// closures for it on every request.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	normalisePath(r.URL)
	s.e.ServeHTTP(w, r)
}

// Reload applies a new configuration while serving (SIGHUP): page sizes,
// max_content_length, public base URL, titles, trusted proxies, auth
// cache/throttle knobs, status retention, the EmptyObjectsList switch and
// the TLS certificate (re-read from the files). The API root name, the
// listen address, whether TLS is on, timeouts and the logger need a
// restart; changing them is an error and nothing is applied.
func (s *Server) Reload(cfg Config) error {
	st, err := compile(cfg.withDefaults())
	if err != nil {
		return err
	}
	old := s.settings()
	switch {
	case st.APIRoot != old.APIRoot:
		return fmt.Errorf("taxii reload: the api root cannot change without a restart (%q → %q)", old.APIRoot, st.APIRoot)
	case (st.TLSCertFile != "") != s.useTLS:
		return errors.New("taxii reload: switching TLS on or off needs a restart")
	}
	if s.useTLS {
		if err := s.loadCert(st); err != nil {
			return err
		}
	}
	// Fields that cannot change at run time keep their running values.
	st.Addr, st.Logger = old.Addr, old.Logger
	st.ReadHeaderTimeout, st.ReadTimeout, st.WriteTimeout = old.ReadHeaderTimeout, old.ReadTimeout, old.WriteTimeout
	st.IdleTimeout, st.ShutdownTimeout = old.IdleTimeout, old.ShutdownTimeout
	s.set.Store(st)
	s.auth.forget()
	s.log.Info("configuration reloaded", "default_page_size", st.DefaultPageSize, "max_page_size", st.MaxPageSize,
		"max_content_length", st.MaxContentLength, "public_base_url", st.PublicBaseURL)
	return nil
}

// Serve serves on ln until ctx is cancelled, then stops accepting, drains
// in-flight requests (at most ShutdownTimeout) and returns nil. With TLS
// configured it serves TLS 1.2/1.3 and HTTP/2; without, plain HTTP only on
// a loopback listener unless AllowInsecureHTTP. It also purges expired
// add-request statuses periodically. Once it has stopped serving, cached
// credentials are no longer refreshed in the background (see
// authenticate); they simply expire.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	st := s.settings()
	hs := &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: st.ReadHeaderTimeout,
		ReadTimeout:       st.ReadTimeout,
		WriteTimeout:      st.WriteTimeout,
		IdleTimeout:       st.IdleTimeout,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	if s.useTLS {
		hs.TLSConfig = s.tlsConfig()
	} else if !isLoopback(ln.Addr()) {
		if !st.AllowInsecureHTTP {
			return fmt.Errorf("taxii: refusing plain HTTP on non-loopback address %s: configure TLS or AllowInsecureHTTP", ln.Addr())
		}
		s.log.Warn("serving plain HTTP on a non-loopback address: credentials travel in clear text unless a TLS proxy is in front", "addr", ln.Addr().String())
	}
	if isLoopback(ln.Addr()) && len(st.proxies) == 0 {
		s.log.Warn("listening on loopback with no trusted_proxies: if a reverse proxy forwards to this address, every client shares the proxy's address, so one client's failed logins throttle everyone; set trusted_proxies to the proxy's address", "addr", ln.Addr().String())
	}

	// Credential refreshes (auth.go) run in the background for the
	// server's lifetime; once it is drained they are stopped and waited
	// for, so none outlives Serve. Later ones are not started.
	defer s.auth.stop()

	// Expired statuses are purged before the first request is served, so
	// a client that gets an answer never sees a status past its retention.
	s.purgeStatuses(ctx)
	bg, stopBG := context.WithCancel(ctx)
	defer stopBG()
	go s.maintain(bg)

	errc := make(chan error, 1)
	go func() {
		if s.useTLS {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	s.log.Info("serving TAXII 2.1", "addr", ln.Addr().String(), "tls", s.useTLS, "api_root", "/"+s.apiRoot+"/")
	select {
	case err := <-errc:
		return fmt.Errorf("taxii: serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), st.ShutdownTimeout)
	defer cancel()
	err := hs.Shutdown(sctx)
	<-errc // http.ErrServerClosed
	if err != nil {
		return fmt.Errorf("taxii: shutdown: %w", err)
	}
	s.log.Info("server stopped")
	return nil
}

// maintain purges statuses older than StatusRetention and expired auth
// cache and throttle entries, until ctx is done. Serve has already purged
// once before serving.
func (s *Server) maintain(ctx context.Context) {
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	lastPurge := time.Now()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.auth.sweep()
			if time.Since(lastPurge) >= s.settings().StatusPurgeInterval {
				s.purgeStatuses(ctx)
				lastPurge = time.Now()
			}
		}
	}
}

func (s *Server) purgeStatuses(ctx context.Context) {
	st := s.settings()
	n, err := s.db.PurgeStatuses(ctx, st.Now().Add(-st.StatusRetention))
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("purge statuses", "err", err)
		}
		return
	}
	if n > 0 {
		s.log.Info("purged expired add-request statuses", "count", n)
	}
}

func isLoopback(a net.Addr) bool {
	host := a.String()
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.IsLoopback()
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
