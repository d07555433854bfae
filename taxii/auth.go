package taxii

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"math"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/store"
)

// wwwAuthenticate is sent with every 401 (TAXII 2.1 §1.6.9): the schemes
// Herald accepts.
const wwwAuthenticate = `Basic realm="herald", Bearer`

// caller is who made a request. The zero caller (Name "") is anonymous.
type caller struct {
	Name   string
	Admin  bool
	Grants map[string]store.Grant
}

var anonymous = &caller{}

func (c *caller) anonymous() bool { return c.Name == "" }

// canRead: admins, read grants, and anyone on public-read collections.
func (c *caller) canRead(col store.Collection) bool {
	return c.Admin || col.PublicRead || c.Grants[col.ID].Read
}

// canWrite: admins and write grants. Anonymous callers never write.
func (c *caller) canWrite(col store.Collection) bool {
	return c.Admin || c.Grants[col.ID].Write
}

// visible: collections a caller can neither read nor write do not exist
// for it (not listed, 404).
func (c *caller) visible(col store.Collection) bool {
	return c.canRead(col) || c.canWrite(col)
}

func callerOf(a store.Account) *caller {
	return &caller{Name: a.Name, Admin: a.Admin, Grants: a.Grants}
}

// callerFrom returns the caller that authenticate stored (anonymous if
// none).
func callerFrom(c echo.Context) *caller {
	if who, ok := c.Get(ctxCaller).(*caller); ok {
		return who
	}
	return anonymous
}

// authenticate identifies the caller from the Authorization header:
//
//   - none: anonymous (handlers decide what anonymous may see);
//   - "Basic user:password": the account's password (argon2id via
//     store.CheckPassword, constant time) or one of the account's API
//     tokens used as the password; verified credentials are cached for
//     AuthCacheTTL under a keyed hash of user and password;
//   - "Bearer <token>" or "Token <token>": an API token, looked up by its
//     SHA-256 (and cached the same way).
//
// Wrong or malformed credentials are a 401 with WWW-Authenticate, counted
// per client IP; after MaxAuthFailures in AuthFailureWindow the IP gets
// 429 with Retry-After until the window ends. Passwords and tokens are
// never logged.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			c.Set(ctxCaller, anonymous)
			return next(c)
		}
		ip := c.RealIP()
		if wait := s.auth.blocked(ip); wait > 0 {
			return &apiError{
				Status:      http.StatusTooManyRequests,
				Description: "too many failed authentication attempts; retry later",
				Header:      http.Header{"Retry-After": {strconv.Itoa(int(math.Ceil(wait.Seconds())))}},
			}
		}
		who, err := s.auth.verify(c, h)
		var unavailable *apiError
		if errors.As(err, &unavailable) {
			// The server could not check the credentials (store failure,
			// request cancelled while waiting for a hash slot): not the
			// client's mistake, so neither a 401 nor a counted failure.
			return err
		}
		if err != nil {
			s.auth.fail(ip)
			s.metrics.authFailure()
			return &apiError{Status: http.StatusUnauthorized, Description: "the credentials are missing, malformed or wrong", Err: err}
		}
		c.Set(ctxCaller, who)
		return next(c)
	}
}

// requireAdmin lets only authenticated admin accounts through: anonymous
// callers get 401 (with WWW-Authenticate), others 403. It must run after
// authenticate. The admin API (admin*.go) puts it on every route.
func (s *Server) requireAdmin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		who := callerFrom(c)
		if who.anonymous() {
			return errorf(http.StatusUnauthorized, "this endpoint needs an admin account")
		}
		if !who.Admin {
			return errorf(http.StatusForbidden, "this endpoint needs an admin account")
		}
		return next(c)
	}
}

// requireCaller refuses anonymous callers with 401.
func requireCaller(c echo.Context) (*caller, error) {
	who := callerFrom(c)
	if who.anonymous() {
		return nil, errorf(http.StatusUnauthorized, "this resource needs authentication")
	}
	return who, nil
}

var errBadCredentials = errors.New("bad credentials")

// authenticator verifies credentials with a short cache of successes and
// a per-IP throttle of failures.
type authenticator struct {
	s   *Server
	key [32]byte // random per process: cache keys are not plain hashes

	mu       sync.Mutex
	cache    map[[32]byte]cacheEntry
	failures map[string]*failureCount

	// hashSlots bounds the argon2id checks running at once. Each costs
	// about 19 MiB and tens of milliseconds; without a bound, a burst of
	// requests with new credentials (many clients at start-up, or an
	// attacker spreading guesses over many addresses, which the per-IP
	// throttle does not see) could exhaust memory. Requests wait for a slot.
	hashSlots chan struct{}
	hashing   atomic.Int32 // checks running now
	hashPeak  atomic.Int32 // most checks seen running at once (tests)
}

// maxConcurrentHashes is the bound on concurrent password checks: enough to
// keep every core busy, few enough that their memory stays small.
func maxConcurrentHashes() int { return max(2, runtime.GOMAXPROCS(0)) }

// checkPassword runs store.CheckPassword within a hash slot. It gives up
// (as a 503) when the request is cancelled while waiting.
func (a *authenticator) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	select {
	case a.hashSlots <- struct{}{}:
	case <-ctx.Done():
		return false, &apiError{Status: http.StatusServiceUnavailable, Description: "authentication is busy; retry", Err: ctx.Err()}
	}
	n := a.hashing.Add(1)
	for {
		peak := a.hashPeak.Load()
		if n <= peak || a.hashPeak.CompareAndSwap(peak, n) {
			break
		}
	}
	defer func() {
		a.hashing.Add(-1)
		<-a.hashSlots
	}()
	return store.CheckPassword(hash, password), nil
}

type cacheEntry struct {
	who     *caller
	expires time.Time
	gen     uint64 // the store's change generation when verified
}

type failureCount struct {
	n     int
	start time.Time
}

func newAuthenticator(s *Server) *authenticator {
	a := &authenticator{
		s: s, cache: map[[32]byte]cacheEntry{}, failures: map[string]*failureCount{},
		hashSlots: make(chan struct{}, maxConcurrentHashes()),
	}
	_, _ = rand.Read(a.key[:])
	return a
}

func (a *authenticator) verify(c echo.Context, header string) (*caller, error) {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(header), " ")
	cred = strings.TrimSpace(cred)
	ctx := c.Request().Context()
	switch strings.ToLower(scheme) {
	case "bearer", "token":
		if cred == "" {
			return nil, errBadCredentials
		}
		key := a.cacheKey("\x00token", cred) // no account name starts with NUL
		if who := a.cached(key); who != nil {
			return who, nil
		}
		gen := a.storeGeneration() // before the lookup: a change after it invalidates
		acct, err := a.s.db.AccountByToken(ctx, tokenHash(cred))
		if err != nil {
			return nil, lookupErr(err)
		}
		who := callerOf(acct)
		a.remember(key, who, gen)
		return who, nil
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return nil, errBadCredentials
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok || user == "" || pass == "" {
			return nil, errBadCredentials
		}
		return a.basic(c, user, pass)
	}
	return nil, errBadCredentials
}

// lookupErr keeps "no such account/token" a plain credential failure but
// lets store failures (locked, I/O) surface as 5xx.
func lookupErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errBadCredentials
	}
	return &apiError{Status: http.StatusServiceUnavailable, Description: "authentication is unavailable", Err: err}
}

func (a *authenticator) basic(c echo.Context, user, pass string) (*caller, error) {
	key := a.cacheKey(user, pass)
	if who := a.cached(key); who != nil {
		return who, nil
	}
	ctx := c.Request().Context()
	gen := a.storeGeneration() // before the lookups: a change after them invalidates
	var who *caller
	// An API token may stand in for the password (clients that only do
	// Basic); it is cheap to check, so first.
	if acct, err := a.s.db.AccountByToken(ctx, tokenHash(pass)); err == nil && acct.Name == user {
		who = callerOf(acct)
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, lookupErr(err)
	} else {
		acct, err := a.s.db.Account(ctx, user)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) {
				return nil, lookupErr(err)
			}
			// Spend the same time as a real check, so timing does not
			// reveal which account names exist.
			if _, err := a.checkPassword(ctx, dummyHash(), pass); err != nil {
				return nil, err
			}
			return nil, errBadCredentials
		}
		ok, err := a.checkPassword(ctx, acct.PasswordHash, pass)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, errBadCredentials
		}
		who = callerOf(acct)
	}
	a.remember(key, who, gen)
	return who, nil
}

// cached returns the caller remembered under key, or nil.
func (a *authenticator) cached(key [32]byte) *caller {
	st := a.s.settings()
	if st.AuthCacheTTL <= 0 {
		return nil
	}
	a.mu.Lock()
	e, ok := a.cache[key]
	a.mu.Unlock()
	if ok && st.Now().Before(e.expires) && e.gen == a.storeGeneration() {
		a.s.metrics.authCache(true)
		return e.who
	}
	a.s.metrics.authCache(false)
	return nil
}

// storeGeneration is the store's change generation when the store is
// shared with other processes (store.ChangeWatcher), else 0. An entry
// cached under another generation is stale: another replica changed an
// account, a grant, a token or a collection since.
func (a *authenticator) storeGeneration() uint64 {
	if w, ok := a.s.db.(store.ChangeWatcher); ok {
		return w.Generation()
	}
	return 0
}

// remember caches a verified caller for AuthCacheTTL, under the store
// generation read before it was verified.
func (a *authenticator) remember(key [32]byte, who *caller, gen uint64) {
	st := a.s.settings()
	if st.AuthCacheTTL <= 0 {
		return
	}
	a.mu.Lock()
	a.cache[key] = cacheEntry{who: who, expires: st.Now().Add(st.AuthCacheTTL), gen: gen}
	a.mu.Unlock()
}

// dummyHash is a valid argon2id hash of a random password, made once.
// It is made on first use, not at init, so commands that never serve do
// not pay for an argon2 hash.
var dummyHash = sync.OnceValue(func() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h, err := store.HashPassword(hex.EncodeToString(b[:]))
	if err != nil {
		return ""
	}
	return h
})

func (a *authenticator) cacheKey(user, pass string) [32]byte {
	m := hmac.New(sha256.New, a.key[:])
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(pass))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

// tokenHash is the hex SHA-256 under which API tokens are stored.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// blocked returns how long ip must wait, 0 if it may try.
func (a *authenticator) blocked(ip string) time.Duration {
	st := a.s.settings()
	if st.MaxAuthFailures < 0 {
		return 0
	}
	now := st.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	f, ok := a.failures[ip]
	if !ok {
		return 0
	}
	end := f.start.Add(st.AuthFailureWindow)
	if !now.Before(end) {
		delete(a.failures, ip)
		return 0
	}
	if f.n >= st.MaxAuthFailures {
		return end.Sub(now)
	}
	return 0
}

func (a *authenticator) fail(ip string) {
	st := a.s.settings()
	if st.MaxAuthFailures < 0 {
		return
	}
	now := st.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	f, ok := a.failures[ip]
	if !ok || !now.Before(f.start.Add(st.AuthFailureWindow)) {
		f = &failureCount{start: now}
		a.failures[ip] = f
	}
	f.n++
}

// forget drops every cached credential. The admin API calls it (through
// (*Server).forgetCredentials) after changing passwords, grants, tokens or
// accounts, so changes apply at once rather than after AuthCacheTTL.
func (a *authenticator) forget() {
	a.mu.Lock()
	clear(a.cache)
	a.mu.Unlock()
}

// forgetCredentials empties the credential cache; see authenticator.forget.
func (s *Server) forgetCredentials() { s.auth.forget() }

// sweep removes expired cache and throttle entries.
func (a *authenticator) sweep() {
	st := a.s.settings()
	now := st.Now()
	a.mu.Lock()
	defer a.mu.Unlock()
	for k, e := range a.cache {
		if !now.Before(e.expires) {
			delete(a.cache, k)
		}
	}
	for ip, f := range a.failures {
		if !now.Before(f.start.Add(st.AuthFailureWindow)) {
			delete(a.failures, ip)
		}
	}
}
