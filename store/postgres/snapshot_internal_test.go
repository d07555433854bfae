package postgres

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/heraldcti/herald/internal/pgtest"
	"github.com/heraldcti/herald/store"
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

// With too many collections to share reads, Collection and
// StampedCollection query on their own and answer the same.
func TestCollectionWithoutSharedReads(t *testing.T) {
	db, err := Open(context.Background(), pgtest.NewDB(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	c, err := db.CreateCollection(ctx, store.Collection{Title: "T", Alias: "a"})
	if err != nil {
		t.Fatal(err)
	}
	shared, err := db.snaps.get(ctx)
	if err != nil || shared == nil {
		t.Fatalf("shared read: %v, %v", shared, err)
	}
	want := shared.byID[c.ID]
	db.snaps.read = func(context.Context) (*collSnapshot, error) { return nil, nil } // "too many"
	for _, ref := range []string{c.ID, "T", "a"} {
		got, stamp, ok, err := db.StampedCollection(ctx, ref)
		if err != nil || !ok || got.ID != c.ID || got.Title != "T" || stamp != want.stamp {
			t.Fatalf("StampedCollection(%q) = %+v, %d, %v, %v; want %s with stamp %d", ref, got, stamp, ok, err, c.ID, want.stamp)
		}
		if got, err := db.Collection(ctx, ref); err != nil || got.ID != c.ID {
			t.Fatalf("Collection(%q) = %+v, %v", ref, got, err)
		}
	}
	if s, ok, err := db.ContentStamp(ctx, c.ID); err != nil || !ok || s != want.stamp {
		t.Fatalf("ContentStamp = %d, %v, %v; want %d", s, ok, err, want.stamp)
	}
	if _, _, _, err := db.StampedCollection(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown collection: %v", err)
	}
}
