package store_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldcti/herald/store"
)

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
