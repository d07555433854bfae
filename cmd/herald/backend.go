package main

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// backend is where a command reads and writes: a database file opened
// directly (localBackend) or a running server reached over HTTP
// (remoteBackend, TAXII for objects and the admin API for the rest). Every
// command that touches data goes through it, so each works both ways.
type backend interface {
	// Collections lists the collections, by id.
	Collections(ctx context.Context) ([]store.Collection, error)
	// Collection finds a collection by id, title or alias.
	Collection(ctx context.Context, ref string) (store.Collection, error)
	CreateCollection(ctx context.Context, c store.Collection) (store.Collection, error)
	// UpdateCollection changes the fields u holds of the collection ref
	// names and returns it as stored.
	UpdateCollection(ctx context.Context, ref string, u taxii.AdminCollectionUpdate) (store.Collection, error)
	DeleteCollection(ctx context.Context, ref string) error

	// PutObjects stores a batch of valid objects (one transaction locally,
	// one TAXII add request remotely) and reports each. A version stored
	// with other content is settled by policy locally; remotely the
	// server applies the collection's own policy (coll.OnConflict), which
	// import checks is the one asked for. Under fail, a conflict writes
	// nothing and the error is a *store.ConflictError.
	PutObjects(ctx context.Context, coll store.Collection, objs []stix.Object, policy store.ConflictPolicy) ([]putResult, error)
	// MaxBatchBytes is the largest batch, in bytes of JSON, that one
	// PutObjects call should carry; 0 means no limit.
	MaxBatchBytes() int64
	// WalkObjects calls fn with the exact stored bytes of every object
	// version matching q, in date_added order, one page in memory at a time.
	WalkObjects(ctx context.Context, coll store.Collection, q walkQuery, fn func(obj []byte) error) error
	// Latest returns the latest version of one object, or store.ErrNotFound.
	Latest(ctx context.Context, coll store.Collection, id string) (stix.Object, error)

	Accounts(ctx context.Context) ([]account, error)
	CreateAccount(ctx context.Context, name, password string, admin bool) error
	SetPassword(ctx context.Context, name, password string) error
	DeleteAccount(ctx context.Context, name string) error
	Grant(ctx context.Context, name, collectionRef string, g store.Grant) error
	AddToken(ctx context.Context, name string) (tokenID, secret string, err error)
	DeleteToken(ctx context.Context, name, tokenID string) error

	Check(ctx context.Context) ([]store.CheckProblem, error)
	// Backup writes a consistent copy of the database to path (through a
	// temporary file renamed into place) and returns its size.
	Backup(ctx context.Context, path string) (int64, error)

	Close() error
}

// walkQuery selects what export writes.
type walkQuery struct {
	Types       []string
	AddedAfter  time.Time
	AllVersions bool
}

// account is an account as the commands show it.
type account struct {
	Name   string
	Admin  bool
	Grants map[string]store.Grant // by collection id
	Tokens []store.APIToken       // ids and creation times only
}

// outcome classifies one object of an import.
type outcome int

const (
	outAdded      outcome = iota + 1 // a new object
	outNewVersion                    // a new version of a stored object
	outUnchanged                     // this version was stored already, with JSON-equal content
	outReplaced                      // stored with other content, replaced (--on-conflict replace)
	outConflict                      // stored with other content, the stored one kept (keep)
	outRejected                      // invalid
)

// putResult is what happened to one object.
type putResult struct {
	ID      string
	Version string
	Outcome outcome
	Reason  string // for outRejected and outConflict
}

// dataFlags are the flags of every command that touches data: --db or
// --server (with the HERALD_* environment standing in for them).
type dataFlags struct {
	db     string
	server string
	user   string
	caCert string
}

func (f *dataFlags) register(fs *flag.FlagSet, m *Main) {
	db := m.getenv("HERALD_DB")
	if db == "" {
		db = DefaultDBPath
	}
	fs.StringVar(&f.db, "db", db, "database to work on directly: a file `path` or a postgres:// URL (env HERALD_DB)")
	fs.StringVar(&f.server, "server", m.getenv("HERALD_SERVER"), "work through the running server at `URL` instead of the file (env HERALD_SERVER)")
	fs.StringVar(&f.user, "user", m.getenv("HERALD_USER"), "account `name` for --server (env HERALD_USER; password from HERALD_PASSWORD or a prompt, or HERALD_TOKEN)")
	fs.StringVar(&f.caCert, "ca-cert", m.getenv("HERALD_CA_CERT"), "PEM `file` of the CA that signed the server's certificate, for --server over HTTPS (env HERALD_CA_CERT)")
}

// open returns the backend the flags name. create says whether a missing
// database file may be created (commands that write) or is an error
// (commands that only read).
func (f *dataFlags) open(ctx context.Context, m *Main, create bool) (backend, error) {
	if f.server != "" {
		return newRemoteBackend(ctx, m, f)
	}
	return openLocal(f.db, create)
}

// listFlag is a flag of comma-separated values that may also be
// repeated (--type indicator,malware --type report).
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	items := splitList(v)
	if len(items) == 0 {
		return fmt.Errorf("empty list")
	}
	*l = append(*l, items...)
	return nil
}

// dataFlagSet returns the flag set of a command that touches data, with
// --db, --server, --user and --ca-cert registered.
func (m *Main) dataFlagSet(name, usage string) (*flag.FlagSet, *dataFlags) {
	fs := m.newFlagSet(name, usage)
	data := &dataFlags{}
	data.register(fs, m)
	return fs, data
}

// with opens the backend, runs fn on it and closes it.
func (f *dataFlags) with(ctx context.Context, m *Main, create bool, fn func(b backend) error) error {
	b, err := f.open(ctx, m, create)
	if err != nil {
		return err
	}
	defer b.Close()
	return fn(b)
}

// withCollection is with for commands that work on one collection: it
// also finds the collection by id, title or alias.
func (f *dataFlags) withCollection(ctx context.Context, m *Main, create bool, ref string, fn func(b backend, col store.Collection) error) error {
	return f.with(ctx, m, create, func(b backend) error {
		col, err := b.Collection(ctx, ref)
		if err != nil {
			return err
		}
		return fn(b, col)
	})
}

// parseN parses flags and positional arguments (in any order) and wants
// exactly n positional arguments; otherwise it is a usage error saying
// msg.
func parseN(fs *flag.FlagSet, args []string, n int, msg string) ([]string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != n {
		return nil, usagef("%s", msg)
	}
	return pos, nil
}
