package store

import (
	"context"
	"io"
	"time"

	"github.com/heraldcti/herald/stix"
)

// Store is an open Herald database, whatever the backend. taxii and
// cmd/herald use nothing else; store/bolt and store/postgres implement it,
// and store/storetest checks that an implementation keeps every promise
// written here.
//
// Every method is safe for concurrent use, from any number of goroutines
// (and, for a backend shared by several processes, from any number of
// processes). Every method checks ctx before it starts. Errors wrap the
// sentinels of this package (ErrNotFound, ErrExists, ErrBadParameter,
// ErrLastAdmin, ErrLocked, ErrSchema, ErrDamaged), so callers test them
// with errors.Is; other errors are the backend's own failures.
//
// A method that writes is atomic: it either does all it says or nothing,
// and a rule it checks (a name is free, the last admin stays) is checked
// in the same transaction as the write, so two callers at the same moment
// can never both pass the check.
type Store interface {
	CollectionStore
	ObjectStore
	StatusStore
	AccountStore
	MetaStore
	MaintenanceStore
}

// CollectionStore manages TAXII collections.
type CollectionStore interface {
	// Collections lists every collection, ordered by id (TAXII asks for a
	// stable order; the interop profile asks for id order).
	Collections(ctx context.Context) ([]Collection, error)
	// Collection finds a collection by id, title or alias, in that order
	// of precedence. ErrNotFound when none matches. Collections and
	// Collection never return an empty OnConflict (a collection stored
	// before the field existed reads as ConflictKeep).
	Collection(ctx context.Context, ref string) (Collection, error)
	// CreateCollection stores a new collection (checked and normalised by
	// ValidateCollection: OnConflict "" becomes ConflictKeep) and returns it with a new UUIDv4 ID and Created
	// (from Options.Now) set. Titles, aliases and ids share one namespace:
	// a title or alias that another collection uses as id, title or alias
	// is ErrExists. Invalid fields are ErrBadParameter.
	CreateCollection(ctx context.Context, c Collection) (Collection, error)
	// UpdateCollection replaces the title, description, alias, media
	// types, public-read flag and conflict policy of the collection with
	// c.ID and keeps its Created. ErrNotFound for an unknown id, otherwise as
	// CreateCollection.
	UpdateCollection(ctx context.Context, c Collection) (Collection, error)
	// DeleteCollection removes the collection with this id, every object
	// version in it and every account's grant for it, in one transaction:
	// a collection created later never inherits a grant. ErrNotFound for
	// an unknown id.
	DeleteCollection(ctx context.Context, id string) error
}

// ObjectStore keeps the STIX object versions of each collection.
//
// # date_added
//
// Every stored version gets a date_added (microsecond precision) that is
// unique within its collection and strictly greater than every date_added
// the collection ever gave, including to versions deleted since: it is
// max(now, previous+1µs), read after the writer holds the collection's
// write lock. And it is NEVER VISIBLE OUT OF ORDER: a reader that sees a
// version with date_added N+1 also sees every version with a smaller
// date_added that will ever be committed. A backend where writers run in
// parallel must serialise the writers of one collection until commit
// (bbolt has one writer at a time; PostgreSQL needs a per-collection lock
// held to commit), otherwise an added_after walk reads N+1, moves on, and
// never sees N when it commits a moment later. This is what makes paging
// by date_added (Query.After, TAXII's added_after) lose and repeat nothing
// while writers add more.
//
// # Versions and first/last
//
// A version is identified by (id, stix.Object.Version()): modified, else
// created, else a content hash. A version's place in first/last order is
// its timestamp as an instant (RFC 3339, any fraction precision), never
// the string: "…00Z" is earlier than "…00.5Z". Versions without a
// timestamp (SCO content versions) order by date_added.
type ObjectStore interface {
	// PutObjects is PutObjectsWith with the zero PutOptions (ConflictKeep).
	PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]PutResult, error)
	// PutObjectsWith stores object versions in the collection, all in
	// one transaction: every version is recorded or none is. It returns
	// one PutResult per object, in order.
	//
	// Each object is compared with what the collection holds for its
	// (id, version), as if the objects were stored one after the other:
	//   - nothing stored: Added, with a new date_added as above; the
	//     versions added by one call get increasing date_added in the
	//     order given; NewObject when no other version of the id existed.
	//   - stored, and stix.EqualJSON(stored, incoming): Unchanged. The
	//     stored bytes stay as they are, byte for byte (the comparison
	//     ignores key order, white space, string escapes and number
	//     spelling; see stix.EqualJSON). DateAdded is the stored one.
	//   - stored, not JSON-equal: a conflict, settled by opts.OnConflict:
	//     ConflictKeep ("" too): Conflict; the stored bytes stay;
	//     DateAdded is the stored one.
	//     ConflictReplace: Replaced. The version's bytes become the
	//     incoming ones and it gets a NEW date_added, given by the same
	//     rule as an added version's (so it is after every date_added the
	//     collection ever gave, and, inside the call, in order with the
	//     Added ones): the version moves to the end of the collection's
	//     date_added order, a walk by Query.After / AddedAfter reaches it
	//     (again), and LastDateAdded moves. Its old date_added disappears
	//     and is never given again. The collection still holds exactly one
	//     version per (id, version) (CountVersions is unchanged, the
	//     versions endpoint lists it once), and first/last and every
	//     filter see the new bytes (its spec version may change with them).
	//     ConflictFail: nothing at all is written by the call, and the
	//     error is a *ConflictError (errors.Is ErrConflict) listing every
	//     conflicting object of the call with its index.
	//   The same version twice in one call: the later occurrence is
	//   compared with the earlier one exactly as with a stored version
	//   (Unchanged, or a conflict settled by the policy; under replace the
	//   later bytes win and the version's date_added is taken anew).
	//
	// ErrNotFound for an unknown collection; ErrBadParameter (naming the
	// object, nothing stored) when ValidateObject refuses one or
	// opts.OnConflict is not a known policy.
	PutObjectsWith(ctx context.Context, collectionID string, objs []stix.Object, opts PutOptions) ([]PutResult, error)
	// Objects returns one page of the versions that match q, ascending by
	// date_added, every field copied (Record stays valid). Filters are
	// ANDed; match[version] first/last pick the earliest/latest version
	// of each object in version order among the versions allowed by
	// match[spec_version] (default: each object's latest spec version).
	// AddedAfter and After only cut the walk; they never change which
	// version is first or last. A page holds at most q.Limit records
	// (zero: Options.MaxPageSize). It may hold fewer, even none, with
	// More set: a backend may stop after examining a bounded number of
	// candidates so every page's cost stays bounded (TAXII allows short
	// pages). Page.Next is at least the position of the last record and
	// never goes back; passed as q.After with the same filters it
	// continues the walk, and a walk repeated until More is false returns
	// every matching version exactly once. ErrNotFound for an unknown
	// collection, ErrBadParameter for a malformed q (a negative
	// limit; an empty or NUL-holding filter value; a match[version] or
	// match[spec_version] value given twice; "all" combined with others).
	Objects(ctx context.Context, collectionID string, q Query) (Page, error)
	// ObjectsTo walks exactly the page Objects would return (same
	// records, order, More and Next) and calls emit with each version,
	// without copying: the slices of RawVersion are valid only until emit
	// returns. emit must be quick and must not call the Store (it may run
	// inside a read transaction). An error from emit stops the walk;
	// ObjectsTo returns it wrapped with a zero PageInfo, and the caller
	// discards what emit collected. Otherwise as Objects; a nil emit is
	// ErrBadParameter.
	ObjectsTo(ctx context.Context, collectionID string, q Query, emit func(RawVersion) error) (PageInfo, error)
	// ObjectVersions is Objects for the versions of one object (the TAXII
	// versions endpoint): it honours q.AddedAfter, q.SpecVersions, q.Limit,
	// q.After and q.NoBytes and ignores q.IDs, q.Types and q.Versions (it
	// means match[version]=all). An object without versions gives an
	// empty page; ErrNotFound means the collection does not exist; an
	// empty objectID is ErrBadParameter.
	ObjectVersions(ctx context.Context, collectionID, objectID string, q Query) (Page, error)
	// ObjectExists reports whether the collection holds any version of
	// the object. ErrNotFound means the collection does not exist.
	ObjectExists(ctx context.Context, collectionID, objectID string) (bool, error)
	// DeleteObject removes versions of one object and returns how many.
	// With no versions and no specVersions it removes every version;
	// otherwise exactly the versions that Objects with IDs=[objectID] and
	// these filters returns (match[version] then defaults to "all",
	// match[spec_version] to the object's latest spec version), so a
	// client deletes what it sees. first/last of the remaining versions
	// are right at once. ErrNotFound when the collection does not exist
	// or holds no version of the object; ErrBadParameter for malformed
	// filters. Deleted versions' date_added are never given again.
	DeleteObject(ctx context.Context, collectionID, objectID string, versions, specVersions []string) (int, error)
	// LastDateAdded is the date_added of the newest version in the
	// collection, or the zero time when it holds none.
	LastDateAdded(ctx context.Context, collectionID string) (time.Time, error)
	// CountVersions is the number of object versions in the collection.
	// It must be cheap (a counter, not a walk).
	CountVersions(ctx context.Context, collectionID string) (int, error)
}

// StatusStore keeps TAXII add-request statuses (TAXII 2.1 §4.3.1).
type StatusStore interface {
	// PutStatus stores or replaces the status with s.ID (a pending status
	// is later replaced by its complete version). ValidateStatus's
	// refusals are ErrBadParameter.
	PutStatus(ctx context.Context, s Status) error
	// Status returns the status with this id, or ErrNotFound.
	Status(ctx context.Context, id string) (Status, error)
	// PurgeStatuses deletes the statuses whose RequestTime is before the
	// given time and returns how many it deleted. Its cost is in the
	// number of expired statuses, not of all statuses.
	PurgeStatuses(ctx context.Context, before time.Time) (int, error)
}

// AccountStore keeps the accounts of the TAXII server and the admin API.
//
// The rule that there is always an admin once there has been one holds in
// the store itself: DeleteAccount, PutAccount and SetAdmin refuse, with
// ErrLastAdmin, to remove or demote the only admin account, checked in
// the same transaction as the write (two callers removing the last two
// admins at the same moment: exactly one succeeds). Every other account
// change (a grant, a token, a password) is also one method, one
// transaction: no caller reads an account, edits it and writes it back.
type AccountStore interface {
	// Account returns the account with this name, or ErrNotFound.
	Account(ctx context.Context, name string) (Account, error)
	// Accounts lists every account, ordered by name.
	Accounts(ctx context.Context) ([]Account, error)
	// AccountByToken finds the account holding the bearer token with
	// this SHA-256 (64 lower-case hex digits), or ErrNotFound. It must be
	// an index lookup: it runs on every bearer request.
	AccountByToken(ctx context.Context, sha256hex string) (Account, error)
	// CreateAccount stores a new account; Created is set from
	// Options.Now when zero. ErrExists when the name, or one of its
	// tokens, is taken; ErrBadParameter when ValidateAccount refuses it or
	// a grant names an unknown collection.
	CreateAccount(ctx context.Context, a Account) error
	// PutAccount replaces the stored account of the same name whole
	// (password hash, admin flag, grants, tokens); a zero Created keeps
	// the stored one. ErrNotFound when there is no such account,
	// ErrLastAdmin when it would demote the only admin, otherwise as
	// CreateAccount. Prefer the single-purpose methods below: PutAccount
	// is for tools that copy whole accounts.
	PutAccount(ctx context.Context, a Account) error
	// DeleteAccount removes an account and its tokens. ErrNotFound when
	// there is no such account, ErrLastAdmin when it is the only admin.
	DeleteAccount(ctx context.Context, name string) error
	// SetPasswordHash replaces an account's password hash (from
	// HashPassword; "" means no password login). ErrNotFound,
	// ErrBadParameter for a hash HashPassword did not make.
	SetPasswordHash(ctx context.Context, name, hash string) error
	// SetAdmin sets or clears an account's admin flag. ErrNotFound;
	// ErrLastAdmin when it would demote the only admin.
	SetAdmin(ctx context.Context, name string, admin bool) error
	// SetGrant sets an account's access to one collection (by id); a
	// zero Grant removes it. ErrNotFound when the account or the
	// collection does not exist.
	SetGrant(ctx context.Context, name, collectionID string, g Grant) error
	// AddToken adds a bearer token to an account; t.Created is set from
	// Options.Now when zero. ErrNotFound for an unknown account, ErrExists
	// when any account holds a token with this SHA-256 or this account
	// one with this ID, ErrBadParameter for a malformed token.
	AddToken(ctx context.Context, name string, t APIToken) error
	// DeleteToken removes the token with this ID from an account.
	// ErrNotFound when the account or the token does not exist.
	DeleteToken(ctx context.Context, name, tokenID string) error
}

// MetaStore holds the few values that are not collections, objects,
// statuses or accounts.
type MetaStore interface {
	// TokenSecret is the database's 32-byte random secret for signing
	// pagination tokens, created with the database and never changed, so
	// that tokens stay valid across restarts and across every process
	// that shares the database. Two processes creating the database at
	// the same moment must end up with one secret.
	TokenSecret(ctx context.Context) ([]byte, error)
	// Meta returns the value stored under key by SetMeta, or nil (and no
	// error) when there is none: a small key/value space for the command
	// line (for example which collection holds the built-in feed).
	Meta(ctx context.Context, key string) ([]byte, error)
	// SetMeta stores value under key; a nil value deletes the key. An
	// empty key, or one longer than MaxKeyPart bytes, is ErrBadParameter.
	SetMeta(ctx context.Context, key string, value []byte) error
}

// MaintenanceStore checks, copies and closes a database.
type MaintenanceStore interface {
	// Check verifies the whole database while it stays in use: that every
	// index and counter agrees with the stored data, that statuses,
	// accounts, grants and tokens are valid and consistent, and whatever
	// the backend itself can verify. It returns the problems found, each
	// said so a person can act on it (none for a healthy database); the
	// error is for failing to run the check at all.
	Check(ctx context.Context) ([]CheckProblem, error)
	// Backup writes a consistent copy of the whole database to w while it
	// stays in use (writers are not blocked; the copy holds what was
	// committed when Backup started) and returns the bytes written. The
	// copy, saved to a file, is a database that herald can open again:
	// for bbolt, a bbolt file to pass as --db. BackupFile writes one to a
	// path atomically.
	Backup(ctx context.Context, w io.Writer) (int64, error)
	// Close releases the database (file, lock, connections). Writes made
	// with Options.NoSync are durable once it returns without error.
	Close() error
}
