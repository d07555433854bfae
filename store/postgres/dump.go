package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
)

// Dump hands over the whole database from one REPEATABLE READ snapshot
// (see store.Dumper). Versions stream from the server; memory stays flat.
func (db *DB) Dump(ctx context.Context, fn func(store.DumpItem) error) error {
	err := pgx.BeginTxFunc(ctx, db.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		return dumpTx(ctx, tx, fn)
	})
	if err != nil {
		return fmt.Errorf("dump %s: %w", db.name, err)
	}
	return nil
}

func dumpTx(ctx context.Context, tx pgx.Tx, fn func(store.DumpItem) error) error {
	var secret []byte
	if err := tx.QueryRow(ctx, "SELECT value FROM herald_settings WHERE name = 'token_secret'").Scan(&secret); err != nil {
		return fmt.Errorf("token secret: %w", err)
	}
	if err := fn(store.DumpItem{TokenSecret: secret}); err != nil {
		return err
	}
	rows, err := tx.Query(ctx, "SELECT c.num, "+collectionColumns+` FROM collections c ORDER BY c.id COLLATE "C"`)
	if err != nil {
		return fmt.Errorf("collections: %w", err)
	}
	type numbered struct {
		num int64
		c   store.Collection
	}
	colls, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (numbered, error) {
		var x numbered
		var created int64
		var onConflict string
		err := r.Scan(&x.num, &x.c.ID, &x.c.Title, &x.c.Description, &x.c.Alias, &x.c.MediaTypes, &x.c.PublicRead, &created, &onConflict)
		x.c.Created = time.Unix(0, created).UTC()
		x.c.OnConflict = store.ConflictPolicy(onConflict)
		return x, err
	})
	if err != nil {
		return fmt.Errorf("collections: %w", err)
	}
	for _, x := range colls {
		c := x.c
		if err := fn(store.DumpItem{Collection: &c}); err != nil {
			return err
		}
		if err := dumpVersions(ctx, tx, x.num, fn); err != nil {
			return fmt.Errorf("versions of %s: %w", c.ID, err)
		}
	}
	rows, err = tx.Query(ctx, "SELECT body FROM statuses ORDER BY id COLLATE \"C\"")
	if err != nil {
		return fmt.Errorf("statuses: %w", err)
	}
	bodies, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return fmt.Errorf("statuses: %w", err)
	}
	for _, b := range bodies {
		s, err := decodeStatus(b)
		if err != nil {
			return err
		}
		if err := fn(store.DumpItem{Status: &s}); err != nil {
			return err
		}
	}
	accounts, err := readAccounts(ctx, tx, "true", nil)
	if err != nil {
		return fmt.Errorf("accounts: %w", err)
	}
	for i := range accounts {
		if err := fn(store.DumpItem{Account: &accounts[i]}); err != nil {
			return err
		}
	}
	rows, err = tx.Query(ctx, `SELECT key, value FROM herald_kv ORDER BY key COLLATE "C"`)
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	metas, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.MetaValue, error) {
		var m store.MetaValue
		err := r.Scan(&m.Key, &m.Value)
		if m.Value == nil {
			m.Value = []byte{}
		}
		return m, err
	})
	if err != nil {
		return fmt.Errorf("meta: %w", err)
	}
	for i := range metas {
		if err := fn(store.DumpItem{Meta: &metas[i]}); err != nil {
			return err
		}
	}
	return nil
}

// dumpVersions streams a collection's versions in date_added order.
func dumpVersions(ctx context.Context, tx pgx.Tx, num int64, fn func(store.DumpItem) error) error {
	rows, err := tx.Query(ctx, "SELECT da, id, type, version, spec, json FROM versions WHERE coll = $1 ORDER BY da", num)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r store.Record
		var da int64
		if err := rows.Scan(&da, &r.ID, &r.Type, &r.Version, &r.SpecVersion, &r.JSON); err != nil {
			return err
		}
		r.DateAdded = time.UnixMicro(da).UTC()
		r.MediaType = mediaType(r.SpecVersion)
		if err := fn(store.DumpItem{Version: &r}); err != nil {
			return err
		}
	}
	return rows.Err()
}

// LoadCollection stores c with its ID and Created as given (see
// store.Loader).
func (db *DB) LoadCollection(ctx context.Context, c store.Collection) error {
	if err := validateCollection(&c); err != nil {
		return err
	}
	if c.ID == "" || !isText(c.ID) {
		return fmt.Errorf("load collection %q: empty id: %w", c.Title, store.ErrBadParameter)
	}
	return db.insertCollection(ctx, c)
}

// LoadVersions stores versions with the date_added given (see
// store.Loader).
func (db *DB) LoadVersions(ctx context.Context, collectionID string, vs []store.Record) error {
	objs := make([]stix.Object, len(vs))
	versions := make([]string, len(vs))
	das := make([]int64, len(vs))
	for i, r := range vs {
		objs[i] = stix.Object{ID: r.ID, Type: r.Type, SpecVersion: r.SpecVersion, JSON: r.JSON}
		versions[i] = r.Version
		das[i] = r.DateAdded.UnixMicro()
		if r.SpecVersion == "" {
			return fmt.Errorf("load versions in %s: object %s: empty spec version: %w", collectionID, r.ID, store.ErrBadParameter)
		}
		if err := validateObject(i, objs[i], versions[i]); err != nil {
			return fmt.Errorf("load versions in %s: %w", collectionID, err)
		}
	}
	var grew bool
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		results, g, err := db.putObjects(ctx, tx, collectionID, objs, versions, das)
		if err != nil {
			return err
		}
		grew = g
		for _, r := range results {
			if r.Outcome != store.Added {
				return fmt.Errorf("object %s version %s is already stored: %w", r.ID, r.Version, store.ErrExists)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load versions in %s: %w", collectionID, err)
	}
	if grew {
		db.refreshStatistics(ctx)
	}
	return nil
}
