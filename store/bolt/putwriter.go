package bolt

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// putWriter plans the writes of one PutObjects call and applies them in
// key order per bucket.
//
// Why not write as we go: inside one bbolt transaction a leaf is not split
// until commit, so keys inserted in random order (ids are random UUIDs,
// content versions are hashes) land in the middle of ever larger nodes
// and every insert moves the node's tail: quadratic in the batch. Sorted
// inserts append, so a batch of a million versions costs O(n log n).
type putWriter struct {
	c       *coll
	next    int64 // date_added of the next new version
	added   uint64
	pending map[string]pendingVersion // exact key -> version added in this call
	objects map[string]*pendingObject // id -> its default first/last, old and new
	puts    map[*bbolt.Bucket][]kv
	dels    map[*bbolt.Bucket][][]byte
}

type kv struct{ k, v []byte }

type pendingVersion struct {
	da   int64
	json []byte
}

// pendingObject tracks an object that gets new versions in this call.
type pendingObject struct {
	before      objState
	stored      int     // versions stored before this call: 0, 1, or 2 for two or more
	storedDA    int64   // date_added of the stored version when stored is 1
	added       []int64 // date_added of the versions this call adds
	firstKey    []byte  // s key of the current default first (copy)
	lastKey     []byte  // s key of the current default last (copy)
	groupKey    []byte  // id 0x00 specKey of the latest spec group
	first, last objEntry
}

func newPutWriter(c *coll, now int64) *putWriter {
	next := now
	if hw, ok := c.highWater(); ok && hw >= next {
		next = hw + 1
	}
	return &putWriter{
		c: c, next: next,
		pending: make(map[string]pendingVersion),
		objects: make(map[string]*pendingObject),
		puts:    make(map[*bbolt.Bucket][]kv),
		dels:    make(map[*bbolt.Bucket][][]byte),
	}
}

func (w *putWriter) put(b *bbolt.Bucket, k, v []byte) { w.puts[b] = append(w.puts[b], kv{k, v}) }
func (w *putWriter) del(b *bbolt.Bucket, k []byte)    { w.dels[b] = append(w.dels[b], k) }

// add plans one version. Duplicates are looked up first among the versions
// planned in this call, then in the file.
func (w *putWriter) add(o stix.Object, version string) (store.PutResult, error) {
	c := w.c
	res := store.PutResult{ID: o.ID, Version: version}
	xk := exactKey(o.ID, version)
	if p, ok := w.pending[string(xk)]; ok {
		res.DateAdded = time.UnixMicro(p.da).UTC()
		return res, settle(&res, p.json, o.JSON)
	}
	if stored, found, err := c.findVersion(o.ID, version); err != nil {
		return res, err
	} else if found {
		r, err := decodeRecord(c.versions.Get(daKey(stored)))
		if err != nil {
			return res, fmt.Errorf("stored version at %d: %w", stored, err)
		}
		res.DateAdded = time.UnixMicro(stored).UTC()
		return res, settle(&res, r.json, o.JSON)
	}

	da := w.next
	w.next++
	w.added++
	spec := o.EffectiveSpecVersion()
	key := daKey(da)
	sk := sortedKey(o.ID, spec, version, da)
	w.pending[string(xk)] = pendingVersion{da: da, json: o.JSON}
	w.put(c.versions, key, encodeRecord(o.ID, o.Type, version, spec, o.JSON))
	tk, err := c.typeKey(o.Type, da)
	if err != nil {
		return res, err
	}
	w.put(c.types, tk, nil)
	w.put(c.objSorted, sk, sortedValue(da, o.ID, o.Type))
	if inExact(version) {
		w.put(c.exact, xk, key)
	}
	w.put(c.versionIdx, versionKey(version, da), nil)

	entry := objEntry{da: da, typ: o.Type}
	group := sk[:len(o.ID)+1+specKeyLen(sk[len(o.ID)+1:])]
	p, seen := w.objects[o.ID]
	if !seen {
		st, err := c.state(o.ID)
		if err != nil {
			return res, err
		}
		p = &pendingObject{before: st}
		if st.exists {
			if p.storedDA, p.stored, err = c.soleVersion(o.ID); err != nil {
				return res, err
			}
			p.first, p.last = st.first, st.last
			p.firstKey, p.lastKey = bytes.Clone(st.first.key), bytes.Clone(st.last.key)
			p.groupKey = st.latestGroup
			p.before.first.key, p.before.last.key = nil, nil
		}
		w.objects[o.ID] = p
	}
	res.NewObject = !p.before.exists && !seen
	p.added = append(p.added, da)
	switch cmp := compareGroups(group, p.groupKey); {
	case p.groupKey == nil || cmp > 0:
		// First version, or a newer spec version: this group is now the
		// latest and holds only this version.
		p.groupKey = bytes.Clone(group)
		p.first, p.last = entry, entry
		p.firstKey, p.lastKey = sk, sk
	case cmp == 0:
		if bytes.Compare(sk, p.firstKey) < 0 {
			p.first, p.firstKey = entry, sk
		}
		if bytes.Compare(sk, p.lastKey) > 0 {
			p.last, p.lastKey = entry, sk
		}
	}
	res.Outcome = store.Added
	res.DateAdded = time.UnixMicro(da).UTC()
	return res, nil
}

// settle sets the outcome of a version that is already stored (or planned
// in this call) with the bytes stored: Unchanged when they are JSON-equal
// to the incoming ones, else Conflict (the caller applies the policy).
func settle(res *store.PutResult, stored, incoming []byte) error {
	eq, err := stix.EqualJSON(stored, incoming)
	if err != nil {
		return fmt.Errorf("compare with the stored version: %w", err)
	}
	res.Outcome = store.Conflict
	if eq {
		res.Outcome = store.Unchanged
	}
	return nil
}

// compareGroups orders spec groups; a nil group is the smallest.
func compareGroups(a, b []byte) int {
	if b == nil {
		return 1
	}
	return bytes.Compare(a, b)
}

// planAdded plans the entries of o for one object (added.go): none while
// it has a single version; once it has two or more, every version's, the
// one stored before this call included (its entry may exist already: the
// put is then a no-op).
func (w *putWriter) planAdded(id string, p *pendingObject) {
	if p.stored+len(p.added) < 2 {
		return
	}
	if p.stored == 1 {
		w.put(w.c.objAdded, prefixDAKey(id, p.storedDA), nil)
	}
	for _, da := range p.added {
		w.put(w.c.objAdded, prefixDAKey(id, da), nil)
	}
}

// flush moves the default first/last entries, then applies every delete
// and put, each bucket in key order, and updates the counters.
func (w *putWriter) flush() error {
	c := w.c
	if w.added == 0 {
		return nil
	}
	for id, p := range w.objects {
		w.planAdded(id, p)
		for _, m := range []struct {
			all, byType *bbolt.Bucket
			old, new    objEntry
		}{{c.last, c.typeLast, p.before.last, p.last}, {c.first, c.typeFirst, p.before.first, p.first}} {
			if p.before.exists {
				if m.old.da == m.new.da && m.old.typ == m.new.typ {
					continue
				}
				old, err := c.storedTypeKey(m.old.typ, m.old.da)
				if err != nil {
					return err
				}
				w.del(m.all, daKey(m.old.da))
				w.del(m.byType, old)
			}
			k, err := c.typeKey(m.new.typ, m.new.da)
			if err != nil {
				return err
			}
			w.put(m.all, daKey(m.new.da), nil)
			w.put(m.byType, k, nil)
		}
	}
	for b, keys := range w.dels {
		slices.SortFunc(keys, bytes.Compare)
		for _, k := range keys {
			if err := b.Delete(k); err != nil {
				return fmt.Errorf("delete index entry: %w", err)
			}
		}
	}
	for b, kvs := range w.puts {
		slices.SortFunc(kvs, func(x, y kv) int { return bytes.Compare(x.k, y.k) })
		for _, e := range kvs {
			if err := b.Put(e.k, e.v); err != nil {
				return fmt.Errorf("write index entry: %w", err)
			}
		}
	}
	if err := c.info.Put(keyHighWater, daKey(w.next-1)); err != nil {
		return err
	}
	return c.setCount(c.count() + w.added)
}
