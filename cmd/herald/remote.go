package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
)

// remoteBackend works through a running server with a taxii.Client:
// TAXII 2.1 for objects and the admin API for collections, accounts,
// checks and backups. It only converts between the client's wire types
// and what the commands use; the HTTP, the security rules (credentials
// only to --server) and the status-to-error mapping are the client's.
type remoteBackend struct {
	c          *taxii.Client
	maxContent int64 // the API root's max_content_length, once known
}

// authHint ends the message of a 401 answer.
const authHint = "set HERALD_USER and HERALD_PASSWORD, or HERALD_TOKEN"

func newRemoteBackend(ctx context.Context, m *Main, f *dataFlags) (*remoteBackend, error) {
	if _, err := taxii.ParseServerURL(f.server); err != nil {
		return nil, usagef("--server %q: %v", f.server, taxii.ErrServerURL)
	}
	opts := taxii.ClientOptions{
		Server:   f.server,
		User:     f.user,
		Token:    m.getenv("HERALD_TOKEN"),
		Password: m.getenv("HERALD_PASSWORD"),
		AuthHint: authHint,
		Warnf: func(format string, args ...any) {
			fmt.Fprintf(m.Stderr, "herald: warning: --server "+format+"\n", args...)
		},
		ReadPassword: func(host string) (string, error) {
			pass, err := m.ReadPassword(fmt.Sprintf("Password for %s at %s: ", f.user, host))
			if err != nil {
				return "", fmt.Errorf("read password: %w (set HERALD_PASSWORD)", err)
			}
			return pass, nil
		},
	}
	if f.caCert != "" {
		pem, err := os.ReadFile(f.caCert)
		if err != nil {
			return nil, fmt.Errorf("ca cert: %w", err)
		}
		opts.CACertPEM = pem
	}
	c, err := taxii.NewClient(opts)
	if err != nil {
		if errors.Is(err, taxii.ErrCACert) {
			return nil, fmt.Errorf("ca cert %s: %w", f.caCert, taxii.ErrCACert)
		}
		return nil, err
	}
	return &remoteBackend{c: c}, nil
}

func (b *remoteBackend) Close() error { return b.c.Close() }

func fromAdminCollection(c taxii.AdminCollection) store.Collection {
	return store.Collection{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias,
		MediaTypes: c.MediaTypes, PublicRead: c.PublicRead, OnConflict: policyOrKeep(c.OnConflict)}
}

// policyOrKeep reads a server's on_conflict; a server that does not say
// (an older Herald, or a reader's view) keeps.
func policyOrKeep(s string) store.ConflictPolicy {
	if p, err := store.ParseConflictPolicy(s); err == nil {
		return p
	}
	return store.ConflictKeep
}

func (b *remoteBackend) Collections(ctx context.Context) ([]store.Collection, error) {
	cs, err := b.c.AdminCollections(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.Collection, len(cs))
	for i, c := range cs {
		out[i] = fromAdminCollection(c)
	}
	return out, nil
}

// Collection resolves ref through TAXII's collection list, so that it
// works for any account that can see the collection, not only admins.
func (b *remoteBackend) Collection(ctx context.Context, ref string) (store.Collection, error) {
	c, err := b.c.Collection(ctx, ref)
	if err != nil {
		return store.Collection{}, err
	}
	return store.Collection{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias, MediaTypes: c.MediaTypes,
		OnConflict: policyOrKeep(c.OnConflict)}, nil
}

func (b *remoteBackend) CreateCollection(ctx context.Context, c store.Collection) (store.Collection, error) {
	out, err := b.c.CreateCollection(ctx, taxii.AdminCollection{Title: c.Title, Description: c.Description, Alias: c.Alias,
		MediaTypes: c.MediaTypes, PublicRead: c.PublicRead, OnConflict: string(c.OnConflict)})
	if err != nil {
		return store.Collection{}, err
	}
	return fromAdminCollection(out), nil
}

func (b *remoteBackend) UpdateCollection(ctx context.Context, ref string, u taxii.AdminCollectionUpdate) (store.Collection, error) {
	out, err := b.c.UpdateCollection(ctx, ref, u)
	if err != nil {
		return store.Collection{}, err
	}
	return fromAdminCollection(out), nil
}

func (b *remoteBackend) DeleteCollection(ctx context.Context, ref string) error {
	return b.c.DeleteCollection(ctx, ref)
}

// envelopeOverhead is the room left in a TAXII add request for
// {"objects":[...]} around the objects.
const envelopeOverhead = 64

// MaxBatchBytes is the server's max_content_length less the envelope. It
// is known once the API root was read (the import looks the collection
// up first, which reads it).
func (b *remoteBackend) MaxBatchBytes() int64 {
	if b.maxContent == 0 {
		n, err := b.c.MaxContentLength(context.Background())
		if err != nil {
			return 0
		}
		b.maxContent = n
	}
	if b.maxContent <= envelopeOverhead {
		return 0
	}
	return b.maxContent - envelopeOverhead
}

// PutObjects posts the batch as one TAXII add request and counts each
// object from the machine-readable outcome the server gives it
// (x_herald_outcomes). The server settles conflicts by the collection's
// on_conflict; policy is not sent (import checks they agree).
func (b *remoteBackend) PutObjects(ctx context.Context, coll store.Collection, objs []stix.Object, policy store.ConflictPolicy) ([]putResult, error) {
	added, err := b.c.AddObjects(ctx, coll.ID, objs)
	if err != nil {
		return nil, err
	}
	out := make([]putResult, len(added))
	notWritten := false
	ce := &store.ConflictError{}
	for i, a := range added {
		r := putResult{ID: a.ID, Version: a.Version, Reason: a.Message}
		switch a.Outcome {
		case taxii.OutcomeAdded:
			r.Outcome = outAdded
		case taxii.OutcomeNewVersion:
			r.Outcome = outNewVersion
		case taxii.OutcomeUnchanged:
			r.Outcome = outUnchanged
		case taxii.OutcomeReplaced:
			r.Outcome = outReplaced
		case taxii.OutcomeConflict:
			r.Outcome = outConflict
			ce.Conflicts = append(ce.Conflicts, store.ConflictDetail{Index: i,
				PutResult: store.PutResult{ID: a.ID, Version: a.Version, Outcome: store.Conflict}})
		case taxii.OutcomeNotWritten:
			notWritten = true
			r.Outcome = outRejected
		default: // invalid, unlisted, or a word this version does not know
			r.Outcome = outRejected
		}
		out[i] = r
	}
	// Under on_conflict fail the server wrote nothing of this request.
	if len(ce.Conflicts) > 0 && (notWritten || coll.OnConflict == store.ConflictFail) {
		return nil, ce
	}
	return out, nil
}

func (b *remoteBackend) WalkObjects(ctx context.Context, coll store.Collection, wq walkQuery, fn func([]byte) error) error {
	return b.c.WalkObjects(ctx, coll.ID, taxii.ObjectsQuery{Types: wq.Types, AddedAfter: wq.AddedAfter,
		AllVersions: wq.AllVersions, Limit: exportPageSize}, fn)
}

func (b *remoteBackend) Latest(ctx context.Context, coll store.Collection, id string) (stix.Object, error) {
	objs, err := b.c.Object(ctx, coll.ID, id, "")
	if err != nil {
		return stix.Object{}, err
	}
	return objectFromJSON(objs[len(objs)-1])
}

func (b *remoteBackend) Accounts(ctx context.Context) ([]account, error) {
	us, err := b.c.Users(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]account, len(us))
	for i, u := range us {
		a := account{Name: u.Name, Admin: u.Admin, Grants: map[string]store.Grant{}}
		for id, g := range u.Grants {
			a.Grants[id] = store.Grant{Read: g.Read, Write: g.Write}
		}
		for _, t := range u.Tokens {
			a.Tokens = append(a.Tokens, store.APIToken{ID: t.ID, Created: t.Created})
		}
		out[i] = a
	}
	return out, nil
}

func (b *remoteBackend) CreateAccount(ctx context.Context, name, password string, admin bool) error {
	return b.c.CreateUser(ctx, taxii.AdminUser{Name: name, Password: password, Admin: admin})
}

func (b *remoteBackend) SetPassword(ctx context.Context, name, password string) error {
	return b.c.SetPassword(ctx, name, password)
}

func (b *remoteBackend) DeleteAccount(ctx context.Context, name string) error {
	return b.c.DeleteUser(ctx, name)
}

func (b *remoteBackend) Grant(ctx context.Context, name, ref string, g store.Grant) error {
	return b.c.SetGrant(ctx, name, ref, taxii.AdminGrant{Read: g.Read, Write: g.Write})
}

func (b *remoteBackend) AddToken(ctx context.Context, name string) (string, string, error) {
	t, err := b.c.CreateToken(ctx, name)
	if err != nil {
		return "", "", err
	}
	return t.ID, t.Token, nil
}

func (b *remoteBackend) DeleteToken(ctx context.Context, name, id string) error {
	return b.c.DeleteToken(ctx, name, id)
}

func (b *remoteBackend) Check(ctx context.Context) ([]store.CheckProblem, error) {
	c, err := b.c.Check(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]store.CheckProblem, len(c.Problems))
	for i, p := range c.Problems {
		out[i] = store.CheckProblem{Subject: p.Subject, Reason: p.Reason, Detail: p.Detail}
	}
	return out, nil
}

// Backup streams GET /admin/backup into a temporary file beside path,
// syncs it and renames it into place, so path is never half written.
func (b *remoteBackend) Backup(ctx context.Context, path string) (int64, error) {
	var n int64
	_, err := writeFileWith(path, 0o600, func(w io.Writer) (int, error) {
		var err error
		n, err = b.c.Backup(ctx, w)
		return 0, err
	})
	return n, err
}
