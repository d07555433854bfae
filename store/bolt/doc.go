// Package bolt is Herald's embedded storage backend: a store.Store in one
// bbolt file, holding STIX object versions grouped in collections,
// TAXII add-request statuses, accounts and the secret that signs
// pagination tokens. It registers itself with store.Register for --db
// values that are file paths.
//
// bolt is the only package in Herald that imports go.etcd.io/bbolt. It may
// import store and stix; it must not import feed, taxii, echo or anything
// HTTP. The promises it keeps are store.Store's; store/storetest checks
// them. This comment describes how it keeps them.
//
// # Basics
//
// An object version is stored as its exact JSON bytes plus the fields it is
// indexed by, and identified by (id, version), where version is modified,
// else created, else a content hash (stix.Object.Version). Storing the same
// version again is a no-op (Unchanged); storing it with other bytes is
// reported (Conflict) and the stored bytes are kept.
//
// Every stored version gets a date_added that is unique and strictly
// increasing within its collection: max(now, previous+1µs), assigned in the
// single write transaction of PutObjects. Paging by date_added (Query.After,
// or TAXII's added_after) therefore never loses or repeats a version, even
// while writers add more.
//
// Objects answers TAXII's filters (added_after, match[id], match[type],
// match[version], match[spec_version], limit) from indexes, so one page
// costs O(page · log n) whatever the collection size and depth: the default
// query (latest version of each object) and match[version]=first walk
// indexes that hold only matching versions, match[type] walks a per-type
// index, match[id] goes straight to the object. The rare filters that
// need a record-by-record check stop after a bounded number of rejects and
// return a shorter page with More set (see Objects). The key layout is
// described in layout.go.
//
// # Caveats
//
// bbolt allows one process to hold the file. Open fails with store.ErrLocked after
// Options.LockTimeout instead of waiting forever, so a command run next to
// a server says so within a second. Use Backup (a consistent snapshot
// streamed from a read transaction) rather than copying the file.
//
// Values read inside a bbolt transaction are only valid inside it; every
// method copies them out, so returned records stay valid.
//
// A version's place in first/last order is its timestamp as an instant
// (RFC 3339, any fraction precision), never the string: "…00Z" is earlier
// than "…00.5Z". Versions without a timestamp (SCO content versions) order
// by date_added. Deleting a collection also drops every account's grant
// for it. The file never shrinks; compact it offline with bbolt's tools.
package bolt
