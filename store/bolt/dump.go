package bolt

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"go.etcd.io/bbolt"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

var (
	_ store.Dumper = (*DB)(nil)
	_ store.Loader = (*DB)(nil)
)

// Dump hands over the whole database from one read transaction (see
// store.Dumper). fn runs inside the transaction; it must not use db.
func (db *DB) Dump(ctx context.Context, fn func(store.DumpItem) error) error {
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		secret := bytes.Clone(tx.Bucket(bucketMeta).Get(keyTokenSecret))
		if err := fn(store.DumpItem{TokenSecret: secret}); err != nil {
			return err
		}
		var ids []string
		if err := tx.Bucket(bucketCollections).ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		}); err != nil {
			return err
		}
		for _, id := range ids {
			c, err := getCollection(tx, id)
			if err != nil {
				return fmt.Errorf("collection %s: %w", id, err)
			}
			if err := fn(store.DumpItem{Collection: &c}); err != nil {
				return err
			}
			cb, err := openColl(tx, id)
			if err != nil {
				return err
			}
			var names interner
			cur := cb.versions.Cursor()
			n := 0
			for k, v := cur.First(); k != nil; k, v = cur.Next() {
				if len(k) != 8 {
					return fmt.Errorf("collection %s: version key of %d bytes: %w", id, len(k), errCorrupt)
				}
				r, err := decodeRecord(v)
				if err != nil {
					return fmt.Errorf("collection %s: version at %d: %w", id, daValue(k), err)
				}
				rec := r.toRecord(daValue(k), true, &names)
				if err := fn(store.DumpItem{Version: &rec}); err != nil {
					return err
				}
				if n++; n%4096 == 0 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
			}
		}
		if err := tx.Bucket(bucketStatuses).ForEach(func(k, v []byte) error {
			s, err := decodeStatus(v)
			if err != nil {
				return fmt.Errorf("status %s: %w", k, err)
			}
			return fn(store.DumpItem{Status: &s})
		}); err != nil {
			return err
		}
		if err := tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
			a, err := decodeAccount(v)
			if err != nil {
				return fmt.Errorf("account %q: %w", k, err)
			}
			return fn(store.DumpItem{Account: &a})
		}); err != nil {
			return err
		}
		return tx.Bucket(bucketKV).ForEach(func(k, v []byte) error {
			return fn(store.DumpItem{Meta: &store.MetaValue{Key: string(k), Value: append([]byte{}, v...)}})
		})
	})
	if err != nil {
		return fmt.Errorf("dump %s: %w", db.path, err)
	}
	return nil
}

// LoadCollection stores c with its ID and Created as given (see
// store.Loader).
func (db *DB) LoadCollection(ctx context.Context, c store.Collection) error {
	if err := store.ValidateCollection(&c); err != nil {
		return err
	}
	if c.ID == "" || len(c.ID) > store.MaxKeyPart {
		return fmt.Errorf("load collection %q: bad id: %w", c.Title, store.ErrBadParameter)
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketCollections).Get([]byte(c.ID)) != nil {
			return fmt.Errorf("collection id %s is taken: %w", c.ID, store.ErrExists)
		}
		if err := claimNames(tx, c, store.Collection{}); err != nil {
			return err
		}
		v, err := encodeCollection(c)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketCollections).Put([]byte(c.ID), v); err != nil {
			return err
		}
		return createCollectionBuckets(tx, c.ID)
	})
	if err != nil {
		return fmt.Errorf("load collection %q: %w", c.Title, err)
	}
	return nil
}

// LoadVersions stores versions with the date_added given (see
// store.Loader), in one write transaction: each run of consecutive
// date_added values is one batch of the ordinary writer, started at the
// run's first value.
func (db *DB) LoadVersions(ctx context.Context, collectionID string, vs []store.Record) error {
	for i, r := range vs {
		o := stix.Object{ID: r.ID, Type: r.Type, SpecVersion: r.SpecVersion, JSON: r.JSON}
		if r.SpecVersion == "" {
			return fmt.Errorf("load versions in %s: object %s: empty spec version: %w", collectionID, r.ID, store.ErrBadParameter)
		}
		if err := store.ValidateObject(i, o, r.Version); err != nil {
			return fmt.Errorf("load versions in %s: %w", collectionID, err)
		}
		if i > 0 && r.DateAdded.UnixMicro() <= vs[i-1].DateAdded.UnixMicro() {
			return fmt.Errorf("load versions in %s: date_added of %s is not after the previous one: %w", collectionID, r.ID, store.ErrBadParameter)
		}
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		c, err := openColl(tx, collectionID)
		if err != nil {
			return err
		}
		for start := 0; start < len(vs); {
			end := start + 1
			for end < len(vs) && vs[end].DateAdded.UnixMicro() == vs[end-1].DateAdded.UnixMicro()+1 {
				end++
			}
			first := vs[start].DateAdded.UnixMicro()
			w := newPutWriter(c, first)
			if w.next != first {
				return fmt.Errorf("date_added %s is not after the collection's last: %w", vs[start].DateAdded.Format(time.RFC3339Nano), store.ErrBadParameter)
			}
			for _, r := range vs[start:end] {
				res, err := w.add(stix.Object{ID: r.ID, Type: r.Type, SpecVersion: r.SpecVersion, JSON: r.JSON}, r.Version)
				if err != nil {
					return fmt.Errorf("object %s version %s: %w", r.ID, r.Version, err)
				}
				if res.Outcome != store.Added {
					return fmt.Errorf("object %s version %s is already stored: %w", r.ID, r.Version, store.ErrExists)
				}
			}
			if err := w.flush(); err != nil {
				return err
			}
			start = end
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("load versions in %s: %w", collectionID, err)
	}
	return nil
}

// SetTokenSecret replaces the token-signing secret (see store.Loader).
func (db *DB) SetTokenSecret(ctx context.Context, secret []byte) error {
	if len(secret) != 32 {
		return fmt.Errorf("set token secret: %d bytes, want 32: %w", len(secret), store.ErrBadParameter)
	}
	v := bytes.Clone(secret)
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keyTokenSecret, v)
	})
	if err != nil {
		return fmt.Errorf("set token secret: %w", err)
	}
	return nil
}
