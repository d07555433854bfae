package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// watchPoll is how often the watcher re-reads the change generation even
// when no notification came (a notification can be lost while the
// listening connection is being re-established). It bounds how long a
// replica may act on stale credentials: well under the 2 s promise.
const watchPoll = 500 * time.Millisecond

func (db *DB) readGeneration(ctx context.Context) (uint64, error) {
	var g int64
	if err := db.pool.QueryRow(ctx, "SELECT generation FROM herald_generation").Scan(&g); err != nil {
		return 0, fmt.Errorf("read change generation: %w", err)
	}
	return uint64(g), nil
}

// Generation is the change generation of the database as last seen by
// this process: it grows whenever any process (any replica) changes a
// collection, an account, a grant or a token. Callers that cache
// credentials or access decisions drop their cache when it moves. It is
// refreshed by a LISTEN on the herald_changes channel and, as a safety
// net, by a poll every half second.
func (db *DB) Generation() uint64 { return db.gen.Load() }

// Changed returns a channel that is closed at the next change of
// Generation.
func (db *DB) Changed() <-chan struct{} {
	db.chMu.Lock()
	defer db.chMu.Unlock()
	return db.changes
}

// observe records generation g and wakes the waiters when it moved.
func (db *DB) observe(g uint64) {
	for {
		old := db.gen.Load()
		if g <= old {
			return
		}
		if db.gen.CompareAndSwap(old, g) {
			break
		}
	}
	db.chMu.Lock()
	close(db.changes)
	db.changes = make(chan struct{})
	db.chMu.Unlock()
}

// watch keeps one connection listening for change notifications until
// ctx is done, reconnecting after failures.
func (db *DB) watch(ctx context.Context) {
	defer close(db.done)
	for ctx.Err() == nil {
		// listen returns only when its connection fails (or ctx ends).
		// The failure is not this goroutine's to report: the pool's own
		// queries meet the same trouble and their callers see it. Wait a
		// poll interval and connect again.
		if err := db.listen(ctx); err == nil || ctx.Err() != nil {
			return
		}
		t := time.NewTimer(watchPoll)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

func (db *DB) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN herald_changes"); err != nil {
		return err
	}
	for {
		var g int64
		if err := conn.QueryRow(ctx, "SELECT generation FROM herald_generation").Scan(&g); err != nil {
			return err
		}
		db.observe(uint64(g))
		wctx, cancel := context.WithTimeout(ctx, watchPoll)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil && !pgconn.Timeout(err) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
}
