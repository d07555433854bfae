package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// lockTimeout is how long a command waits for the database lock before it
// says the file is in use. A command never waits longer.
const lockTimeout = time.Second

// localBackend works on a database this process opens itself (--db): a
// bbolt file it holds, or a database server it connects to.
type localBackend struct {
	db store.Store
}

// lockedError is store.ErrLocked with what to do about it: a server
// holds the file, so work through the server.
type lockedError struct {
	path string
	err  error
}

func (e *lockedError) Error() string {
	return fmt.Sprintf("database %s is in use by another process, probably a running `herald serve`.\n"+
		"Stop it, or work through it: add --server URL (or set HERALD_SERVER, e.g. http://127.0.0.1:8080)\n"+
		"with an admin account in HERALD_USER and HERALD_PASSWORD (or a bearer token in HERALD_TOKEN)", e.path)
}

func (e *lockedError) Unwrap() error { return e.err }

// openDB opens the database a --db value names (a file path, or a
// database URL) with a short lock timeout, and turns store.ErrLocked into
// a message that says how to use --server. When create is false a missing
// file is an error rather than a new database.
func openDB(dsn string, create bool) (store.Store, error) {
	if !create && store.IsPath(dsn) {
		if _, err := os.Stat(dsn); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("database %s does not exist (start `herald serve` once to create it, or pass --db PATH or --server URL)", dsn)
		}
	}
	db, err := store.Open(context.Background(), dsn, &store.Options{LockTimeout: lockTimeout})
	if errors.Is(err, store.ErrLocked) {
		return nil, &lockedError{path: dsn, err: err}
	}
	if err != nil {
		if store.IsPath(dsn) {
			return nil, fmt.Errorf("open database %s: %w", dsn, err)
		}
		return nil, fmt.Errorf("open database: %w", err) // a URL may hold a password
	}
	return db, nil
}

func openLocal(path string, create bool) (*localBackend, error) {
	db, err := openDB(path, create)
	if err != nil {
		return nil, err
	}
	return &localBackend{db: db}, nil
}

func (b *localBackend) Close() error { return b.db.Close() }

func (b *localBackend) Collections(ctx context.Context) ([]store.Collection, error) {
	return b.db.Collections(ctx)
}

func (b *localBackend) Collection(ctx context.Context, ref string) (store.Collection, error) {
	// The store's errors already say `collection "ref": ...`.
	return b.db.Collection(ctx, ref)
}

func (b *localBackend) CreateCollection(ctx context.Context, c store.Collection) (store.Collection, error) {
	return b.db.CreateCollection(ctx, c)
}

func (b *localBackend) DeleteCollection(ctx context.Context, ref string) error {
	c, err := b.Collection(ctx, ref)
	if err != nil {
		return err
	}
	return b.db.DeleteCollection(ctx, c.ID)
}

func (b *localBackend) MaxBatchBytes() int64 { return 0 }

func (b *localBackend) UpdateCollection(ctx context.Context, ref string, u taxii.AdminCollectionUpdate) (store.Collection, error) {
	c, err := b.Collection(ctx, ref)
	if err != nil {
		return store.Collection{}, err
	}
	u.Apply(&c)
	return b.db.UpdateCollection(ctx, c)
}

func (b *localBackend) PutObjects(ctx context.Context, coll store.Collection, objs []stix.Object, policy store.ConflictPolicy) ([]putResult, error) {
	res, err := b.db.PutObjectsWith(ctx, coll.ID, objs, store.PutOptions{OnConflict: policy})
	if err != nil {
		return nil, err
	}
	out := make([]putResult, len(res))
	for i, r := range res {
		out[i] = putResult{ID: r.ID, Version: r.Version}
		switch {
		case r.Outcome == store.Added && r.NewObject:
			out[i].Outcome = outAdded
		case r.Outcome == store.Added:
			out[i].Outcome = outNewVersion
		case r.Outcome == store.Unchanged:
			out[i].Outcome = outUnchanged
		case r.Outcome == store.Replaced:
			out[i].Outcome = outReplaced
		default:
			out[i].Outcome = outConflict
			out[i].Reason = conflictReason(r.Version)
		}
	}
	return out, nil
}

// conflictReason says what a kept conflict is.
func conflictReason(version string) string {
	return fmt.Sprintf("version %s is already stored with different content; the stored one was kept", version)
}

// exportPageSize is how many versions export reads per transaction.
const exportPageSize = 1000

func (b *localBackend) WalkObjects(ctx context.Context, coll store.Collection, wq walkQuery, fn func([]byte) error) error {
	q := store.Query{Types: wq.Types, AddedAfter: wq.AddedAfter, Limit: exportPageSize}
	if wq.AllVersions {
		q.Versions = []string{"all"}
	}
	for {
		page, err := b.db.Objects(ctx, coll.ID, q)
		if err != nil {
			return err
		}
		for _, r := range page.Records {
			if err := fn(r.JSON); err != nil {
				return err
			}
		}
		if !page.More || len(page.Records) == 0 {
			return nil
		}
		q.After = page.Next
	}
}

func (b *localBackend) Latest(ctx context.Context, coll store.Collection, id string) (stix.Object, error) {
	page, err := b.db.Objects(ctx, coll.ID, store.Query{IDs: []string{id}, Limit: 1})
	if err != nil {
		return stix.Object{}, err
	}
	if len(page.Records) == 0 {
		return stix.Object{}, fmt.Errorf("object %s in collection %q: %w", id, coll.Title, store.ErrNotFound)
	}
	return objectFromJSON(page.Records[len(page.Records)-1].JSON)
}

// objectFromJSON decodes one stored object's bytes.
func objectFromJSON(data []byte) (stix.Object, error) {
	objs, err := stix.Decode(data, stix.DecodeOptions{})
	if err != nil {
		return stix.Object{}, err
	}
	if len(objs) != 1 {
		return stix.Object{}, fmt.Errorf("decode stored object: got %d objects, want 1", len(objs))
	}
	return objs[0], nil
}

func (b *localBackend) Accounts(ctx context.Context) ([]account, error) {
	as, err := b.db.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]account, len(as))
	for i, a := range as {
		out[i] = account{Name: a.Name, Admin: a.Admin, Grants: a.Grants, Tokens: a.Tokens}
	}
	return out, nil
}

func (b *localBackend) CreateAccount(ctx context.Context, name, password string, admin bool) error {
	hash, err := store.HashPassword(password)
	if err != nil {
		return err
	}
	return b.db.CreateAccount(ctx, store.Account{Name: name, PasswordHash: hash, Admin: admin})
}

// The account changes below are each one store operation (one
// transaction), the same ones the admin API uses; the store keeps the
// last admin (store.ErrLastAdmin).

func (b *localBackend) SetPassword(ctx context.Context, name, password string) error {
	hash, err := store.HashPassword(password)
	if err != nil {
		return err
	}
	return b.db.SetPasswordHash(ctx, name, hash)
}

func (b *localBackend) DeleteAccount(ctx context.Context, name string) error {
	return b.db.DeleteAccount(ctx, name)
}

func (b *localBackend) Grant(ctx context.Context, name, ref string, g store.Grant) error {
	c, err := b.Collection(ctx, ref)
	if err != nil {
		return err
	}
	return b.db.SetGrant(ctx, name, c.ID, g)
}

func (b *localBackend) AddToken(ctx context.Context, name string) (string, string, error) {
	secret, tok, err := taxii.NewAPIToken()
	if err != nil {
		return "", "", err
	}
	if err := b.db.AddToken(ctx, name, tok); err != nil {
		return "", "", err
	}
	return tok.ID, secret, nil
}

func (b *localBackend) DeleteToken(ctx context.Context, name, id string) error {
	return b.db.DeleteToken(ctx, name, id)
}

func (b *localBackend) Check(ctx context.Context) ([]store.CheckProblem, error) {
	return b.db.Check(ctx)
}

func (b *localBackend) Backup(ctx context.Context, path string) (int64, error) {
	return store.BackupFile(ctx, b.db, path)
}
