//go:build loadtest

package taxii_test

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

// Load-style check of the login throttle, run by .ci/run with -tags loadtest:
// five rounds of 400 parallel guesses for unknown accounts from one
// address; in each an honest first login from another address (new
// credentials every round, so never from the cache) completes within a
// second, and the attacker gets at most 10 checked failures in the window.
func TestLoadAuthFloodHonestLogin(t *testing.T) {
	e := attackEnv(t)
	priv := objectsPath(e, e.priv, "")
	checked := 0
	for round := range 5 {
		_ = e.srv.Reload(e.cfg) // empties the credential cache: the honest login is a real check
		var wg sync.WaitGroup
		var counts map[int]int
		answered := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			counts = e.floodNotify(priv, "203.0.113.99", 400, func(i int) string { return basic(fmt.Sprintf("ghost-%d-%d", round, i), "guess") }, answered)
		}()
		<-answered // the flood is under way
		start := time.Now()
		code, _ := e.from(priv, fmt.Sprintf("198.51.100.%d", round+1), basic(userReader, password))
		took := time.Since(start)
		wg.Wait()
		t.Logf("round %d: honest login answered %d in %v during a flood of 400 guesses", round, code, took)
		checked += counts[401]
		if code != 200 || took > time.Second {
			t.Fatalf("round %d: honest login %d in %v during the flood; want 200 within 1s", round, code, took)
		}
		if counts[401]+counts[429] != 400 {
			t.Fatalf("round %d: statuses %v; want only 401 and 429 with Retry-After", round, counts)
		}
	}
	if checked > 10 {
		t.Fatalf("%d guesses were checked within one window; the limit is 10", checked)
	}
}
