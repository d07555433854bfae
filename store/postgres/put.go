package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"time"
	"unicode/utf8"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
)

// validateObject checks an object with the store's rules, plus what
// PostgreSQL text cannot hold (invalid UTF-8).
func validateObject(i int, o stix.Object, version string) error {
	if err := store.ValidateObject(i, o, version); err != nil {
		return err
	}
	if !utf8.ValidString(o.ID) || !utf8.ValidString(o.Type) || !utf8.ValidString(version) || !utf8.ValidString(o.SpecVersion) {
		return fmt.Errorf("object %s: id, type, version or spec_version is not UTF-8: %w", o.ID, store.ErrBadParameter)
	}
	return nil
}

// objEnd is one end (first or last) of an object's default versions.
type objEnd struct {
	da     int64
	verKey []byte
	isNew  bool // added in this call
}

// objState is an object's latest spec group and its first and last
// version in version order.
type objState struct {
	exists      bool
	specKey     []byte
	first, last objEnd
}

// newVersion is a row PutObjects inserts.
type newVersion struct {
	da                     int64
	id, typ, version, spec string
	specKey, verKey        []byte
	json                   []byte
}

// PutObjects is PutObjectsWith with the zero options (keep).
func (db *DB) PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]store.PutResult, error) {
	return db.PutObjectsWith(ctx, collectionID, objs, store.PutOptions{})
}

// PutObjectsWith stores object versions in the collection with this id,
// all in one transaction, with the bbolt backend's semantics: a stored
// (id, version) with JSON-equal content (stix.EqualJSON; equal hashes of
// the bytes first) is Unchanged; with other content it is a conflict,
// settled by opts.OnConflict: keep (Conflict, the stored bytes are kept),
// replace (Replaced: the stored row is deleted, its marks fixed, and the
// incoming version added with a new date_added) or fail (nothing written,
// *store.ConflictError). A new version is Added with a date_added of
// max(now, previous+1µs), unique and strictly increasing within the
// collection. Writers to one collection serialise on the collection's row
// lock, held to commit (see the package doc).
//
// It fails with store.ErrNotFound for an unknown collection and with
// store.ErrBadParameter, naming the object, for a malformed object or an
// unknown policy; nothing is stored then.
func (db *DB) PutObjectsWith(ctx context.Context, collectionID string, objs []stix.Object, opts store.PutOptions) ([]store.PutResult, error) {
	policy, err := store.ParseConflictPolicy(string(opts.OnConflict))
	if err != nil {
		return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
	}
	versions := make([]string, len(objs))
	for i, o := range objs {
		versions[i] = o.Version()
		if err := validateObject(i, o, versions[i]); err != nil {
			return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
		}
	}
	var results []store.PutResult
	var grew bool
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		if policy == store.ConflictReplace {
			results, grew, err = db.putReplacing(ctx, tx, collectionID, objs, versions)
			return err
		}
		results, grew, err = db.putObjects(ctx, tx, collectionID, objs, versions, nil)
		if err != nil || policy != store.ConflictFail {
			return err
		}
		ce := &store.ConflictError{}
		for i, r := range results {
			if r.Outcome == store.Conflict {
				ce.Conflicts = append(ce.Conflicts, store.ConflictDetail{Index: i, PutResult: r})
			}
		}
		if len(ce.Conflicts) > 0 {
			return ce // the transaction is rolled back: nothing written
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
	}
	if grew {
		db.refreshStatistics(ctx)
	}
	return results, nil
}

// putReplacing is putObjects under ConflictReplace, as if the objects
// were stored one after the other. The call is cut into segments where a
// version repeats with content not JSON-equal to its previous
// occurrence; in each segment the stored versions that conflict with
// their first occurrence are deleted (marks fixed, counter lowered; the
// high water stays, so their date_added never comes back), then
// putObjects adds them anew, and their results say Replaced.
func (db *DB) putReplacing(ctx context.Context, tx pgx.Tx, collectionID string, objs []stix.Object, versions []string) ([]store.PutResult, bool, error) {
	type key struct{ id, version string }
	if _, _, _, err := lockCollection(ctx, tx, collectionID); err != nil {
		return nil, false, err // also for an empty call: an unknown collection is ErrNotFound
	}
	results := make([]store.PutResult, 0, len(objs))
	grew := false
	for start := 0; start < len(objs); {
		// The segment ends before a version that repeats with other content.
		seen := make(map[key]int)
		end := start
		for ; end < len(objs); end++ {
			k := key{objs[end].ID, versions[end]}
			if j, ok := seen[k]; ok {
				eq, err := stix.EqualJSON(objs[j].JSON, objs[end].JSON)
				if err != nil {
					return nil, false, fmt.Errorf("object %s version %s: %w", k.id, k.version, err)
				}
				if !eq {
					break
				}
				continue
			}
			seen[k] = end
		}
		num, _, _, err := lockCollection(ctx, tx, collectionID)
		if err != nil {
			return nil, false, err
		}
		var ids, vers []string
		for k := range seen {
			ids, vers = append(ids, k.id), append(vers, k.version)
		}
		rows, err := tx.Query(ctx, `SELECT u.id, u.ver, v.json
			FROM unnest($2::text[], $3::text[]) AS u(id, ver)
			CROSS JOIN LATERAL (SELECT w.json FROM versions w
				WHERE w.coll = $1 AND w.id = u.id AND w.version = u.ver) v`, num, ids, vers)
		if err != nil {
			return nil, false, fmt.Errorf("look up stored versions: %w", err)
		}
		replaced := make(map[key]bool)
		for rows.Next() {
			var k key
			var js []byte
			if err := rows.Scan(&k.id, &k.version, &js); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("look up stored versions: %w", err)
			}
			eq, err := stix.EqualJSON(js, objs[seen[k]].JSON)
			if err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("object %s version %s: compare with the stored version: %w", k.id, k.version, err)
			}
			if !eq {
				replaced[k] = true
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("look up stored versions: %w", err)
		}
		if len(replaced) > 0 {
			var rIDs, rVers []string
			touched := make(map[string]bool)
			for k := range replaced {
				rIDs, rVers = append(rIDs, k.id), append(rVers, k.version)
				touched[k.id] = true
			}
			tag, err := tx.Exec(ctx, `DELETE FROM versions w USING unnest($2::text[], $3::text[]) AS u(id, ver)
				WHERE w.coll = $1 AND w.id = u.id AND w.version = u.ver`, num, rIDs, rVers)
			if err != nil {
				return nil, false, fmt.Errorf("delete replaced versions: %w", err)
			}
			for id := range touched {
				if err := fixMarks(ctx, tx, num, id); err != nil {
					return nil, false, err
				}
			}
			if _, err := tx.Exec(ctx, "UPDATE collections SET version_count = version_count - $2 WHERE num = $1", num, tag.RowsAffected()); err != nil {
				return nil, false, fmt.Errorf("update collection counters: %w", err)
			}
		}
		res, g, err := db.putObjects(ctx, tx, collectionID, objs[start:end], versions[start:end], nil)
		if err != nil {
			return nil, false, err
		}
		for i := range res {
			if k := (key{objs[start+i].ID, versions[start+i]}); replaced[k] && seen[k] == start+i {
				res[i].Outcome, res[i].NewObject = store.Replaced, false
			}
		}
		results = append(results, res...)
		grew = grew || g
		start = end
	}
	return results, grew, nil
}

// refreshStatistics re-samples the versions table after a bulk write
// made its statistics stale (autovacuum may take a minute to notice):
// with stale statistics the planner may probe (id, version) through the
// version index, where one timestamp can be shared by most versions. It
// is an optimisation only: a failure (or a cancelled ctx) leaves the
// statistics to autovacuum and is not the write's failure.
func (db *DB) refreshStatistics(ctx context.Context) {
	if _, err := db.pool.Exec(ctx, "ANALYZE versions"); err != nil {
		return
	}
}

// putObjects does the work of PutObjects inside tx. When keepDA is set
// (herald copy), it gives each new version's date_added instead of
// assigning one; they must be increasing and above the high water.
//
// grew reports a bulk write that grew the collection by a fifth or more:
// time to refresh the planner's statistics.
func (db *DB) putObjects(ctx context.Context, tx pgx.Tx, collectionID string, objs []stix.Object, versions []string, keepDA []int64) (results []store.PutResult, grew bool, err error) {
	num, hw, count, err := lockCollection(ctx, tx, collectionID)
	if err != nil {
		return nil, false, err
	}
	// The clock is read once the lock is held, so date_added is the
	// commit's time even after waiting for another writer.
	next := db.now().UnixMicro()
	if keepDA != nil {
		next = math.MinInt64
	}
	if hw != nil && *hw >= next {
		next = *hw + 1
	}
	results = make([]store.PutResult, len(objs))

	// Which (id, version) pairs are stored already, and with the same bytes?
	type key struct{ id, version string }
	index := make(map[key]int, len(objs)) // first position of each pair
	var qIDs, qVers []string
	for i, o := range objs {
		k := key{o.ID, versions[i]}
		if _, ok := index[k]; ok {
			continue
		}
		index[k] = i
		qIDs, qVers = append(qIDs, o.ID), append(qVers, versions[i])
	}
	type stored struct {
		da   int64
		hash []byte // SHA-256 of the stored bytes
		json []byte // the stored bytes, read only when an incoming hash differs
	}
	existing := make(map[key]stored)
	if len(qIDs) > 0 {
		// One unique-index probe per pair (LATERAL): a join would let a
		// generic plan walk the version index, where one modified
		// timestamp may be shared by most of the collection.
		rows, err := tx.Query(ctx, `SELECT u.id, u.ver, v.da, sha256(v.json)
			FROM unnest($2::text[], $3::text[]) AS u(id, ver)
			CROSS JOIN LATERAL (SELECT w.da, w.json FROM versions w
				WHERE w.coll = $1 AND w.id = u.id AND w.version = u.ver) v`, num, qIDs, qVers)
		if err != nil {
			return nil, false, fmt.Errorf("look up stored versions: %w", err)
		}
		for rows.Next() {
			var k key
			var s stored
			if err := rows.Scan(&k.id, &k.version, &s.da, &s.hash); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("look up stored versions: %w", err)
			}
			existing[k] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("look up stored versions: %w", err)
		}
	}
	// Incoming bytes that differ from the stored ones may still be the
	// same JSON value (another key order, white space, escapes or number
	// spelling): read those stored versions to compare as JSON.
	var dIDs, dVers []string
	asked := make(map[key]bool)
	for i, o := range objs {
		k := key{o.ID, versions[i]}
		s, ok := existing[k]
		if !ok || asked[k] {
			continue
		}
		if h := sha256.Sum256(o.JSON); !bytes.Equal(h[:], s.hash) {
			asked[k] = true
			dIDs, dVers = append(dIDs, k.id), append(dVers, k.version)
		}
	}
	if len(dIDs) > 0 {
		rows, err := tx.Query(ctx, `SELECT u.id, u.ver, v.json
			FROM unnest($2::text[], $3::text[]) AS u(id, ver)
			CROSS JOIN LATERAL (SELECT w.json FROM versions w
				WHERE w.coll = $1 AND w.id = u.id AND w.version = u.ver) v`, num, dIDs, dVers)
		if err != nil {
			return nil, false, fmt.Errorf("read stored versions: %w", err)
		}
		for rows.Next() {
			var k key
			var js []byte
			if err := rows.Scan(&k.id, &k.version, &js); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("read stored versions: %w", err)
			}
			s := existing[k]
			s.json = js
			existing[k] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("read stored versions: %w", err)
		}
	}

	// The current default first/last of every object that gets a new version.
	states := make(map[string]*objState)
	var touched []string
	for i, o := range objs {
		if _, ok := existing[key{o.ID, versions[i]}]; ok {
			continue
		}
		if _, ok := states[o.ID]; !ok {
			states[o.ID] = &objState{}
			touched = append(touched, o.ID)
		}
	}
	before := make(map[string]objState, len(touched))
	if len(touched) > 0 {
		rows, err := tx.Query(ctx, `SELECT u.id, v.da, v.spec_key, v.ver_key, v.is_first, v.is_last
			FROM unnest($2::text[]) AS u(id)
			CROSS JOIN LATERAL (SELECT w.da, w.spec_key, w.ver_key, w.is_first, w.is_last FROM versions w
				WHERE w.coll = $1 AND w.id = u.id AND (w.is_first OR w.is_last)) v`, num, touched)
		if err != nil {
			return nil, false, fmt.Errorf("read object states: %w", err)
		}
		for rows.Next() {
			var id string
			var e objEnd
			var sk []byte
			var isFirst, isLast bool
			if err := rows.Scan(&id, &e.da, &sk, &e.verKey, &isFirst, &isLast); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("read object states: %w", err)
			}
			st := states[id]
			st.exists, st.specKey = true, sk
			if isFirst {
				st.first = e
			}
			if isLast {
				st.last = e
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("read object states: %w", err)
		}
		for id, st := range states {
			before[id] = *st
		}
	}

	type pending struct {
		da   int64
		json []byte
	}
	added := make(map[key]pending)
	seenNew := make(map[string]bool)
	var rows []newVersion
	for i, o := range objs {
		if i%1024 == 1023 {
			if err := ctx.Err(); err != nil {
				return nil, false, err
			}
		}
		k := key{o.ID, versions[i]}
		res := store.PutResult{ID: o.ID, Version: versions[i]}
		if p, ok := added[k]; ok {
			res.DateAdded = time.UnixMicro(p.da).UTC()
			eq, err := stix.EqualJSON(p.json, o.JSON)
			if err != nil {
				return nil, false, fmt.Errorf("object %s version %s: %w", o.ID, versions[i], err)
			}
			res.Outcome = store.Conflict
			if eq {
				res.Outcome = store.Unchanged
			}
			results[i] = res
			continue
		}
		if s, ok := existing[k]; ok {
			res.DateAdded = time.UnixMicro(s.da).UTC()
			res.Outcome = store.Unchanged
			if h := sha256.Sum256(o.JSON); !bytes.Equal(h[:], s.hash) {
				eq, err := stix.EqualJSON(s.json, o.JSON)
				if err != nil {
					return nil, false, fmt.Errorf("object %s version %s: compare with the stored version: %w", o.ID, versions[i], err)
				}
				if !eq {
					res.Outcome = store.Conflict
				}
			}
			results[i] = res
			continue
		}
		da := next
		if keepDA != nil {
			da = keepDA[i]
			if da < next {
				return nil, false, fmt.Errorf("object %s version %s: date_added %d is not after the collection's last %d: %w",
					o.ID, versions[i], da, next-1, store.ErrBadParameter)
			}
		}
		next = da + 1
		spec := o.EffectiveSpecVersion()
		nv := newVersion{da: da, id: o.ID, typ: o.Type, version: versions[i], spec: spec,
			specKey: specKey(spec), verKey: verKey(versions[i], da), json: o.JSON}
		rows = append(rows, nv)
		added[k] = pending{da: da, json: o.JSON}

		st := states[o.ID]
		res.NewObject = !st.exists && !seenNew[o.ID]
		seenNew[o.ID] = true
		end := objEnd{da: da, verKey: nv.verKey, isNew: true}
		switch c := bytes.Compare(nv.specKey, st.specKey); {
		case !st.exists || c > 0:
			st.exists, st.specKey = true, nv.specKey
			st.first, st.last = end, end
		case c == 0:
			if bytes.Compare(nv.verKey, st.first.verKey) < 0 {
				st.first = end
			}
			if bytes.Compare(nv.verKey, st.last.verKey) > 0 {
				st.last = end
			}
		}
		res.Outcome = store.Added
		res.DateAdded = time.UnixMicro(da).UTC()
		results[i] = res
	}
	if len(rows) == 0 {
		return results, false, nil
	}

	// Old rows that stop being an object's first or last.
	unFirst, unLast := []int64{}, []int64{} // not nil: pgx sends nil as NULL
	for id, st := range states {
		b := before[id]
		if !b.exists {
			continue
		}
		if st.first.da != b.first.da {
			unFirst = append(unFirst, b.first.da)
		}
		if st.last.da != b.last.da {
			unLast = append(unLast, b.last.da)
		}
	}
	if len(unFirst)+len(unLast) > 0 {
		_, err := tx.Exec(ctx, `UPDATE versions SET is_first = is_first AND NOT (da = ANY($2::bigint[])),
			is_last = is_last AND NOT (da = ANY($3::bigint[]))
			WHERE coll = $1 AND da = ANY($2::bigint[] || $3::bigint[])`, num, unFirst, unLast)
		if err != nil {
			return nil, false, fmt.Errorf("move first/last marks: %w", err)
		}
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"versions"},
		[]string{"coll", "da", "id", "type", "version", "spec", "spec_key", "ver_key", "is_first", "is_last", "json"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			r := rows[i]
			st := states[r.id]
			return []any{num, r.da, r.id, r.typ, r.version, r.spec, r.specKey, r.verKey,
				st.first.isNew && st.first.da == r.da, st.last.isNew && st.last.da == r.da, r.json}, nil
		}))
	if err != nil {
		return nil, false, fmt.Errorf("write versions: %w", err)
	}
	_, err = tx.Exec(ctx, "UPDATE collections SET high_water = $2, version_count = version_count + $3 WHERE num = $1",
		num, next-1, len(rows))
	if err != nil {
		return nil, false, fmt.Errorf("update collection counters: %w", err)
	}
	return results, len(rows) >= 1000 && int64(len(rows))*5 >= count, nil
}
