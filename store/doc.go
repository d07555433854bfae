// Package store is Herald's storage seam: what every storage backend
// stores and promises, without any backend in it.
//
// It holds the value types (collections, queries, pages, records, put
// results, statuses, accounts, grants, tokens, check problems), the error
// sentinels callers test with errors.Is, the Store interface (store.go,
// documented method by method with the guarantees every backend gives,
// the date_added rule first among them), the validation rules every
// backend applies (validate.go), password hashing (password.go), and Open,
// which picks a backend by the --db value (open.go):
//
//	store.Open(ctx, "/var/lib/herald/herald.db", nil)     // bbolt (store/bolt)
//	store.Open(ctx, "postgres://herald@db/herald", nil)   // PostgreSQL
//
// Backends register themselves (Register) from their package's init, so
// store imports no driver: a program chooses its backends by importing
// them, usually for their side effect (import _ ".../store/bolt").
// store/storetest is the conformance suite every backend's tests run.
//
// store may import stix (for the Object value type). It must not import a
// backend, a database driver, feed, taxii, echo or anything HTTP.
package store
