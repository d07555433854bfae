package bolt

import (
	"github.com/heraldcti/herald/store/internal/statusjson"

	"context"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

// encodeStatus and decodeStatus use the stored form every backend shares.
func encodeStatus(s store.Status) ([]byte, error) { return statusjson.Encode(s) }

func decodeStatus(b []byte) (store.Status, error) { return statusjson.Decode(b) }

// statusTimeKey is the key of bucket status_time: request time (µs, da8
// encoding) then the status id, so a purge walks only expired statuses.
func statusTimeKey(s store.Status) []byte {
	return append(daKey(s.RequestTime.UnixMicro()), s.ID...)
}

// PutStatus stores or replaces the status with s.ID (a pending status is
// later replaced by its complete version). An empty id, a status other
// than "complete" or "pending", a zero request time or negative counts
// give store.ErrBadParameter.
func (db *DB) PutStatus(ctx context.Context, s store.Status) error {
	if err := store.ValidateStatus(s); err != nil {
		return err
	}
	v, err := encodeStatus(s)
	if err != nil {
		return fmt.Errorf("put status %s: %w", s.ID, err)
	}
	err = db.updateStatuses(ctx, func(tx *bbolt.Tx) error {
		b, idx := tx.Bucket(bucketStatuses), tx.Bucket(bucketStatusTime)
		if old := b.Get([]byte(s.ID)); old != nil {
			prev, err := decodeStatus(old)
			if err != nil {
				return err
			}
			if err := idx.Delete(statusTimeKey(prev)); err != nil {
				return err
			}
		}
		if err := b.Put([]byte(s.ID), v); err != nil {
			return err
		}
		return idx.Put(statusTimeKey(s), nil)
	})
	if err != nil {
		return fmt.Errorf("put status %s: %w", s.ID, err)
	}
	return nil
}

// Status returns the status with this id, or store.ErrNotFound.
func (db *DB) Status(ctx context.Context, id string) (store.Status, error) {
	var s store.Status
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketStatuses).Get([]byte(id))
		if v == nil {
			return store.ErrNotFound
		}
		var err error
		s, err = decodeStatus(v)
		return err
	})
	if err != nil {
		return store.Status{}, fmt.Errorf("status %s: %w", id, err)
	}
	return s, nil
}

// PurgeStatuses deletes the statuses whose request time is before the
// given time and returns how many it deleted. It only visits expired
// statuses.
func (db *DB) PurgeStatuses(ctx context.Context, before time.Time) (int, error) {
	n := 0
	err := db.updateStatuses(ctx, func(tx *bbolt.Tx) error {
		b, idx := tx.Bucket(bucketStatuses), tx.Bucket(bucketStatusTime)
		bound := daKey(microsAfter(before) - 1) // keys < bound: request time < before
		var expired [][]byte
		c := idx.Cursor()
		for k, _ := c.First(); k != nil && string(k[:min(8, len(k))]) < string(bound); k, _ = c.Next() {
			expired = append(expired, append([]byte(nil), k...))
		}
		for _, k := range expired {
			if err := idx.Delete(k); err != nil {
				return err
			}
			if len(k) > 8 {
				if err := b.Delete(k[8:]); err != nil {
					return err
				}
			}
		}
		n = len(expired)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("purge statuses: %w", err)
	}
	return n, nil
}
