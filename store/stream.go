package store

import (
	"context"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// RawVersion is one stored object version as ObjectsTo hands it to its
// callback.
//
// THE BYTE SLICES POINT INTO THE DATABASE'S MEMORY MAP AND ARE VALID ONLY
// DURING THE CALLBACK. Copy what must outlive it (append it to a buffer,
// string(...) it); never keep a slice, never write to one. Keeping one is
// a use-after-free that no test may catch: the memory is remapped when
// the file grows, and bbolt may reuse the page after a later write.
type RawVersion struct {
	// DateAdded is the version's date_added (µs since the epoch, unique
	// and increasing within the collection).
	DateAdded Position
	// ID, Type, Version and SpecVersion are as in Record.
	ID, Type, Version, SpecVersion []byte
	// JSON is the stored JSON of the version, exactly as received; nil
	// when Query.NoBytes.
	JSON []byte
}

// PageInfo describes the page that ObjectsTo streamed. More and Next mean
// what they mean in Page.
type PageInfo struct {
	// Count is the number of versions handed to the callback.
	Count int
	// First and Last are the date_added of the first and last version
	// handed to the callback; zero when Count is 0.
	First, Last Position
	// More reports that versions matching the query remain after Next.
	More bool
	// Next is where the following page starts (Query.After).
	Next Position
}

// Time is the position as a UTC time (the date_added it stands for).
func (p Position) Time() time.Time { return time.UnixMicro(int64(p)).UTC() }

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
// Objects: ErrNotFound for an unknown collection, ErrBadParameter for a
// malformed q, ctx's error when it is done.
func (db *DB) ObjectsTo(ctx context.Context, collectionID string, q Query, emit func(RawVersion) error) (PageInfo, error) {
	if emit == nil {
		return PageInfo{}, fmt.Errorf("query objects in %s: nil emit function: %w", collectionID, ErrBadParameter)
	}
	p, err := parseQuery(q, db.maxPageSize)
	if err != nil {
		return PageInfo{}, err
	}
	var info PageInfo
	err = db.view(ctx, func(tx *bolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		info, err = c.walk(ctx, p, func(da int64, r storedRecord) error {
			v := RawVersion{DateAdded: Position(da), ID: r.id, Type: r.typ, Version: r.version, SpecVersion: r.spec}
			if !p.noBytes {
				v.JSON = r.json
			}
			return emit(v)
		})
		return err
	})
	if err != nil {
		return PageInfo{}, fmt.Errorf("query objects in %s: %w", collectionID, err)
	}
	return info, nil
}
