package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/heraldcti/herald/store"
	"github.com/jackc/pgx/v5"
)

// validateAccount checks an account with the store's rules, plus what
// PostgreSQL text cannot hold (invalid UTF-8, NUL) in token ids and grant
// keys.
func validateAccount(a store.Account) error {
	if err := store.ValidateAccount(a); err != nil {
		return err
	}
	for _, t := range a.Tokens {
		if !utf8.ValidString(t.ID) || strings.IndexByte(t.ID, 0) >= 0 {
			return fmt.Errorf("account %q: token id %q is not UTF-8 text: %w", a.Name, t.ID, store.ErrBadParameter)
		}
	}
	for id := range a.Grants {
		if !utf8.ValidString(id) || strings.IndexByte(id, 0) >= 0 {
			return fmt.Errorf("account %q: grant for unknown collection %q: %w", a.Name, id, store.ErrBadParameter)
		}
	}
	return nil
}

// writeAccount stores the grants and tokens of a (validated) account
// whose row exists, replacing any it had.
func writeAccount(ctx context.Context, tx pgx.Tx, a store.Account) error {
	if _, err := tx.Exec(ctx, "DELETE FROM grants WHERE account = $1", a.Name); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM tokens WHERE account = $1", a.Name); err != nil {
		return err
	}
	if len(a.Grants) > 0 {
		var ids []string
		var reads, writes []bool
		for id, g := range a.Grants {
			ids, reads, writes = append(ids, id), append(reads, g.Read), append(writes, g.Write)
		}
		var missing *string
		err := tx.QueryRow(ctx, `SELECT u.id FROM unnest($1::text[]) AS u(id)
			WHERE NOT EXISTS (SELECT 1 FROM collections c WHERE c.id = u.id) LIMIT 1`, ids).Scan(&missing)
		if err == nil {
			return fmt.Errorf("account %q: grant for unknown collection %q: %w", a.Name, *missing, store.ErrBadParameter)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO grants (account, collection, can_read, can_write)
			SELECT $1, u.id, u.r, u.w FROM unnest($2::text[], $3::bool[], $4::bool[]) AS u(id, r, w)`,
			a.Name, ids, reads, writes)
		if err != nil {
			return fmt.Errorf("account %q: write grants: %w", a.Name, err)
		}
	}
	for i, t := range a.Tokens {
		var owner string
		err := tx.QueryRow(ctx, "SELECT account FROM tokens WHERE sha256 = $1", t.SHA256).Scan(&owner)
		if err == nil {
			return fmt.Errorf("account %q: token %s belongs to account %q: %w", a.Name, t.ID, owner, store.ErrExists)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO tokens (sha256, account, pos, token_id, created_ns) VALUES ($1, $2, $3, $4, $5)",
			t.SHA256, a.Name, i, t.ID, t.Created.UnixNano())
		if isUniqueViolation(err) {
			return fmt.Errorf("account %q: token %s belongs to another account: %w", a.Name, t.ID, store.ErrExists)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// CreateAccount stores a new account. Created is set to now when zero.
// It fails with store.ErrExists when the name (or one of its tokens) is
// taken, store.ErrBadParameter for a malformed account or a grant for an
// unknown collection.
func (db *DB) CreateAccount(ctx context.Context, a store.Account) error {
	if err := validateAccount(a); err != nil {
		return err
	}
	if a.Created.IsZero() {
		a.Created = db.now().UTC()
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO accounts (name, password_hash, admin, created_ns) VALUES ($1, $2, $3, $4)
			ON CONFLICT (name) DO NOTHING`, a.Name, a.PasswordHash, a.Admin, a.Created.UnixNano())
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return store.ErrExists
		}
		return writeAccount(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("create account %q: %w", a.Name, err)
	}
	return nil
}

// PutAccount replaces the stored account of the same name (password,
// admin flag, grants, tokens). It fails with store.ErrNotFound when there
// is no such account, otherwise like CreateAccount. A zero Created keeps
// the stored one.
func (db *DB) PutAccount(ctx context.Context, a store.Account) error {
	if err := validateAccount(a); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if !a.Admin {
			if err := lockAdmins(ctx, tx); err != nil {
				return err
			}
		}
		var created int64
		var wasAdmin bool
		err := tx.QueryRow(ctx, "SELECT created_ns, admin FROM accounts WHERE name = $1 FOR UPDATE", a.Name).Scan(&created, &wasAdmin)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if wasAdmin && !a.Admin {
			if err := keepAnAdmin(ctx, tx, a.Name); err != nil {
				return err
			}
		}
		if !a.Created.IsZero() {
			created = a.Created.UnixNano()
		}
		if _, err := tx.Exec(ctx, "UPDATE accounts SET password_hash = $2, admin = $3, created_ns = $4 WHERE name = $1",
			a.Name, a.PasswordHash, a.Admin, created); err != nil {
			return err
		}
		return writeAccount(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("put account %q: %w", a.Name, err)
	}
	return nil
}

// readAccounts loads the accounts whose names match cond ($1 is arg),
// ordered by name in byte order.
func readAccounts(ctx context.Context, q querier, cond string, arg any) ([]store.Account, error) {
	var args []any
	if arg != nil {
		args = append(args, arg)
	}
	rows, err := q.Query(ctx, `SELECT a.name, a.password_hash, a.admin, a.created_ns,
			(SELECT array_agg(g.collection ORDER BY g.collection) FROM grants g WHERE g.account = a.name),
			(SELECT array_agg(g.can_read ORDER BY g.collection) FROM grants g WHERE g.account = a.name),
			(SELECT array_agg(g.can_write ORDER BY g.collection) FROM grants g WHERE g.account = a.name),
			(SELECT array_agg(t.token_id ORDER BY t.pos) FROM tokens t WHERE t.account = a.name),
			(SELECT array_agg(t.sha256 ORDER BY t.pos) FROM tokens t WHERE t.account = a.name),
			(SELECT array_agg(t.created_ns ORDER BY t.pos) FROM tokens t WHERE t.account = a.name)
		FROM accounts a WHERE `+cond+` ORDER BY a.name COLLATE "C"`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (store.Account, error) {
		var a store.Account
		var created int64
		var gIDs, tIDs, tHashes []string
		var gRead, gWrite []bool
		var tCreated []int64
		if err := r.Scan(&a.Name, &a.PasswordHash, &a.Admin, &created, &gIDs, &gRead, &gWrite, &tIDs, &tHashes, &tCreated); err != nil {
			return a, err
		}
		a.Created = time.Unix(0, created).UTC()
		if len(gIDs) > 0 {
			a.Grants = make(map[string]store.Grant, len(gIDs))
			for i, id := range gIDs {
				a.Grants[id] = store.Grant{Read: gRead[i], Write: gWrite[i]}
			}
		}
		for i, id := range tIDs {
			a.Tokens = append(a.Tokens, store.APIToken{ID: id, SHA256: tHashes[i], Created: time.Unix(0, tCreated[i]).UTC()})
		}
		return a, nil
	})
}

// Account returns the account with this name, or store.ErrNotFound.
func (db *DB) Account(ctx context.Context, name string) (store.Account, error) {
	if !isText(name) {
		return store.Account{}, fmt.Errorf("account %q: %w", name, store.ErrNotFound)
	}
	as, err := readAccounts(ctx, db.pool, "a.name = $1", name)
	if err == nil && len(as) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Account{}, fmt.Errorf("account %q: %w", name, err)
	}
	return as[0], nil
}

// Accounts lists every account, ordered by name.
func (db *DB) Accounts(ctx context.Context) ([]store.Account, error) {
	as, err := readAccounts(ctx, db.pool, "true", nil)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return as, nil
}

// DeleteAccount removes an account, its grants and its tokens, or fails
// with store.ErrNotFound.
func (db *DB) DeleteAccount(ctx context.Context, name string) error {
	if !isText(name) {
		return fmt.Errorf("delete account %q: %w", name, store.ErrNotFound)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockAdmins(ctx, tx); err != nil {
			return err
		}
		var admin bool
		err := tx.QueryRow(ctx, "SELECT admin FROM accounts WHERE name = $1 FOR UPDATE", name).Scan(&admin)
		if errors.Is(err, pgx.ErrNoRows) {
			return store.ErrNotFound
		}
		if err != nil {
			return err
		}
		if admin {
			if err := keepAnAdmin(ctx, tx, name); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, "DELETE FROM accounts WHERE name = $1", name)
		return err
	})
	if err != nil {
		return fmt.Errorf("delete account %q: %w", name, err)
	}
	return nil
}

// AccountByToken finds the account that holds the bearer token with this
// SHA-256 (lower-case hex), or fails with store.ErrNotFound.
func (db *DB) AccountByToken(ctx context.Context, sha256hex string) (store.Account, error) {
	if !isText(sha256hex) {
		return store.Account{}, fmt.Errorf("account by token: %w", store.ErrNotFound)
	}
	as, err := readAccounts(ctx, db.pool, "a.name = (SELECT account FROM tokens WHERE sha256 = $1)", sha256hex)
	if err == nil && len(as) == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		// The token is a credential: never echo it.
		return store.Account{}, fmt.Errorf("account by token: %w", err)
	}
	return as[0], nil
}

// adminLockKey is the advisory lock that serialises the transactions
// that may remove or demote an admin.
const adminLockKey = migrateLockKey + 2

// lockAdmins takes the admin lock for the rest of tx. Without it, two
// transactions removing the last two admins at once would each see the
// other's admin (READ COMMITTED) and both succeed.
func lockAdmins(ctx context.Context, tx pgx.Tx) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(adminLockKey)); err != nil {
		return fmt.Errorf("lock admins: %w", err)
	}
	return nil
}

// keepAnAdmin fails with store.ErrLastAdmin unless an admin other than name
// exists. The caller holds the admin lock, so the answer stays true
// until it commits.
func keepAnAdmin(ctx context.Context, tx pgx.Tx, name string) error {
	var other bool
	if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM accounts WHERE admin AND name <> $1)", name).Scan(&other); err != nil {
		return err
	}
	if !other {
		return fmt.Errorf("%w; create another admin first", store.ErrLastAdmin)
	}
	return nil
}

// modifyAccount reads an account, lets edit change it and writes it
// back, in one transaction holding the account's row lock (and the
// admin lock).
func (db *DB) modifyAccount(ctx context.Context, op, name string, edit func(tx pgx.Tx, a *store.Account) error) error {
	if !isText(name) {
		return fmt.Errorf("%s of account %q: %w", op, name, store.ErrNotFound)
	}
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := lockAdmins(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SELECT 1 FROM accounts WHERE name = $1 FOR UPDATE", name); err != nil {
			return err
		}
		as, err := readAccounts(ctx, tx, "a.name = $1", name)
		if err != nil {
			return err
		}
		if len(as) == 0 {
			return store.ErrNotFound
		}
		old := as[0]
		a := old
		a.Grants = make(map[string]store.Grant, len(old.Grants))
		for k, v := range old.Grants {
			a.Grants[k] = v
		}
		a.Tokens = append([]store.APIToken(nil), old.Tokens...)
		if err := edit(tx, &a); err != nil {
			return err
		}
		if len(a.Grants) == 0 {
			a.Grants = nil
		}
		if err := validateAccount(a); err != nil {
			return err
		}
		if old.Admin && !a.Admin {
			if err := keepAnAdmin(ctx, tx, name); err != nil {
				return err
			}
		}
		if a.PasswordHash != old.PasswordHash || a.Admin != old.Admin {
			if _, err := tx.Exec(ctx, "UPDATE accounts SET password_hash = $2, admin = $3 WHERE name = $1", name, a.PasswordHash, a.Admin); err != nil {
				return err
			}
		}
		return writeAccount(ctx, tx, a)
	})
	if err != nil {
		return fmt.Errorf("%s of account %q: %w", op, name, err)
	}
	return nil
}

// SetPasswordHash replaces an account's password hash ("" removes
// password login). store.ErrNotFound, or store.ErrBadParameter for a
// hash HashPassword did not make.
func (db *DB) SetPasswordHash(ctx context.Context, name, hash string) error {
	if err := store.ValidatePasswordHash(hash); err != nil {
		return fmt.Errorf("set password of account %q: %w", name, err)
	}
	return db.modifyAccount(ctx, "set password", name, func(_ pgx.Tx, a *store.Account) error {
		a.PasswordHash = hash
		return nil
	})
}

// SetAdmin sets or clears an account's admin flag: store.ErrNotFound, or
// the last-admin error when it would demote the only admin.
func (db *DB) SetAdmin(ctx context.Context, name string, admin bool) error {
	return db.modifyAccount(ctx, "set admin flag", name, func(_ pgx.Tx, a *store.Account) error {
		a.Admin = admin
		return nil
	})
}

// SetGrant sets an account's access to the collection with this id; a
// zero Grant removes it. store.ErrNotFound when the account or the
// collection does not exist.
func (db *DB) SetGrant(ctx context.Context, name, collectionID string, g store.Grant) error {
	return db.modifyAccount(ctx, "set grant", name, func(tx pgx.Tx, a *store.Account) error {
		if !isText(collectionID) {
			return fmt.Errorf("collection %q: %w", collectionID, store.ErrNotFound)
		}
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM collections WHERE id = $1)", collectionID).Scan(&exists); err != nil {
			return err
		}
		if !exists {
			return fmt.Errorf("collection %q: %w", collectionID, store.ErrNotFound)
		}
		if g == (store.Grant{}) {
			delete(a.Grants, collectionID)
			return nil
		}
		a.Grants[collectionID] = g
		return nil
	})
}

// AddToken adds a bearer token to an account (Created set to now when
// zero): store.ErrNotFound for an unknown account, store.ErrExists when
// the token is held (by any account) or its id is taken in this account,
// store.ErrBadParameter for a malformed token.
func (db *DB) AddToken(ctx context.Context, name string, t store.APIToken) error {
	if err := store.ValidateToken(t); err != nil {
		return fmt.Errorf("add token to account %q: %w", name, err)
	}
	if !utf8.ValidString(t.ID) || strings.IndexByte(t.ID, 0) >= 0 {
		return fmt.Errorf("add token to account %q: token id %q is not UTF-8 text: %w", name, t.ID, store.ErrBadParameter)
	}
	if t.Created.IsZero() {
		t.Created = db.now().UTC()
	}
	return db.modifyAccount(ctx, "add token", name, func(_ pgx.Tx, a *store.Account) error {
		for _, old := range a.Tokens {
			if old.ID == t.ID || old.SHA256 == t.SHA256 {
				return fmt.Errorf("token %s: %w", t.ID, store.ErrExists)
			}
		}
		a.Tokens = append(a.Tokens, t)
		return nil
	})
}

// DeleteToken removes the token with this id from an account:
// store.ErrNotFound when the account or the token does not exist.
func (db *DB) DeleteToken(ctx context.Context, name, tokenID string) error {
	return db.modifyAccount(ctx, "delete token", name, func(_ pgx.Tx, a *store.Account) error {
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
