package bolt

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	bbolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/heraldcti/herald/store"
)

// SchemaVersion is the layout of the buckets and keys this package writes.
// It is stored in the file when the file is created. Open migrates a file
// of an older version (migrate.go) and refuses one of a newer version
// (store.ErrSchema) rather than misreading it.
//
// 2: bucket x holds only versions that are not timestamps (layout.go).
// 3: bucket o holds only objects with two or more versions (added.go).
// 4: a record may refer to its JSON for its id, type and version
// (recordShared in record.go); bucket n keys timestamps by their instant
// (versionPrefix in layout.go).
const SchemaVersion = 4

// DB is an open Herald database in one bbolt file: the store.Store of
// the bbolt backend. Its methods are safe for concurrent use: any number
// of readers run in parallel with one writer.
type DB struct {
	bdb         *bbolt.DB
	path        string
	now         func() time.Time
	maxPageSize int
	noSync      bool

	// writes is a sequence count of the write transactions other than
	// those of objectWrites and of statuses (updateStatuses, which no
	// cache depends on): update moves it to an odd value before a
	// write begins and to the next even value once it has ended
	// (committed or not), holding writeMu throughout. An even value that
	// has not moved since a read transaction began means that nothing
	// was written since, and that nothing a later write commits could be
	// seen by a reader yet: the cache of collection records (colls,
	// collcache.go; object writes change no record) is keyed by it, and
	// the cache of pages (store.ContentStamper, used by the TAXII server)
	// by it and the collection's count in objectWrites.
	writeMu sync.Mutex
	writes  atomic.Uint64
	colls   atomic.Pointer[collCache]
	// objectWrites holds, per collection id, a sequence count like writes
	// for the writes that change nothing but that collection's objects
	// (PutObjects, DeleteObject: updateObjects), which leave writes alone.
	// A collection's content stamp is the sum of both counts, so a
	// publisher writing to one collection leaves the cached pages of the
	// others in place. Counters are made by writes only (a read of a
	// collection without one reads 0, where a new one starts).
	objectWrites sync.Map // string -> *atomic.Uint64
}

var _ store.Store = (*DB)(nil)

// The bbolt backend serves every --db value that is a path.
func init() {
	store.Register(store.PathScheme, func(ctx context.Context, dsn string, opts *store.Options) (store.Store, error) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		db, err := Open(dsn, opts)
		if err != nil {
			return nil, err
		}
		return db, nil
	})
}

// Top-level bucket names. The per-collection buckets are described in
// layout.go.
var (
	bucketMeta        = []byte("meta")        // schema version, token secret
	bucketKV          = []byte("kv")          // Meta/SetMeta
	bucketCollections = []byte("collections") // id -> collection JSON
	bucketNames       = []byte("names")       // title or alias -> id
	bucketObjects     = []byte("objects")     // id -> per-collection bucket
	bucketStatuses    = []byte("statuses")    // id -> status JSON
	bucketStatusTime  = []byte("status_time") // request time (8) + id -> nil
	bucketAccounts    = []byte("accounts")    // name -> account JSON
	bucketTokens      = []byte("tokens")      // sha256 hex -> account name

	topBuckets = [][]byte{bucketMeta, bucketKV, bucketCollections, bucketNames,
		bucketObjects, bucketStatuses, bucketStatusTime, bucketAccounts, bucketTokens}

	keySchema      = []byte("schema")
	keyTokenSecret = []byte("token_secret")
)

// allocStep is how far ahead of its last page bbolt extends the file when
// it needs room (bbolt's default is 16 MiB). The part past the last page
// is a hole that takes no disk, but ls and file managers show it: with 16
// MiB, a 280 MB database looked 6% larger than it is. Each extension is an
// ftruncate and an fsync; a bulk import extends the file once per commit
// either way (a commit writes more than a step), and a small write needs
// one about every 256 pages.
const allocStep = 1 << 20

// Open opens the database at path, creating the file and its buckets when
// it does not exist, and migrates a file written with an older schema
// version to SchemaVersion (once, in one write transaction, so an
// interrupted migration leaves the file as it was; the rewrite of schema
// 4's index keys runs after it in bounded transactions and, cut short,
// goes on at the next Open: see shortKeys). When another process (or another DB in this process)
// holds the file, Open fails after Options.LockTimeout with an error that
// wraps store.ErrLocked and names the path. A file written with another schema
// version, or a bbolt file that is not a Herald database, gives an error
// wrapping store.ErrSchema; a truncated file, store.ErrDamaged.
func Open(path string, opts *store.Options) (*DB, error) {
	o := opts.WithDefaults()
	if err := checkFileLength(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{
		Timeout:      o.LockTimeout,
		NoSync:       o.NoSync,
		FreelistType: bbolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w (gave up after %v; stop the other process or use its server)", path, store.ErrLocked, o.LockTimeout)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	bdb.AllocSize = allocStep
	db := &DB{bdb: bdb, path: path, now: o.Now, maxPageSize: o.MaxPageSize, noSync: o.NoSync}
	rekeying := false // the schema transaction found the rewrite of shortKeys unfinished
	err = bdb.Update(func(tx *bbolt.Tx) error {
		if err := db.initSchema(tx); err != nil {
			return err
		}
		rekeying = tx.Bucket(bucketMeta).Get(keyRekeying) != nil
		return nil
	})
	if err == nil && rekeying {
		err = db.finishRekey()
	}
	if err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// initSchema creates the buckets of a new file, or checks the schema
// version of an existing one and migrates it when it is older.
func (db *DB) initSchema(tx *bbolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		if err := tx.ForEach(func([]byte, *bbolt.Bucket) error {
			empty = false
			return nil
		}); err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("%w: the file is a bbolt database without Herald's meta bucket", store.ErrSchema)
		}
		var err error
		if meta, err = tx.CreateBucket(bucketMeta); err != nil {
			return err
		}
		if err := meta.Put(keySchema, []byte(strconv.Itoa(SchemaVersion))); err != nil {
			return err
		}
	}
	v := meta.Get(keySchema)
	if v == nil {
		return fmt.Errorf("%w: no schema version stored", store.ErrSchema)
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n < 1 || n > SchemaVersion {
		return fmt.Errorf("%w: file has version %q, this program reads %d and older (a newer Herald wrote it?)", store.ErrSchema, v, SchemaVersion)
	}
	if n < SchemaVersion {
		if err := migrateSchema(tx, meta, n); err != nil {
			return err
		}
	}
	for _, name := range topBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	if meta.Get(keyTokenSecret) == nil {
		secret := make([]byte, 32)
		if _, err := rand.Read(secret); err != nil {
			return fmt.Errorf("generate token secret: %w", err)
		}
		if err := meta.Put(keyTokenSecret, secret); err != nil {
			return err
		}
	}
	return nil
}

// Close releases the file and its lock. Pending read transactions finish
// first. When the file was opened with Options.NoSync, Close syncs it
// first, so the writes are durable once it returns.
func (db *DB) Close() error {
	if db.noSync {
		if err := db.bdb.Sync(); err != nil {
			_ = db.bdb.Close()
			return fmt.Errorf("close %s: sync: %w", db.path, err)
		}
	}
	if err := db.bdb.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	return nil
}

// Path is the file the database was opened from.
func (db *DB) Path() string { return db.path }

// Sync flushes the file to disk. It is only needed after writes made with
// Options.NoSync.
func (db *DB) Sync() error {
	if err := db.bdb.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", db.path, err)
	}
	return nil
}

// view runs fn in a read transaction after checking ctx.
func (db *DB) view(ctx context.Context, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bdb.View(fn)
}

// update runs fn in a write transaction after checking ctx. fn is never
// called from inside another transaction of this DB. It moves writes.
func (db *DB) update(ctx context.Context, fn func(*bbolt.Tx) error) error {
	return db.write(ctx, &db.writes, fn)
}

// updateObjects is update for a write that changes nothing but the
// objects of one collection: it moves that collection's count in
// objectWrites instead of writes.
func (db *DB) updateObjects(ctx context.Context, collectionID string, fn func(*bbolt.Tx) error) error {
	n, _ := db.objectWrites.LoadOrStore(collectionID, new(atomic.Uint64))
	return db.write(ctx, n.(*atomic.Uint64), fn)
}

// updateStatuses is update for a write of add-request statuses only. No
// cache holds them (the cached collection records and pages do not depend
// on them), so it moves no count: a TAXII add request's status leaves the
// cached pages of other collections in place.
func (db *DB) updateStatuses(ctx context.Context, fn func(*bbolt.Tx) error) error {
	return db.write(ctx, nil, fn)
}

// write runs fn in a write transaction after checking ctx, moving count
// (unless nil) to an odd value before and to the next even value after.
// bbolt runs one write transaction at a time anyway; holding writeMu
// around it makes the two moves bracket exactly one write.
func (db *DB) write(ctx context.Context, count *atomic.Uint64, fn func(*bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	db.writeMu.Lock()
	defer db.writeMu.Unlock()
	if count != nil {
		count.Add(1) // odd: what a reader sees may change under it
		defer count.Add(1)
	}
	return db.bdb.Update(fn)
}

// stableWrites returns the write count when no write is in flight (ok), as
// the key of what is cached from a read transaction begun after it.
func (db *DB) stableWrites() (gen uint64, ok bool) {
	gen = db.writes.Load()
	return gen, gen%2 == 0
}

// objectStamp adds a collection's count of object writes to gen, a write
// count loaded before: the content stamp of the collection, usable (ok)
// when neither count has a write in flight. Both counts only grow and each
// write moves exactly one of them, so an unchanged sum means that neither
// moved. Both are loaded before the read whose result the stamp keys, as
// DB.writes requires.
func (db *DB) objectStamp(gen uint64, collectionID string) (uint64, bool) {
	var n uint64
	if c, ok := db.objectWrites.Load(collectionID); ok {
		n = c.(*atomic.Uint64).Load()
	}
	return gen + n, gen%2 == 0 && n%2 == 0
}

// ContentStamp implements store.ContentStamper: the write count plus the
// collection's count of object writes (see DB.objectWrites). Writes to
// other collections' objects do not move it; every other write does.
func (db *DB) ContentStamp(ctx context.Context, collectionID string) (uint64, bool, error) {
	if err := ctx.Err(); err != nil {
		return 0, false, err
	}
	stamp, ok := db.objectStamp(db.writes.Load(), collectionID)
	return stamp, ok, nil
}

// StampedCollection implements store.ContentStamper: the write count is
// read before the collection's record, the collection's count of object
// writes after it (its id is known then), both before any page read.
func (db *DB) StampedCollection(ctx context.Context, ref string) (store.Collection, uint64, bool, error) {
	gen := db.writes.Load()
	c, err := db.Collection(ctx, ref)
	if err != nil {
		return store.Collection{}, 0, false, err
	}
	stamp, ok := db.objectStamp(gen, c.ID)
	return c, stamp, ok, nil
}
