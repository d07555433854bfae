package store

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
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

func encodeAccount(a Account) ([]byte, error) {
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

func decodeAccount(b []byte) (Account, error) {
	var j accountJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return Account{}, fmt.Errorf("decode account: %w", err)
	}
	a := Account{Name: j.Name, PasswordHash: j.PasswordHash, Admin: j.Admin, Created: j.Created}
	if len(j.Grants) > 0 {
		a.Grants = make(map[string]Grant, len(j.Grants))
		for id, g := range j.Grants {
			a.Grants[id] = Grant(g)
		}
	}
	for _, t := range j.Tokens {
		a.Tokens = append(a.Tokens, APIToken(t))
	}
	return a, nil
}

// validateAccount checks the fields an account must have; grants and
// token uniqueness are checked against the database in writeAccount.
func validateAccount(a Account) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("account %q: %s: %w", a.Name, fmt.Sprintf(format, args...), ErrBadParameter)
	}
	if strings.TrimSpace(a.Name) != a.Name || a.Name == "" {
		return bad("name is empty or has leading or trailing space")
	}
	if err := checkName("account name", a.Name); err != nil {
		return err
	}
	if strings.ContainsRune(a.Name, ':') {
		return bad("name contains ':' (not allowed in HTTP Basic credentials)")
	}
	if a.PasswordHash != "" {
		if _, err := parsePHC(a.PasswordHash); err != nil {
			return bad("password hash: %v", err)
		}
	}
	ids := make(map[string]bool, len(a.Tokens))
	hashes := make(map[string]bool, len(a.Tokens))
	for _, t := range a.Tokens {
		if t.ID == "" || len(t.ID) > maxNameLen {
			return bad("token id %q is empty or too long", t.ID)
		}
		if ids[t.ID] {
			return bad("token id %q appears twice", t.ID)
		}
		if !isSHA256Hex(t.SHA256) {
			return bad("token %s: SHA256 is not 64 lower-case hex digits", t.ID)
		}
		if hashes[t.SHA256] {
			return bad("token %s: the same token appears twice", t.ID)
		}
		ids[t.ID], hashes[t.SHA256] = true, true
	}
	return nil
}

func isSHA256Hex(s string) bool {
	if len(s) != 64 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// writeAccount stores a (validated) account, replacing old (nil when new):
// it checks that granted collections exist and that no other account holds
// one of its tokens, and keeps the token index in step.
func writeAccount(tx *bolt.Tx, a Account, old *Account) error {
	for id := range a.Grants {
		if tx.Bucket(bucketCollections).Get([]byte(id)) == nil {
			return fmt.Errorf("account %q: grant for unknown collection %q: %w", a.Name, id, ErrBadParameter)
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
			return fmt.Errorf("account %q: token %s belongs to account %q: %w", a.Name, t.ID, owner, ErrExists)
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
// It fails with ErrExists when the name (or one of its tokens) is taken,
// ErrBadParameter for an empty or malformed name, a password hash that is
// not from HashPassword (an empty hash is allowed: no password login), a
// malformed token or a grant for an unknown collection.
func (db *DB) CreateAccount(ctx context.Context, a Account) error {
	if err := validateAccount(a); err != nil {
		return err
	}
	if a.Created.IsZero() {
		a.Created = db.now().UTC()
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		if tx.Bucket(bucketAccounts).Get([]byte(a.Name)) != nil {
			return ErrExists
		}
		return writeAccount(tx, a, nil)
	})
	if err != nil {
		return fmt.Errorf("create account %q: %w", a.Name, err)
	}
	return nil
}

// PutAccount replaces the stored account of the same name (password,
// admin flag, grants, tokens). It fails with ErrNotFound when there is no
// such account, otherwise like CreateAccount. A zero Created keeps the
// stored one.
func (db *DB) PutAccount(ctx context.Context, a Account) error {
	if err := validateAccount(a); err != nil {
		return err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAccounts).Get([]byte(a.Name))
		if v == nil {
			return ErrNotFound
		}
		old, err := decodeAccount(v)
		if err != nil {
			return err
		}
		if a.Created.IsZero() {
			a.Created = old.Created
		}
		return writeAccount(tx, a, &old)
	})
	if err != nil {
		return fmt.Errorf("put account %q: %w", a.Name, err)
	}
	return nil
}

// Account returns the account with this name, or ErrNotFound.
func (db *DB) Account(ctx context.Context, name string) (Account, error) {
	var a Account
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		a, err = getAccount(tx, name)
		return err
	})
	if err != nil {
		return Account{}, fmt.Errorf("account %q: %w", name, err)
	}
	return a, nil
}

func getAccount(tx *bolt.Tx, name string) (Account, error) {
	v := tx.Bucket(bucketAccounts).Get([]byte(name))
	if v == nil {
		return Account{}, ErrNotFound
	}
	return decodeAccount(v)
}

// Accounts lists every account, ordered by name.
func (db *DB) Accounts(ctx context.Context) ([]Account, error) {
	var out []Account
	err := db.view(ctx, func(tx *bolt.Tx) error {
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

// DeleteAccount removes an account and its tokens, or fails with
// ErrNotFound.
func (db *DB) DeleteAccount(ctx context.Context, name string) error {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		a, err := getAccount(tx, name)
		if err != nil {
			return err
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
// SHA-256 (lower-case hex) through an index, or fails with ErrNotFound.
func (db *DB) AccountByToken(ctx context.Context, sha256hex string) (Account, error) {
	var a Account
	err := db.view(ctx, func(tx *bolt.Tx) error {
		name := tx.Bucket(bucketTokens).Get([]byte(sha256hex))
		if name == nil {
			return ErrNotFound
		}
		var err error
		a, err = getAccount(tx, string(name))
		return err
	})
	if err != nil {
		// The token is a credential: never echo it.
		return Account{}, fmt.Errorf("account by token: %w", err)
	}
	return a, nil
}

// dropGrants removes every account's grant for a deleted collection, so
// that a collection created later can never inherit them.
func dropGrants(tx *bolt.Tx, collectionID string) error {
	b := tx.Bucket(bucketAccounts)
	var changed []Account
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
