package taxii

import (
	"context"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// Store is what the TAXII server needs from the database: exactly the
// methods it calls. *store.DB satisfies it; the admin API (admin*.go) may
// widen it with the methods it needs.
//
// Errors are the store's sentinels (store.ErrNotFound, ErrBadParameter,
// ErrExists, ErrLocked...), possibly wrapped; the server maps them to HTTP
// statuses in one table (errors.go).
type Store interface {
	// Collections lists every collection in a stable order (by id).
	Collections(ctx context.Context) ([]store.Collection, error)
	// Collection finds a collection by id, title or alias; ErrNotFound.
	Collection(ctx context.Context, ref string) (store.Collection, error)
	// PutObjects stores object versions in one transaction.
	PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]store.PutResult, error)
	// Objects returns one page of object versions (or manifest records
	// with q.NoBytes).
	Objects(ctx context.Context, collectionID string, q store.Query) (store.Page, error)
	// ObjectsTo walks the same page as Objects but hands each version's
	// stored bytes to emit inside the read transaction (valid only during
	// the call), so the objects endpoints copy them once, straight into
	// the response. It returns the page's count, first and last
	// date_added, More and Next.
	ObjectsTo(ctx context.Context, collectionID string, q store.Query, emit func(store.RawVersion) error) (store.PageInfo, error)
	// ObjectVersions returns one page of the versions of one object.
	ObjectVersions(ctx context.Context, collectionID, objectID string, q store.Query) (store.Page, error)
	// ObjectExists reports whether any version of the object is stored.
	ObjectExists(ctx context.Context, collectionID, objectID string) (bool, error)
	// DeleteObject deletes the selected versions; ErrNotFound when none.
	DeleteObject(ctx context.Context, collectionID, objectID string, versions, specVersions []string) (int, error)
	// LastDateAdded is the collection's latest date_added (zero if empty).
	LastDateAdded(ctx context.Context, collectionID string) (time.Time, error)
	// CountVersions is the number of object versions in the collection.
	CountVersions(ctx context.Context, collectionID string) (int, error)
	// PutStatus stores an add-request status.
	PutStatus(ctx context.Context, s store.Status) error
	// Status reads a status; ErrNotFound.
	Status(ctx context.Context, id string) (store.Status, error)
	// PurgeStatuses drops statuses requested before the given time.
	PurgeStatuses(ctx context.Context, before time.Time) (int, error)
	// Account reads an account by name; ErrNotFound.
	Account(ctx context.Context, name string) (store.Account, error)
	// AccountByToken finds the account owning a bearer token by the
	// token's hex SHA-256; ErrNotFound.
	AccountByToken(ctx context.Context, sha256hex string) (store.Account, error)
	// TokenSecret is the persistent HMAC key for next tokens.
	TokenSecret(ctx context.Context) ([]byte, error)
}
