package bolt_test

import (
	"errors"
	"strconv"
	"sync"
	"testing"

	"github.com/heraldcti/herald/store"
)

// Collection answers from a cache; every acknowledged write must be seen
// by the next lookup, by id, title and alias: update, rename, delete.
func TestCollectionCacheNeverStale(t *testing.T) {
	db := mustOpen(t, nil)
	c, err := db.CreateCollection(ctx, store.Collection{Title: "A", Alias: "a"})
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(ref string) (store.Collection, error) {
		t.Helper()
		// Twice: the second answer comes from the cache.
		first, err1 := db.Collection(ctx, ref)
		second, err2 := db.Collection(ctx, ref)
		if errors.Is(err1, store.ErrNotFound) != errors.Is(err2, store.ErrNotFound) || first.Title != second.Title || first.PublicRead != second.PublicRead {
			t.Fatalf("Collection(%q) changed between two calls: %+v, %v then %+v, %v", ref, first, err1, second, err2)
		}
		return second, err2
	}
	for _, ref := range []string{c.ID, "A", "a"} {
		if got, err := lookup(ref); err != nil || got.ID != c.ID || got.PublicRead {
			t.Fatalf("Collection(%q) = %+v, %v", ref, got, err)
		}
	}

	c.Title, c.Alias, c.PublicRead = "B", "b", true
	if _, err := db.UpdateCollection(ctx, c); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{c.ID, "B", "b"} {
		if got, err := lookup(ref); err != nil || got.Title != "B" || !got.PublicRead {
			t.Fatalf("after update: Collection(%q) = %+v, %v", ref, got, err)
		}
	}
	for _, ref := range []string{"A", "a"} {
		if got, err := lookup(ref); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after rename: Collection(%q) = %+v, %v, want ErrNotFound", ref, got, err)
		}
	}

	if err := db.DeleteCollection(ctx, c.ID); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{c.ID, "B", "b"} {
		if got, err := lookup(ref); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("after delete: Collection(%q) = %+v, %v, want ErrNotFound", ref, got, err)
		}
	}
}

// While one goroutine flips a collection's public-read flag, readers that
// start after a write returned always see that write (or a later one).
func TestCollectionCacheSeesEveryAcknowledgedWrite(t *testing.T) {
	db := mustOpen(t, nil)
	c, err := db.CreateCollection(ctx, store.Collection{Title: "A", Description: "0"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	acked := 0 // number of the last acknowledged write; odd: public
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				mu.Lock()
				n := acked
				mu.Unlock()
				got, err := db.Collection(ctx, c.ID)
				if err != nil {
					t.Error(err)
					return
				}
				// The description carries the write's number.
				if seen, err := strconv.Atoi(got.Description); err != nil || seen < n {
					t.Errorf("read %q after write %d was acknowledged", got.Description, n)
					return
				}
			}
		}()
	}
	for i := 1; i <= 300; i++ {
		c.Description = strconv.Itoa(i)
		c.PublicRead = i%2 == 1
		if _, err := db.UpdateCollection(ctx, c); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		acked = i
		mu.Unlock()
	}
	close(stop)
	wg.Wait()
}
