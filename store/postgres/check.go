package postgres

import (
	"bytes"
	"context"
	"fmt"
	"strconv"

	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
)

// maxProblems caps the report of one Check.
const maxProblems = 1000

type checker struct {
	problems []store.CheckProblem
}

// add records a problem about subject (in the data model's terms),
// found where detail says (table and row).
func (ck *checker) add(subject, detail, format string, args ...any) {
	if len(ck.problems) == maxProblems {
		ck.problems = append(ck.problems, store.CheckProblem{Subject: "database", Reason: "too many problems; the rest are not listed"})
	}
	if len(ck.problems) > maxProblems {
		return
	}
	ck.problems = append(ck.problems, store.CheckProblem{Subject: subject, Detail: detail, Reason: fmt.Sprintf(format, args...)})
}

// Check verifies the database in one REPEATABLE READ snapshot (it runs
// alongside readers and writers): the schema version and the secret;
// for every collection, its names, its version counter and high water,
// the ordering keys of every version and that every object has exactly
// one default first and one default last version, the right ones; that
// statuses decode; that accounts are valid. It returns the problems
// found (none for a healthy database); the error is for failures to run
// the check at all.
func (db *DB) Check(ctx context.Context) ([]store.CheckProblem, error) {
	ck := &checker{}
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		for _, step := range []func(context.Context, pgx.Tx) error{ck.meta, ck.collections, ck.versions, ck.statuses, ck.accounts} {
			if err := step(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", db.name, err)
	}
	return ck.problems, nil
}

func (ck *checker) meta(ctx context.Context, tx pgx.Tx) error {
	var v int
	if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM herald_schema").Scan(&v); err != nil {
		return err
	}
	if v != SchemaVersion() {
		ck.add("database", "table herald_schema", "schema version %d, want %d", v, SchemaVersion())
	}
	var secret []byte
	err := tx.QueryRow(ctx, "SELECT value FROM herald_settings WHERE name = 'token_secret'").Scan(&secret)
	if err != nil && err != pgx.ErrNoRows {
		return err
	}
	if len(secret) != 32 {
		ck.add("database", "table herald_settings, row token_secret", "token secret has %d bytes, want 32", len(secret))
	}
	return nil
}

func (ck *checker) collections(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT c.id, c.title, c.alias, c.version_count, c.high_water,
			(SELECT count(*) FROM versions v WHERE v.coll = c.num),
			(SELECT max(da) FROM versions v WHERE v.coll = c.num),
			(SELECT array_agg(name ORDER BY name) FROM collection_names n WHERE n.num = c.num)
		FROM collections c ORDER BY c.id`)
	if err != nil {
		return err
	}
	type row struct {
		id, title, alias string
		count, actual    int64
		hw, maxDA        *int64
		names            []string
	}
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (row, error) {
		var x row
		err := r.Scan(&x.id, &x.title, &x.alias, &x.count, &x.hw, &x.actual, &x.maxDA, &x.names)
		return x, err
	})
	if err != nil {
		return err
	}
	for _, c := range all {
		if c.count != c.actual {
			ck.add("collection "+c.id, "table collections, column version_count", "version counter %d, but %d versions are stored", c.count, c.actual)
		}
		if c.maxDA != nil && (c.hw == nil || *c.hw < *c.maxDA) {
			ck.add("collection "+c.id, "table collections, column high_water", "high water is below the newest date_added %d", *c.maxDA)
		}
		want := map[string]bool{c.title: true}
		if c.alias != "" {
			want[c.alias] = true
		}
		if len(c.names) != len(want) {
			ck.add("collection "+c.id, "table collection_names", "names %q, want title %q and alias %q", c.names, c.title, c.alias)
			continue
		}
		for _, n := range c.names {
			if !want[n] {
				ck.add("collection "+c.id, "table collection_names", "name %q is neither title nor alias", n)
			}
		}
	}
	var orphans int64
	if err := tx.QueryRow(ctx, "SELECT count(*) FROM versions v WHERE NOT EXISTS (SELECT 1 FROM collections c WHERE c.num = v.coll)").Scan(&orphans); err != nil {
		return err
	}
	if orphans > 0 {
		ck.add("database", "table versions", "%d versions belong to no collection", orphans)
	}
	return nil
}

// versions streams every version in (collection, object, spec, version)
// order and checks its keys and the first/last marks of each object.
func (ck *checker) versions(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, `SELECT c.id, v.da, v.id, v.version, v.spec, v.spec_key, v.ver_key, v.is_first, v.is_last
		FROM versions v JOIN collections c ON c.num = v.coll ORDER BY v.coll, v.id, v.spec_key, v.ver_key`)
	if err != nil {
		return err
	}
	defer rows.Close()
	type ver struct {
		da              int64
		isFirst, isLast bool
		specKey         []byte
	}
	var curColl, curID string
	var group []ver
	flush := func() {
		if len(group) == 0 {
			return
		}
		latest := group[len(group)-1].specKey
		start := len(group) - 1
		for start > 0 && bytes.Equal(group[start-1].specKey, latest) {
			start--
		}
		for i, v := range group {
			key := strconv.FormatInt(v.da, 10)
			if wantFirst := i == start; v.isFirst != wantFirst {
				ck.add("object "+curID+" in collection "+curColl, "table versions, date_added "+key, "first mark is %v, want %v", v.isFirst, wantFirst)
			}
			if wantLast := i == len(group)-1; v.isLast != wantLast {
				ck.add("object "+curID+" in collection "+curColl, "table versions, date_added "+key, "last mark is %v, want %v", v.isLast, wantLast)
			}
		}
		group = group[:0]
	}
	n := 0
	for rows.Next() {
		var coll, id, version, spec string
		var v ver
		var vk []byte
		if err := rows.Scan(&coll, &v.da, &id, &version, &spec, &v.specKey, &vk, &v.isFirst, &v.isLast); err != nil {
			return err
		}
		if coll != curColl || id != curID {
			flush()
			curColl, curID = coll, id
		}
		if !bytes.Equal(v.specKey, specKey(spec)) {
			ck.add("object "+id+" in collection "+coll, "table versions, date_added "+strconv.FormatInt(v.da, 10), "spec key does not match spec version %q", spec)
		}
		if !bytes.Equal(vk, verKey(version, v.da)) {
			ck.add("object "+id+" in collection "+coll, "table versions, date_added "+strconv.FormatInt(v.da, 10), "version key does not match version %q", version)
		}
		group = append(group, v)
		if n++; n%8192 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	flush()
	return nil
}

func (ck *checker) statuses(ctx context.Context, tx pgx.Tx) error {
	rows, err := tx.Query(ctx, "SELECT id, request_us, body FROM statuses")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var us int64
		var body []byte
		if err := rows.Scan(&id, &us, &body); err != nil {
			return err
		}
		s, err := decodeStatus(body)
		if err != nil {
			ck.add("status "+id, "table statuses", "%v", err)
			continue
		}
		if s.ID != id {
			ck.add("status "+id, "table statuses", "holds status %q", s.ID)
		}
		if s.RequestTime.UnixMicro() != us {
			ck.add("status "+id, "table statuses, column request_us", "request time index %d, status says %d", us, s.RequestTime.UnixMicro())
		}
	}
	return rows.Err()
}

func (ck *checker) accounts(ctx context.Context, tx pgx.Tx) error {
	as, err := readAccounts(ctx, tx, "true", nil)
	if err != nil {
		return err
	}
	for _, a := range as {
		if err := validateAccount(a); err != nil {
			ck.add(fmt.Sprintf("account %q", a.Name), "table accounts", "%v", err)
		}
	}
	return nil
}
