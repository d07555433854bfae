package store

import "context"

// ChangeWatcher is implemented by stores that several processes share
// (PostgreSQL), where another process may change what this one caches.
// Generation grows whenever any process changes a collection, an
// account, a grant or a token; a process that caches credentials or
// access decisions drops what it cached under an older generation. The
// backend keeps it current within a second.
type ChangeWatcher interface {
	Generation() uint64
}

// ContentStamper is implemented by stores that can tell, cheaply and
// exactly, that nothing a query of a collection reads has changed, so that
// a caller may answer a repeated query from memory (the TAXII server's page
// cache) without ever serving a page that misses an acknowledged write.
type ContentStamper interface {
	// ContentStamp returns a stamp of what the objects of collection
	// collectionID are now. When ok, every query whose read began after
	// this call returned gives the same answer for as long as ContentStamp
	// keeps returning (stamp, true): a write that may change any such
	// answer (a put, a replace, a delete, the collection's removal) moves
	// the stamp before anything it wrote can be read, and the stamp never
	// comes back to an earlier value. ok false means a write may be in
	// flight: nothing may be reused or kept under this stamp.
	//
	// The stamp may also move when nothing a query reads changed (bbolt
	// moves it on every write); it only costs a cache miss. An unknown
	// collection is ErrNotFound, or a stamp that no write will ever match.
	ContentStamp(ctx context.Context, collectionID string) (stamp uint64, ok bool, err error)
	// StampedCollection is Collection (ref: an id, title or alias) and
	// ContentStamp of the collection found, read together (PostgreSQL:
	// in one read instead of two), with ContentStamp's promise.
	StampedCollection(ctx context.Context, ref string) (c Collection, stamp uint64, ok bool, err error)
}
