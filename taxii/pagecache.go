package taxii

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"github.com/heraldcti/herald/store"
)

// pageCache keeps the objects of recently served envelope pages in memory,
// so that a page asked for again is written from memory instead of being
// walked out of the store. Feeds ask for the same pages all day: every
// client that is caught up asks "anything after X?" with the same X (the
// collection's last date_added), and every new subscriber starts from the
// first page.
//
// It is exact: an entry is the store's answer to one query (collection id
// and the whole store.Query, so every filter, the limit and the position),
// kept with the store's content stamp (store.ContentStamper) read before
// the store was asked, and used only while the store still gives that
// stamp. The store moves the stamp before a write can be seen (on
// PostgreSQL in the database, so a write through any replica), so a page
// is never served from memory once a write that may change it has been
// acknowledged. What depends on the caller (the next token, which is bound
// to the account) and on the settings (the empty "objects" list) is not
// cached: it is written per request around the cached objects.
//
// Memory is bounded by maxBytes (the bodies and keys); past it, entries are
// dropped in map order, which is random. Stale entries (an older stamp) are
// replaced when their query comes again, or dropped to make room.
type pageCache struct {
	stamper  store.ContentStamper
	maxBytes int64
	maxEntry int64 // a larger page is not kept: it would evict too much

	mu    sync.RWMutex
	used  int64
	pages map[string]*cachedPage

	hits, misses, bypasses atomic.Uint64
}

// cachedPage is the store's answer to one query under one stamp. It is
// never modified once cached, except for head, a memo of what a request
// derived from it.
type cachedPage struct {
	stamp uint64
	info  store.PageInfo
	// body is the objects of the page joined by commas, followed by the
	// `]}` that closes the list and the envelope; empty for an empty page.
	body []byte
	// dates are the page's date headers (pageDateValues); nil for an
	// empty page, whose dates come from the request.
	dates []string
	// head is the envelope head the page was last served with (see
	// pageHead), nil until then.
	head atomic.Pointer[pageHead]
}

// pageHead is the part of a cached envelope that depends on the request:
// the head `{"more":…,"next":"…","objects":[` and the envelope's
// Content-Length, with what they were made from: the next token's scope
// (endpoint, collection, object, caller) and filters, and whether an empty
// page has an empty "objects" list. The page key fixes the rest (the
// limit, the position, more and next). A page keeps the last head it was
// served with: a feed polls the same page as the same account, and
// signing the next token is the largest part of serving a page from
// memory. Immutable once made.
type pageHead struct {
	scope     scope
	f         filters
	emptyList bool
	head      []byte
	length    []string // the Content-Length header's value
}

// maxMemoHead is the longest head a cached page keeps; entrySize counts
// it for every entry. Longer heads (next tokens with long filter lists)
// are made per request.
const maxMemoHead = 1024

// headFor returns the memo of p for scope sc, filters f and emptyList, or
// nil when it was made for other ones.
func (p *cachedPage) headFor(sc scope, f filters, emptyList bool) *pageHead {
	h := p.head.Load()
	if h == nil || h.scope != sc || h.emptyList != emptyList || !h.f.equal(f) {
		return nil
	}
	return h
}

// DefaultPageCacheBytes is the page cache's memory when Config leaves it
// zero: about 400 pages of 100 typical objects.
const DefaultPageCacheBytes = 32 << 20

func newPageCache(db store.Store, maxBytes int64) *pageCache {
	cs, ok := db.(store.ContentStamper)
	if !ok || maxBytes <= 0 {
		return nil // a store that cannot stamp its content is never cached
	}
	return &pageCache{stamper: cs, maxBytes: maxBytes, maxEntry: max(maxBytes/16, 1), pages: map[string]*cachedPage{}}
}

// get returns the page cached under key for stamp, or nil.
func (pc *pageCache) get(key []byte, stamp uint64) *cachedPage {
	pc.mu.RLock()
	p := pc.pages[string(key)] // no allocation: the conversion is only a lookup
	pc.mu.RUnlock()
	if p == nil || p.stamp != stamp {
		pc.misses.Add(1)
		return nil
	}
	pc.hits.Add(1)
	return p
}

// put keeps p under key, replacing what key held, and drops entries until
// the cache is within its budget again.
func (pc *pageCache) put(key []byte, p *cachedPage) {
	size := entrySize(len(key), p)
	if size > pc.maxEntry {
		return
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if old := pc.pages[string(key)]; old != nil {
		pc.used -= entrySize(len(key), old)
	}
	pc.pages[string(key)] = p
	pc.used += size
	for k, q := range pc.pages {
		if pc.used <= pc.maxBytes {
			break
		}
		if k == string(key) {
			continue
		}
		delete(pc.pages, k)
		pc.used -= entrySize(len(k), q)
	}
}

// entrySize is what one entry costs: its key, its body and the fixed part.
func entrySize(keyLen int, p *cachedPage) int64 {
	const overhead = 128 + maxMemoHead // the map slot, the struct, the slice headers, the head memo
	return int64(keyLen + cap(p.body) + overhead)
}

// bytes is the memory the cache holds now.
func (pc *pageCache) bytes() int64 {
	pc.mu.RLock()
	defer pc.mu.RUnlock()
	return pc.used
}

// appendPageKey appends the cache key of query q on collection colID: every
// field the store's answer depends on, each string length-prefixed, so two
// different queries never share a key whatever bytes their filters hold.
func appendPageKey(b []byte, colID string, q store.Query) []byte {
	str := func(s string) {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	list := func(l []string) {
		b = binary.AppendUvarint(b, uint64(len(l)))
		for _, s := range l {
			str(s)
		}
	}
	str(colID)
	list(q.IDs)
	list(q.Types)
	list(q.Versions)
	list(q.SpecVersions)
	b = binary.AppendVarint(b, int64(q.Limit))
	b = binary.AppendVarint(b, int64(q.After))
	if q.AddedAfter.IsZero() {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendVarint(b, q.AddedAfter.Unix())
		b = binary.AppendVarint(b, int64(q.AddedAfter.Nanosecond()))
	}
	if q.NoBytes {
		b = append(b, 1)
	} else {
		b = append(b, 0)
	}
	return b
}
