package taxii

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// ctxState is the key of the request's reqState in the echo context, for
// a request that did not pass through observe (see stateOf).
const ctxState = "herald.request"

// reqState is what the middleware and handlers of one request share: the
// request id, the route name, the caller, the request's logger and the
// status an error was answered with. observe hands it down the chain
// inside the context (observedContext) rather than as values of the echo
// context: each Set and Get of those takes a lock, and the first Set makes
// a map.
type reqState struct {
	id     string
	idHdr  [1]string // the X-Request-Id header's value, with no slice of its own to allocate
	route  string
	caller *caller
	logger *slog.Logger // made on first use (logFor)
	status int          // set by handleError
}

// observedContext is the context observe hands down the chain: the echo
// context with the request's state beside it, made in one allocation.
type observedContext struct {
	echo.Context
	state reqState
}

// lookupState returns the request's state, or nil if there is none yet.
func lookupState(c echo.Context) *reqState {
	if oc, ok := c.(*observedContext); ok {
		return &oc.state
	}
	st, _ := c.Get(ctxState).(*reqState)
	return st
}

// stateOf returns the request's state, making it if the request did not
// pass through observe (a handler or middleware called on its own).
func stateOf(c echo.Context) *reqState {
	if st := lookupState(c); st != nil {
		return st
	}
	st := &reqState{}
	c.Set(ctxState, st)
	return st
}

// headerRequestID carries the request id in both directions.
const headerRequestID = "X-Request-Id"

// observe wraps every request, matched or not: it assigns the request id
// (X-Request-Id; a well-formed incoming one is kept), sets the TAXII
// Content-Type by default, turns panics into a logged 500 without
// internals, hands errors to the TAXII error handler, then writes one
// structured log line and records metrics.
func (s *Server) observe(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		start := time.Now()
		req, resp := c.Request(), c.Response()
		rid := req.Header.Get(headerRequestID)
		if !validRequestID(rid) {
			rid = newRequestID()
		}
		// Everything below, and the handlers, get the context with the
		// request's state (logFor builds the request's logger from it
		// when a handler logs).
		oc := &observedContext{Context: c, state: reqState{id: rid, idHdr: [1]string{rid}}}
		rs := &oc.state
		c = oc
		h := resp.Header()
		h[keyRequestID] = rs.idHdr[:]
		h[echo.HeaderContentType] = valTAXIIType
		setSecurityHeaders(h, req, s.useTLS)
		if req.Header.Get(echo.HeaderXForwardedFor) != "" && !s.proxyWarned.Load() && len(s.settings().proxies) == 0 && s.proxyWarned.CompareAndSwap(false, true) {
			s.log.Warn("a request came with X-Forwarded-For but no trusted_proxies are configured: all clients behind that proxy share one address for throttling; set trusted_proxies to the proxy's address", "peer", clip(req.RemoteAddr))
		}

		func() {
			defer func() {
				if r := recover(); r != nil {
					if r == http.ErrAbortHandler {
						panic(r)
					}
					buf := make([]byte, 8<<10)
					buf = buf[:runtime.Stack(buf, false)]
					s.logFor(c).Error("panic in handler", "panic", fmt.Sprint(r), "stack", string(buf))
					err = &apiError{Status: http.StatusInternalServerError, Description: "internal server error", Err: fmt.Errorf("panic: %v", r)}
				}
			}()
			err = next(c)
		}()
		if err != nil {
			s.handleError(err, c)
		}

		status := resp.Status
		if rs.status == statusClientClosed {
			status = rs.status
		}
		route := rs.route
		if route == "" {
			route = rUnmatched
		}
		elapsed := time.Since(start)
		s.metrics.observe(route, status, elapsed)
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		// The request line is built only when the level lets it through
		// (at warn, the load script's level, a request logs nothing and
		// allocates nothing here). request_id comes first, where the
		// logger's With would have put it.
		if !s.log.Enabled(req.Context(), level) {
			return nil
		}
		attrs := make([]slog.Attr, 0, 10)
		attrs = append(attrs,
			slog.String("request_id", rid),
			slog.String("method", clip(req.Method)),
			slog.String("path", clip(req.URL.Path)),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Int64("bytes", resp.Size),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.String("client_ip", c.RealIP()),
		)
		if who := rs.caller; who != nil && who.Name != "" {
			attrs = append(attrs, slog.String("user", who.Name))
		}
		if req.URL.RawQuery != "" {
			attrs = append(attrs, slog.String("query", clip(req.URL.RawQuery)))
		}
		s.log.LogAttrs(req.Context(), level, "request", attrs...)
		return nil
	}
}

// maxLogField is the most bytes of one client-controlled field (path,
// query, method) that a log line carries; longer values are cut and
// marked, so a 1 MB query costs the log a few hundred bytes.
const maxLogField = 256

// clip cuts a client-controlled value to maxLogField bytes (at a UTF-8
// boundary) and says how long it was.
func clip(v string) string {
	if len(v) <= maxLogField {
		return v
	}
	cut := maxLogField
	for cut > 0 && !utf8.RuneStart(v[cut]) {
		cut--
	}
	return v[:cut] + "…(" + strconv.Itoa(len(v)) + " bytes)"
}

// setSecurityHeaders sets the headers every response carries:
// X-Content-Type-Options: nosniff always; Cache-Control: no-store when the
// request carried credentials (what it returns is for that caller only);
// Strict-Transport-Security when the server speaks TLS.
func setSecurityHeaders(h http.Header, req *http.Request, tls bool) {
	h["X-Content-Type-Options"] = valNosniff
	if req.Header.Get(echo.HeaderAuthorization) != "" {
		h["Cache-Control"] = valNoStore
	}
	if tls {
		h["Strict-Transport-Security"] = valHSTS
	}
}

// Header values every response (or every one of a kind) carries, one
// slice shared by all of them: assigning it saves the allocation of
// Header.Set on every request. Each has no room to grow, so an Add to such
// a header copies it, and nothing writes into them.
var (
	keyRequestID          = http.CanonicalHeaderKey(headerRequestID)
	valTAXIIType          = []string{MediaTypeTAXII}
	valNosniff            = []string{"nosniff"}
	valNoStore            = []string{"no-store"}
	valHSTS               = []string{"max-age=31536000"}
	valVaryAcceptEncoding = []string{echo.HeaderAcceptEncoding}
)

// requestID returns the request id of c ("" outside observe).
func requestID(c echo.Context) string {
	if rs := lookupState(c); rs != nil {
		return rs.id
	}
	return ""
}

// logFor returns the logger carrying the request id of c, made on first
// use: most requests never log from a handler.
func (s *Server) logFor(c echo.Context) *slog.Logger {
	rs := lookupState(c)
	if rs == nil || rs.id == "" {
		return s.log
	}
	if rs.logger == nil {
		rs.logger = s.log.With("request_id", rs.id)
	}
	return rs.logger
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}

// validRequestID accepts ids a proxy may have set: 8 to 64 characters of
// [A-Za-z0-9._-], so nothing odd reaches logs or responses.
func validRequestID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// clientIP is echo's IPExtractor: the connection's peer, unless the peer is
// a trusted proxy, in which case the right-most X-Forwarded-For address
// that is not itself a trusted proxy. (echo's default trusts
// X-Forwarded-For from anyone.)
func (s *Server) clientIP(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	st := s.settings()
	ip := net.ParseIP(peer)
	if ip == nil || !st.trusted(ip) {
		return peer
	}
	xff := r.Header.Values(echo.HeaderXForwardedFor)
	for i := len(xff) - 1; i >= 0; i-- {
		parts := strings.Split(xff[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			cand := net.ParseIP(strings.TrimSpace(parts[j]))
			if cand == nil {
				return peer
			}
			if !st.trusted(cand) {
				return cand.String()
			}
		}
	}
	return peer
}

// fromTrustedProxy reports whether the direct peer is a configured proxy,
// whose X-Forwarded-Proto/-Host may then be believed.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	ip := net.ParseIP(peer)
	return ip != nil && s.settings().trusted(ip)
}
