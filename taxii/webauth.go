package taxii

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/store"
)

// This file is what the analyst's web pages (package web) need from the
// TAXII server: the same accounts, the same permissions and the same
// failed-login throttle, reached only through the TAXII authentication
// middleware itself, so the pages can never be more permissive than TAXII.
// Package web imports taxii, never the reverse: cmd/herald mounts the
// pages with (*Server).Mount before serving.

// Visitor is who a web request comes from, with exactly the permissions
// the same account has over TAXII. The zero Visitor is anonymous.
type Visitor struct{ c *caller }

// Anonymous reports whether no account is signed in.
func (v Visitor) Anonymous() bool { return v.c == nil || v.c.anonymous() }

// Name is the account name ("" when anonymous).
func (v Visitor) Name() string {
	if v.c == nil {
		return ""
	}
	return v.c.Name
}

// Admin reports an admin account.
func (v Visitor) Admin() bool { return v.c != nil && v.c.Admin }

// CanRead reports whether the visitor may read the collection over TAXII
// (admins, read grants, and anyone on public-read collections).
func (v Visitor) CanRead(col store.Collection) bool {
	if v.c == nil {
		return anonymous.canRead(col)
	}
	return v.c.canRead(col)
}

// AuthError is a refused authentication: Status is 401 (wrong, missing or
// malformed credentials) or 429 (too many failures from this address;
// RetryAfter says how long to wait). Any other error from Authenticate or
// Login is the server's failure (store unavailable), not the client's.
type AuthError struct {
	Status     int
	RetryAfter time.Duration
	Err        error
}

func (e *AuthError) Error() string {
	if e.Status == http.StatusTooManyRequests {
		return "too many failed authentication attempts; retry later"
	}
	return "the credentials are missing, malformed or wrong"
}

func (e *AuthError) Unwrap() error { return e.Err }

// Authenticate identifies the caller of c from its Authorization header
// (Basic or Bearer), through the TAXII authentication middleware: the same
// credential cache and per-IP failure throttle, a failure counted the same
// way. No header is the anonymous Visitor. A refusal is an *AuthError.
func (s *Server) Authenticate(c echo.Context) (Visitor, error) {
	var who *caller
	err := s.authenticate(func(c echo.Context) error {
		who = callerFrom(c)
		return nil
	})(c)
	if err != nil {
		return Visitor{}, webAuthError(err)
	}
	return Visitor{c: who}, nil
}

// Login checks a name and password typed into the web sign-in form exactly
// as TAXII checks Basic credentials (an API token also works as the
// password), through the same middleware: a wrong pair counts against the
// client address's failure throttle, and a throttled address is refused
// without checking. A refusal is an *AuthError.
func (s *Server) Login(c echo.Context, name, password string) (Visitor, error) {
	if name == "" || password == "" || strings.ContainsAny(name, ":\r\n") {
		// Still one failed attempt, counted and throttled like any other.
		name, password = "\x00", "\x00"
	}
	req := c.Request()
	fake := req.Clone(req.Context())
	fake.Header = req.Header.Clone()
	fake.Header.Set(echo.HeaderAuthorization, "Basic "+base64.StdEncoding.EncodeToString([]byte(name+":"+password)))
	c.SetRequest(fake)
	defer c.SetRequest(req)
	return s.Authenticate(c)
}

// AccountVisitor returns the Visitor of the named account as it is stored
// now (grants, admin flag), for a signed-in web session, and a stamp that
// changes whenever the account's password changes, so a session can be tied
// to the password it was opened with. An unknown account wraps
// store.ErrNotFound.
func (s *Server) AccountVisitor(ctx context.Context, name string) (Visitor, string, error) {
	acct, err := s.db.Account(ctx, name)
	if err != nil {
		return Visitor{}, "", fmt.Errorf("account %q: %w", name, err)
	}
	sum := sha256.Sum256([]byte("herald web session\x00" + acct.PasswordHash))
	return Visitor{c: callerOf(acct)}, hex.EncodeToString(sum[:12]), nil
}

// SetVisitor records who a web request comes from, so the request's log
// line names the account as TAXII's do.
func (s *Server) SetVisitor(c echo.Context, v Visitor) {
	if v.c != nil {
		stateOf(c).caller = v.c
	}
}

// SecureCookies reports whether browsers reach the server over HTTPS:
// TLS is served, or the configured public base URL is https (a TLS proxy).
func (s *Server) SecureCookies(r *http.Request) bool {
	return s.useTLS || r.TLS != nil || strings.HasPrefix(s.settings().PublicBaseURL, "https://")
}

// Mount registers an extra route on the server, with name as its metrics
// and log label. It must be called before Serve (the web pages are mounted
// by cmd/herald right after NewServer). Handlers write their own
// responses; an error they return is rendered as a TAXII error.
func (s *Server) Mount(method, path, name string, h echo.HandlerFunc) {
	s.e.Add(method, path, chain(h, s.named(name)))
}

// webAuthError turns the middleware's refusal into an *AuthError and
// passes server failures through.
func webAuthError(err error) error {
	var ae *apiError
	if !errors.As(err, &ae) {
		return err
	}
	switch ae.Status {
	case http.StatusUnauthorized:
		return &AuthError{Status: ae.Status, Err: ae.Err}
	case http.StatusTooManyRequests:
		wait := time.Second
		if n, err := strconv.Atoi(ae.Header.Get("Retry-After")); err == nil && n > 0 {
			wait = time.Duration(n) * time.Second
		}
		return &AuthError{Status: ae.Status, RetryAfter: wait, Err: ae}
	}
	return err
}
