// Package store keeps STIX object versions, grouped in collections, in a
// bbolt database, together with TAXII add-request statuses, accounts and
// the secret that signs pagination tokens.
//
// An object version is stored as its exact JSON bytes plus the fields it is
// indexed by. Every stored version gets a date_added that is unique and
// strictly increasing within its collection, so paging by date_added never
// loses or repeats an object.
//
// store may import stix (for the Object value type) and bbolt. It must not
// import feed, taxii, echo or anything HTTP.
//
// # Caveats
//
// bbolt allows one process to hold the file. Open fails with ErrLocked after
// Options.LockTimeout instead of waiting forever. Values read inside a bbolt
// transaction are only valid inside it; every method copies them out.
package store
