package bolt

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
)

type grantJSON struct {
	Read  bool `json:"read,omitempty"`
	Write bool `json:"write,omitempty"`
}

type tokenJSON struct {
	ID      string    `json:"id"`
	SHA256  string    `json:"sha256"`
	Created time.Time `json:"created"`
}

type accountJSON struct {
	Name         string               `json:"name"`
	PasswordHash string               `json:"password_hash,omitempty"`
	Admin        bool                 `json:"admin,omitempty"`
	Grants       map[string]grantJSON `json:"grants,omitempty"`
	Tokens       []tokenJSON          `json:"tokens,omitempty"`
	Created      time.Time            `json:"created"`
}

func encodeAccount(a store.Account) ([]byte, error) {
	j := accountJSON{Name: a.Name, PasswordHash: a.PasswordHash, Admin: a.Admin, Created: a.Created.UTC()}
	if len(a.Grants) > 0 {
		j.Grants = make(map[string]grantJSON, len(a.Grants))
		for id, g := range a.Grants {
			j.Grants[id] = grantJSON(g)
		}
	}
	for _, t := range a.Tokens {
		j.Tokens = append(j.Tokens, tokenJSON{ID: t.ID, SHA256: t.SHA256, Created: t.Created.UTC()})
	}
	return json.Marshal(j)
}

func decodeAccount(b []byte) (store.Account, error) {
	var j accountJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return store.Account{}, fmt.Errorf("decode account: %w", err)
	}
	a := store.Account{Name: j.Name, PasswordHash: j.PasswordHash, Admin: j.Admin, Created: j.Created}
	if len(j.Grants) > 0 {
		a.Grants = make(map[string]store.Grant, len(j.Grants))
		for id, g := range j.Grants {
			a.Grants[id] = store.Grant(g)
		}
	}
	for _, t := range j.Tokens {
		a.Tokens = append(a.Tokens, store.APIToken(t))
	}
	return a, nil
}

// writeAccount stores a (validated) account, replacing old (nil when new):
// it checks that granted collections exist and that no other account holds
// one of its tokens, and keeps the token index in step.
func writeAccount(tx *bbolt.Tx, a store.Account, old *store.Account) error {
	for id := range a.Grants {
		if tx.Bucket(bucketCollections).Get([]byte(id)) == nil {
			return fmt.Errorf("account %q: grant for unknown collection %q: %w", a.Name, id, store.ErrBadParameter)
		}
	}
	tokens := tx.Bucket(bucketTokens)
	if old != nil {
		for _, t := range old.Tokens {
			if err := tokens.Delete([]byte(t.SHA256)); err != nil {
				return err
			}
		}
	}
	for _, t := range a.Tokens {
		if owner := tokens.Get([]byte(t.SHA256)); owner != nil {
			return fmt.Errorf("account %q: token %s belongs to account %q: %w", a.Name, t.ID, owner, store.ErrExists)
		}
		if err := tokens.Put([]byte(t.SHA256), []byte(a.Name)); err != nil {
			return err
		}
	}
	v, err := encodeAccount(a)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketAccounts).Put([]byte(a.Name), v)
}

// CreateAccount stores a new account. Created is set to now when zero.
// It fails with store.ErrExists when the name (or one of its tokens) is taken,
// store.ErrBadParameter for an empty or malformed name, a password hash that is
// not from HashPassword (an empty hash is allowed: no password login), a
// malformed token or a grant for an unknown collection.
func (db *DB) CreateAccount(ctx context.Context, a store.Account) error {
	if err := store.ValidateAccount(a); err != nil {
		return err
	}
	if a.Created.IsZero() {
		a.Created = db.now().UTC()
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		if tx.Bucket(bucketAccounts).Get([]byte(a.Name)) != nil {
			return store.ErrExists
		}
		return writeAccount(tx, a, nil)
	})
	if err != nil {
		return fmt.Errorf("create account %q: %w", a.Name, err)
	}
	return nil
}

// PutAccount replaces the stored account of the same name (password,
// admin flag, grants, tokens). It fails with store.ErrNotFound when there is no
// such account, store.ErrLastAdmin when it would demote the only admin,
// otherwise like CreateAccount. A zero Created keeps the stored one.
func (db *DB) PutAccount(ctx context.Context, a store.Account) error {
	if err := store.ValidateAccount(a); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		v := tx.Bucket(bucketAccounts).Get([]byte(a.Name))
		if v == nil {
			return store.ErrNotFound
		}
		old, err := decodeAccount(v)
		if err != nil {
			return err
		}
		if a.Created.IsZero() {
			a.Created = old.Created
		}
		if old.Admin && !a.Admin {
			if err := keepAnAdmin(tx, old.Name); err != nil {
				return err
			}
		}
		return writeAccount(tx, a, &old)
	})
	if err != nil {
		return fmt.Errorf("put account %q: %w", a.Name, err)
	}
	return nil
}

// Account returns the account with this name, or store.ErrNotFound.
func (db *DB) Account(ctx context.Context, name string) (store.Account, error) {
	var a store.Account
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		a, err = getAccount(tx, name)
		return err
	})
	if err != nil {
		return store.Account{}, fmt.Errorf("account %q: %w", name, err)
	}
	return a, nil
}

func getAccount(tx *bbolt.Tx, name string) (store.Account, error) {
	v := tx.Bucket(bucketAccounts).Get([]byte(name))
	if v == nil {
		return store.Account{}, store.ErrNotFound
	}
	return decodeAccount(v)
}

// Accounts lists every account, ordered by name.
func (db *DB) Accounts(ctx context.Context) ([]store.Account, error) {
	var out []store.Account
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		return tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
			a, err := decodeAccount(v)
			if err != nil {
				return fmt.Errorf("account %q: %w", k, err)
			}
			out = append(out, a)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// DeleteAccount removes an account and its tokens. It fails with
// store.ErrNotFound, or store.ErrLastAdmin when the account is the only admin.
func (db *DB) DeleteAccount(ctx context.Context, name string) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		a, err := getAccount(tx, name)
		if err != nil {
			return err
		}
		if a.Admin {
			if err := keepAnAdmin(tx, name); err != nil {
				return err
			}
		}
		for _, t := range a.Tokens {
			if err := tx.Bucket(bucketTokens).Delete([]byte(t.SHA256)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketAccounts).Delete([]byte(name))
	})
	if err != nil {
		return fmt.Errorf("delete account %q: %w", name, err)
	}
	return nil
}

// AccountByToken finds the account that holds the bearer token with this
// SHA-256 (lower-case hex) through an index, or fails with store.ErrNotFound.
func (db *DB) AccountByToken(ctx context.Context, sha256hex string) (store.Account, error) {
	var a store.Account
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		name := tx.Bucket(bucketTokens).Get([]byte(sha256hex))
		if name == nil {
			return store.ErrNotFound
		}
		var err error
		a, err = getAccount(tx, string(name))
		return err
	})
	if err != nil {
		// The token is a credential: never echo it.
		return store.Account{}, fmt.Errorf("account by token: %w", err)
	}
	return a, nil
}

// dropGrants removes every account's grant for a deleted collection, so
// that a collection created later can never inherit them.
func dropGrants(tx *bbolt.Tx, collectionID string) error {
	b := tx.Bucket(bucketAccounts)
	var changed []store.Account
	err := b.ForEach(func(k, v []byte) error {
		a, err := decodeAccount(v)
		if err != nil {
			return fmt.Errorf("account %q: %w", k, err)
		}
		if _, ok := a.Grants[collectionID]; ok {
			delete(a.Grants, collectionID)
			changed = append(changed, a)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, a := range changed {
		v, err := encodeAccount(a)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(a.Name), v); err != nil {
			return err
		}
	}
	return nil
}

// keepAnAdmin fails with store.ErrLastAdmin unless an admin account other than
// name exists. It runs in the write transaction that removes or demotes
// name, and bbolt has one writer at a time, so two such writes can never
// both see the other's admin.
func keepAnAdmin(tx *bbolt.Tx, name string) error {
	c := tx.Bucket(bucketAccounts).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if string(k) == name {
			continue
		}
		a, err := decodeAccount(v)
		if err != nil {
			return fmt.Errorf("account %q: %w", k, err)
		}
		if a.Admin {
			return nil
		}
	}
	return fmt.Errorf("%w; create another admin first", store.ErrLastAdmin)
}

// modifyAccount reads an account, lets edit change it and writes it back,
// all in one write transaction. edit works on a copy; an error from it
// aborts the transaction.
func (db *DB) modifyAccount(ctx context.Context, op, name string, edit func(tx *bbolt.Tx, a *store.Account) error) error {
	err := db.update(ctx, func(tx *bbolt.Tx) error {
		old, err := getAccount(tx, name)
		if err != nil {
			return err
		}
		a, err := decodeAccount(tx.Bucket(bucketAccounts).Get([]byte(name)))
		if err != nil {
			return err
		}
		if err := edit(tx, &a); err != nil {
			return err
		}
		if err := store.ValidateAccount(a); err != nil {
			return err
		}
		if old.Admin && !a.Admin {
			if err := keepAnAdmin(tx, name); err != nil {
				return err
			}
		}
		return writeAccount(tx, a, &old)
	})
	if err != nil {
		return fmt.Errorf("%s of account %q: %w", op, name, err)
	}
	return nil
}

// SetPasswordHash replaces an account's password hash ("" removes password
// login). It fails with store.ErrNotFound, or store.ErrBadParameter for a hash that
// HashPassword did not make.
func (db *DB) SetPasswordHash(ctx context.Context, name, hash string) error {
	if err := store.ValidatePasswordHash(hash); err != nil {
		return fmt.Errorf("set password of account %q: %w", name, err)
	}
	return db.modifyAccount(ctx, "set password", name, func(_ *bbolt.Tx, a *store.Account) error {
		a.PasswordHash = hash
		return nil
	})
}

// SetAdmin sets or clears an account's admin flag. It fails with
// store.ErrNotFound, or store.ErrLastAdmin when it would demote the only admin.
func (db *DB) SetAdmin(ctx context.Context, name string, admin bool) error {
	return db.modifyAccount(ctx, "set admin flag", name, func(_ *bbolt.Tx, a *store.Account) error {
		a.Admin = admin
		return nil
	})
}

// SetGrant sets an account's access to the collection with this id; a
// zero Grant removes it. It fails with store.ErrNotFound when the account or the
// collection does not exist.
func (db *DB) SetGrant(ctx context.Context, name, collectionID string, g store.Grant) error {
	return db.modifyAccount(ctx, "set grant", name, func(tx *bbolt.Tx, a *store.Account) error {
		if tx.Bucket(bucketCollections).Get([]byte(collectionID)) == nil {
			return fmt.Errorf("collection %q: %w", collectionID, store.ErrNotFound)
		}
		if g == (store.Grant{}) {
			delete(a.Grants, collectionID)
			return nil
		}
		if a.Grants == nil {
			a.Grants = make(map[string]store.Grant)
		}
		a.Grants[collectionID] = g
		return nil
	})
}

// AddToken adds a bearer token to an account (Created set to now when
// zero). It fails with store.ErrNotFound for an unknown account, store.ErrExists when
// the token is held (by any account) or its id is taken in this account,
// store.ErrBadParameter for a malformed token.
func (db *DB) AddToken(ctx context.Context, name string, t store.APIToken) error {
	if err := store.ValidateToken(t); err != nil {
		return fmt.Errorf("add token to account %q: %w", name, err)
	}
	if t.Created.IsZero() {
		t.Created = db.now().UTC()
	}
	return db.modifyAccount(ctx, "add token", name, func(tx *bbolt.Tx, a *store.Account) error {
		for _, old := range a.Tokens {
			if old.ID == t.ID || old.SHA256 == t.SHA256 {
				return fmt.Errorf("token %s: %w", t.ID, store.ErrExists)
			}
		}
		a.Tokens = append(a.Tokens, t)
		return nil
	})
}

// DeleteToken removes the token with this id from an account. It fails
// with store.ErrNotFound when the account or the token does not exist.
func (db *DB) DeleteToken(ctx context.Context, name, tokenID string) error {
	return db.modifyAccount(ctx, "delete token", name, func(_ *bbolt.Tx, a *store.Account) error {
		kept := make([]store.APIToken, 0, len(a.Tokens))
		for _, t := range a.Tokens {
			if t.ID != tokenID {
				kept = append(kept, t)
			}
		}
		if len(kept) == len(a.Tokens) {
			return fmt.Errorf("token %q: %w", tokenID, store.ErrNotFound)
		}
		a.Tokens = kept
		return nil
	})
}
