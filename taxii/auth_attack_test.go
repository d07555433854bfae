package taxii_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// attackEnv is a server whose client IP comes from X-Forwarded-For
// (127.0.0.1 is a trusted proxy), so one test can play many addresses.
func attackEnv(t testing.TB, mod ...func(*taxii.Config)) *env {
	return newEnv(t, append([]func(*taxii.Config){func(c *taxii.Config) {
		c.TrustedProxies = []string{"127.0.0.1/32", "::1"}
	}}, mod...)...)
}

// from sends GET path with the Authorization header auth as client ip. It
// is safe to call from many goroutines (no t.Fatal): failures come back as
// status 0.
func (e *env) from(path, ip, auth string) (int, http.Header) {
	r, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		return 0, nil
	}
	r.Header.Set("Accept", taxii.MediaTypeTAXII)
	r.Header.Set("Authorization", auth)
	r.Header.Set("X-Forwarded-For", ip)
	res, err := http.DefaultClient.Do(r)
	if err != nil {
		return 0, nil
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header
}

// flood sends n requests at once, the i-th with auth(i), from ip, and
// returns how many got each status.
func (e *env) flood(path, ip string, n int, auth func(int) string) map[int]int {
	return e.floodNotify(path, ip, n, auth, nil)
}

// floodNotify is flood that closes answered (when not nil) as soon as the
// first of its requests has been answered: the flood is then under way.
func (e *env) floodNotify(path, ip string, n int, auth func(int) string, answered chan<- struct{}) map[int]int {
	var once sync.Once
	var (
		mu     sync.Mutex
		counts = map[int]int{}
		wg     sync.WaitGroup
		start  = make(chan struct{})
	)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			code, h := e.from(path, ip, auth(i))
			if answered != nil {
				once.Do(func() { close(answered) })
			}
			if code == 429 || code == 503 {
				if ra, err := strconv.Atoi(h.Get("Retry-After")); err != nil || ra < 1 {
					code = -code // a refusal without a usable Retry-After
				}
			}
			mu.Lock()
			counts[code]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return counts
}

// Guesses sent in parallel from one IP get at most the
// documented number of checks (MaxAuthFailures a window); the rest are 429
// with Retry-After. Before, every one of 150 parallel guesses got a 401.
func TestAuthParallelGuessesAreThrottled(t *testing.T) {
	e := attackEnv(t)
	priv := objectsPath(e, e.priv, "")
	const attacker = "203.0.113.66"
	counts := e.flood(priv, attacker, 150, func(i int) string { return basic(userReader, fmt.Sprintf("guess %d", i)) })
	if counts[401] > 10 || counts[401] < 1 {
		t.Fatalf("%d of 150 parallel wrong passwords were checked and refused with 401; the limit is 10 a minute (statuses %v)", counts[401], counts)
	}
	if counts[429]+counts[401] != 150 {
		t.Fatalf("statuses %v: want only 401 and 429 with Retry-After", counts)
	}
	// Guesses one at a time use up what the flood left of the window, and
	// not one more.
	checked := counts[401]
	for i := 0; ; i++ {
		code, _ := e.from(priv, attacker, basic(userReader, fmt.Sprintf("late guess %d", i)))
		if code == 429 {
			break
		}
		if code != 401 || i > 20 {
			t.Fatalf("late guess %d: %d", i, code)
		}
		checked++
	}
	if checked != 10 {
		t.Fatalf("%d guesses were checked in the window; want exactly 10", checked)
	}
	// The window is spent: even the right password is not checked now.
	if code, _ := e.from(priv, attacker, basic(userReader, password)); code != 429 {
		t.Fatalf("right password from the blocked IP: %d, want 429", code)
	}
	// Another address is not affected.
	if code, _ := e.from(priv, "203.0.113.67", basic(userReader, password)); code != 200 {
		t.Fatalf("right password from another IP: %d, want 200", code)
	}
	// Unknown accounts cost the same hash and count the same.
	e2 := attackEnv(t)
	counts = e2.flood(objectsPath(e2, e2.priv, ""), attacker, 150, func(i int) string { return basic(fmt.Sprintf("ghost%d", i), "pw") })
	if counts[401] > 10 || counts[429]+counts[401] != 150 {
		t.Fatalf("unknown users: statuses %v; want at most 10 401s, the rest 429", counts)
	}
}

// A blocked IP's correct credentials still work while they
// are in the verified-credential cache (a NAT shared with an attacker must
// not lock out a poller that already logged in).
func TestAuthCachedCredentialsPassABlockedIP(t *testing.T) {
	e := attackEnv(t, func(c *taxii.Config) { c.MaxAuthFailures = 3 })
	priv := objectsPath(e, e.priv, "")
	const ip = "198.51.100.7"
	if code, _ := e.from(priv, ip, basic(userReader, password)); code != 200 {
		t.Fatalf("first login: %d", code)
	}
	if code, _ := e.from(priv, ip, "Bearer "+readerTok); code != 200 {
		t.Fatalf("token login: %d", code)
	}
	for i := range 3 {
		if code, _ := e.from(priv, ip, basic(userNobody, fmt.Sprint("guess", i))); code != 401 {
			t.Fatalf("guess %d: %d, want 401", i, code)
		}
	}
	if code, _ := e.from(priv, ip, basic(userRW, password)); code != 429 {
		t.Fatalf("uncached credentials from the blocked IP: %d, want 429", code)
	}
	if code, _ := e.from(priv, ip, basic(userReader, password)); code != 200 {
		t.Fatalf("cached password from the blocked IP: %d, want 200", code)
	}
	if code, _ := e.from(priv, ip, "Bearer "+readerTok); code != 200 {
		t.Fatalf("cached token from the blocked IP: %d, want 200", code)
	}
}

// Honest logins from other addresses still succeed while one
// address floods the server with guesses for unknown accounts, and the
// flood gets no more checks than the limit. Before, 400 parallel guesses
// queued 400 argon2 checks ahead of the honest login. How fast the honest
// login completes is measured by the load test (build tag loadtest), not
// asserted here.
func TestAuthHonestLoginDuringFlood(t *testing.T) {
	e := attackEnv(t)
	priv := objectsPath(e, e.priv, "")
	answered := make(chan struct{})
	var counts map[int]int
	done := make(chan struct{})
	go func() {
		defer close(done)
		counts = e.floodNotify(priv, "203.0.113.99", 400, func(i int) string { return basic(fmt.Sprintf("nobody-%d", i), "guess") }, answered)
	}()
	<-answered // the flood is under way
	code, _ := e.from(priv, "198.51.100.1", basic(userReader, password))
	<-done
	if code != 200 {
		t.Fatalf("honest login during the flood: %d, want 200", code)
	}
	if counts[401] > 10 {
		t.Errorf("the flood had %d guesses checked; the limit is 10 a window", counts[401])
	}
	if counts[401]+counts[429]+counts[503] != 400 {
		t.Errorf("flood statuses %v; want only 401, and 429 or 503 with Retry-After", counts)
	}
}

// Identical credentials arriving at once share one check, so a burst of
// honest clients behind one address (pollers starting together) is not
// mistaken for an attack.
func TestAuthIdenticalCredentialsShareOneCheck(t *testing.T) {
	e := attackEnv(t, func(c *taxii.Config) { c.AuthCacheTTL = time.Minute })
	priv := objectsPath(e, e.priv, "")
	counts := e.flood(priv, "192.0.2.10", 50, func(int) string { return basic(userReader, password) })
	if counts[200] != 50 {
		t.Fatalf("50 parallel logins with the same right password: statuses %v, want all 200", counts)
	}
}

// A grant revoked while a login for that account is being
// checked must not come back from the credential cache. The store below
// holds the login's account read until the revocation has been committed.
func TestAuthRevocationDuringLogin(t *testing.T) {
	e := newEnv(t)
	gate := &gatedStore{Store: e.db, user: userReader, read: make(chan struct{}), release: make(chan struct{})}
	srv, err := taxii.NewServer(gate, e.cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.serve(srv)
	priv := objectsPath(e, e.priv, "")

	done := make(chan int)
	go func() {
		code, _ := e.from(priv, "127.0.0.1", basic(userReader, password))
		done <- code
	}()
	<-gate.read // the login has read the account, grant included
	r := e.do(req{method: http.MethodPut, path: "/admin/users/" + userReader + "/grants/" + e.priv.ID, user: userAdmin,
		header: map[string]string{"Content-Type": "application/json"}, body: []byte(`{"read":false,"write":false}`)})
	wantStatus(t, r, http.StatusNoContent)
	close(gate.release)
	<-done // served with what it read when it started; that is fine

	for i := range 3 {
		code, _ := e.from(priv, "127.0.0.1", basic(userReader, password))
		if code != 404 && code != 403 {
			t.Fatalf("request %d after the revocation: %d, want 403/404 (the revoked grant came back from the cache)", i, code)
		}
	}
}

// gatedStore signals read when Account(user) has been read and waits for
// release before returning it (once).
type gatedStore struct {
	store.Store
	user          string
	once          atomic.Bool
	read, release chan struct{}
}

func (g *gatedStore) Account(ctx context.Context, name string) (store.Account, error) {
	a, err := g.Store.Account(ctx, name)
	if name == g.user && g.once.CompareAndSwap(false, true) {
		close(g.read)
		<-g.release
	}
	return a, err
}
