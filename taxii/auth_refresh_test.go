package taxii_test

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// Refresh-ahead of cached credentials (authenticate in auth.go). The cache
// lives AuthCacheTTL = 1 minute; its refresh window is the last 15 s. The
// clock is the env's, so no test waits for a TTL.

// lookupStore counts the account lookups credential checks make and can
// hold one: after hold, the next lookup matching it reads the store,
// closes reached and waits for release (or its context) before answering.
type lookupStore struct {
	store.Store
	lookups atomic.Int32
	held    atomic.Pointer[lookupHold]
}

type lookupHold struct {
	method, arg string // "Account" and a name, or "AccountByToken" and a hash
	reached     chan struct{}
	release     chan struct{}
	once        sync.Once
}

func (h *lookupHold) open() { h.once.Do(func() { close(h.release) }) }

// hold arms a hold of the next lookup method(arg); it is released at the
// end of the test at the latest.
func (s *lookupStore) hold(t *testing.T, method, arg string) *lookupHold {
	h := &lookupHold{method: method, arg: arg, reached: make(chan struct{}), release: make(chan struct{})}
	t.Cleanup(h.open)
	s.held.Store(h)
	return h
}

func (s *lookupStore) Account(ctx context.Context, name string) (store.Account, error) {
	a, err := s.Store.Account(ctx, name)
	if herr := s.lookedUp(ctx, "Account", name); herr != nil {
		return store.Account{}, herr
	}
	return a, err
}

func (s *lookupStore) AccountByToken(ctx context.Context, sha256hex string) (store.Account, error) {
	a, err := s.Store.AccountByToken(ctx, sha256hex)
	if herr := s.lookedUp(ctx, "AccountByToken", sha256hex); herr != nil {
		return store.Account{}, herr
	}
	return a, err
}

// lookedUp counts a lookup and holds it if it is the one armed; it fails
// the lookup if ctx ends while held.
func (s *lookupStore) lookedUp(ctx context.Context, method, arg string) error {
	s.lookups.Add(1)
	h := s.held.Load()
	if h == nil || h.method != method || h.arg != arg || !s.held.CompareAndSwap(h, nil) {
		return nil
	}
	close(h.reached)
	select {
	case <-h.release:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// refreshEnv is a server with a one-minute credential cache over a
// lookupStore wrapping the env's store.
func refreshEnv(t *testing.T) (*env, *lookupStore) {
	e := newEnv(t, func(c *taxii.Config) { c.AuthCacheTTL = time.Minute })
	ls := &lookupStore{Store: e.db}
	srv, err := taxii.NewServer(ls, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.serve(srv)
	return e, ls
}

// wantCode sends GET path with Authorization auth and checks the status.
func wantCode(t *testing.T, e *env, path, auth string, want int, what string) {
	t.Helper()
	if code, _ := e.from(path, "127.0.0.1", auth); code != want {
		t.Fatalf("%s: status %d, want %d", what, code, want)
	}
}

// wantRefreshing checks that n credential refreshes are running.
func wantRefreshing(t *testing.T, e *env, n int) {
	t.Helper()
	if got := taxii.CredentialRefreshes(e.srv); got != n {
		t.Fatalf("%d credential refreshes running, want %d", got, n)
	}
}

// wantAuthMetric checks that the metrics exposition has line (showing
// only the auth metrics if not).
func wantAuthMetric(t *testing.T, m, line string) {
	t.Helper()
	if strings.Contains(m, line+"\n") {
		return
	}
	var auth []string
	for l := range strings.Lines(m) {
		if strings.HasPrefix(l, "herald_auth_") {
			auth = append(auth, strings.TrimSpace(l))
		}
	}
	t.Fatalf("metrics lack %q; auth metrics: %q", line, auth)
}

// readerLogins are the reader's credentials of each kind, with the lookup
// that identifies the reader in a check of them.
var readerLogins = []struct{ name, auth, method, arg string }{
	{"basic", basic(userReader, password), "Account", userReader},
	{"bearer", "Bearer " + readerTok, "AccountByToken", sha256hex(readerTok)},
}

// A request in the refresh window is answered from the cache while the
// refresh is held in the store, and once the refresh has settled, a
// request after the first login's expiry is served with no new check.
// Before, that request paid a full check (the once-a-minute spike).
func TestAuthRefreshAhead(t *testing.T) {
	for _, l := range readerLogins {
		t.Run(l.name, func(t *testing.T) {
			e, ls := refreshEnv(t)
			priv := objectsPath(e, e.priv, "")
			wantCode(t, e, priv, l.auth, 200, "first login")

			e.clock.Add(50 * time.Second) // 10 s left: in the refresh window
			h := ls.hold(t, l.method, l.arg)
			wantCode(t, e, priv, l.auth, 200, "request in the refresh window, refresh held")
			if n := taxii.CredentialRefreshes(e.srv); n != 1 {
				t.Errorf("%d credential refreshes running after a request in the refresh window, want 1", n)
			} else {
				<-h.reached
			}
			h.open()
			taxii.WaitCredentialRefreshes(e.srv)

			before := ls.lookups.Load()
			e.clock.Add(15 * time.Second) // past the first login's expiry
			wantCode(t, e, priv, l.auth, 200, "request after the first expiry")
			if n := ls.lookups.Load() - before; n != 0 {
				t.Fatalf("request after the first expiry made %d store lookups, want 0 (renewed by the refresh)", n)
			}
			wantRefreshing(t, e, 0) // 45 s left: not in the window
			wantAuthMetric(t, scrape(t, e), `herald_auth_cache_refreshes_total{result="ok"} 1`)
		})
	}
}

// The refresh reads the account again, so a grant changed in the store
// (not through the admin API, which empties the cache) applies from the
// refresh on, still from the cache.
func TestAuthRefreshPicksUpGrants(t *testing.T) {
	e, ls := refreshEnv(t)
	priv := objectsPath(e, e.priv, "")
	auth := basic(userReader, password)
	wantCode(t, e, priv, auth, 200, "first login")
	if err := e.db.SetGrant(context.Background(), userReader, e.priv.ID, store.Grant{}); err != nil {
		t.Fatal(err)
	}
	e.clock.Add(50 * time.Second)
	wantCode(t, e, priv, auth, 200, "request in the refresh window (cached grant)")
	taxii.WaitCredentialRefreshes(e.srv)
	before := ls.lookups.Load()
	wantCode(t, e, priv, auth, 404, "request after the refresh")
	if n := ls.lookups.Load() - before; n != 0 {
		t.Fatalf("request after the refresh made %d store lookups, want 0", n)
	}
}

// Credentials that no longer hold in the store (a password changed or a
// token deleted without the admin API) are dropped by the refresh: the
// next request, before the entry's expiry, gets 401. The refresh's
// failure is not a failed login.
func TestAuthRefreshDropsChangedCredentials(t *testing.T) {
	for _, l := range readerLogins {
		t.Run(l.name, func(t *testing.T) {
			e, _ := refreshEnv(t)
			priv := objectsPath(e, e.priv, "")
			wantCode(t, e, priv, l.auth, 200, "first login")
			ctx := context.Background()
			if l.name == "basic" {
				hash, err := store.HashPassword("a new password")
				if err != nil {
					t.Fatal(err)
				}
				if err := e.db.SetPasswordHash(ctx, userReader, hash); err != nil {
					t.Fatal(err)
				}
			} else if err := e.db.DeleteToken(ctx, userReader, "tok1"); err != nil {
				t.Fatal(err)
			}
			wantCode(t, e, priv, l.auth, 200, "request right after the change (cached)")

			e.clock.Add(50 * time.Second)
			wantCode(t, e, priv, l.auth, 200, "request in the refresh window (cached)")
			taxii.WaitCredentialRefreshes(e.srv)
			m := scrape(t, e)
			wantCode(t, e, priv, l.auth, 401, "request after the refresh")
			wantAuthMetric(t, m, `herald_auth_cache_refreshes_total{result="rejected"} 1`)
			wantAuthMetric(t, m, "herald_auth_failures_total 0")
		})
	}
}

// An admin change (forget) while a refresh is in flight: the refresh,
// which read the account before the change, does not cache what it read.
// Here the reader loses its grant while the refresh holds the old one.
func TestAuthRefreshForgottenMeanwhile(t *testing.T) {
	e, ls := refreshEnv(t)
	priv := objectsPath(e, e.priv, "")
	auth := basic(userReader, password)
	wantCode(t, e, priv, auth, 200, "first login")

	e.clock.Add(50 * time.Second)
	h := ls.hold(t, "Account", userReader)
	wantCode(t, e, priv, auth, 200, "request in the refresh window")
	wantRefreshing(t, e, 1)
	<-h.reached // the refresh has read the account, grant included
	r := e.do(req{method: http.MethodPut, path: "/admin/users/" + userReader + "/grants/" + e.priv.ID, user: userAdmin,
		header: map[string]string{"Content-Type": "application/json"}, body: []byte(`{"read":false,"write":false}`)})
	wantStatus(t, r, http.StatusNoContent)
	h.open()
	taxii.WaitCredentialRefreshes(e.srv)
	wantAuthMetric(t, scrape(t, e), `herald_auth_cache_refreshes_total{result="ok"} 1`)

	before := ls.lookups.Load()
	wantCode(t, e, priv, auth, 404, "request after the revocation (the refresh cached the revoked grant)")
	if ls.lookups.Load() == before {
		t.Fatal("request after the revocation made no store lookup: served from the cache")
	}
}

// However many requests arrive in the refresh window, one refresh runs
// per credential.
func TestAuthRefreshOncePerCredential(t *testing.T) {
	e, ls := refreshEnv(t)
	priv := objectsPath(e, e.priv, "")
	auth := basic(userReader, password)
	wantCode(t, e, priv, auth, 200, "first login")
	login := ls.lookups.Load() // a Basic check: the token lookup, then the account

	e.clock.Add(50 * time.Second)
	h := ls.hold(t, "Account", userReader)
	if counts := e.flood(priv, "127.0.0.1", 20, func(int) string { return auth }); counts[200] != 20 {
		t.Fatalf("20 requests in the refresh window: statuses %v, want all 200", counts)
	}
	wantRefreshing(t, e, 1)
	<-h.reached
	wantCode(t, e, priv, auth, 200, "request while the refresh is held")
	wantRefreshing(t, e, 1)
	h.open()
	taxii.WaitCredentialRefreshes(e.srv)
	wantAuthMetric(t, scrape(t, e), `herald_auth_cache_refreshes_total{result="ok"} 1`)
	if n := ls.lookups.Load(); n != 2*login {
		t.Fatalf("%d store lookups, want %d (the login and one refresh)", n, 2*login)
	}
}

// Serve stops the refreshes when it stops: one held in the store is
// cancelled, Serve returns only after it has ended, and none starts after.
func TestAuthRefreshStopsWithServe(t *testing.T) {
	e, ls := refreshEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- e.srv.Serve(ctx, ln) }()
	waitHTTP(t, "http://"+ln.Addr().String()+"/healthz")
	served := *e
	served.base = "http://" + ln.Addr().String()
	priv := objectsPath(e, e.priv, "")
	auth := basic(userReader, password)
	wantCode(t, &served, priv, auth, 200, "first login")

	e.clock.Add(50 * time.Second)
	h := ls.hold(t, "Account", userReader)
	wantCode(t, &served, priv, auth, 200, "request in the refresh window")
	wantRefreshing(t, e, 1)
	<-h.reached
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Serve: %v", err)
	}
	wantRefreshing(t, e, 0)
	wantAuthMetric(t, scrape(t, e), `herald_auth_cache_refreshes_total{result="error"} 1`)

	wantCode(t, e, priv, auth, 200, "request through the handler after Serve")
	wantRefreshing(t, e, 0)
}
