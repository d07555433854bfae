package storetest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

func tokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func testAccounts(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now})
	c := mustCollection(t, db, "c")
	hash, err := store.HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	alice := store.Account{Name: "alice", PasswordHash: hash, Admin: true,
		Grants: map[string]store.Grant{c.ID: {Read: true}},
		Tokens: []store.APIToken{{ID: "t1", SHA256: tokenHash("secret-1"), Created: clk.Now()}}}
	if err := db.CreateAccount(ctx, alice); err != nil {
		t.Fatal(err)
	}
	alice.Created = clk.Now()
	got, err := db.Account(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, alice) {
		t.Errorf("Account = %+v\nwant %+v", got, alice)
	}
	if !store.CheckPassword(got.PasswordHash, "pw") {
		t.Error("stored hash does not check")
	}
	if err := db.CreateAccount(ctx, store.Account{Name: "alice"}); !errors.Is(err, store.ErrExists) {
		t.Errorf("duplicate name: %v, want ErrExists", err)
	}
	// Bob may not reuse Alice's token.
	bob := store.Account{Name: "bob", Tokens: []store.APIToken{{ID: "b1", SHA256: tokenHash("secret-1")}}}
	if err := db.CreateAccount(ctx, bob); !errors.Is(err, store.ErrExists) {
		t.Errorf("shared token: %v, want ErrExists", err)
	}
	bob.Tokens[0].SHA256 = tokenHash("secret-2")
	if err := db.CreateAccount(ctx, bob); err != nil {
		t.Fatal(err)
	}
	for secret, want := range map[string]string{"secret-1": "alice", "secret-2": "bob"} {
		a, err := db.AccountByToken(ctx, tokenHash(secret))
		if err != nil || a.Name != want {
			t.Errorf("AccountByToken(%s) = %q, %v; want %s", secret, a.Name, err, want)
		}
	}
	if _, err := db.AccountByToken(ctx, tokenHash("nope")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown token: %v, want ErrNotFound", err)
	}
	// Rotating Alice's token drops the old one from the index.
	alice.Tokens = []store.APIToken{{ID: "t2", SHA256: tokenHash("secret-3"), Created: clk.Now()}}
	alice.Created = time.Time{} // keeps the stored one
	if err := db.PutAccount(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AccountByToken(ctx, tokenHash("secret-1")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked token still works: %v", err)
	}
	if a, err := db.AccountByToken(ctx, tokenHash("secret-3")); err != nil || a.Name != "alice" || !a.Created.Equal(clk.Now()) {
		t.Errorf("new token: %+v, %v", a, err)
	}
	if err := db.PutAccount(ctx, store.Account{Name: "carol"}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PutAccount of a missing account: %v, want ErrNotFound", err)
	}
	list, err := db.Accounts(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "alice" || list[1].Name != "bob" {
		t.Errorf("Accounts = %v, %v; want alice, bob", list, err)
	}
	if err := db.DeleteAccount(ctx, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AccountByToken(ctx, tokenHash("secret-2")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token of a deleted account: %v, want ErrNotFound", err)
	}
	if err := db.DeleteAccount(ctx, "bob"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second delete: %v, want ErrNotFound", err)
	}
}

func testCreateAccountRejectsBadAccounts(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	for name, a := range map[string]store.Account{
		"empty name":         {},
		"space around name":  {Name: " bob"},
		"colon in name":      {Name: "bo:b"},
		"control character":  {Name: "bo\x00b"},
		"foreign hash":       {Name: "bob", PasswordHash: "$2a$10$abcdefghijklmnopqrstuv"},
		"grant for nothing":  {Name: "bob", Grants: map[string]store.Grant{"no-such-collection": {Read: true}}},
		"token not hex":      {Name: "bob", Tokens: []store.APIToken{{ID: "t", SHA256: "secret"}}},
		"token upper hex":    {Name: "bob", Tokens: []store.APIToken{{ID: "t", SHA256: strings.ToUpper(tokenHash("x"))}}},
		"token without id":   {Name: "bob", Tokens: []store.APIToken{{SHA256: tokenHash("x")}}},
		"duplicate token id": {Name: "bob", Tokens: []store.APIToken{{ID: "t", SHA256: tokenHash("x")}, {ID: "t", SHA256: tokenHash("y")}}},
		"same token twice":   {Name: "bob", Tokens: []store.APIToken{{ID: "t", SHA256: tokenHash("x")}, {ID: "u", SHA256: tokenHash("x")}}},
	} {
		if err := db.CreateAccount(ctx, a); !errors.Is(err, store.ErrBadParameter) {
			t.Errorf("%s: %v, want ErrBadParameter", name, err)
		}
	}
}

func testTokenSecretAndMeta(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	s1, err := db.TokenSecret(ctx)
	if err != nil || len(s1) != 32 {
		t.Fatalf("TokenSecret = %x, %v", s1, err)
	}
	s1[0] ^= 0xff // the caller's copy is its own
	s2, _ := db.TokenSecret(ctx)
	if s2[0] == s1[0] {
		t.Error("TokenSecret returned shared memory")
	}
	other := mustOpen(t, open, nil)
	s3, _ := other.TokenSecret(ctx)
	if string(s3) == string(s2) {
		t.Error("two databases have the same secret")
	}
	if v, err := db.Meta(ctx, "default-collection"); v != nil || err != nil {
		t.Errorf("Meta of a missing key = %q, %v; want nil, nil", v, err)
	}
	if err := db.SetMeta(ctx, "default-collection", []byte("abc")); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Meta(ctx, "default-collection"); string(v) != "abc" || err != nil {
		t.Errorf("Meta = %q, %v", v, err)
	}
	if err := db.SetMeta(ctx, "empty", []byte{}); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Meta(ctx, "empty"); v == nil || len(v) != 0 || err != nil {
		t.Errorf("Meta of an empty value = %v, %v; want empty, non-nil", v, err)
	}
	if err := db.SetMeta(ctx, "default-collection", nil); err != nil {
		t.Fatal(err)
	}
	if v, _ := db.Meta(ctx, "default-collection"); v != nil {
		t.Errorf("Meta after delete = %q", v)
	}
	if err := db.SetMeta(ctx, "", []byte("x")); !errors.Is(err, store.ErrBadParameter) {
		t.Errorf("SetMeta with an empty key: %v", err)
	}
}

// testAccountOperations: each single-purpose account change does what it
// says, to one account, and fails with the documented sentinel.
func testAccountOperations(t *testing.T, open Opener) {
	clk := newClock()
	db := mustOpen(t, open, &store.Options{Now: clk.Now})
	c1, c2 := mustCollection(t, db, "c1"), mustCollection(t, db, "c2")
	if err := db.CreateAccount(ctx, store.Account{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, store.Account{Name: "bob"}); err != nil {
		t.Fatal(err)
	}

	hash, err := store.HashPassword("new password")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.SetPasswordHash(ctx, "alice", hash); err != nil {
		t.Fatal(err)
	}
	if a, err := db.Account(ctx, "alice"); err != nil || !store.CheckPassword(a.PasswordHash, "new password") {
		t.Errorf("after SetPasswordHash: %+v, %v", a, err)
	}
	if err := db.SetPasswordHash(ctx, "alice", "plain text"); !errors.Is(err, store.ErrBadParameter) {
		t.Errorf("SetPasswordHash(not a hash): %v, want ErrBadParameter", err)
	}
	if err := db.SetPasswordHash(ctx, "nobody", hash); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPasswordHash(unknown account): %v, want ErrNotFound", err)
	}
	if err := db.SetPasswordHash(ctx, "alice", ""); err != nil {
		t.Errorf("SetPasswordHash(\"\") (no password login): %v", err)
	}

	if err := db.SetGrant(ctx, "alice", c1.ID, store.Grant{Read: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetGrant(ctx, "alice", c2.ID, store.Grant{Read: true, Write: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetGrant(ctx, "alice", c1.ID, store.Grant{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]store.Grant{c2.ID: {Read: true, Write: true}}
	if a, err := db.Account(ctx, "alice"); err != nil || !reflect.DeepEqual(a.Grants, want) {
		t.Errorf("grants after set, set, remove: %v, %v; want %v", a.Grants, err, want)
	}
	if err := db.SetGrant(ctx, "alice", "no-such-collection", store.Grant{Read: true}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetGrant(unknown collection): %v, want ErrNotFound", err)
	}
	if err := db.SetGrant(ctx, "nobody", c1.ID, store.Grant{Read: true}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetGrant(unknown account): %v, want ErrNotFound", err)
	}
	if b, err := db.Account(ctx, "bob"); err != nil || len(b.Grants) != 0 {
		t.Errorf("bob got grants: %v, %v", b.Grants, err)
	}

	tok := store.APIToken{ID: "t1", SHA256: tokenHash("secret-1")}
	if err := db.AddToken(ctx, "alice", tok); err != nil {
		t.Fatal(err)
	}
	if a, err := db.AccountByToken(ctx, tok.SHA256); err != nil || a.Name != "alice" ||
		len(a.Tokens) != 1 || !a.Tokens[0].Created.Equal(clk.Now()) {
		t.Errorf("AccountByToken after AddToken: %+v, %v (Created should be the clock's now)", a, err)
	}
	for name, tc := range map[string]struct {
		account string
		tok     store.APIToken
		want    error
	}{
		"same token, other account": {"bob", store.APIToken{ID: "b1", SHA256: tok.SHA256}, store.ErrExists},
		"same token id":             {"alice", store.APIToken{ID: "t1", SHA256: tokenHash("secret-2")}, store.ErrExists},
		"malformed hash":            {"alice", store.APIToken{ID: "t2", SHA256: "ABC"}, store.ErrBadParameter},
		"empty id":                  {"alice", store.APIToken{SHA256: tokenHash("secret-2")}, store.ErrBadParameter},
		"unknown account":           {"nobody", store.APIToken{ID: "n1", SHA256: tokenHash("secret-2")}, store.ErrNotFound},
	} {
		if err := db.AddToken(ctx, tc.account, tc.tok); !errors.Is(err, tc.want) {
			t.Errorf("AddToken, %s: %v, want %v", name, err, tc.want)
		}
	}
	if err := db.DeleteToken(ctx, "bob", "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteToken of another account's token: %v, want ErrNotFound", err)
	}
	if err := db.DeleteToken(ctx, "alice", "t1"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AccountByToken(ctx, tok.SHA256); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted token still works: %v", err)
	}
	if err := db.DeleteToken(ctx, "alice", "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteToken: %v, want ErrNotFound", err)
	}
	if err := db.DeleteToken(ctx, "nobody", "t1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeleteToken(unknown account): %v, want ErrNotFound", err)
	}

	if err := db.SetAdmin(ctx, "bob", true); err != nil {
		t.Fatal(err)
	}
	if b, err := db.Account(ctx, "bob"); err != nil || !b.Admin {
		t.Errorf("bob after SetAdmin(true): %+v, %v", b, err)
	}
	if err := db.SetAdmin(ctx, "nobody", true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetAdmin(unknown account): %v, want ErrNotFound", err)
	}
	// Deleting a collection drops the grants the operations gave.
	if err := db.DeleteCollection(ctx, c2.ID); err != nil {
		t.Fatal(err)
	}
	if a, err := db.Account(ctx, "alice"); err != nil || len(a.Grants) != 0 {
		t.Errorf("grants after the collection was deleted: %v, %v", a.Grants, err)
	}
}

// testLastAdmin: the only admin account can be neither deleted nor demoted,
// by any method; a second admin makes both possible again.
func testLastAdmin(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	if err := db.CreateAccount(ctx, store.Account{Name: "root", Admin: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, store.Account{Name: "reader"}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, "root"); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("DeleteAccount(last admin): %v, want ErrLastAdmin", err)
	}
	if err := db.SetAdmin(ctx, "root", false); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("SetAdmin(last admin, false): %v, want ErrLastAdmin", err)
	}
	if err := db.PutAccount(ctx, store.Account{Name: "root"}); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("PutAccount demoting the last admin: %v, want ErrLastAdmin", err)
	}
	if a, err := db.Account(ctx, "root"); err != nil || !a.Admin {
		t.Fatalf("root after refused changes: %+v, %v", a, err)
	}
	// Non-admin accounts are not protected, and SetAdmin(true) on an admin
	// changes nothing.
	if err := db.SetAdmin(ctx, "root", true); err != nil {
		t.Errorf("SetAdmin(admin, true): %v", err)
	}
	if err := db.DeleteAccount(ctx, "reader"); err != nil {
		t.Errorf("DeleteAccount(non-admin): %v", err)
	}
	if err := db.CreateAccount(ctx, store.Account{Name: "second", Admin: true}); err != nil {
		t.Fatal(err)
	}
	if err := db.SetAdmin(ctx, "root", false); err != nil {
		t.Errorf("demoting one of two admins: %v", err)
	}
	if err := db.DeleteAccount(ctx, "second"); !errors.Is(err, store.ErrLastAdmin) {
		t.Errorf("DeleteAccount(the admin left): %v, want ErrLastAdmin", err)
	}
	if err := db.SetAdmin(ctx, "root", true); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, "second"); err != nil {
		t.Errorf("deleting one of two admins: %v", err)
	}
}

// testLastAdminConcurrent: two callers at the same moment each remove or
// demote one of the last two admins. Exactly one succeeds, the other gets
// ErrLastAdmin, and one admin is left: the rule is checked in the write's
// own transaction, not read before it.
func testLastAdminConcurrent(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	remove := map[string]func(name string) error{
		"delete": func(name string) error { return db.DeleteAccount(ctx, name) },
		"demote": func(name string) error { return db.SetAdmin(ctx, name, false) },
		"put":    func(name string) error { return db.PutAccount(ctx, store.Account{Name: name}) },
	}
	kinds := []string{"delete", "demote", "put"}
	round := 0
	for _, k1 := range kinds {
		for _, k2 := range kinds {
			for range 5 {
				round++
				a, b := fmt.Sprintf("a%d", round), fmt.Sprintf("b%d", round)
				for _, name := range []string{a, b} {
					if err := db.CreateAccount(ctx, store.Account{Name: name, Admin: true}); err != nil {
						t.Fatal(err)
					}
				}
				// Leave exactly the two admins of this round.
				list, err := db.Accounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, acc := range list {
					if acc.Admin && acc.Name != a && acc.Name != b {
						if err := db.DeleteAccount(ctx, acc.Name); err != nil {
							t.Fatalf("clean up %s: %v", acc.Name, err)
						}
					}
				}
				start := make(chan struct{})
				errs := make([]error, 2)
				var wg sync.WaitGroup
				for i, job := range []struct {
					kind, name string
				}{{k1, a}, {k2, b}} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						errs[i] = remove[job.kind](job.name)
					}()
				}
				close(start)
				wg.Wait()
				ok, refused := 0, 0
				for _, err := range errs {
					switch {
					case err == nil:
						ok++
					case errors.Is(err, store.ErrLastAdmin):
						refused++
					default:
						t.Errorf("%s %s / %s %s: unexpected error %v", k1, a, k2, b, err)
					}
				}
				if ok != 1 || refused != 1 {
					t.Errorf("%s %s / %s %s at once: %d succeeded, %d refused (errors %v); want exactly one of each", k1, a, k2, b, ok, refused, errs)
				}
				admins := 0
				list, err = db.Accounts(ctx)
				if err != nil {
					t.Fatal(err)
				}
				for _, acc := range list {
					if acc.Admin {
						admins++
					}
				}
				if admins != 1 {
					t.Fatalf("%d admin accounts left after round %d, want 1", admins, round)
				}
			}
		}
	}
}

// testConcurrentAccountChanges: many callers changing one account at the
// same moment (tokens added and removed, grants set, the password
// changed) lose no update: each change is one transaction, not a
// read-modify-write across two.
func testConcurrentAccountChanges(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	const n = 16
	colls := make([]store.Collection, n)
	for i := range colls {
		colls[i] = mustCollection(t, db, fmt.Sprintf("c%d", i))
	}
	if err := db.CreateAccount(ctx, store.Account{Name: "alice", Admin: true,
		Tokens: []store.APIToken{{ID: "old", SHA256: tokenHash("old")}}}); err != nil {
		t.Fatal(err)
	}
	hash, err := store.HashPassword("concurrent")
	if err != nil {
		t.Fatal(err)
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 3*n+2)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			<-start
			errs <- db.AddToken(ctx, "alice", store.APIToken{ID: fmt.Sprintf("t%d", i), SHA256: tokenHash(fmt.Sprintf("secret-%d", i))})
		}()
		go func() {
			defer wg.Done()
			<-start
			errs <- db.SetGrant(ctx, "alice", colls[i].ID, store.Grant{Read: true, Write: i%2 == 0})
		}()
	}
	wg.Add(2)
	go func() {
		defer wg.Done()
		<-start
		errs <- db.DeleteToken(ctx, "alice", "old")
	}()
	go func() {
		defer wg.Done()
		<-start
		errs <- db.SetPasswordHash(ctx, "alice", hash)
	}()
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	a, err := db.Account(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tokens) != n || len(a.Grants) != n || !a.Admin || !store.CheckPassword(a.PasswordHash, "concurrent") {
		t.Errorf("after concurrent changes: %d tokens, %d grants (want %d of each), admin %v, password changed %v",
			len(a.Tokens), len(a.Grants), n, a.Admin, store.CheckPassword(a.PasswordHash, "concurrent"))
	}
	for i := range n {
		if g := a.Grants[colls[i].ID]; !g.Read || g.Write != (i%2 == 0) {
			t.Errorf("grant %d = %+v", i, g)
		}
		if got, err := db.AccountByToken(ctx, tokenHash(fmt.Sprintf("secret-%d", i))); err != nil || got.Name != "alice" {
			t.Errorf("token %d: %q, %v", i, got.Name, err)
		}
	}
	if _, err := db.AccountByToken(ctx, tokenHash("old")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted token still works: %v", err)
	}
}
