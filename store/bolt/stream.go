package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

// ObjectsTo is Objects without copying: it walks exactly the page that
// Objects would return for the same query (same filters, same order, same
// More and Next: it is the same walk) and calls emit with each version,
// in ascending date_added, while the read transaction is open. It exists
// for the TAXII objects endpoints, which copy each version's JSON straight
// into the response buffer: no Record, string or JSON copy per version.
//
// emit must copy what it needs: the slices of RawVersion are valid only
// until emit returns (see RawVersion). emit runs inside a bbolt read
// transaction, so it must be quick and must not call db: a write that has
// to grow the file waits for every open read transaction, and one started
// from emit would wait for itself.
//
// An error from emit stops the walk at once; ObjectsTo returns it
// (wrapped, errors.Is works) with a zero PageInfo, and the caller must
// discard whatever emit collected. The errors are otherwise those of
// Objects: store.ErrNotFound for an unknown collection, store.ErrBadParameter for a
// malformed q, ctx's error when it is done.
func (db *DB) ObjectsTo(ctx context.Context, collectionID string, q store.Query, emit func(store.RawVersion) error) (store.PageInfo, error) {
	if emit == nil {
		return store.PageInfo{}, fmt.Errorf("query objects in %s: nil emit function: %w", collectionID, store.ErrBadParameter)
	}
	p, err := parseQuery(q, db.maxPageSize)
	if err != nil {
		return store.PageInfo{}, err
	}
	var info store.PageInfo
	err = db.view(ctx, func(tx *bbolt.Tx) error {
		c, err := openCollFor(tx, collectionID, p)
		if err != nil {
			return err
		}
		info, err = c.walk(ctx, p, func(da int64, r storedRecord) error {
			v := store.RawVersion{DateAdded: store.Position(da), ID: r.id, Type: r.typ, Version: r.version, SpecVersion: r.spec}
			if !p.noBytes {
				v.JSON = r.json
			}
			return emit(v)
		})
		return err
	})
	if err != nil {
		return store.PageInfo{}, fmt.Errorf("query objects in %s: %w", collectionID, err)
	}
	return info, nil
}
