package postgres

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
)

// DeleteObject removes versions of one object from a collection and
// returns how many it removed, with the bbolt backend's semantics: with
// no versions and no specVersions every version goes; otherwise exactly
// the versions the same filters select in Objects with IDs=[objectID]
// (match[version] defaulting to "all"). The first/last marks are fixed in
// the same transaction, which holds the collection's row lock. It fails
// with store.ErrNotFound when the collection does not exist or holds no
// version of the object, and store.ErrBadParameter for malformed filters.
func (db *DB) DeleteObject(ctx context.Context, collectionID, objectID string, versions, specVersions []string) (int, error) {
	if objectID == "" {
		return 0, fmt.Errorf("delete object: empty object id: %w", store.ErrBadParameter)
	}
	everything := len(versions) == 0 && len(specVersions) == 0
	if len(versions) == 0 {
		versions = []string{store.VersionAll}
	}
	p, err := parseQuery(store.Query{IDs: []string{objectID}, Versions: versions, SpecVersions: specVersions}, 1)
	if err != nil {
		return 0, fmt.Errorf("delete object %s: %w", objectID, err)
	}
	if err := p.checkUTF8(); err != nil {
		return 0, fmt.Errorf("delete object %s: %w", objectID, err)
	}
	n := 0
	err = pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		num, _, _, err := lockCollection(ctx, tx, collectionID)
		if err != nil {
			return err
		}
		if !isText(objectID) {
			return fmt.Errorf("object %s: %w", objectID, store.ErrNotFound)
		}
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM versions WHERE coll = $1 AND id = $2)", num, objectID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("object %s: %w", objectID, store.ErrNotFound)
		}
		b := &sqlBuilder{}
		numArg := b.arg(num)
		cond := "true"
		if !everything {
			cand, match := p.conditions(b)
			cond = "(" + cand + ")"
			if match != "" {
				cond += " AND (" + match + ")"
			}
		}
		idArg := b.arg(objectID)
		tag, err := tx.Exec(ctx, "DELETE FROM versions v WHERE v.coll = "+numArg+" AND v.id = "+idArg+" AND "+cond, b.args...)
		if err != nil {
			return fmt.Errorf("delete versions: %w", err)
		}
		n = int(tag.RowsAffected())
		if n == 0 {
			return nil
		}
		if err := fixMarks(ctx, tx, num, objectID); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE collections SET version_count = version_count - $2 WHERE num = $1", num, n)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("delete object %s in %s: %w", objectID, collectionID, err)
	}
	return n, nil
}

// fixMarks recomputes an object's default first and last version (in
// its latest spec group) and moves the marks.
func fixMarks(ctx context.Context, tx pgx.Tx, num int64, id string) error {
	_, err := tx.Exec(ctx, `WITH g AS (
			SELECT spec_key AS sk FROM versions WHERE coll = $1 AND id = $2 ORDER BY spec_key DESC LIMIT 1
		), f AS (
			SELECT v.da FROM versions v, g WHERE v.coll = $1 AND v.id = $2 AND v.spec_key = g.sk ORDER BY v.ver_key LIMIT 1
		), l AS (
			SELECT v.da FROM versions v, g WHERE v.coll = $1 AND v.id = $2 AND v.spec_key = g.sk ORDER BY v.ver_key DESC LIMIT 1
		)
		UPDATE versions v SET is_first = v.da IS NOT DISTINCT FROM (SELECT da FROM f),
			is_last = v.da IS NOT DISTINCT FROM (SELECT da FROM l)
		WHERE v.coll = $1 AND v.id = $2
			AND (v.is_first OR v.is_last OR v.da = (SELECT da FROM f) OR v.da = (SELECT da FROM l))`, num, id)
	if err != nil {
		return fmt.Errorf("move first/last marks of %s: %w", id, err)
	}
	return nil
}

// checkUTF8 rejects filter values that are not UTF-8: PostgreSQL text
// cannot hold them, and no stored id, type or version can equal one.
func (p plan) checkUTF8() error {
	for _, list := range [][]string{p.ids, p.types, p.explicit, p.specs} {
		for _, s := range list {
			if !utf8.ValidString(s) {
				return fmt.Errorf("query: %q is not UTF-8: %w", s, store.ErrBadParameter)
			}
		}
	}
	return nil
}
