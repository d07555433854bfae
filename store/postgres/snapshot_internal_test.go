package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// A call never gets the answer of a read that began before it: while read
// 1 runs, a new caller waits for read 2; callers that arrive while a read
// runs share the next one.
func TestSnapshotRoundsBeginAfterTheCall(t *testing.T) {
	var reads atomic.Int64
	started := make(chan int64, 16)
	release := make(chan struct{})
	s := &snapshots{read: func(ctx context.Context) (*collSnapshot, error) {
		n := reads.Add(1)
		started <- n
		<-release
		return &collSnapshot{byID: map[string]*snapEntry{"read": {stamp: uint64(n)}}}, nil
	}}
	got := func(snap *collSnapshot) uint64 { return snap.byID["read"].stamp }

	first := make(chan *collSnapshot)
	go func() {
		snap, err := s.get(context.Background())
		if err != nil {
			t.Error(err)
		}
		first <- snap
	}()
	if n := <-started; n != 1 {
		t.Fatalf("read %d started first", n)
	}
	// Read 1 is running: these callers came after it began.
	const late = 5
	var wg sync.WaitGroup
	answers := make(chan uint64, late)
	for range late {
		wg.Add(1)
		go func() {
			defer wg.Done()
			snap, err := s.get(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			answers <- got(snap)
		}()
	}
	waitFor(t, func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.next != nil && s.next.callers == late // the late callers joined round 2
	})
	release <- struct{}{} // read 1 ends
	if n := got(<-first); n != 1 {
		t.Fatalf("the first caller got read %d", n)
	}
	if n := <-started; n != 2 {
		t.Fatalf("read %d started second", n)
	}
	close(release)
	wg.Wait()
	close(answers)
	for n := range answers {
		if n < 2 {
			t.Fatalf("a caller that came while read 1 ran got read %d", n)
		}
	}
	if n := reads.Load(); n != 2 {
		t.Fatalf("%d reads for %d callers, want them shared", n, late+1)
	}
}

// An error reaches every caller of the round; a caller's own context
// ends its wait.
func TestSnapshotErrorsAndCancel(t *testing.T) {
	boom := errors.New("boom")
	s := &snapshots{read: func(ctx context.Context) (*collSnapshot, error) { return nil, boom }}
	if _, err := s.get(context.Background()); !errors.Is(err, boom) {
		t.Fatalf("get = %v, want the read's error", err)
	}
	block := make(chan struct{})
	defer close(block)
	s = &snapshots{read: func(ctx context.Context) (*collSnapshot, error) { <-block; return nil, nil }}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := s.get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("get = %v, want the caller's deadline", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
}
