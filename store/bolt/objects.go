package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

// scanBudget bounds the candidates one page may examine and reject. Most
// plans never reject (every candidate of the default first/last indexes
// is a result); the few that filter record by record (an explicit
// match[spec_version] with first/last, or an older spec version to skip
// under match[version]=all) stop after this many and return a shorter,
// possibly empty, page with More set and Next past what they examined.
// TAXII allows both (§3.4, §3.5), and it keeps every page's cost bounded.
func scanBudget(limit int) int { return max(10*limit, 10000) }

// Objects returns one page of the object versions of a collection that
// match q, ascending by date_added. It fails with store.ErrNotFound for an
// unknown collection and store.ErrBadParameter for a malformed q.
//
// Filters are ANDed. match[version] first/last pick the earliest/latest
// version of each object in version order (timestamps compared as
// instants; versions without a timestamp, such as SCO content versions,
// by date_added), among the versions allowed by match[spec_version]
// (default: the object's latest spec version only). AddedAfter and After
// do not change which version is first or last: they only cut the walk.
//
// Page.Next is at least the position of the last record; pass it back as
// Query.After (with the same filters) to continue.
//
// Objects copies every record out of the transaction. ObjectsTo walks the
// same page (it is the same walk) without copying, for callers that only
// pass the bytes on.
func (db *DB) Objects(ctx context.Context, collectionID string, q store.Query) (store.Page, error) {
	p, err := parseQuery(q, db.maxPageSize)
	if err != nil {
		return store.Page{}, err
	}
	var page store.Page
	err = db.view(ctx, func(tx *bbolt.Tx) error {
		c, err := openCollFor(tx, collectionID, p)
		if err != nil {
			return err
		}
		page, err = c.query(ctx, p)
		return err
	})
	if err != nil {
		return store.Page{}, fmt.Errorf("query objects in %s: %w", collectionID, err)
	}
	return page, nil
}

// ObjectVersions returns one page of the versions of one object,
// ascending by date_added (for the TAXII versions endpoint). It honours
// q.AddedAfter, q.SpecVersions (default: the object's latest spec version),
// q.Limit, q.After and q.NoBytes; q.IDs, q.Types and q.Versions are
// ignored. An object without versions gives an empty page, not an error;
// store.ErrNotFound means the collection does not exist.
func (db *DB) ObjectVersions(ctx context.Context, collectionID, objectID string, q store.Query) (store.Page, error) {
	if objectID == "" {
		return store.Page{}, fmt.Errorf("object versions: empty object id: %w", store.ErrBadParameter)
	}
	q.IDs = []string{objectID}
	q.Types = nil
	q.Versions = []string{store.VersionAll}
	return db.Objects(ctx, collectionID, q)
}

// ObjectExists reports whether the collection holds any version of the
// object. store.ErrNotFound means the collection does not exist.
func (db *DB) ObjectExists(ctx context.Context, collectionID, objectID string) (bool, error) {
	var ok bool
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		_, n, err := c.soleVersion(objectID)
		ok = n > 0
		return err
	})
	if err != nil {
		return false, fmt.Errorf("object %s in %s: %w", objectID, collectionID, err)
	}
	return ok, nil
}

// LastDateAdded is the date_added of the newest version in the collection,
// or the zero time when it is empty.
func (db *DB) LastDateAdded(ctx context.Context, collectionID string) (time.Time, error) {
	var t time.Time
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		if k, _ := c.versions.Cursor().Last(); len(k) == 8 {
			t = time.UnixMicro(daValue(k)).UTC()
		}
		return nil
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("last date added in %s: %w", collectionID, err)
	}
	return t, nil
}

// CountVersions is the number of object versions in the collection, from
// a counter (O(1)).
func (db *DB) CountVersions(ctx context.Context, collectionID string) (int, error) {
	var n uint64
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		n = c.count()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("count versions in %s: %w", collectionID, err)
	}
	return int(n), nil
}

// sources builds the index walks for a plan (see layout.go).
func (c *coll) sources(p plan) ([]source, error) {
	var out []source
	// walk reads a da8-keyed bucket whole when any type will do, or its
	// per-type twin (keys typeNum da8) once per requested type that has a
	// number (a type never stored has no entries).
	walk := func(global, perType *bbolt.Bucket, trust bool) {
		if p.types == nil {
			src := newCursorSource(global, nil, p.lower, trust)
			src.isRecord = global == c.versions
			out = append(out, src)
			return
		}
		for _, t := range p.types {
			if num, ok := c.typeNum.lookup(t); ok { // else nothing of that type was stored
				out = append(out, newCursorSource(perType, num, p.lower, trust))
			}
		}
	}
	switch {
	case p.ids != nil:
		for _, id := range p.ids {
			if p.all {
				src, err := c.addedSource(id, p.lower)
				if err != nil {
					return nil, err
				}
				out = append(out, src)
				continue
			}
			das, err := c.candidates(id, p)
			if err != nil {
				return nil, err
			}
			out = append(out, &sliceSource{das: das})
		}
	case p.all:
		walk(c.versions, c.types, false)
	case p.specs == nil:
		if p.first {
			walk(c.first, c.typeFirst, true)
		}
		if p.last {
			walk(c.last, c.typeLast, true)
		}
		for _, v := range p.explicit {
			out = append(out, newCursorSource(c.versionIdx, versionPrefix(v), p.lower, false))
		}
	case p.first || p.last:
		// An explicit spec-version list with first/last: no index knows
		// the first/last among arbitrary spec sets; filter records.
		walk(c.versions, c.types, false)
	default:
		for _, v := range p.explicit {
			out = append(out, newCursorSource(c.versionIdx, versionPrefix(v), p.lower, false))
		}
	}
	return out, nil
}

// candidates lists, for one object, the date_added of the versions that
// first/last/explicit could select (before the type and spec checks),
// sorted, from p.lower on.
func (c *coll) candidates(id string, p plan) ([]int64, error) {
	var das []int64
	if p.first || p.last {
		first, last, ok, err := c.ends(id, p)
		if err != nil {
			return nil, err
		}
		if ok && p.first {
			das = append(das, first)
		}
		if ok && p.last {
			das = append(das, last)
		}
	}
	for _, v := range p.explicit {
		da, found, err := c.findVersion(id, v)
		if err != nil {
			return nil, err
		}
		if found {
			das = append(das, da)
		}
	}
	das = slices.DeleteFunc(das, func(d int64) bool { return d < p.lower })
	slices.Sort(das)
	return slices.Compact(das), nil
}

// ends returns the date_added of the first and last version of an object
// in version order, among the versions allowed by p's spec-version rule.
func (c *coll) ends(id string, p plan) (first, last int64, ok bool, err error) {
	if p.specs == nil {
		st, err := c.state(id)
		if err != nil || !st.exists {
			return 0, 0, false, err
		}
		return st.first.da, st.last.da, true, nil
	}
	var firstKey, lastKey []byte
	for _, s := range p.specs {
		group := append(prefixKey(id), specKey(s)...)
		f, l, found, err := groupEnds(c.sortedCur, group)
		if err != nil {
			return 0, 0, false, fmt.Errorf("object %s: %w", id, err)
		}
		if !found {
			continue
		}
		// Compare version keys (after the group prefix) across groups.
		fk, lk := f.key[len(group):], l.key[len(group):]
		if !ok || bytes.Compare(fk, firstKey) < 0 {
			firstKey, first = bytes.Clone(fk), f.da
		}
		if !ok || bytes.Compare(lk, lastKey) > 0 {
			lastKey, last = bytes.Clone(lk), l.da
		}
		ok = true
	}
	return first, last, ok, nil
}

// matches checks one stored version against everything in p that its
// source did not guarantee.
func (c *coll) matches(r storedRecord, da int64, p plan) (bool, error) {
	if p.typeSet != nil && !p.typeSet[string(r.typ)] {
		return false, nil
	}
	if p.specs == nil {
		if !c.isLatestSpec(r.id, string(r.spec)) {
			return false, nil
		}
	} else if !p.specSet[string(r.spec)] {
		return false, nil
	}
	if p.all || p.explSet[string(r.version)] {
		return true, nil
	}
	if !p.first && !p.last {
		return false, nil
	}
	first, last, ok, err := c.ends(string(r.id), p)
	if err != nil || !ok {
		return false, err
	}
	return (p.first && first == da) || (p.last && last == da), nil
}

// query runs a plan and copies the page out of the transaction (Objects).
func (c *coll) query(ctx context.Context, p plan) (store.Page, error) {
	capacity := min(p.limit, 128)
	if p.ids != nil && !p.all {
		capacity = min(capacity, 4*len(p.ids))
	}
	page := store.Page{Records: make([]store.Record, 0, capacity)}
	var names interner
	info, err := c.walk(ctx, p, func(da int64, r storedRecord) error {
		page.Records = append(page.Records, r.toRecord(da, !p.noBytes, &names))
		return nil
	})
	if err != nil {
		return store.Page{}, err
	}
	page.More, page.Next = info.More, info.Next
	return page, nil
}

// walk runs a plan: merge the sources, check what needs checking, hand
// each match to visit, and stop at limit+1 matches or the scan budget.
// It is the one walk behind Objects and ObjectsTo. r points into the
// transaction's memory: visit must not keep it. An error from visit ends
// the walk and is returned as is.
func (c *coll) walk(ctx context.Context, p plan, visit func(da int64, r storedRecord) error) (store.PageInfo, error) {
	srcs, err := c.sources(p)
	if err != nil {
		return store.PageInfo{}, err
	}
	m := newMerger(srcs)
	info := store.PageInfo{Next: p.after}
	budget := scanBudget(p.limit)
	scanned := 0
	vr := versionReader{cur: c.versions.Cursor()}
	for {
		da, trusted, raw, ok := m.pop()
		if !ok {
			break
		}
		if raw == nil {
			raw = vr.get(da)
		}
		if raw == nil {
			return store.PageInfo{}, fmt.Errorf("index entry %d has no version: %w", da, errCorrupt)
		}
		r, err := decodeRecord(raw)
		if err != nil {
			return store.PageInfo{}, fmt.Errorf("version at %d: %w", da, err)
		}
		match := trusted
		if !match {
			if match, err = c.matches(r, da, p); err != nil {
				return store.PageInfo{}, err
			}
		}
		if match {
			if info.Count == p.limit {
				info.More = true
				break
			}
			if err := visit(da, r); err != nil {
				return store.PageInfo{}, err
			}
			if info.Count == 0 {
				info.First = store.Position(da)
			}
			info.Last = store.Position(da)
			info.Count++
		}
		info.Next = store.Position(da)
		scanned++
		if scanned%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return store.PageInfo{}, err
			}
		}
		if scanned >= budget && m.more() {
			info.More = true
			break
		}
	}
	return info, nil
}

// versionReader finds versions in bucket v by date_added for a walk that
// asks for ascending date_added. The wanted version is usually a few keys
// after the previous one (every index holds a subset of v's keys, in the
// same order), and a cursor Next is far cheaper than a Seek from the
// root, so it tries a few Nexts before it seeks.
type versionReader struct {
	cur *bbolt.Cursor
	at  []byte // the cursor's current key; nil before the first lookup or past the end
	key [8]byte
}

// versionNextTries is how many keys a lookup steps over before seeking.
const versionNextTries = 4

// get returns the stored version added at da, or nil if there is none.
func (vr *versionReader) get(da int64) []byte {
	binary.BigEndian.PutUint64(vr.key[:], uint64(da)^signBit)
	want := vr.key[:]
	if vr.at != nil && bytes.Compare(vr.at, want) < 0 {
		for range versionNextTries {
			k, v := vr.cur.Next()
			vr.at = k
			if k == nil {
				break
			}
			switch cmp := bytes.Compare(k, want); {
			case cmp == 0:
				return v
			case cmp > 0:
				return nil // stepped past: no such key
			}
		}
	}
	k, v := vr.cur.Seek(want)
	vr.at = k
	if bytes.Equal(k, want) {
		return v
	}
	return nil
}

// isLatestSpec reports whether no version of the object has a later spec
// version than spec: one seek past the spec's group.
func (c *coll) isLatestSpec(id []byte, spec string) bool {
	c.scratch = append(append(append(c.scratch[:0], id...), 0), specKey(spec)...)
	prefixLen := len(id) + 1
	// The smallest key after the spec's group (as in prefixEnd).
	end := c.scratch
	i := len(end) - 1
	for i >= 0 && end[i] == 0xff {
		i--
	}
	if i < 0 {
		return true
	}
	end[i]++
	end = end[:i+1]
	k, _ := c.sortedCur.Seek(end)
	return k == nil || len(k) < prefixLen || !bytes.Equal(k[:prefixLen-1], id) || k[prefixLen-1] != 0
}
