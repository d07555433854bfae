package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

var ctx = context.Background()

// clock is a test clock: fixed until moved. Safe for concurrent use.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock {
	return &clock{t: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mustOpen opens a new, empty database with open. Its cleanup runs Check
// and fails the test on any problem, then closes the database.
func mustOpen(t *testing.T, open Opener, opts *store.Options) store.Store {
	t.Helper()
	db := open(t, opts)
	if db == nil {
		t.Fatal("Opener returned a nil store")
	}
	t.Cleanup(func() { mustCheckClose(t, db) })
	return db
}

// mustCheckClose runs Check, fails on problems, and closes db.
func mustCheckClose(tb testing.TB, db store.Store) {
	tb.Helper()
	problems, err := db.Check(ctx)
	if err != nil {
		tb.Errorf("Check: %v", err)
	}
	for _, p := range problems {
		tb.Errorf("Check problem: %s", p)
	}
	if err := db.Close(); err != nil {
		tb.Errorf("Close: %v", err)
	}
}

// mustCollection creates a collection with this title.
func mustCollection(tb testing.TB, db store.Store, title string) store.Collection {
	tb.Helper()
	c, err := db.CreateCollection(ctx, store.Collection{Title: title})
	if err != nil {
		tb.Fatalf("CreateCollection(%q): %v", title, err)
	}
	return c
}

// SDO builds a versioned object. spec "" means the JSON has no
// spec_version (STIX 2.0). extra distinguishes contents of one version.
func SDO(typ, id, modified, spec string, extra ...string) stix.Object {
	m := map[string]any{"type": typ, "id": id, "created": "2020-01-01T00:00:00.000Z", "modified": modified}
	if spec != "" {
		m["spec_version"] = spec
	}
	if len(extra) > 0 {
		m["name"] = extra[0]
	}
	js, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return stix.Object{Type: typ, ID: id, SpecVersion: spec, Created: "2020-01-01T00:00:00.000Z", Modified: modified, JSON: js}
}

// SCO builds an unversioned cyber-observable (no created/modified).
func SCO(typ, id, value string) stix.Object {
	js, err := json.Marshal(map[string]any{"type": typ, "id": id, "spec_version": "2.1", "value": value})
	if err != nil {
		panic(err)
	}
	return stix.Object{Type: typ, ID: id, SpecVersion: "2.1", JSON: js}
}

// ObjID is a deterministic STIX id.
func ObjID(typ string, n int) string {
	return fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, n)
}

// mustPut stores objects and fails on error.
func mustPut(tb testing.TB, db store.Store, coll string, objs ...stix.Object) []store.PutResult {
	tb.Helper()
	res, err := db.PutObjects(ctx, coll, objs)
	if err != nil {
		tb.Fatalf("PutObjects: %v", err)
	}
	return res
}

// walk pages through a query with After until More is false and returns
// every record.
func walk(tb testing.TB, db store.Store, coll string, q store.Query) []store.Record {
	tb.Helper()
	var out []store.Record
	for i := 0; ; i++ {
		if i > 1_000_000 {
			tb.Fatal("walk does not end")
		}
		page, err := db.Objects(ctx, coll, q)
		if err != nil {
			tb.Fatalf("Objects(%+v): %v", q, err)
		}
		out = append(out, page.Records...)
		if !page.More {
			return out
		}
		if page.Next <= q.After {
			tb.Fatalf("Next %d does not advance past After %d", page.Next, q.After)
		}
		q.After = page.Next
	}
}

// keys renders records as "id@version" for comparisons.
func keys(recs []store.Record) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = r.ID + "@" + r.Version
	}
	return out
}

func contextWithCancel() (context.Context, context.CancelFunc) {
	return context.WithCancel(context.Background())
}

// WriteInBackground puts batches of new versions until stop is closed.
// committed receives a value after each committed batch when the test is
// waiting for one (it is not buffered beyond one, so a test that drains it
// and then receives knows a batch committed after the drain).
func WriteInBackground(t *testing.T, db store.Store, coll string, stop <-chan struct{}) (wg *sync.WaitGroup, committed <-chan struct{}) {
	t.Helper()
	wg = new(sync.WaitGroup)
	done := make(chan struct{}, 1)
	loopInBackground(wg, stop, func(i int) bool {
		batch := make([]stix.Object, 20)
		for j := range batch {
			n := i*len(batch) + j
			// New objects and new versions of old ones.
			batch[j] = sdo("indicator", objID("indicator", n%500), time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n)*time.Millisecond).Format(time.RFC3339Nano), "2.1")
		}
		if _, err := db.PutObjects(ctx, coll, batch); err != nil {
			t.Errorf("background PutObjects: %v", err)
			return false
		}
		select {
		case done <- struct{}{}:
		default:
		}
		return true
	})
	return wg, done
}

// loopInBackground calls step(0), step(1), … in a goroutine counted by wg
// until stop is closed or step returns false.
func loopInBackground(wg *sync.WaitGroup, stop <-chan struct{}, step func(i int) bool) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if !step(i) {
				return
			}
		}
	}()
}

// NextCommit waits until the background writer commits a batch after this
// call.
func NextCommit(committed <-chan struct{}) {
	select {
	case <-committed: // a batch from before: drop it
	default:
	}
	<-committed
}

// Short names for the package's own tests.
var (
	sdo               = SDO
	sco               = SCO
	objID             = ObjID
	writeInBackground = WriteInBackground
	nextCommit        = NextCommit
)
