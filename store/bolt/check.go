package bolt

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

// maxProblems caps the report of one Check: a badly damaged file would
// otherwise produce one problem per version.
const maxProblems = 1000

// checker collects problems found in one read transaction.
type checker struct {
	ctx      context.Context
	tx       *bbolt.Tx
	problems []store.CheckProblem
	steps    int
	cursors  map[*bbolt.Bucket]*bbolt.Cursor
}

// exists reports whether b holds key k.
func (ck *checker) exists(b *bbolt.Bucket, k []byte) bool {
	_, ok := ck.get(b, k)
	return ok
}

// get looks k up with a cursor kept per bucket: Bucket.Get allocates a
// new cursor per call, and Check makes millions of lookups.
func (ck *checker) get(b *bbolt.Bucket, k []byte) (v []byte, ok bool) {
	cur := ck.cursors[b]
	if cur == nil {
		if ck.cursors == nil {
			ck.cursors = make(map[*bbolt.Bucket]*bbolt.Cursor)
		}
		cur = b.Cursor()
		ck.cursors[b] = cur
	}
	found, v := cur.Seek(k)
	if found == nil || !bytes.Equal(found, k) {
		return nil, false
	}
	return v, true
}

func (ck *checker) add(bucket string, key []byte, format string, args ...any) {
	if len(ck.problems) == maxProblems {
		ck.problems = append(ck.problems, store.CheckProblem{Subject: "database", Reason: "too many problems; the rest are not listed"})
	}
	if len(ck.problems) > maxProblems {
		return
	}
	detail := "bbolt bucket " + bucket
	if key != nil {
		detail += ", key " + printableKey(key)
	}
	ck.problems = append(ck.problems, store.CheckProblem{
		Subject: subject(bucket, key), Reason: fmt.Sprintf(format, args...), Detail: detail})
}

// subject says in the data model's terms what a problem in this bucket
// (and key) is about.
func subject(bucket string, key []byte) string {
	switch bucket {
	case "bbolt", "meta", "kv":
		return "database file"
	case "collections", "objects":
		if key != nil {
			return "collection " + printableKey(key)
		}
		return "collections"
	case "names":
		return "collection title or alias \"" + printableKey(key) + "\""
	case "statuses":
		return "status " + printableKey(key)
	case "status_time":
		return "status expiry index"
	case "accounts":
		if key != nil {
			return "account \"" + printableKey(key) + "\""
		}
		return "accounts"
	case "tokens":
		return "bearer tokens"
	}
	if rest, ok := strings.CutPrefix(bucket, "objects/"); ok {
		id, _, _ := strings.Cut(rest, "/")
		return "collection " + id
	}
	return "database"
}

// tick checks for cancellation now and then.
func (ck *checker) tick() error {
	ck.steps++
	if ck.steps%8192 == 0 {
		return ck.ctx.Err()
	}
	return nil
}

// printableKey shows a key with its binary parts escaped.
func printableKey(k []byte) string {
	if k == nil {
		return ""
	}
	s := strconv.Quote(string(k))
	return s[1 : len(s)-1]
}

// Check verifies the whole database in one read transaction (it runs
// alongside readers and the writer): bbolt's own page checks, the schema
// and secret, that every collection's title and alias index, every
// object index (by type, by object, version order, exact version, version
// string, the default first/last indexes and their per-type twins) and the
// counters agree exactly with the stored versions, that statuses and their
// expiry index agree, and that every account decodes, is valid, grants only
// existing collections and matches the token index. It returns the
// problems found (none for a healthy file); the error is for failures to
// run the check at all.
func (db *DB) Check(ctx context.Context) ([]store.CheckProblem, error) {
	var problems []store.CheckProblem
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		ck := &checker{ctx: ctx, tx: tx}
		for err := range tx.Check() {
			ck.add("bbolt", nil, "%v", err)
		}
		steps := []func() error{ck.meta, ck.collections, ck.statuses, ck.accounts}
		for _, step := range steps {
			if err := step(); err != nil {
				return err
			}
		}
		problems = ck.problems
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", db.path, err)
	}
	return problems, nil
}

func (ck *checker) meta() error {
	for _, name := range topBuckets {
		if ck.tx.Bucket(name) == nil {
			ck.add(string(name), nil, "bucket is missing")
		}
	}
	meta := ck.tx.Bucket(bucketMeta)
	if meta == nil {
		return nil
	}
	if v := meta.Get(keySchema); string(v) != strconv.Itoa(SchemaVersion) {
		ck.add("meta", keySchema, "schema version %q, want %d", v, SchemaVersion)
	}
	if meta.Get(keyRekeying) != nil {
		ck.add("meta", keyRekeying, "the rewrite of index keys for schema 4 is not finished (Open finishes it)")
	}
	if v := meta.Get(keyTokenSecret); len(v) != 32 {
		ck.add("meta", keyTokenSecret, "token secret has %d bytes, want 32", len(v))
	}
	return nil
}

func (ck *checker) collections() error {
	colls, names, objects := ck.tx.Bucket(bucketCollections), ck.tx.Bucket(bucketNames), ck.tx.Bucket(bucketObjects)
	if colls == nil || names == nil || objects == nil {
		return nil
	}
	var ids []string
	err := colls.ForEach(func(k, v []byte) error {
		c, err := decodeCollection(v)
		if err != nil {
			ck.add("collections", k, "%v", err)
			return nil
		}
		if c.ID != string(k) {
			ck.add("collections", k, "record holds id %q", c.ID)
		}
		if err := store.ValidateCollection(&c); err != nil {
			ck.add("collections", k, "%v", err)
		}
		for _, n := range []string{c.Title, c.Alias} {
			if n != "" && string(names.Get([]byte(n))) != c.ID {
				ck.add("names", []byte(n), "title or alias of collection %s is not indexed to it", c.ID)
			}
		}
		ids = append(ids, string(k))
		return nil
	})
	if err != nil {
		return err
	}
	err = names.ForEach(func(k, v []byte) error {
		c, err := getCollection(ck.tx, string(v))
		if err != nil {
			ck.add("names", k, "points to collection %q: %v", v, err)
		} else if c.Title != string(k) && c.Alias != string(k) {
			ck.add("names", k, "collection %s has title %q and alias %q", v, c.Title, c.Alias)
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = objects.ForEach(func(k, v []byte) error {
		if v != nil {
			ck.add("objects", k, "a value where a collection bucket belongs")
		} else if colls.Get(k) == nil {
			ck.add("objects", k, "objects of a collection that does not exist")
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := ck.collection(id); err != nil {
			return err
		}
	}
	return nil
}

// collection checks one collection's indexes against its versions.
func (ck *checker) collection(id string) error {
	c, err := openColl(ck.tx, id)
	if err != nil {
		ck.add("objects", []byte(id), "%v", err)
		return nil
	}
	where := func(b []byte) string { return "objects/" + id + "/" + string(b) }
	get := func(b *bbolt.Bucket, k []byte) []byte { v, _ := ck.get(b, k); return v }
	numbered, err := ck.typeNumbers(c, where)
	if err != nil {
		return err
	}
	// typeKey is the key of a version in t, l or f, or a key no entry has
	// when its type has no number (reported once per type).
	typeKey := func(typ string, da int64) []byte {
		if k, ok, _ := c.typeNum.key(typ, da, false); ok {
			return k
		}
		if !numbered[typ] {
			numbered[typ] = true
			ck.add(where(bktTypeNums), []byte(typ), "type %s has versions but no number", typ)
		}
		return []byte(typ)
	}
	var n uint64
	var lastDA int64
	cur := c.versions.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if err := ck.tick(); err != nil {
			return err
		}
		n++
		if len(k) != 8 {
			ck.add(where(bktVersions), k, "key is not a date_added")
			continue
		}
		da := daValue(k)
		lastDA = da
		r, err := decodeRecord(v)
		if err != nil {
			ck.add(where(bktVersions), k, "%v", err)
			continue
		}
		id, typ, ver, spec := string(r.id), string(r.typ), string(r.version), string(r.spec)
		if tk := typeKey(typ, da); !ck.exists(c.types, tk) {
			ck.add(where(bktTypes), tk, "missing entry for version %s of %s", ver, id)
		}
		if sv := get(c.objSorted, sortedKey(id, spec, ver, da)); !bytes.Equal(sv, sortedValue(da, id, typ)) {
			ck.add(where(bktObjSorted), sortedKey(id, spec, ver, da), "missing or wrong entry for version %s of %s", ver, id)
		}
		if inExact(ver) && !bytes.Equal(get(c.exact, exactKey(id, ver)), k) {
			ck.add(where(bktExact), exactKey(id, ver), "missing or wrong entry for version %s of %s", ver, id)
		}
		if !ck.exists(c.versionIdx, versionKey(ver, da)) {
			ck.add(where(bktVersionIdx), versionKey(ver, da), "missing entry for version %s of %s", ver, id)
		}
	}
	if got := c.count(); got != n {
		ck.add(where(bktInfo), keyCount, "counter is %d, the collection holds %d versions", got, n)
	}
	if hw, ok := c.highWater(); n > 0 && (!ok || hw < lastDA) {
		ck.add(where(bktInfo), keyHighWater, "high-water mark %d is below the last date_added %d", hw, lastDA)
	}
	// Every index entry must point at a version that would produce it.
	record := func(da int64) (storedRecord, bool) {
		r, err := decodeRecord(get(c.versions, daKey(da)))
		return r, err == nil
	}
	type daIndex struct {
		b   *bbolt.Bucket
		key func(r storedRecord, da int64) []byte // the entry the version would have
	}
	byType := func(r storedRecord, da int64) []byte { return typeKey(string(r.typ), da) }
	idxs := []daIndex{
		{c.types, byType},
		{c.objAdded, func(r storedRecord, da int64) []byte { return prefixDAKey(string(r.id), da) }},
		{c.versionIdx, func(r storedRecord, da int64) []byte { return versionKey(string(r.version), da) }},
		{c.last, func(_ storedRecord, da int64) []byte { return daKey(da) }},
		{c.first, func(_ storedRecord, da int64) []byte { return daKey(da) }},
		{c.typeLast, byType},
		{c.typeFirst, byType},
	}
	names := [][]byte{bktTypes, bktObjAdded, bktVersionIdx, bktLast, bktFirst, bktTypeLast, bktTypeFirst}
	for i, ix := range idxs {
		cur := ix.b.Cursor()
		for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
			if err := ck.tick(); err != nil {
				return err
			}
			if len(k) < 8 {
				ck.add(where(names[i]), k, "malformed key")
				continue
			}
			da := daValue(k[len(k)-8:])
			r, ok := record(da)
			if !ok {
				ck.add(where(names[i]), k, "points to a missing version")
				continue
			}
			if !bytes.Equal(ix.key(r, da), k) {
				ck.add(where(names[i]), k, "version %s of %s does not belong here", r.version, r.id)
			}
		}
	}
	if err := ck.sortedAndExact(c, where); err != nil {
		return err
	}
	return ck.defaults(c, where, typeKey)
}

// sortedAndExact checks that entries of s and x point at their versions,
// that x holds only versions that are not timestamps, and that o holds
// every version of each object with two or more (added.go).
func (ck *checker) sortedAndExact(c *coll, where func([]byte) string) error {
	var id []byte   // the object whose entries of s are being read
	var das []int64 // their date_added
	checkAdded := func() {
		if len(das) < 2 {
			return
		}
		for _, da := range das {
			if k := prefixDAKey(string(id), da); !ck.exists(c.objAdded, k) {
				ck.add(where(bktObjAdded), k, "missing entry for a version of %s, which has %d versions", id, len(das))
			}
		}
	}
	cur := c.objSorted.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if err := ck.tick(); err != nil {
			return err
		}
		e, err := decodeSortedValue(k, v)
		if i := bytes.IndexByte(k, 0); i >= 0 && err == nil {
			if !bytes.Equal(k[:i], id) {
				checkAdded()
				id, das = bytes.Clone(k[:i]), das[:0]
			}
			das = append(das, e.da)
		}
		v, _ := ck.get(c.versions, daKey(e.da))
		r, rerr := decodeRecord(v)
		switch {
		case err != nil:
			ck.add(where(bktObjSorted), k, "%v", err)
		case rerr != nil:
			ck.add(where(bktObjSorted), k, "points to a missing version")
		case !bytes.Equal(k, sortedKey(string(r.id), string(r.spec), string(r.version), e.da)):
			ck.add(where(bktObjSorted), k, "does not match version %s of %s", r.version, r.id)
		}
	}
	checkAdded()
	cur = c.exact.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if err := ck.tick(); err != nil {
			return err
		}
		if len(v) != 8 {
			ck.add(where(bktExact), k, "value is not a date_added")
			continue
		}
		rv, _ := ck.get(c.versions, v)
		r, err := decodeRecord(rv)
		if err != nil {
			ck.add(where(bktExact), k, "points to a missing version")
		} else if !bytes.Equal(k, exactKey(string(r.id), string(r.version))) {
			ck.add(where(bktExact), k, "points to version %s of %s", r.version, r.id)
		} else if !inExact(string(r.version)) {
			ck.add(where(bktExact), k, "version %s of %s is a timestamp, found in %s: it has no entry here", r.version, r.id, bktObjSorted)
		}
	}
	return nil
}

// defaults checks that L, F, l and f hold exactly the default first and
// last version of every object.
func (ck *checker) defaults(c *coll, where func([]byte) string, typeKey func(string, int64) []byte) error {
	objects := 0
	cur := c.objSorted.Cursor()
	for k, _ := cur.First(); k != nil; {
		if err := ck.tick(); err != nil {
			return err
		}
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			ck.add(where(bktObjSorted), k, "malformed key")
			k, _ = cur.Next()
			continue
		}
		id := string(k[:i])
		objects++
		st, err := c.state(id)
		if err != nil || !st.exists {
			ck.add(where(bktObjSorted), k, "object state: %v", err)
		} else {
			for _, e := range []struct {
				all, byType []byte
				entry       objEntry
			}{{bktLast, bktTypeLast, st.last}, {bktFirst, bktTypeFirst, st.first}} {
				allB, typeB := c.last, c.typeLast
				if e.all[0] == bktFirst[0] {
					allB, typeB = c.first, c.typeFirst
				}
				if _, ok := ck.get(allB, daKey(e.entry.da)); !ok {
					ck.add(where(e.all), daKey(e.entry.da), "missing the default %s version of %s", e.all, id)
				}
				if tk := typeKey(e.entry.typ, e.entry.da); !ck.exists(typeB, tk) {
					ck.add(where(e.byType), tk, "missing the default %s version of %s", e.all, id)
				}
			}
		}
		// Jump to the next object.
		end := prefixEnd(prefixKey(id))
		if end == nil {
			break
		}
		k, _ = cur.Seek(end)
	}
	for _, b := range []struct {
		name []byte
		bkt  *bbolt.Bucket
	}{{bktLast, c.last}, {bktFirst, c.first}, {bktTypeLast, c.typeLast}, {bktTypeFirst, c.typeFirst}} {
		if n := b.bkt.Stats().KeyN; n != objects {
			ck.add(where(b.name), nil, "holds %d entries for %d objects", n, objects)
		}
	}
	return nil
}

func (ck *checker) statuses() error {
	b, idx := ck.tx.Bucket(bucketStatuses), ck.tx.Bucket(bucketStatusTime)
	if b == nil || idx == nil {
		return nil
	}
	err := b.ForEach(func(k, v []byte) error {
		s, err := decodeStatus(v)
		if err != nil {
			ck.add("statuses", k, "%v", err)
			return nil
		}
		if s.ID != string(k) {
			ck.add("statuses", k, "record holds id %q", s.ID)
		}
		if idx.Get(statusTimeKey(s)) == nil {
			ck.add("status_time", statusTimeKey(s), "missing expiry entry of status %s", s.ID)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return idx.ForEach(func(k, _ []byte) error {
		if len(k) <= 8 {
			ck.add("status_time", k, "malformed key")
			return nil
		}
		v := b.Get(k[8:])
		if v == nil {
			ck.add("status_time", k, "points to a missing status")
			return nil
		}
		if s, err := decodeStatus(v); err == nil && !bytes.Equal(statusTimeKey(s), k) {
			ck.add("status_time", k, "status %s has another request time", s.ID)
		}
		return nil
	})
}

func (ck *checker) accounts() error {
	b, tokens, colls := ck.tx.Bucket(bucketAccounts), ck.tx.Bucket(bucketTokens), ck.tx.Bucket(bucketCollections)
	if b == nil || tokens == nil || colls == nil {
		return nil
	}
	err := b.ForEach(func(k, v []byte) error {
		a, err := decodeAccount(v)
		if err != nil {
			ck.add("accounts", k, "%v", err)
			return nil
		}
		if a.Name != string(k) {
			ck.add("accounts", k, "record holds name %q", a.Name)
		}
		if err := store.ValidateAccount(a); err != nil {
			ck.add("accounts", k, "%v", err)
		}
		for id := range a.Grants {
			if colls.Get([]byte(id)) == nil {
				ck.add("accounts", k, "grant for collection %s, which does not exist", id)
			}
		}
		for _, t := range a.Tokens {
			if owner := tokens.Get([]byte(t.SHA256)); string(owner) != a.Name {
				ck.add("tokens", nil, "token %s of account %q is indexed to %q", t.ID, a.Name, owner)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return tokens.ForEach(func(k, v []byte) error {
		a, err := getAccount(ck.tx, string(v))
		if err != nil {
			ck.add("tokens", nil, "a token points to account %q: %v", v, err)
			return nil
		}
		for _, t := range a.Tokens {
			if t.SHA256 == string(k) {
				return nil
			}
		}
		ck.add("tokens", nil, "a token points to account %q, which does not hold it", v)
		return nil
	})
}

// typeNumbers checks bucket y (typenums.go): every number in the shortest
// uvarint form, below the count in info, and no two types with one. The
// map it returns holds the numbered types as false (typeKey marks those
// it reported).
func (ck *checker) typeNumbers(c *coll, where func([]byte) string) (map[string]bool, error) {
	var count uint64
	if v := c.info.Get(keyTypeCount); len(v) == 8 {
		count = binary.BigEndian.Uint64(v)
	} else if v != nil {
		ck.add(where(bktInfo), keyTypeCount, "type count has %d bytes, want 8", len(v))
	}
	numbered := map[string]bool{}
	owner := map[uint64]string{}
	err := c.typeNums.ForEach(func(k, v []byte) error {
		if err := ck.tick(); err != nil {
			return err
		}
		n, ok := validTypeNumber(v)
		switch {
		case !ok:
			ck.add(where(bktTypeNums), k, "number %x is malformed", v)
		case n >= count:
			ck.add(where(bktTypeNums), k, "number %d is not below the type count %d", n, count)
		case owner[n] != "":
			ck.add(where(bktTypeNums), k, "number %d is also type %s's", n, owner[n])
		default:
			owner[n] = string(k)
		}
		numbered[string(k)] = false
		return nil
	})
	return numbered, err
}
