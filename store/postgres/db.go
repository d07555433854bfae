package postgres

import (
	"context"
	"crypto/rand"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migration is one numbered schema step.
type migration struct {
	version int
	name    string
	sql     string
}

var migrationName = regexp.MustCompile(`^(\d{4})_[a-z0-9_]+\.sql$`)

// migrations lists the embedded migrations in order. Their numbers must
// run 1, 2, 3… without gaps.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		m := migrationName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file name %q is not NNNN_name.sql", e.Name())
		}
		n, _ := strconv.Atoi(m[1])
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: n, name: e.Name(), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: want number %d", m.name, i+1)
		}
	}
	return out, nil
}

// SchemaVersion is the newest schema this package knows (the number of
// the last embedded migration).
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].version
}

// migrateLockKey is the advisory lock that serialises migrations and
// seeding ("herald" in ASCII).
const migrateLockKey = 0x686572616c64

// DB is a Herald database on PostgreSQL. Its methods are safe for
// concurrent use, also from several processes on the same database.
type DB struct {
	pool        *pgxpool.Pool
	name        string // DSN without password, for messages
	now         func() time.Time
	maxPageSize int

	gen     atomic.Uint64 // last change generation seen
	changes chan struct{} // closed and replaced on every change seen
	chMu    sync.Mutex
	stop    context.CancelFunc
	done    chan struct{}

	snaps snapshots // shared reads of the collections table (snapshot.go)
}

// IsDSN reports whether s names a PostgreSQL database (a postgres:// or
// postgresql:// URL).
func IsDSN(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open connects to the database named by dsn (a postgres:// URL; the
// password comes from the URL, PGPASSWORD or ~/.pgpass, and sslmode is
// honoured, as with libpq), creates or migrates the schema and returns
// the DB. A database whose schema is newer than this program gives an
// error wrapping store.ErrSchema. Several processes may open a new
// database at once: the migration runs once, under an advisory lock.
//
// Of store.Options: Now and MaxPageSize mean what they mean for every
// backend; LockTimeout bounds connecting (ten times it, at least five
// seconds, unless the URL sets connect_timeout), so a command never hangs
// on an unreachable server; NoSync means nothing, as every commit is as
// durable as the server's settings make it.
func Open(ctx context.Context, dsn string, opts *store.Options) (*DB, error) {
	o := opts.WithDefaults()
	name := store.Redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, stripDSN(err, dsn))
	}
	if cfg.MaxConns < 8 && !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = 8
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// A command must not hang on an unreachable server.
		cfg.ConnConfig.ConnectTimeout = max(o.LockTimeout*10, 5*time.Second)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, stripDSN(err, dsn))
	}
	db := &DB{pool: pool, name: name, now: o.Now, maxPageSize: o.MaxPageSize, changes: make(chan struct{})}
	db.snaps.read = db.readSnapshot
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	if err := db.ensureSecret(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	g, err := db.readGeneration(ctx)
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open %s: %w", name, err)
	}
	db.gen.Store(g)
	wctx, cancel := context.WithCancel(context.Background())
	db.stop, db.done = cancel, make(chan struct{})
	go db.watch(wctx)
	return db, nil
}

// stripDSN keeps a password out of an error that might quote the DSN.
func stripDSN(err error, dsn string) error {
	u, perr := url.Parse(dsn)
	if perr != nil || u.User == nil {
		return err
	}
	if pw, ok := u.User.Password(); ok && pw != "" && strings.Contains(err.Error(), pw) {
		return errors.New(strings.ReplaceAll(err.Error(), pw, "xxxxx"))
	}
	return err
}

// migrate applies the missing migrations in one transaction under an
// advisory lock, so concurrent first opens migrate once.
func (db *DB) migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	return pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrateLockKey)); err != nil {
			return fmt.Errorf("lock for migration: %w", err)
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS herald_schema (
			version integer PRIMARY KEY,
			name text NOT NULL,
			applied timestamptz NOT NULL DEFAULT now())`); err != nil {
			return fmt.Errorf("create herald_schema: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM herald_schema").Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if current > len(ms) {
			return fmt.Errorf("%w: the database has schema version %d, this program knows up to %d (upgrade Herald)",
				store.ErrSchema, current, len(ms))
		}
		for _, m := range ms[current:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO herald_schema (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return fmt.Errorf("record migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}

// ensureSecret creates the token-signing secret once per database.
func (db *DB) ensureSecret(ctx context.Context) error {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return fmt.Errorf("generate token secret: %w", err)
	}
	_, err := db.pool.Exec(ctx, "INSERT INTO herald_settings (name, value) VALUES ('token_secret', $1) ON CONFLICT (name) DO NOTHING", secret)
	if err != nil {
		return fmt.Errorf("store token secret: %w", err)
	}
	return nil
}

// Close stops watching for changes and closes the connections. Every
// commit is durable when it returns (Options.NoSync means nothing here).
func (db *DB) Close() error {
	db.stop()
	<-db.done
	db.pool.Close()
	return nil
}

// Path is the DSN the database was opened with, without its password.
func (db *DB) Path() string { return db.name }

// Sync does nothing: every commit is durable as PostgreSQL's settings
// say.
func (db *DB) Sync() error { return nil }

// Pool is the connection pool (for tests and tools).
func (db *DB) Pool() *pgxpool.Pool { return db.pool }

// TokenSecret is the database's 32-byte random secret for signing
// pagination tokens, shared by every replica.
func (db *DB) TokenSecret(ctx context.Context) ([]byte, error) {
	var v []byte
	err := db.pool.QueryRow(ctx, "SELECT value FROM herald_settings WHERE name = 'token_secret'").Scan(&v)
	if err != nil {
		return nil, fmt.Errorf("token secret: %w", err)
	}
	if len(v) != 32 {
		return nil, fmt.Errorf("token secret: stored secret has %d bytes, want 32", len(v))
	}
	return v, nil
}

// SetTokenSecret replaces the secret (herald copy keeps the source's, so
// next tokens stay valid after a move).
func (db *DB) SetTokenSecret(ctx context.Context, secret []byte) error {
	if len(secret) != 32 {
		return fmt.Errorf("set token secret: %d bytes, want 32: %w", len(secret), store.ErrBadParameter)
	}
	_, err := db.pool.Exec(ctx, `INSERT INTO herald_settings (name, value) VALUES ('token_secret', $1)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, secret)
	if err != nil {
		return fmt.Errorf("set token secret: %w", err)
	}
	return nil
}

// Meta returns the value stored under key by SetMeta, or nil.
func (db *DB) Meta(ctx context.Context, key string) ([]byte, error) {
	if !isText(key) {
		return nil, nil // PostgreSQL text cannot hold it, so no value was stored under it
	}
	var v []byte
	err := db.pool.QueryRow(ctx, "SELECT value FROM herald_kv WHERE key = $1", key).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("meta %q: %w", key, err)
	}
	if v == nil {
		v = []byte{}
	}
	return v, nil
}

// SetMeta stores value under key; a nil value deletes the key.
func (db *DB) SetMeta(ctx context.Context, key string, value []byte) error {
	if key == "" || len(key) > store.MaxKeyPart || !isText(key) {
		return fmt.Errorf("set meta: bad key %q: %w", key, store.ErrBadParameter)
	}
	var err error
	if value == nil {
		_, err = db.pool.Exec(ctx, "DELETE FROM herald_kv WHERE key = $1", key)
	} else {
		_, err = db.pool.Exec(ctx, `INSERT INTO herald_kv (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	}
	if err != nil {
		return fmt.Errorf("set meta %q: %w", key, err)
	}
	return nil
}

// isText reports whether s can be stored in (or compared with) a
// PostgreSQL text value: UTF-8 without NUL. A name that is not text
// cannot name anything stored, so lookups treat it as not found.
func isText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// isUniqueViolation reports a unique-constraint violation (SQLSTATE 23505).
func isUniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// WithSeedLock runs fn while holding a database-wide advisory lock, so
// that replicas starting together seed a new database once.
func (db *DB) WithSeedLock(ctx context.Context, fn func(context.Context) error) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("seed lock: %w", err)
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", int64(migrateLockKey+1)); err != nil {
		return fmt.Errorf("seed lock: %w", err)
	}
	defer func() {
		// A fresh context: the unlock must run even when ctx is done.
		uctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := conn.Exec(uctx, "SELECT pg_advisory_unlock($1)", int64(migrateLockKey+1)); err != nil {
			// The session ends with the connection; drop it so the lock goes.
			_ = conn.Conn().Close(uctx)
		}
	}()
	return fn(ctx)
}
