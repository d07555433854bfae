package bolt

import (
	"maps"
	"slices"

	"github.com/heraldcti/herald/store"
)

// collCache holds decoded collection records (by the reference they were
// looked up with: id, title or alias) as they were after the first `gen`
// write transactions of the DB. Every write transaction that can change a
// collection record moves db.writes before it returns (DB.update; the
// writes of DB.updateObjects change objects only), so an entry is only
// used while no such write has ended since it was read: a collection
// changed, renamed or deleted by an acknowledged write is never served
// from the cache. A snapshot is
// never modified; adding an entry swaps in a copy.
//
// Why the read is exact: Collection loads the counter before it opens its
// read transaction, and nothing is cached or served while the counter is
// odd (a write in flight). If a write ended before that load, the
// transaction sees it; if one starts after, the counter has moved before
// it commits, and the entry, stored under the older value, is never used.
type collCache struct {
	gen uint64
	m   map[string]store.Collection
}

// maxCachedColls bounds the cache; past it, the cache restarts.
const maxCachedColls = 1024

// cachedCollection returns the cached record of ref for the current write
// count, and that count.
func (db *DB) cachedCollection(ref string) (store.Collection, uint64, bool) {
	gen, stable := db.stableWrites()
	if !stable {
		return store.Collection{}, gen, false
	}
	if cc := db.colls.Load(); cc != nil && cc.gen == gen {
		c, ok := cc.m[ref]
		return c, gen, ok
	}
	return store.Collection{}, gen, false
}

// cacheCollection remembers c as ref's record, read after gen writes.
func (db *DB) cacheCollection(ref string, gen uint64, c store.Collection) {
	if gen%2 != 0 {
		return // read while a write was in flight
	}
	for {
		old := db.colls.Load()
		next := &collCache{gen: gen}
		switch {
		case old != nil && old.gen > gen:
			return // a newer snapshot exists: this read is already outdated
		case old != nil && old.gen == gen && len(old.m) < maxCachedColls:
			next.m = maps.Clone(old.m)
		default:
			next.m = make(map[string]store.Collection, 1)
		}
		c.MediaTypes = slices.Clip(c.MediaTypes) // an append by a caller copies
		next.m[ref] = c
		if db.colls.CompareAndSwap(old, next) {
			return
		}
	}
}
