package store

import (
	"errors"
	"fmt"
	"time"
)

// Errors returned by the store. Callers test them with errors.Is; the taxii
// package maps them to HTTP statuses in one table.
var (
	// ErrLocked: another process holds the database file.
	ErrLocked = errors.New("database is in use by another process")
	// ErrSchema: the file was written by an unknown schema version.
	ErrSchema = errors.New("unsupported database schema version")
	// ErrNotFound: the collection, object, status or account does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: a collection title or alias, or an account name, is taken.
	ErrExists = errors.New("already exists")
	// ErrBadParameter: a query or argument is malformed (a client's mistake).
	ErrBadParameter = errors.New("bad parameter")
	// ErrLastAdmin: the operation would remove or demote the last admin
	// account, after which nobody could use the admin API.
	ErrLastAdmin = errors.New("the last admin account cannot be removed or demoted")
	// ErrDamaged: the database is truncated or otherwise damaged beyond
	// what the backend can read; restore it from a backup.
	ErrDamaged = errors.New("database is damaged")
	// ErrNotBuiltIn: the --db value names a backend that this binary was
	// built without.
	ErrNotBuiltIn = errors.New("database backend not built into this binary")
	// ErrConflict: PutObjectsWith under ConflictFail found a version
	// already stored with different content and wrote nothing. The error
	// is a *ConflictError naming every such version.
	ErrConflict = errors.New("version already stored with different content")
)

// DefaultMediaType is the media type a collection gets when none is given.
const DefaultMediaType = "application/stix+json;version=2.1"

// StatusRetention is how long TAXII asks a server to keep a status (the
// interop profile: at least 24 hours). The server purges older statuses
// with PurgeStatuses(now - StatusRetention).
const StatusRetention = 24 * time.Hour

// Keywords of match[version] (Query.Versions).
const (
	VersionLast  = "last"
	VersionFirst = "first"
	VersionAll   = "all"
)

// Collection is a TAXII collection: a named group of object versions.
type Collection struct {
	ID          string   // UUIDv4, assigned by CreateCollection
	Title       string   // unique
	Description string   // optional
	Alias       string   // optional, unique when set
	MediaTypes  []string // default ["application/stix+json;version=2.1"]
	PublicRead  bool     // anonymous callers may read
	// OnConflict is what a TAXII add request (and, by default, an
	// import) does with a version already stored with different content.
	// ValidateCollection turns "" into ConflictKeep.
	OnConflict ConflictPolicy
	Created    time.Time
}

// ConflictPolicy says what PutObjectsWith does with an incoming version
// whose (id, version) is already stored with content that is not
// JSON-equal (stix.EqualJSON) to it: a publisher edited the object in
// place without a new modified, which STIX forbids but real feeds do.
type ConflictPolicy string

const (
	// ConflictKeep keeps the stored bytes and reports Conflict (the
	// default: nothing a consumer has already received changes under it).
	ConflictKeep ConflictPolicy = "keep"
	// ConflictReplace stores the incoming bytes in place of the stored
	// ones and gives the version a new date_added, so that every consumer
	// walking by added_after or next receives the corrected version
	// again. It reports Replaced.
	ConflictReplace ConflictPolicy = "replace"
	// ConflictFail writes nothing at all when any version of the call
	// conflicts, and returns a *ConflictError (ErrConflict).
	ConflictFail ConflictPolicy = "fail"
)

// ConflictPolicies lists the policies, in the order the documentation
// gives them.
var ConflictPolicies = []ConflictPolicy{ConflictKeep, ConflictReplace, ConflictFail}

// ParseConflictPolicy accepts "keep", "replace" or "fail" (and "" as
// keep); anything else is ErrBadParameter.
func ParseConflictPolicy(s string) (ConflictPolicy, error) {
	switch p := ConflictPolicy(s); p {
	case "":
		return ConflictKeep, nil
	case ConflictKeep, ConflictReplace, ConflictFail:
		return p, nil
	}
	return "", fmt.Errorf("conflict policy %q: want keep, replace or fail: %w", s, ErrBadParameter)
}

// PutOptions are the options of PutObjectsWith. The zero value is what
// PutObjects does.
type PutOptions struct {
	// OnConflict: "" means ConflictKeep.
	OnConflict ConflictPolicy
}

// ConflictError is the error of PutObjectsWith under ConflictFail: the
// versions of the call that are stored with different content. Nothing
// was written. It matches ErrConflict with errors.Is.
type ConflictError struct {
	// Conflicts lists each conflicting object of the call, in order: its
	// index in objs, id and version (Outcome Conflict, DateAdded the
	// stored version's).
	Conflicts []ConflictDetail
}

// ConflictDetail is one conflicting object of a ConflictError.
type ConflictDetail struct {
	Index int // in the objs passed to PutObjectsWith
	PutResult
}

func (e *ConflictError) Error() string {
	if len(e.Conflicts) == 0 {
		return ErrConflict.Error()
	}
	c := e.Conflicts[0]
	msg := fmt.Sprintf("object %s version %s: %v", c.ID, c.Version, ErrConflict)
	if n := len(e.Conflicts) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more); nothing written", n)
	} else {
		msg += "; nothing written"
	}
	return msg
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Query selects object versions in one collection. The zero Query means
// TAXII's defaults: every object, latest version, latest spec version.
type Query struct {
	// AddedAfter keeps versions whose date_added is strictly later. Zero:
	// no bound.
	AddedAfter time.Time
	// IDs keeps these object ids (OR). Empty: any.
	IDs []string
	// Types keeps these object types (OR). Empty: any.
	Types []string
	// Versions is match[version]: "last", "first", "all", or exact version
	// strings (the modified value, else created, else the content version),
	// combined as TAXII 2.1 §3.4.1 allows. Empty means ["last"].
	Versions []string
	// SpecVersions is match[spec_version]. Empty: for each object, only the
	// versions with its latest spec version.
	SpecVersions []string
	// Limit caps the page; 0 means the store's maximum page (Options.
	// MaxPageSize, default 1000); a negative limit is ErrBadParameter.
	Limit int
	// After resumes a walk: only versions with date_added strictly after
	// this position are considered. Zero: start at the beginning.
	After Position
	// NoBytes skips reading the objects' JSON (manifests, versions).
	NoBytes bool
}

// Position is a place in a collection's date_added order: the date_added,
// in microseconds since the Unix epoch, of the last version a page held.
// date_added is unique within a collection, so it identifies the version.
type Position int64

// Record is one stored object version as a query returns it. Its fields
// are copied out of the transaction and stay valid.
type Record struct {
	DateAdded   time.Time // unique and increasing within the collection, µs
	ID          string
	Type        string
	Version     string // modified, else created, else content version
	SpecVersion string // effective: "2.0" when the JSON has none
	MediaType   string // "application/stix+json;version=2.1" (or 2.0)
	JSON        []byte // nil when Query.NoBytes
}

// Time is the position as a UTC time (the date_added it stands for).
func (p Position) Time() time.Time { return time.UnixMicro(int64(p)).UTC() }

// Page is one page of query results, ascending by date_added.
type Page struct {
	Records []Record
	// More reports that versions matching the query remain after Next.
	More bool
	// Next is where the following page starts (the last record's position).
	Next Position
}

// RawVersion is one stored object version as ObjectsTo hands it to its
// callback.
//
// THE BYTE SLICES ARE VALID ONLY DURING THE CALLBACK: a backend may hand
// out its own memory (bbolt: the database's memory map). Copy what must
// outlive it (append it to a buffer, string(...) it); never keep a slice,
// never write to one. With bbolt, keeping one is a use-after-free that no
// test may catch: the memory is remapped when the file grows, and bbolt
// may reuse the page after a later write.
type RawVersion struct {
	// DateAdded is the version's date_added (µs since the epoch, unique
	// and increasing within the collection).
	DateAdded Position
	// ID, Type, Version and SpecVersion are as in Record.
	ID, Type, Version, SpecVersion []byte
	// JSON is the stored JSON of the version, exactly as received; nil
	// when Query.NoBytes.
	JSON []byte
}

// PageInfo describes the page that ObjectsTo streamed. More and Next mean
// what they mean in Page.
type PageInfo struct {
	// Count is the number of versions handed to the callback.
	Count int
	// First and Last are the date_added of the first and last version
	// handed to the callback; zero when Count is 0.
	First, Last Position
	// More reports that versions matching the query remain after Next.
	More bool
	// Next is where the following page starts (Query.After).
	Next Position
}

// Outcome says what PutObjects did with one object version.
type Outcome int

const (
	// Added: a new version was stored and given a date_added.
	Added Outcome = iota + 1
	// Unchanged: the same version with JSON-equal content
	// (stix.EqualJSON) was already stored; the stored bytes stay.
	Unchanged
	// Conflict: the same (id, version) is stored with content that is
	// not JSON-equal; the stored version was kept (ConflictKeep).
	Conflict
	// Replaced: the same (id, version) was stored with content that is
	// not JSON-equal; the incoming bytes replaced it and the version got
	// a new date_added (ConflictReplace).
	Replaced
)

func (o Outcome) String() string {
	switch o {
	case Added:
		return "added"
	case Unchanged:
		return "unchanged"
	case Conflict:
		return "conflict"
	case Replaced:
		return "replaced"
	}
	return "unknown"
}

// PutResult reports one object version passed to PutObjects, in order.
type PutResult struct {
	ID        string
	Version   string
	Outcome   Outcome
	DateAdded time.Time // the stored version's date_added (also for Unchanged and Conflict; the new one for Replaced)
	NewObject bool      // Added, and no other version of this id existed
}

// Status is a TAXII add-request status (TAXII 2.1 §4.3.1).
type Status struct {
	ID           string // UUIDv4
	Status       string // "complete" or "pending"
	RequestTime  time.Time
	CollectionID string
	TotalCount   int
	SuccessCount int
	FailureCount int
	PendingCount int
	Successes    []StatusDetail
	Failures     []StatusDetail
	Pendings     []StatusDetail
}

// StatusDetail is one object's entry in a Status.
type StatusDetail struct {
	ID      string
	Version string
	Message string
	// Outcome is a machine-readable word for what happened to the object
	// (the taxii package's Outcome* constants); a backend stores and
	// returns it as it is. Empty in statuses written before it existed.
	Outcome string
}

// Grant is an account's access to one collection.
type Grant struct {
	Read  bool
	Write bool
}

// Account is a user of the TAXII server and the admin API.
type Account struct {
	Name         string
	PasswordHash string           // PHC-style string from HashPassword
	Admin        bool             // may do everything
	Grants       map[string]Grant // by collection id
	Tokens       []APIToken       // bearer tokens, stored hashed
	Created      time.Time
}

// APIToken is a bearer token of an account. Only its SHA-256 is stored.
type APIToken struct {
	ID      string // short public identifier, for listing and revoking
	SHA256  string // hex SHA-256 of the secret token
	Created time.Time
}

// CheckProblem is one inconsistency found by Check, said so that a person
// can act on it.
type CheckProblem struct {
	// Subject is what the problem is about, in the terms of the data
	// model: "collection 5f0c…", "account \"alice\"", "status 1d3e…",
	// "database". Never empty.
	Subject string
	// Reason says what is wrong with it.
	Reason string
	// Detail is where the backend found it, in the backend's own terms
	// (bbolt: bucket and key; PostgreSQL: table and row), for whoever
	// repairs the database by hand. May be empty.
	Detail string
}

// String renders the problem on one line: subject, reason and, when
// present, the detail in brackets.
func (p CheckProblem) String() string {
	if p.Detail == "" {
		return p.Subject + ": " + p.Reason
	}
	return p.Subject + ": " + p.Reason + " [" + p.Detail + "]"
}
