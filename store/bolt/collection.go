package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

// collectionJSON is how a Collection is stored. The tags keep the file
// format independent of the Go field names.
type collectionJSON struct {
	ID          string    `json:"id"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Alias       string    `json:"alias,omitempty"`
	MediaTypes  []string  `json:"media_types"`
	PublicRead  bool      `json:"public_read,omitempty"`
	OnConflict  string    `json:"on_conflict,omitempty"`
	Created     time.Time `json:"created"`
}

func encodeCollection(c store.Collection) ([]byte, error) {
	return json.Marshal(collectionJSON{ID: c.ID, Title: c.Title, Description: c.Description,
		Alias: c.Alias, MediaTypes: c.MediaTypes, PublicRead: c.PublicRead,
		OnConflict: string(c.OnConflict), Created: c.Created})
}

func decodeCollection(b []byte) (store.Collection, error) {
	var c collectionJSON
	if err := json.Unmarshal(b, &c); err != nil {
		return store.Collection{}, fmt.Errorf("decode collection: %w", err)
	}
	// A collection stored before on_conflict existed keeps the default.
	policy := store.ConflictPolicy(c.OnConflict)
	if policy == "" {
		policy = store.ConflictKeep
	}
	return store.Collection{ID: c.ID, Title: c.Title, Description: c.Description,
		Alias: c.Alias, MediaTypes: c.MediaTypes, PublicRead: c.PublicRead,
		OnConflict: policy, Created: c.Created}, nil
}

// CreateCollection stores a new collection and returns it with its ID (a
// new UUIDv4) and Created set. Titles and aliases share one namespace (a
// reference is resolved as id, then title or alias), so a title or alias
// that another collection uses as title or alias gives store.ErrExists. An empty
// title or an alias shaped like a UUID gives store.ErrBadParameter.
func (db *DB) CreateCollection(ctx context.Context, c store.Collection) (store.Collection, error) {
	if err := store.ValidateCollection(&c); err != nil {
		return store.Collection{}, err
	}
	c.ID = uuid.New().String()
	c.Created = db.now().UTC()
	err := db.update(ctx, func(tx *bbolt.Tx) error {
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
		return store.Collection{}, fmt.Errorf("create collection %q: %w", c.Title, err)
	}
	return c, nil
}

func createCollectionBuckets(tx *bbolt.Tx, id string) error {
	cb, err := tx.Bucket(bucketObjects).CreateBucket([]byte(id))
	if err != nil {
		return fmt.Errorf("create objects bucket: %w", err)
	}
	for _, name := range collBuckets {
		if _, err := cb.CreateBucket(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// claimNames releases old's title and alias and takes c's, failing with
// store.ErrExists when another collection holds one of them.
func claimNames(tx *bbolt.Tx, c, old store.Collection) error {
	names := tx.Bucket(bucketNames)
	for _, n := range []string{c.Title, c.Alias} {
		if n == "" {
			continue
		}
		if owner := names.Get([]byte(n)); owner != nil && string(owner) != c.ID {
			return fmt.Errorf("title or alias %q is used by collection %s: %w", n, owner, store.ErrExists)
		}
		if tx.Bucket(bucketCollections).Get([]byte(n)) != nil && n != c.ID {
			return fmt.Errorf("title or alias %q is the id of another collection: %w", n, store.ErrExists)
		}
	}
	for _, n := range []string{old.Title, old.Alias} {
		if n != "" && n != c.Title && n != c.Alias {
			if err := names.Delete([]byte(n)); err != nil {
				return err
			}
		}
	}
	for _, n := range []string{c.Title, c.Alias} {
		if n != "" {
			if err := names.Put([]byte(n), []byte(c.ID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// UpdateCollection replaces the title, description, alias, media types and
// public-read flag of the collection with c.ID; Created is kept. It fails
// with store.ErrNotFound for an unknown id, store.ErrExists for a title or alias that
// another collection uses, store.ErrBadParameter like CreateCollection.
func (db *DB) UpdateCollection(ctx context.Context, c store.Collection) (store.Collection, error) {
	if err := store.ValidateCollection(&c); err != nil {
		return store.Collection{}, err
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		old, err := getCollection(tx, c.ID)
		if err != nil {
			return err
		}
		c.Created = old.Created
		if err := claimNames(tx, c, old); err != nil {
			return err
		}
		v, err := encodeCollection(c)
		if err != nil {
			return err
		}
		return tx.Bucket(bucketCollections).Put([]byte(c.ID), v)
	})
	if err != nil {
		return store.Collection{}, fmt.Errorf("update collection %s: %w", c.ID, err)
	}
	return c, nil
}

// Collections lists every collection, ordered by id (TAXII asks for a
// stable order; the interop profile asks for id order).
func (db *DB) Collections(ctx context.Context) ([]store.Collection, error) {
	var out []store.Collection
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketCollections).ForEach(func(k, v []byte) error {
			c, err := decodeCollection(v)
			if err != nil {
				return fmt.Errorf("collection %s: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	return out, nil
}

// Collection finds a collection by id, title or alias (in that order of
// precedence). It fails with store.ErrNotFound.
//
// Records are cached until the next write transaction ends (collcache.go);
// the MediaTypes slice of a cached record is shared: do not modify it.
func (db *DB) Collection(ctx context.Context, ref string) (store.Collection, error) {
	if err := ctx.Err(); err != nil {
		return store.Collection{}, fmt.Errorf("collection %q: %w", ref, err)
	}
	c, gen, ok := db.cachedCollection(ref)
	if ok {
		return c, nil
	}
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		id := ref
		if tx.Bucket(bucketCollections).Get([]byte(ref)) == nil {
			owner := tx.Bucket(bucketNames).Get([]byte(ref))
			if owner == nil {
				return store.ErrNotFound
			}
			id = string(owner)
		}
		var err error
		c, err = getCollection(tx, id)
		return err
	})
	if err != nil {
		return store.Collection{}, fmt.Errorf("collection %q: %w", ref, err)
	}
	db.cacheCollection(ref, gen, c)
	return c, nil
}

func getCollection(tx *bbolt.Tx, id string) (store.Collection, error) {
	v := tx.Bucket(bucketCollections).Get([]byte(id))
	if v == nil {
		return store.Collection{}, store.ErrNotFound
	}
	return decodeCollection(v)
}

// DeleteCollection removes the collection with this id, all its object
// versions and every account's grant for it. It fails with store.ErrNotFound.
func (db *DB) DeleteCollection(ctx context.Context, id string) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		c, err := getCollection(tx, id)
		if err != nil {
			return err
		}
		if err := claimNames(tx, store.Collection{ID: id}, c); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCollections).Delete([]byte(id)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketObjects).DeleteBucket([]byte(id)); err != nil {
			return fmt.Errorf("delete objects: %w", err)
		}
		return dropGrants(tx, id)
	})
	if err != nil {
		return fmt.Errorf("delete collection %s: %w", id, err)
	}
	return nil
}

// collectionBucket returns the objects bucket of a collection, or
// store.ErrNotFound.
func collectionBucket(tx *bbolt.Tx, id string) (*bbolt.Bucket, error) {
	b := tx.Bucket(bucketObjects).Bucket([]byte(id))
	if b == nil || tx.Bucket(bucketCollections).Get([]byte(id)) == nil {
		return nil, fmt.Errorf("collection %s: %w", id, store.ErrNotFound)
	}
	return b, nil
}
