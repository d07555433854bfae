package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/heraldcti/herald/store"
)

// Every page a TAXII server sends needs the collection's record (to check
// who may read it) and its content stamp (to know whether a cached page is
// still the page), both as they are now: as of a moment after the request
// began, so that a write acknowledged by any replica before it is never
// missed. Asked one request at a time, that is two round trips per page,
// most of a cached page's cost.
//
// Instead, requests share reads of the collections table. A request joins
// the next round: the read that has not started yet. When the running
// read ends, the next one starts, with every request that joined while it
// ran. A round's read starts after each of its requests began, so its
// answer is as fresh as a read of their own would be; under load one read
// serves every request that arrived while the previous one ran. At rest a
// request waits for one read, as before.

// maxSnapshotCollections bounds the rows of a shared read. A database with
// more collections is answered one query per call, as the shared read
// would grow with every collection.
const maxSnapshotCollections = 1024

// snapshotTimeout bounds one shared read; the requests waiting on it also
// give up with their own context.
const snapshotTimeout = 30 * time.Second

// collSnapshot is the collections table as one read saw it.
type collSnapshot struct {
	byID   map[string]*snapEntry
	byName map[string]*snapEntry // titles and aliases
}

type snapEntry struct {
	c     store.Collection
	stamp uint64
}

// lookup resolves ref as Collection does: id first, then title or alias.
func (s *collSnapshot) lookup(ref string) (*snapEntry, bool) {
	if e, ok := s.byID[ref]; ok {
		return e, true
	}
	e, ok := s.byName[ref]
	return e, ok
}

// snapRound is one shared read and the requests waiting for it.
type snapRound struct {
	done    chan struct{}
	callers int           // how many calls share this read
	snap    *collSnapshot // nil: too many collections to share
	err     error
}

// snapshots hands out shared reads of the collections table.
type snapshots struct {
	mu      sync.Mutex
	next    *snapRound // the round requests join; its read has not started
	running bool       // a goroutine is reading rounds
	read    func(ctx context.Context) (*collSnapshot, error)
}

// get waits for a read of the collections table that starts after get was
// called. A nil snapshot without error means the table is too large to
// share: query directly.
func (s *snapshots) get(ctx context.Context) (*collSnapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	r := s.next
	if r == nil {
		r = &snapRound{done: make(chan struct{})}
		s.next = r
	}
	r.callers++
	if !s.running {
		s.running = true
		go s.run()
	}
	s.mu.Unlock()
	select {
	case <-r.done:
		return r.snap, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// run reads rounds until no request waits.
func (s *snapshots) run() {
	for {
		s.mu.Lock()
		r := s.next
		if r == nil {
			s.running = false
			s.mu.Unlock()
			return
		}
		s.next = nil // from now on, requests join a round read after this one
		s.mu.Unlock()
		ctx, cancel := context.WithTimeout(context.Background(), snapshotTimeout)
		r.snap, r.err = s.read(ctx)
		cancel()
		close(r.done)
	}
}

// readSnapshot reads every collection with its content stamp, or nil when
// there are more than maxSnapshotCollections.
func (db *DB) readSnapshot(ctx context.Context) (*collSnapshot, error) {
	rows, err := db.pool.Query(ctx, "SELECT c.content_stamp, "+collectionColumns+" FROM collections c LIMIT $1", maxSnapshotCollections+1)
	if err != nil {
		return nil, fmt.Errorf("read collections: %w", err)
	}
	entries, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*snapEntry, error) {
		var stamp int64
		c, err := scanCollection(r, &stamp)
		c.MediaTypes = slices.Clip(c.MediaTypes) // shared by the round's callers: an append copies
		return &snapEntry{c: c, stamp: uint64(stamp)}, err
	})
	if err != nil {
		return nil, fmt.Errorf("read collections: %w", err)
	}
	if len(entries) > maxSnapshotCollections {
		return nil, nil
	}
	s := &collSnapshot{byID: make(map[string]*snapEntry, len(entries)), byName: make(map[string]*snapEntry, 2*len(entries))}
	for _, e := range entries {
		s.byID[e.c.ID] = e
		s.byName[e.c.Title] = e
		if e.c.Alias != "" {
			s.byName[e.c.Alias] = e
		}
	}
	return s, nil
}
