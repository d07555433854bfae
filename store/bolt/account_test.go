package bolt_test

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

func tokenHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

func TestHashPassword(t *testing.T) {
	h1, err := store.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	h2, err := store.HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h1, "$argon2id$v=19$m=") || strings.Count(h1, "$") != 5 {
		t.Errorf("hash %q is not an argon2id PHC string", h1)
	}
	if h1 == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		hash, password string
		want           bool
	}{
		{h1, "correct horse", true},
		{h2, "correct horse", true},
		{h1, "correct horse ", false},
		{h1, "", false},
		{"", "correct horse", false},
		{"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$", "x", false},
		{strings.Replace(h1, "m=19456", "m=99999999", 1), "correct horse", false}, // refuses absurd memory
		{strings.Replace(h1, "argon2id", "argon2i", 1), "correct horse", false},
		{strings.Replace(h1, "v=19", "v=16", 1), "correct horse", false},
		{h1[:len(h1)-2] + "AA", "correct horse", false},
	} {
		if got := store.CheckPassword(tc.hash, tc.password); got != tc.want {
			t.Errorf("CheckPassword(%q, %q) = %v, want %v", tc.hash, tc.password, got, tc.want)
		}
	}
	if _, err := store.HashPassword(""); !errors.Is(err, store.ErrBadParameter) {
		t.Errorf("HashPassword(\"\"): %v, want ErrBadParameter", err)
	}
}

func TestAccounts(t *testing.T) {
	clk := newClock()
	db := mustOpen(t, &store.Options{Now: clk.Now})
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

func TestCreateAccountRejectsBadAccounts(t *testing.T) {
	db := mustOpen(t, nil)
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

func TestTokenSecretAndMeta(t *testing.T) {
	db := mustOpen(t, nil)
	s1, err := db.TokenSecret(ctx)
	if err != nil || len(s1) != 32 {
		t.Fatalf("TokenSecret = %x, %v", s1, err)
	}
	s1[0] ^= 0xff // the caller's copy is its own
	s2, _ := db.TokenSecret(ctx)
	if s2[0] == s1[0] {
		t.Error("TokenSecret returned shared memory")
	}
	other := mustOpen(t, nil)
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
