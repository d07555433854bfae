package postgres_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/heraldcti/herald/internal/pgtest"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/postgres"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

// openPG opens a fresh database on the test server; the cleanup runs
// Check (any problem fails the test) and closes it.
func openPG(tb testing.TB, opts *store.Options) *postgres.DB {
	tb.Helper()
	dsn := pgtest.NewDB(tb)
	db, err := postgres.Open(ctx, dsn, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
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
	})
	return db
}

// openPGDSN creates a fresh database and returns its DSN; the cleanup
// opens it and runs Check.
func openPGDSN(tb testing.TB) string {
	tb.Helper()
	dsn := pgtest.NewDB(tb)
	tb.Cleanup(func() {
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			tb.Errorf("Open for Check: %v", err)
			return
		}
		defer db.Close()
		problems, err := db.Check(ctx)
		if err != nil {
			tb.Errorf("Check: %v", err)
		}
		for _, p := range problems {
			tb.Errorf("Check problem: %s", p)
		}
	})
	return dsn
}

// stepClock returns, at its k-th call, base + (k/3) µs·7: three calls
// share an instant (so date_added must step by 1 µs) before it moves.
type stepClock struct {
	base time.Time
	k    int64
}

func (c *stepClock) Now() time.Time {
	c.k++
	return c.base.Add(time.Duration(c.k/3*7) * time.Microsecond)
}
