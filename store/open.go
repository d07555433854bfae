package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// DefaultLockTimeout is how long Open waits for the database (a file lock
// held by another process, a server that does not answer) before it gives
// up with ErrLocked or the backend's error.
const DefaultLockTimeout = time.Second

// DefaultMaxPageSize caps Query.Limit when Options.MaxPageSize is zero.
const DefaultMaxPageSize = 1000

// Options tunes Open. The zero value (or nil) is fine for production. Every
// backend honours every field, or documents why a field means nothing to
// it.
type Options struct {
	// LockTimeout is how long Open waits for the database; then it fails
	// (for bbolt: with an error wrapping ErrLocked when another process
	// holds the file). Zero means DefaultLockTimeout. A command never
	// wants to wait forever.
	LockTimeout time.Duration
	// Now is the clock that date_added and Created values come from.
	// Nil means time.Now; tests inject a fixed or stepping clock.
	Now func() time.Time
	// NoSync relaxes durability for bulk loads: a commit may return before
	// it is on disk. Close makes everything durable.
	NoSync bool
	// MaxPageSize caps Query.Limit. Zero means DefaultMaxPageSize.
	MaxPageSize int
}

// WithDefaults returns a copy of opts (nil is the zero Options) with every
// zero field set to its default, for backends.
func (opts *Options) WithDefaults() Options {
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
	return o
}

// Opener opens a database of one backend. dsn is the whole --db value.
type Opener func(ctx context.Context, dsn string, opts *Options) (Store, error)

// PathScheme is the scheme under which the backend for plain file paths
// (bbolt) registers: a --db value that is not a URL is a path.
const PathScheme = "file"

var (
	backendsMu sync.RWMutex
	backends   = map[string]Opener{}
)

// Register makes a backend available to Open under a URL scheme ("postgres"
// for postgres://…), or under PathScheme for plain paths. Backends call it
// from their package's init; a program gets a backend by importing its
// package (cmd/herald imports every backend it ships). Registering a
// scheme twice, or a nil Opener, panics: it is a programming error, found
// at start-up.
func Register(scheme string, open Opener) {
	backendsMu.Lock()
	defer backendsMu.Unlock()
	if open == nil {
		panic("store: Register " + scheme + " with a nil Opener")
	}
	if _, dup := backends[scheme]; dup {
		panic("store: Register called twice for scheme " + scheme)
	}
	backends[scheme] = open
}

// knownSchemes are backends Herald has or will have, so that a binary built
// without one says so instead of calling the value a file name.
var knownSchemes = map[string]string{
	"postgres":   "PostgreSQL",
	"postgresql": "PostgreSQL",
}

// Scheme returns the backend scheme a --db value selects: the URL scheme
// for "scheme://…" (lower-cased), PathScheme for anything else.
func Scheme(dsn string) string {
	i := strings.Index(dsn, "://")
	if i <= 0 {
		return PathScheme
	}
	scheme := strings.ToLower(dsn[:i])
	for _, r := range scheme {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '-' || r == '.') {
			return PathScheme // "C:\x://y" or the like: a path
		}
	}
	return scheme
}

// IsPath reports whether a --db value is a file path rather than a URL.
func IsPath(dsn string) bool { return Scheme(dsn) == PathScheme }

// Open opens the database a --db value names: a file path opens (or
// creates) a bbolt file; postgres://… or postgresql://… opens PostgreSQL.
// The backend must be registered (see Register); one that is not gives an
// error wrapping ErrNotBuiltIn. Errors never echo a URL's password.
func Open(ctx context.Context, dsn string, opts *Options) (Store, error) {
	if dsn == "" {
		return nil, fmt.Errorf("open database: empty --db value: %w", ErrBadParameter)
	}
	scheme := Scheme(dsn)
	backendsMu.RLock()
	open := backends[scheme]
	backendsMu.RUnlock()
	if open == nil {
		if name, ok := knownSchemes[scheme]; ok {
			return nil, fmt.Errorf("open %s://…: %w: %s support is not built into this binary yet", scheme, ErrNotBuiltIn, name)
		}
		if scheme == PathScheme {
			return nil, fmt.Errorf("open %s: %w: no file backend is registered (import store/bolt)", dsn, ErrNotBuiltIn)
		}
		return nil, fmt.Errorf("open %s://…: %w: unknown scheme %q (known: %s)", scheme, ErrNotBuiltIn, scheme, strings.Join(Schemes(), ", "))
	}
	return open(ctx, dsn, opts)
}

// Schemes lists the registered schemes, sorted.
func Schemes() []string {
	backendsMu.RLock()
	defer backendsMu.RUnlock()
	out := make([]string, 0, len(backends))
	for s := range backends {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}
