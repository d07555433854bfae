package store

import "context"

// DumpItem is one piece of a whole database as Dumper.Dump hands it
// over. Exactly one field is set. The order is: the token secret, then
// each collection followed by all its versions (ascending date_added),
// then the statuses, the accounts and the meta values.
type DumpItem struct {
	TokenSecret []byte
	Collection  *Collection
	// Version is a stored version of the collection last handed over,
	// with its date_added, effective spec version and exact bytes.
	Version *Record
	Status  *Status
	Account *Account
	Meta    *MetaValue
}

// MetaValue is one key of the Meta space.
type MetaValue struct {
	Key   string
	Value []byte
}

// Dumper is implemented by backends that can hand over everything they
// hold (herald copy, and backups in another backend's format).
type Dumper interface {
	// Dump calls fn with every item of the database, in DumpItem's order,
	// from one consistent snapshot: writers are not blocked, and the dump
	// holds what was committed when Dump started. An error from fn stops
	// the dump and is returned.
	Dump(ctx context.Context, fn func(DumpItem) error) error
}

// Loader is implemented by backends that can receive a dump verbatim:
// collections with their ids and creation times, versions with their
// date_added, and the token secret. Statuses, accounts (with their
// Created times and tokens) and meta values go through PutStatus,
// CreateAccount and SetMeta.
type Loader interface {
	// LoadCollection stores c with its ID and Created as given.
	// ErrExists when the id, title or alias is taken.
	LoadCollection(ctx context.Context, c Collection) error
	// LoadVersions stores versions in a collection with the date_added,
	// spec version and bytes given. Their date_added must be strictly
	// increasing and above every date_added the collection gave
	// (ErrBadParameter otherwise); an (id, version) already stored is
	// ErrExists.
	LoadVersions(ctx context.Context, collectionID string, vs []Record) error
	// SetTokenSecret replaces the token-signing secret (32 bytes), so
	// that next tokens issued before a move stay valid after it.
	SetTokenSecret(ctx context.Context, secret []byte) error
}
