package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
)

// validateCollection normalises and checks c with the store's rules,
// plus what PostgreSQL text cannot hold (NUL).
func validateCollection(c *store.Collection) error {
	if err := store.ValidateCollection(c); err != nil {
		return err
	}
	if !isText(c.Description) {
		return fmt.Errorf("collection %q: description is not UTF-8 text: %w", c.Title, store.ErrBadParameter)
	}
	for _, m := range c.MediaTypes {
		if !isText(m) {
			return fmt.Errorf("collection %q: media type %q is not UTF-8 text: %w", c.Title, m, store.ErrBadParameter)
		}
	}
	return nil
}

const collectionColumns = "c.id, c.title, c.description, c.alias, c.media_types, c.public_read, c.created_ns, c.on_conflict"

// scanCollection scans collectionColumns, after the columns that lead
// selects into (e.g. the content stamp).
func scanCollection(row pgx.Row, lead ...any) (store.Collection, error) {
	var c store.Collection
	var created int64
	var onConflict string
	err := row.Scan(append(lead, &c.ID, &c.Title, &c.Description, &c.Alias, &c.MediaTypes, &c.PublicRead, &created, &onConflict)...)
	c.Created = time.Unix(0, created).UTC()
	c.OnConflict = store.ConflictPolicy(onConflict)
	return c, err
}

// CreateCollection stores a new collection and returns it with its ID
// (a new UUIDv4) and Created set. Titles and aliases share one namespace
// with each other and with collection ids: a taken one gives
// store.ErrExists; an empty title or a UUID-shaped alias gives
// store.ErrBadParameter.
func (db *DB) CreateCollection(ctx context.Context, c store.Collection) (store.Collection, error) {
	if err := validateCollection(&c); err != nil {
		return store.Collection{}, err
	}
	c.ID = uuid.New().String()
	c.Created = db.now().UTC()
	if err := db.insertCollection(ctx, c); err != nil {
		return store.Collection{}, err
	}
	return c, nil
}

// insertCollection stores c with its id and creation time as given
// (CreateCollection, and herald copy, which keeps them).
func (db *DB) insertCollection(ctx context.Context, c store.Collection) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var num int64
		err := tx.QueryRow(ctx, `INSERT INTO collections (id, title, description, alias, media_types, public_read, created_ns, on_conflict)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING num`,
			c.ID, c.Title, c.Description, c.Alias, c.MediaTypes, c.PublicRead, c.Created.UnixNano(), string(c.OnConflict)).Scan(&num)
		if err != nil {
			if isUniqueViolation(err) {
				return fmt.Errorf("collection id %s is taken: %w", c.ID, store.ErrExists)
			}
			return err
		}
		return claimNames(ctx, tx, num, c, store.Collection{})
	})
	if err != nil {
		return fmt.Errorf("create collection %q: %w", c.Title, err)
	}
	return nil
}

// claimNames releases old's title and alias and takes c's, failing with
// store.ErrExists when another collection holds one of them.
func claimNames(ctx context.Context, tx pgx.Tx, num int64, c, old store.Collection) error {
	for _, n := range []string{c.Title, c.Alias} {
		if n == "" {
			continue
		}
		var owner string
		err := tx.QueryRow(ctx, `SELECT c.id FROM collection_names n JOIN collections c ON c.num = n.num
			WHERE n.name = $1 AND n.num <> $2`, n, num).Scan(&owner)
		if err == nil {
			return fmt.Errorf("title or alias %q is used by collection %s: %w", n, owner, store.ErrExists)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		var taken bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM collections WHERE id = $1 AND num <> $2)", n, num).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("title or alias %q is the id of another collection: %w", n, store.ErrExists)
		}
	}
	for _, n := range []string{old.Title, old.Alias} {
		if n != "" && n != c.Title && n != c.Alias {
			if _, err := tx.Exec(ctx, "DELETE FROM collection_names WHERE name = $1 AND num = $2", n, num); err != nil {
				return err
			}
		}
	}
	for _, n := range []string{c.Title, c.Alias} {
		if n == "" {
			continue
		}
		_, err := tx.Exec(ctx, "INSERT INTO collection_names (name, num) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING", n, num)
		if err != nil {
			return err
		}
		var owner int64
		if err := tx.QueryRow(ctx, "SELECT num FROM collection_names WHERE name = $1", n).Scan(&owner); err != nil {
			return err
		}
		if owner != num {
			return fmt.Errorf("title or alias %q is used by another collection: %w", n, store.ErrExists)
		}
	}
	return nil
}

// UpdateCollection replaces the title, description, alias, media types
// and public-read flag of the collection with c.ID; Created is kept. It
// fails with store.ErrNotFound, store.ErrExists or store.ErrBadParameter.
func (db *DB) UpdateCollection(ctx context.Context, c store.Collection) (store.Collection, error) {
	if err := validateCollection(&c); err != nil {
		return store.Collection{}, err
	}
	if !isText(c.ID) {
		return store.Collection{}, fmt.Errorf("update collection %s: %w", c.ID, store.ErrNotFound)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var num int64
		row := tx.QueryRow(ctx, "SELECT c.num, "+collectionColumns+" FROM collections c WHERE c.id = $1 FOR UPDATE", c.ID)
		var old store.Collection
		var created int64
		var oldPolicy string
		err := row.Scan(&num, &old.ID, &old.Title, &old.Description, &old.Alias, &old.MediaTypes, &old.PublicRead, &created, &oldPolicy)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		c.Created = time.Unix(0, created).UTC()
		if err := claimNames(ctx, tx, num, c, old); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE collections SET title = $2, description = $3, alias = $4, media_types = $5, public_read = $6,
			on_conflict = $7 WHERE num = $1`, num, c.Title, c.Description, c.Alias, c.MediaTypes, c.PublicRead, string(c.OnConflict))
		return err
	})
	if err != nil {
		return store.Collection{}, fmt.Errorf("update collection %s: %w", c.ID, err)
	}
	return c, nil
}

// Collections lists every collection, ordered by id (byte order).
func (db *DB) Collections(ctx context.Context) ([]store.Collection, error) {
	rows, err := db.pool.Query(ctx, "SELECT "+collectionColumns+` FROM collections c ORDER BY c.id COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Collection, error) { return scanCollection(r) })
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	return out, nil
}

// Collection finds a collection by id, title or alias (in that order of
// precedence). It fails with store.ErrNotFound. Calls share reads of the
// collections table that begin after they are made (snapshot.go).
func (db *DB) Collection(ctx context.Context, ref string) (store.Collection, error) {
	c, _, _, err := db.StampedCollection(ctx, ref)
	return c, err
}

// DeleteCollection removes the collection with this id, all its object
// versions and every account's grant for it. It fails with
// store.ErrNotFound.
func (db *DB) DeleteCollection(ctx context.Context, id string) error {
	if !isText(id) {
		return fmt.Errorf("delete collection %s: %w", id, store.ErrNotFound)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var num int64
		err := tx.QueryRow(ctx, "SELECT num FROM collections WHERE id = $1 FOR UPDATE", id).Scan(&num)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM versions WHERE coll = $1", num); err != nil {
			return fmt.Errorf("delete objects: %w", err)
		}
		// Names and grants go with the row (ON DELETE CASCADE).
		_, err = tx.Exec(ctx, "DELETE FROM collections WHERE num = $1", num)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete collection %s: %w", id, err)
	}
	return nil
}

// lockCollection takes the collection's row lock for the rest of tx
// (writers to one collection serialise on it; see the package doc), gives
// the collection a new content stamp (ContentStamp), and returns its
// internal number, high-water date_added and version count. Every writer of
// a collection's versions calls it, so the stamp moves in the transaction
// that changes them. The UPDATE takes the same row lock as SELECT … FOR
// UPDATE would against every other writer.
func lockCollection(ctx context.Context, tx pgx.Tx, id string) (num int64, hw *int64, count int64, err error) {
	if !isText(id) {
		return 0, nil, 0, fmt.Errorf("collection %s: %w", id, store.ErrNotFound)
	}
	err = tx.QueryRow(ctx, `UPDATE collections SET content_stamp = nextval('content_stamps') WHERE id = $1
		RETURNING num, high_water, version_count`, id).Scan(&num, &hw, &count)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil, 0, fmt.Errorf("collection %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return 0, nil, 0, fmt.Errorf("lock collection %s: %w", id, err)
	}
	return num, hw, count, nil
}

// collectionNum resolves a collection id to its internal number.
func (db *DB) collectionNum(ctx context.Context, q querier, id string) (int64, error) {
	if !isText(id) {
		return 0, fmt.Errorf("collection %s: %w", id, store.ErrNotFound)
	}
	var num int64
	err := q.QueryRow(ctx, "SELECT num FROM collections WHERE id = $1", id).Scan(&num)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("collection %s: %w", id, store.ErrNotFound)
	}
	return num, err
}

// ContentStamp implements store.ContentStamper: the collection's stamp,
// which lockCollection moves in every transaction that writes its versions,
// read as Collection reads records (a shared read begun after the call;
// snapshot.go).
// A query that starts after this read sees every write committed before
// it; as long as the stamp read is the same, no write has committed since.
// Several replicas share it: a write acknowledged by any of them is seen
// by the next read on every other. ok is always true: the stamp moves
// atomically with the commit, so no write is ever half visible.
func (db *DB) ContentStamp(ctx context.Context, collectionID string) (uint64, bool, error) {
	if !isText(collectionID) {
		return 0, false, fmt.Errorf("collection %s: %w", collectionID, store.ErrNotFound)
	}
	snap, err := db.snaps.get(ctx)
	if err != nil {
		return 0, false, fmt.Errorf("content stamp of %s: %w", collectionID, err)
	}
	if snap != nil {
		e, ok := snap.byID[collectionID]
		if !ok {
			return 0, false, fmt.Errorf("collection %s: %w", collectionID, store.ErrNotFound)
		}
		return e.stamp, true, nil
	}
	var stamp int64
	err = db.pool.QueryRow(ctx, "SELECT content_stamp FROM collections WHERE id = $1", collectionID).Scan(&stamp)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, false, fmt.Errorf("collection %s: %w", collectionID, store.ErrNotFound)
	}
	if err != nil {
		return 0, false, fmt.Errorf("content stamp of %s: %w", collectionID, err)
	}
	return uint64(stamp), true, nil
}

// StampedCollection implements store.ContentStamper: the record and the
// stamp from one shared read of the collections table (snapshot.go), or
// from one query of their own when there are too many collections to
// share reads.
func (db *DB) StampedCollection(ctx context.Context, ref string) (store.Collection, uint64, bool, error) {
	if !isText(ref) {
		return store.Collection{}, 0, false, fmt.Errorf("collection %q: %w", ref, store.ErrNotFound)
	}
	snap, err := db.snaps.get(ctx)
	if err != nil {
		return store.Collection{}, 0, false, fmt.Errorf("collection %q: %w", ref, err)
	}
	if snap != nil {
		e, ok := snap.lookup(ref)
		if !ok {
			return store.Collection{}, 0, false, fmt.Errorf("collection %q: %w", ref, store.ErrNotFound)
		}
		return e.c, e.stamp, true, nil
	}
	var stamp int64
	row := db.pool.QueryRow(ctx, "SELECT c.content_stamp, "+collectionColumns+` FROM (
			SELECT num, 0 AS pref FROM collections WHERE id = $1
			UNION ALL SELECT num, 1 FROM collection_names WHERE name = $1
		) r JOIN collections c ON c.num = r.num ORDER BY r.pref LIMIT 1`, ref)
	c, err := scanCollection(row, &stamp)
	if errors.Is(err, pgx.ErrNoRows) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Collection{}, 0, false, fmt.Errorf("collection %q: %w", ref, err)
	}
	return c, uint64(stamp), true, nil
}
