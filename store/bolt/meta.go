package bolt

import (
	"context"
	"fmt"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

// TokenSecret is the database's 32-byte random secret, created with the
// file and never changed, for signing pagination tokens: tokens stay valid
// across restarts and cannot be forged without the file.
func (db *DB) TokenSecret(ctx context.Context) ([]byte, error) {
	var secret []byte
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get(keyTokenSecret)
		if len(v) != 32 {
			return fmt.Errorf("stored secret has %d bytes, want 32: %w", len(v), errCorrupt)
		}
		secret = append([]byte(nil), v...)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("token secret: %w", err)
	}
	return secret, nil
}

// Meta returns the value stored under key by SetMeta, or nil (and no
// error) when there is none. It is a small key/value space for the
// command line (for example which collection holds the built-in feed).
func (db *DB) Meta(ctx context.Context, key string) ([]byte, error) {
	var out []byte
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		if v := tx.Bucket(bucketKV).Get([]byte(key)); v != nil {
			out = append([]byte{}, v...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("meta %q: %w", key, err)
	}
	return out, nil
}

// SetMeta stores value under key; a nil value deletes the key. An empty or
// over-long key gives store.ErrBadParameter.
func (db *DB) SetMeta(ctx context.Context, key string, value []byte) error {
	if key == "" || len(key) > store.MaxKeyPart {
		return fmt.Errorf("set meta: bad key %q: %w", key, store.ErrBadParameter)
	}
	v := append([]byte{}, value...)
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		b := tx.Bucket(bucketKV)
		if value == nil {
			return b.Delete([]byte(key))
		}
		return b.Put([]byte(key), v)
	})
	if err != nil {
		return fmt.Errorf("set meta %q: %w", key, err)
	}
	return nil
}
