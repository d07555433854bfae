package taxii

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

func TestParseQValue(t *testing.T) {
	cases := map[string]int{"1": 1000, "1.0": 1000, "1.000": 1000, "0": 0, "0.5": 500, "0.25": 250, "0.001": 1, "0.": 0}
	for in, want := range cases {
		if got, ok := parseQValue(in); !ok || got != want {
			t.Errorf("parseQValue(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "2", "1.5", "0.1234", "-0", "0.x", "1.001"} {
		if got, ok := parseQValue(in); ok {
			t.Errorf("parseQValue(%q) = %d, want an error", in, got)
		}
	}
}

func TestCleanSlashes(t *testing.T) {
	cases := map[string]string{
		"/": "/", "/taxii2/": "/taxii2", "//taxii2//": "/taxii2", "/a//b///c/": "/a/b/c",
		"/herald": "/herald", "": "", "///": "/",
	}
	for in, want := range cases {
		if got := cleanSlashes(in); got != want {
			t.Errorf("cleanSlashes(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseTimestamp(t *testing.T) {
	good := map[string]time.Time{
		"2026-01-02T03:04:05Z":                time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		"2026-01-02T03:04:05.5Z":              time.Date(2026, 1, 2, 3, 4, 5, 500000000, time.UTC),
		"2026-01-02T03:04:05.1234567Z":        time.Date(2026, 1, 2, 3, 4, 5, 123456000, time.UTC),
		"2026-01-02T05:04:05.000001+02:00":    time.Date(2026, 1, 2, 3, 4, 5, 1000, time.UTC),
		"2026-01-02t03:04:05z":                time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		"2026-01-01T23:04:05.999999999-04:00": time.Date(2026, 1, 2, 3, 4, 5, 999999000, time.UTC),
	}
	for in, want := range good {
		got, err := parseTimestamp(in)
		if err != nil || !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("parseTimestamp(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"2026-01-02", "2026-01-02T03:04:05", "2026-01-02 03:04:05Z", "2026-01-02T03:04:05.Z",
		"2026-01-02T03:04:05.1234567890Z", "2026-02-30T00:00:00Z", "2026-01-02T03:04:05+0200", "2026-01-02T03:04:05UTC", "+2026-01-02T03:04:05Z"} {
		if got, err := parseTimestamp(in); err == nil {
			t.Errorf("parseTimestamp(%q) = %v, want an error", in, got)
		}
	}
	if got := formatTimestamp(time.Date(2026, 1, 2, 3, 4, 5, 7000, time.FixedZone("x", 3600))); got != "2026-01-02T02:04:05.000007Z" {
		t.Errorf("formatTimestamp = %q", got)
	}
}

func TestAcceptsGzip(t *testing.T) {
	cases := map[string]bool{
		"": false, "gzip": true, "GZIP": true, "deflate, gzip;q=0.5": true, "gzip;q=0": false,
		"*": true, "*;q=0": false, "identity": false, "br, *;q=0.1": true, "gzip;q=0, *": false, "x-gzip": true,
	}
	for in, want := range cases {
		if got := acceptsGzip(in); got != want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	cases := map[string]string{
		"abc": `"abc"`, `a"b\c`: `"a\"b\\c"`, "\n\x01": `"\u000a\u0001"`, "ünï": `"ünï"`, "\xff": `"\ufffd"`,
	}
	for in, want := range cases {
		if got := string(appendJSONString(nil, in)); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
}

// Password checks (argon2id, ~19 MiB each) are bounded: a burst of
// concurrent logins with new credentials never runs more than
// maxConcurrentHashes checks at once, and every request still gets its
// answer.
func TestPasswordChecksAreBounded(t *testing.T) {
	hash, err := store.HashPassword("right password")
	if err != nil {
		t.Fatal(err)
	}
	a := newAuthenticator(&Server{})
	a.maxQueued, a.hashWait = 1000, time.Minute // this test is about the slots, not the queue
	const n = 40
	var wg sync.WaitGroup
	results := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pw := "wrong password"
			if i%2 == 0 {
				pw = "right password"
			}
			ok, err := a.checkPassword(context.Background(), hash, pw)
			if err != nil {
				t.Errorf("check %d: %v", i, err)
			}
			results[i] = ok
		}()
	}
	wg.Wait()
	for i, ok := range results {
		if want := i%2 == 0; ok != want {
			t.Errorf("check %d = %v, want %v", i, ok, want)
		}
	}
	peak, limit := int(a.hashPeak.Load()), maxConcurrentHashes()
	if peak > limit {
		t.Fatalf("%d password checks ran at once; the bound is %d", peak, limit)
	}
	if peak < 2 {
		t.Fatalf("peak concurrency %d: the checks did not overlap at all, so the test proves nothing", peak)
	}
	if a.hashing.Load() != 0 {
		t.Fatalf("%d checks still counted as running", a.hashing.Load())
	}
}

// A request cancelled while it waits for a hash slot gives up with a
// server-side error instead of waiting forever.
func TestPasswordCheckGivesUpWhenCancelled(t *testing.T) {
	a := newAuthenticator(&Server{})
	for range cap(a.hashSlots) {
		a.hashSlots <- struct{}{} // every slot busy
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := a.checkPassword(ctx, "irrelevant", "pw")
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != 503 {
		t.Fatalf("err = %v, want a 503 apiError", err)
	}
}

// The queue for hash slots is bounded in length and in wait;
// beyond either the answer is 503 with Retry-After.
func TestPasswordCheckQueueIsBounded(t *testing.T) {
	a := newAuthenticator(&Server{})
	a.maxQueued, a.hashWait = 1, 2*time.Second
	for range cap(a.hashSlots) {
		a.hashSlots <- struct{}{} // every slot busy
	}
	waited := make(chan error, 1)
	go func() {
		_, err := a.checkPassword(context.Background(), "irrelevant", "pw")
		waited <- err
	}()
	for a.queued.Load() == 0 {
		runtime.Gosched() // until the first check is waiting in the queue
	}
	_, err := a.checkPassword(context.Background(), "irrelevant", "pw")
	var ae *apiError
	if !errors.As(err, &ae) || ae.Status != 503 || ae.Header.Get("Retry-After") == "" {
		t.Fatalf("check beyond the queue: %v, want 503 with Retry-After", err)
	}
	// Refused at once: the queued check is still waiting for its slot.
	select {
	case err := <-waited:
		t.Fatalf("the queued check ended (%v) before the one beyond the queue was refused", err)
	default:
	}
	err = <-waited
	if !errors.As(err, &ae) || ae.Status != 503 || ae.Header.Get("Retry-After") == "" {
		t.Fatalf("check that waited too long: %v, want 503 with Retry-After", err)
	}
}
