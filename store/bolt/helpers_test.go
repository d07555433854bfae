package bolt_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/store/storetest"
)

// TestMain lets the test binary double as the child process of the
// cross-process lock test: with HERALD_STORE_HOLD set it opens that
// database, says so on stdout and holds it until stdin closes.
func TestMain(m *testing.M) {
	if path := os.Getenv(holdEnv); path != "" {
		os.Exit(holdDB(path))
	}
	code := m.Run()
	if benchState.db != nil {
		_ = benchState.db.Close()
	}
	for _, f := range benchFiles {
		_ = os.Remove(f)
	}
	os.Exit(code)
}

var ctx = context.Background()

// mustOpen opens a new database in a temporary directory. Its cleanup
// runs Check and fails the test on any problem, then closes the file.
func mustOpen(tb testing.TB, opts *store.Options) *bolt.DB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "herald.db")
	db, err := bolt.Open(path, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { mustCheckClose(tb, db) })
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
func mustCollection(tb testing.TB, db *bolt.DB, title string) store.Collection {
	tb.Helper()
	c, err := db.CreateCollection(ctx, store.Collection{Title: title})
	if err != nil {
		tb.Fatalf("CreateCollection(%q): %v", title, err)
	}
	return c
}

// mustPut stores objects and fails on error.
func mustPut(tb testing.TB, db *bolt.DB, coll string, objs ...stix.Object) []store.PutResult {
	tb.Helper()
	res, err := db.PutObjects(ctx, coll, objs)
	if err != nil {
		tb.Fatalf("PutObjects: %v", err)
	}
	return res
}

// walk pages through a query with After until More is false and returns
// every record.
func walk(tb testing.TB, db *bolt.DB, coll string, q store.Query) []store.Record {
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

// Ids and timestamps of the few objects the bbolt-only tests store (the
// conformance suite has its own fixture).
var (
	idA  = objID("indicator", 1)
	idS1 = objID("ipv4-addr", 5)
)

const (
	mA1 = "2021-01-01T00:00:00.000Z"
	mA2 = "2021-01-01T00:00:00.500Z"
)

// tokenHash is the hex SHA-256 of a bearer token, as accounts store it.
func tokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// The object builders and the background writer are the conformance
// suite's (package storetest), so both test the same data.
var (
	sdo               = storetest.SDO
	sco               = storetest.SCO
	objID             = storetest.ObjID
	writeInBackground = storetest.WriteInBackground
	nextCommit        = storetest.NextCommit
)
