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

// PutObjects stores object versions in the collection with this id, all
// in one transaction, with the bbolt backend's semantics: a stored
// (id, version) with the same bytes is Unchanged, with other bytes a
// Conflict (the stored bytes are kept); a new version is Added with a
// date_added of max(now, previous+1µs), unique and strictly increasing
// within the collection. Writers to one collection serialise on the
// collection's row lock, held to commit (see the package doc).
//
// It fails with store.ErrNotFound for an unknown collection and with
// store.ErrBadParameter, naming the object, for a malformed object;
// nothing is stored then.
func (db *DB) PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]store.PutResult, error) {
	versions := make([]string, len(objs))
	for i, o := range objs {
		versions[i] = o.Version()
		if err := validateObject(i, o, versions[i]); err != nil {
			return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
		}
	}
	var results []store.PutResult
	var grew bool
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var err error
		results, grew, err = db.putObjects(ctx, tx, collectionID, objs, versions, nil)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("put objects in %s: %w", collectionID, err)
	}
	if grew {
		db.refreshStatistics(ctx)
	}
	return results, nil
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
			res.Outcome = store.Conflict
			if bytes.Equal(p.json, o.JSON) {
				res.Outcome = store.Unchanged
			}
			results[i] = res
			continue
		}
		if s, ok := existing[k]; ok {
			res.DateAdded = time.UnixMicro(s.da).UTC()
			res.Outcome = store.Conflict
			if h := sha256.Sum256(o.JSON); bytes.Equal(h[:], s.hash) {
				res.Outcome = store.Unchanged
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
