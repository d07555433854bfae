package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// SchemaVersion is the layout of the buckets and keys this package writes.
// It is stored in the file when the file is created; Open refuses a file
// with another value (ErrSchema) rather than misreading it.
const SchemaVersion = 1

// DefaultLockTimeout is how long Open waits for another holder of the file
// to let go before it gives up with ErrLocked.
const DefaultLockTimeout = time.Second

// DefaultMaxPageSize caps Query.Limit when Options.MaxPageSize is zero.
const DefaultMaxPageSize = 1000

// Options tunes Open. The zero value (or nil) is fine for production.
type Options struct {
	// LockTimeout is how long Open waits for the file lock; then it fails
	// with an error wrapping ErrLocked. Zero means DefaultLockTimeout.
	// bbolt itself would wait forever, which is never what a command wants.
	LockTimeout time.Duration
	// Now is the clock that date_added and Created values come from.
	// Nil means time.Now; tests inject a fixed or stepping clock.
	Now func() time.Time
	// NoSync skips the fsync after each commit. Only for bulk loads: the
	// caller must call Sync before relying on the data.
	NoSync bool
	// MaxPageSize caps Query.Limit. Zero means DefaultMaxPageSize.
	MaxPageSize int
}

// DB is an open Herald database. Its methods are safe for concurrent use:
// any number of readers run in parallel with one writer.
type DB struct {
	bolt        *bolt.DB
	path        string
	now         func() time.Time
	maxPageSize int
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

// Open opens the database at path, creating the file and its buckets when
// it does not exist. When another process (or another DB in this process)
// holds the file, Open fails after Options.LockTimeout with an error that
// wraps ErrLocked and names the path. A file written with another schema
// version, or a bbolt file that is not a Herald database, gives an error
// wrapping ErrSchema.
func Open(path string, opts *Options) (*DB, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = DefaultLockTimeout
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxPageSize <= 0 {
		o.MaxPageSize = DefaultMaxPageSize
	}
	if err := checkFileLength(path); err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	bdb, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout:      o.LockTimeout,
		NoSync:       o.NoSync,
		FreelistType: bolt.FreelistMapType,
	})
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("open %s: %w (gave up after %v; stop the other process or use its server)", path, ErrLocked, o.LockTimeout)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	db := &DB{bolt: bdb, path: path, now: o.Now, maxPageSize: o.MaxPageSize}
	if err := bdb.Update(db.initSchema); err != nil {
		_ = bdb.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return db, nil
}

// initSchema creates the buckets of a new file, or checks the schema
// version of an existing one.
func (db *DB) initSchema(tx *bolt.Tx) error {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		empty := true
		if err := tx.ForEach(func([]byte, *bolt.Bucket) error {
			empty = false
			return nil
		}); err != nil {
			return err
		}
		if !empty {
			return fmt.Errorf("%w: the file is a bbolt database without Herald's meta bucket", ErrSchema)
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
		return fmt.Errorf("%w: no schema version stored", ErrSchema)
	}
	n, err := strconv.Atoi(string(v))
	if err != nil || n != SchemaVersion {
		return fmt.Errorf("%w: file has version %q, this program reads %d", ErrSchema, v, SchemaVersion)
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
// first.
func (db *DB) Close() error {
	if err := db.bolt.Close(); err != nil {
		return fmt.Errorf("close %s: %w", db.path, err)
	}
	return nil
}

// Path is the file the database was opened from.
func (db *DB) Path() string { return db.path }

// Sync flushes the file to disk. It is only needed after writes made with
// Options.NoSync.
func (db *DB) Sync() error {
	if err := db.bolt.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", db.path, err)
	}
	return nil
}

// view runs fn in a read transaction after checking ctx.
func (db *DB) view(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(fn)
}

// update runs fn in a write transaction after checking ctx. fn is never
// called from inside another transaction of this DB.
func (db *DB) update(ctx context.Context, fn func(*bolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.Update(fn)
}
