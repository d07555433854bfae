// Package postgres keeps Herald's data in a PostgreSQL database, for
// deployments that run several `herald serve` replicas behind a load
// balancer on one database. It implements the same methods, with the
// same results, as the bbolt backend; only this package imports pgx.
//
// Open takes a postgres:// or postgresql:// URL. pgx parses it as libpq
// does: the password comes from the URL, PGPASSWORD or ~/.pgpass, sslmode
// (and the other ssl* parameters) are honoured, and the other PG*
// variables fill in what the URL leaves out.
//
// # Schema
//
// The schema is created and upgraded at Open from numbered SQL files
// embedded in the binary (migrations/NNNN_name.sql), applied in one
// transaction under an advisory lock and recorded in the herald_schema
// table, so two processes opening a new database at once migrate it once.
// A database whose schema is newer than the binary is refused with
// store.ErrSchema rather than misread.
//
// Every object version is a row of the versions table, keyed by
// (collection, date_added), with its exact JSON bytes. The default TAXII
// query (each object's latest version) and match[version]=first walk
// partial indexes over rows marked is_last / is_first (one per object, kept
// right by every write and delete), so every candidate of those walks is a
// result and a page of n costs O(n log N) at any depth. match[type] walks
// the per-type twins of those indexes, match[id] the (collection, id)
// index. Filters that must check row by row stop after a bounded number
// of rejected candidates and return a shorter page with More set, exactly
// like the bbolt backend.
//
// # date_added under concurrency
//
// TAXII clients page by date_added (added_after, or a next token holding a
// position), so date_added must be unique and strictly increasing within
// a collection, and a reader must never see version N+1 committed while
// version N (smaller date_added) is still in flight: the reader's walk
// would move past N and never return it.
//
// Every transaction that writes versions of a collection (PutObjects,
// DeleteObject, DeleteCollection) first takes the collection row's lock
// (SELECT … FOR UPDATE) and holds it until commit. The argument:
//
//  1. Writers of one collection are serialised: W2's SELECT … FOR UPDATE
//     returns only after W1 has committed or rolled back. Under READ
//     COMMITTED, the locked row W2 then reads is the newest committed
//     one, so W2 sees the high_water W1 wrote.
//  2. W2 reads the clock after it holds the lock and gives
//     max(now, high_water+1µs), so its date_added values are above every
//     value W1 (or any earlier writer) gave: unique and increasing, even
//     across replicas whose clocks disagree. high_water also covers
//     deleted versions, so a date_added is never reused.
//  3. PostgreSQL releases a transaction's row locks only after its commit
//     is visible (the commit is recorded and removed from the running
//     transactions before the locks go). So when W2 commits, W1's commit
//     is already visible to every new snapshot: any snapshot that sees
//     W2's rows sees W1's. A snapshot taken while W2 is in flight sees
//     neither W2's rows nor any later writer's, since later writers wait
//     for W2.
//
// Hence every snapshot holds a prefix of the collection's date_added
// order, and a page query (one statement, one snapshot) never shows a gap
// that fills in later. The lock is per collection, so writers to
// different collections run in parallel; readers never take it.
//
// # Replicas
//
// Everything a replica needs is in the database: the token-signing
// secret (a next token from one replica works on another), statuses,
// accounts, grants and tokens. Every change to collections, accounts,
// grants or tokens bumps a generation number (a trigger) and announces it
// on the herald_changes channel; Generation reports the latest one this
// process has seen (LISTEN, plus a poll every half second), so callers
// that cache credentials drop them within a second on every replica.
//
// # Caveats
//
// Point Herald at a database (or a schema, via search_path in the URL) of
// its own: the tables have plain names (collections, versions, …).
// Backup writes a bbolt file from one REPEATABLE READ snapshot; for
// PostgreSQL's own backups use pg_dump or your provider's. A hot standby
// may serve reads only if clients accept its replication lag.
package postgres
