package store

// ChangeWatcher is implemented by stores that several processes share
// (PostgreSQL), where another process may change what this one caches.
// Generation grows whenever any process changes a collection, an
// account, a grant or a token; a process that caches credentials or
// access decisions drops what it cached under an older generation. The
// backend keeps it current within a second.
type ChangeWatcher interface {
	Generation() uint64
}
