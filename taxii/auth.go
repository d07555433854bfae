package taxii

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
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
	tag    string // callerTag(Name), computed once: callers are cached with credentials
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
	return &caller{Name: a.Name, Admin: a.Admin, Grants: a.Grants, tag: callerTag(a.Name)}
}

// callerFrom returns the caller that authenticate stored (anonymous if
// none).
func callerFrom(c echo.Context) *caller {
	if rs := lookupState(c); rs != nil && rs.caller != nil {
		return rs.caller
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
// A cached credential used in the last quarter of its lifetime
// (refreshFraction) is still accepted at once, and one background check of
// it against the store (refresh-ahead) renews it. So a client that keeps
// polling never waits on its request path for the argon2id check that the
// expiry would otherwise cost once per AuthCacheTTL (a latency spike per
// credential per TTL, and the requests queued behind it). The refresh is
// a full check (store lookup, hash slots), so it picks up grant changes,
// and credentials changed in the store behind the server's back (a
// password, a deleted token or account) are dropped from the cache by it:
// they stop working at most AuthCacheTTL after the change, as without
// refresh-ahead. A refresh is not a login: it never counts against the
// throttle, and whatever it cannot check (store or hash queue busy) is
// left to expire. Refreshes run until Serve stops.
//
// Credentials already in the cache are accepted first, whatever the
// throttle says, so a client behind a blocked address (a shared NAT, a
// proxy) that logged in before keeps working. Every other attempt is
// admitted by the per-IP throttle before it is checked: an attempt counts
// against the IP while it is in flight, so at most MaxAuthFailures checks
// per IP can fail in AuthFailureWindow however many arrive at once, and at
// most maxPendingPerIP run for one IP at a time. Beyond either the answer is
// 429 with Retry-After. Identical credentials arriving together share one
// check. Wrong or malformed credentials are a 401 with WWW-Authenticate.
// Passwords and tokens are never logged.
func (s *Server) authenticate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Request().Header.Get(echo.HeaderAuthorization)
		if h == "" {
			stateOf(c).caller = anonymous
			return next(c)
		}
		who, err := s.auth.login(c.Request().Context(), c.RealIP, h)
		if err != nil {
			var ae *apiError
			if errors.As(err, &ae) {
				// Throttled (429), or the server could not check the
				// credentials (store failure, hash queue full or
				// waited too long, request cancelled): 429/503, never a
				// 401 counted against the client.
				return err
			}
			s.metrics.authFailure()
			return &apiError{Status: http.StatusUnauthorized, Description: "the credentials are missing, malformed or wrong", Err: err}
		}
		stateOf(c).caller = who
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

// Bounds of the password-check machinery. They are variables only so
// in-package tests can shrink or widen them.
var (
	// maxPendingPerIP is how many credential checks one client IP may
	// have in flight at once (identical credentials share one check).
	maxPendingPerIP = 4
	// hashQueuePerSlot times the number of hash slots is how many checks
	// may wait for a slot; one more is refused at once with 503.
	hashQueuePerSlot = 8
	// defaultHashWait is the longest a check waits for a hash slot before
	// the request is answered 503 with Retry-After.
	defaultHashWait = 2 * time.Second
)

// authenticator verifies credentials with a short cache of successes and
// a per-IP throttle of failures.
type authenticator struct {
	s *Server
	// ipad and opad are a key random per process (cache keys are not
	// plain hashes), padded for HMAC-SHA256 (cacheKey).
	ipad, opad [sha256.BlockSize]byte

	mu       sync.Mutex
	cache    map[[32]byte]cacheEntry
	failures map[string]*failureCount
	flights  map[[32]byte]*flight // checks in progress, by cache key

	// refreshing holds the cache keys with a refresh-ahead in progress,
	// so each key has at most one. It is apart from cache so that forget
	// (which empties cache) does not let a second one start beside one
	// still running.
	refreshing map[[32]byte]struct{}
	// life is the context of refreshes, cancelled by stop when the server
	// stops; stopped (under mu) refuses new ones, and refreshes lets stop
	// wait for those running, so none outlives the server.
	life      context.Context
	cancel    context.CancelFunc
	stopped   bool
	refreshes sync.WaitGroup

	// gen is bumped (under mu) whenever accounts change (forget). A check
	// remembers the generation it started in and caches its result only
	// if no change happened meanwhile, so a grant revoked while a login
	// was hashing does not come back from the cache.
	gen uint64

	// hashSlots bounds the argon2id checks running at once. Each costs
	// about 19 MiB and tens of milliseconds; without a bound, a burst of
	// requests with new credentials (many clients at start-up, or an
	// attacker spreading guesses over many addresses, which the per-IP
	// throttle does not see) could exhaust memory. Requests wait for a
	// slot, at most maxQueued of them and for at most hashWait.
	hashSlots chan struct{}
	maxQueued int32
	hashWait  time.Duration
	queued    atomic.Int32 // checks waiting for a slot now
	hashing   atomic.Int32 // checks running now
	hashPeak  atomic.Int32 // most checks seen running at once (tests)
}

// flight is one credential check in progress; requests with the same
// credentials that arrive meanwhile wait for its result instead of
// hashing again.
type flight struct {
	done     chan struct{}
	gen      uint64
	storeGen uint64 // the store's change generation when the check began
	who      *caller
	err      error
}

// maxConcurrentHashes is the bound on concurrent password checks: enough to
// keep every core busy, few enough that their memory stays small.
func maxConcurrentHashes() int { return max(2, runtime.GOMAXPROCS(0)) }

// busy is the answer when the server cannot check credentials now.
func busy(err error) *apiError {
	return &apiError{Status: http.StatusServiceUnavailable, Description: "authentication is busy; retry",
		Header: http.Header{"Retry-After": {"1"}}, Err: err}
}

var errHashQueueFull = errors.New("password-check queue full")

// checkPassword runs store.CheckPassword within a hash slot. It gives up
// (as a 503 with Retry-After) when the queue for slots is full, when it
// has waited hashWait, or when the request is cancelled while waiting.
func (a *authenticator) checkPassword(ctx context.Context, hash, password string) (bool, error) {
	select {
	case a.hashSlots <- struct{}{}:
	default:
		if a.queued.Add(1) > a.maxQueued {
			a.queued.Add(-1)
			return false, busy(errHashQueueFull)
		}
		t := time.NewTimer(a.hashWait)
		select {
		case a.hashSlots <- struct{}{}:
			a.queued.Add(-1)
			t.Stop()
		case <-t.C:
			a.queued.Add(-1)
			return false, busy(fmt.Errorf("waited %v for a password-check slot", a.hashWait))
		case <-ctx.Done():
			a.queued.Add(-1)
			t.Stop()
			return false, busy(ctx.Err())
		}
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
	who      *caller
	expires  time.Time
	storeGen uint64 // the store's change generation when verified
	// cred is what was verified, kept for refresh-ahead to check again.
	// It holds the password or token in memory for as long as the entry
	// lives (forget and sweep drop it); it is never logged.
	cred credential
}

// refreshFraction: a cached credential is refreshed ahead when it is used
// in the last 1/refreshFraction of AuthCacheTTL (the last 15 s of the
// default minute). Late enough that a credential used once a minute or
// less is not checked more often than before; early enough that a
// refresh, which may wait up to hashWait for a hash slot, ends before the
// entry expires.
const refreshFraction = 4

// failureCount is one IP's throttle state in the current window: n
// failed checks, and pending checks in flight (each may still fail).
type failureCount struct {
	n       int
	pending int
	start   time.Time
}

func newAuthenticator(s *Server) *authenticator {
	slots := maxConcurrentHashes()
	a := &authenticator{
		s: s, cache: map[[32]byte]cacheEntry{}, failures: map[string]*failureCount{},
		flights:    map[[32]byte]*flight{},
		refreshing: map[[32]byte]struct{}{},
		hashSlots:  make(chan struct{}, slots),
		maxQueued:  int32(slots * hashQueuePerSlot),
		hashWait:   defaultHashWait,
	}
	a.life, a.cancel = context.WithCancel(context.Background())
	var key [32]byte
	_, _ = rand.Read(key[:])
	for i := range a.ipad {
		var k byte
		if i < len(key) {
			k = key[i]
		}
		a.ipad[i], a.opad[i] = k^0x36, k^0x5c
	}
	return a
}

// credential is a parsed Authorization header.
type credential struct {
	key        [32]byte // cache key
	token      string   // Bearer/Token
	user, pass string   // Basic
}

// tokenUser stands for the user in the cache key of a bearer token: no
// account name starts with NUL.
const tokenUser = "\x00token"

// parse parses an Authorization header: the strings of credential are
// what a check of the store needs.
func (a *authenticator) parse(header string) (credential, error) {
	var buf basicBuf
	token, user, pass, err := splitCredentials(header, &buf)
	if err != nil {
		return credential{}, err
	}
	if token != "" {
		return credential{key: cacheKey(a, tokenUser, token), token: token}, nil
	}
	return credential{key: cacheKey(a, user, pass), user: string(user), pass: string(pass)}, nil
}

// parseKey is the cache key of parse, without allocating (for Basic
// credentials up to len(basicBuf)): a cached caller needs nothing else.
func (a *authenticator) parseKey(header string) ([32]byte, error) {
	var buf basicBuf
	token, user, pass, err := splitCredentials(header, &buf)
	if err != nil {
		return [32]byte{}, err
	}
	if token != "" {
		return cacheKey(a, tokenUser, token), nil
	}
	return cacheKey(a, user, pass), nil
}

// asciiEqualFold reports whether s is lower, ignoring the case of ASCII
// letters only (lower is lower case): an authentication scheme is a token
// (RFC 9110 §11.1), so no Unicode folding (which makes "ſ" an "s").
func asciiEqualFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// basicBuf holds Basic credentials while they are decoded: the encoded
// form, then the decoded one. Longer credentials are decoded on the heap.
type basicBuf [2][256]byte

// splitCredentials splits an Authorization header into a bearer token
// ("Bearer" or "Token"), or a Basic user and password decoded into buf.
// Malformed headers, empty tokens and empty user names or passwords are
// errBadCredentials.
func splitCredentials(header string, buf *basicBuf) (token string, user, pass []byte, err error) {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(header), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case asciiEqualFold(scheme, "bearer"), asciiEqualFold(scheme, "token"):
		if cred == "" {
			return "", nil, nil, errBadCredentials
		}
		return cred, nil, nil, nil
	case asciiEqualFold(scheme, "basic"):
		enc := append(buf[0][:0], cred...)
		raw, derr := base64.StdEncoding.AppendDecode(buf[1][:0], enc)
		if derr != nil {
			return "", nil, nil, errBadCredentials
		}
		var ok bool
		user, pass, ok = bytes.Cut(raw, []byte{':'})
		if !ok || len(user) == 0 || len(pass) == 0 {
			return "", nil, nil, errBadCredentials
		}
		return "", user, pass, nil
	}
	return "", nil, nil, errBadCredentials
}

// tooMany is the throttle's 429.
func tooMany(wait time.Duration) *apiError {
	return &apiError{
		Status:      http.StatusTooManyRequests,
		Description: "too many failed authentication attempts; retry later",
		Header:      http.Header{"Retry-After": {strconv.Itoa(max(1, int(math.Ceil(wait.Seconds()))))}},
	}
}

// login verifies the Authorization header h of a request from the client
// whose address ipOf gives (asked only when the cache cannot answer): the
// cache first, then the throttle, then (sharing a check already in flight
// for the same credentials) the store and the password hash. A cache miss
// decodes h a second time (parse), which is nothing next to the check.
func (a *authenticator) login(ctx context.Context, ipOf func() string, h string) (*caller, error) {
	key, perr := a.parseKey(h)
	if perr == nil {
		if who := a.cached(key); who != nil {
			return who, nil
		}
	}
	ip := ipOf() // after the cache: finding the client's address allocates
	var cred credential
	if perr == nil {
		cred, perr = a.parse(h)
	}
	st := a.s.settings()
	now := st.Now()
	throttle := st.MaxAuthFailures >= 0

	a.mu.Lock()
	var f *failureCount
	if throttle {
		f = a.failures[ip]
		if f != nil && !now.Before(f.start.Add(st.AuthFailureWindow)) {
			if f.pending == 0 {
				delete(a.failures, ip)
				f = nil
			} else {
				f.n, f.start = 0, now // a new window; pending checks carry over
			}
		}
		if f != nil && f.n >= st.MaxAuthFailures {
			wait := f.start.Add(st.AuthFailureWindow).Sub(now)
			a.mu.Unlock()
			return nil, tooMany(wait)
		}
	}
	if perr != nil {
		// Malformed: no check to run, a failure at once.
		a.failLocked(ip, now, st)
		a.mu.Unlock()
		return nil, perr
	}
	if fl := a.flights[cred.key]; fl != nil && fl.gen == a.gen && fl.storeGen == a.storeGeneration() {
		// The same credentials are being checked: wait for that check.
		a.mu.Unlock()
		select {
		case <-fl.done:
		case <-ctx.Done():
			return nil, busy(ctx.Err())
		}
		if errors.Is(fl.err, errBadCredentials) {
			a.mu.Lock()
			a.failLocked(ip, a.s.settings().Now(), st)
			a.mu.Unlock()
		}
		return fl.who, fl.err
	}
	if throttle {
		if f == nil {
			f = &failureCount{start: now}
			a.failures[ip] = f
		}
		if f.pending >= maxPendingPerIP || f.n+f.pending >= st.MaxAuthFailures {
			// Every remaining attempt of this window is in flight.
			a.mu.Unlock()
			return nil, tooMany(time.Second)
		}
		f.pending++
	}
	fl := &flight{done: make(chan struct{}), gen: a.gen, storeGen: a.storeGeneration()}
	a.flights[cred.key] = fl
	a.mu.Unlock()

	who, err := a.check(ctx, cred)

	a.mu.Lock()
	if a.flights[cred.key] == fl {
		delete(a.flights, cred.key)
	}
	if throttle {
		// f may have been swept from the map meanwhile; settle the
		// current entry for ip.
		g := a.failures[ip]
		if g == nil {
			g = f
			a.failures[ip] = g
		}
		if g.pending > 0 {
			g.pending--
		}
		if errors.Is(err, errBadCredentials) {
			if now := a.s.settings().Now(); !now.Before(g.start.Add(st.AuthFailureWindow)) {
				g.n, g.start = 0, now
			}
			g.n++
		}
	}
	if err == nil && fl.gen == a.gen && fl.storeGen == a.storeGeneration() {
		a.rememberLocked(cred, who, fl.storeGen)
	}
	a.mu.Unlock()
	fl.who, fl.err = who, err
	close(fl.done)
	return who, err
}

// failLocked counts one failure for ip (a.mu held).
func (a *authenticator) failLocked(ip string, now time.Time, st *settings) {
	if st.MaxAuthFailures < 0 {
		return
	}
	f, ok := a.failures[ip]
	if !ok {
		f = &failureCount{start: now}
		a.failures[ip] = f
	} else if !now.Before(f.start.Add(st.AuthFailureWindow)) {
		f.n, f.start = 0, now
	}
	f.n++
}

// check verifies parsed credentials against the store.
func (a *authenticator) check(ctx context.Context, cred credential) (*caller, error) {
	if cred.token != "" {
		acct, err := a.s.db.AccountByToken(ctx, tokenHash(cred.token))
		if err != nil {
			return nil, lookupErr(err)
		}
		return callerOf(acct), nil
	}
	return a.basic(ctx, cred.user, cred.pass)
}

// lookupErr keeps "no such account/token" a plain credential failure but
// lets store failures (locked, I/O) surface as 5xx.
func lookupErr(err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return errBadCredentials
	}
	return &apiError{Status: http.StatusServiceUnavailable, Description: "authentication is unavailable", Err: err}
}

func (a *authenticator) basic(ctx context.Context, user, pass string) (*caller, error) {
	// An API token may stand in for the password (clients that only do
	// Basic); it is cheap to check, so first.
	if acct, err := a.s.db.AccountByToken(ctx, tokenHash(pass)); err == nil && acct.Name == user {
		return callerOf(acct), nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, lookupErr(err)
	}
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
	return callerOf(acct), nil
}

// cached returns the caller remembered under key, or nil. When the entry
// is in its refresh window it also starts a refresh of it (unless one is
// running), deciding under the lock it takes anyway.
func (a *authenticator) cached(key [32]byte) *caller {
	st := a.s.settings()
	if st.AuthCacheTTL <= 0 {
		return nil
	}
	now, storeGen := st.Now(), a.storeGeneration()
	a.mu.Lock()
	e, ok := a.cache[key]
	if !ok || !now.Before(e.expires) || e.storeGen != storeGen {
		a.mu.Unlock()
		a.s.metrics.authCache(false)
		return nil
	}
	refresh := e.expires.Sub(now) < st.AuthCacheTTL/refreshFraction && a.startRefreshLocked(key)
	gen := a.gen
	a.mu.Unlock()
	a.s.metrics.authCache(true)
	if refresh {
		go a.refresh(e.cred, gen, storeGen)
	}
	return e.who
}

// startRefreshLocked claims the refresh of key (a.mu held): false if one
// is running already or the server has stopped.
func (a *authenticator) startRefreshLocked(key [32]byte) bool {
	if _, running := a.refreshing[key]; running || a.stopped {
		return false
	}
	a.refreshing[key] = struct{}{}
	a.refreshes.Add(1)
	return true
}

// refresh checks cached credentials again in the background (refresh-ahead,
// see authenticate) and settles their entry: renewed with what the store
// says now if they still hold, removed if they no longer do, left to
// expire if they could not be checked. gen and storeGen are the
// generations the entry was valid in when the refresh began; if either
// has changed since, accounts changed while the check ran and its result
// is dropped, as a login's is.
func (a *authenticator) refresh(cred credential, gen, storeGen uint64) {
	defer a.refreshes.Done()
	who, err := a.check(a.life, cred)
	a.mu.Lock()
	delete(a.refreshing, cred.key)
	if gen == a.gen && storeGen == a.storeGeneration() {
		switch {
		case err == nil:
			a.rememberLocked(cred, who, storeGen)
		case errors.Is(err, errBadCredentials):
			delete(a.cache, cred.key)
		}
	}
	a.mu.Unlock()
	a.s.metrics.authRefresh(err)
}

// stop cancels refreshes in progress, refuses new ones and waits for
// those running to end (a hash under way finishes first). Serve calls it
// when it stops.
func (a *authenticator) stop() {
	a.mu.Lock()
	a.stopped = true
	a.mu.Unlock()
	a.cancel()
	a.refreshes.Wait()
}

// rememberLocked caches a verified caller for AuthCacheTTL (a.mu held),
// under the store generation read before it was verified.
func (a *authenticator) rememberLocked(cred credential, who *caller, storeGen uint64) {
	st := a.s.settings()
	if st.AuthCacheTTL <= 0 {
		return
	}
	a.cache[cred.key] = cacheEntry{who: who, expires: st.Now().Add(st.AuthCacheTTL), storeGen: storeGen, cred: cred}
}

// storeGeneration is the store's change generation when the store is
// shared with other processes (store.ChangeWatcher: PostgreSQL replicas),
// else 0. forget covers changes made through this process; this covers
// changes made through any other: a cached entry or a check in flight
// from an older generation is not used.
func (a *authenticator) storeGeneration() uint64 {
	if w, ok := a.s.db.(store.ChangeWatcher); ok {
		return w.Generation()
	}
	return 0
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

// cacheKey is the key under which the credentials user and pass are
// cached: HMAC-SHA256 of user NUL pass under the authenticator's key.
// It is computed with sha256.Sum256 over buffers on the stack, so looking
// up cached credentials allocates nothing (crypto/hmac's writes through
// hash.Hash would copy each string to the heap).
func cacheKey[T string | []byte](a *authenticator, user, pass T) [32]byte {
	var buf [sha256.BlockSize + 256]byte
	msg := append(buf[:0], a.ipad[:]...)
	msg = append(msg, user...)
	msg = append(msg, 0)
	msg = append(msg, pass...)
	inner := sha256.Sum256(msg)
	var outer [sha256.BlockSize + sha256.Size]byte
	copy(outer[:], a.opad[:])
	copy(outer[sha256.BlockSize:], inner[:])
	return sha256.Sum256(outer[:])
}

// tokenHash is the hex SHA-256 under which API tokens are stored.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// forget drops every cached credential and starts a new generation, so
// checks that began before the change do not cache what they read. The
// admin API calls it (through (*Server).forgetCredentials) after changing
// passwords, grants, tokens or accounts, so changes apply at once to every
// later request rather than after AuthCacheTTL.
func (a *authenticator) forget() {
	a.mu.Lock()
	a.gen++
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
		if f.pending == 0 && !now.Before(f.start.Add(st.AuthFailureWindow)) {
			delete(a.failures, ip)
		}
	}
}
