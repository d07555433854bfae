package taxii

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// The cache key is exactly HMAC-SHA256 of user NUL password under the
// authenticator's key, however long the parts are (the stack buffer's
// size is no limit).
func TestCacheKeyIsHMAC(t *testing.T) {
	a := newAuthenticator(&Server{})
	key := make([]byte, 32)
	for i := range key {
		key[i] = a.ipad[i] ^ 0x36
		if a.opad[i] != key[i]^0x5c {
			t.Fatalf("opad[%d] does not match ipad", i)
		}
	}
	for i := len(key); i < len(a.ipad); i++ {
		if a.ipad[i] != 0x36 || a.opad[i] != 0x5c {
			t.Fatalf("pad byte %d is not the pad constant", i)
		}
	}
	for _, c := range []struct{ user, pass string }{
		{"reader", "secret"},
		{tokenUser, "hrl_abcdefghijklmnopqrstuvwxyz0123456789"},
		{strings.Repeat("u", 300), strings.Repeat("p", 1000)},
		{"a", ""},
	} {
		m := hmac.New(sha256.New, key)
		m.Write([]byte(c.user))
		m.Write([]byte{0})
		m.Write([]byte(c.pass))
		want := m.Sum(nil)
		got := cacheKey(a, c.user, c.pass)
		if string(got[:]) != string(want) {
			t.Errorf("cacheKey(%.20q, %.20q) is not the HMAC", c.user, c.pass)
		}
		if cacheKey(a, []byte(c.user), []byte(c.pass)) != got {
			t.Errorf("cacheKey(%.20q, %.20q) differs between strings and bytes", c.user, c.pass)
		}
	}
}

func TestParseCredentials(t *testing.T) {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	long := strings.Repeat("x", 400) // decoded on the heap: past basicBuf
	cases := []struct {
		header, token, user, pass string
		bad                       bool
	}{
		{header: "Bearer abc", token: "abc"},
		{header: "  bearer   abc  ", token: "abc"},
		{header: "TOKEN abc", token: "abc"},
		{header: "Basic " + b64("reader:pw"), user: "reader", pass: "pw"},
		{header: "BASIC " + b64("reader:pw:with:colons"), user: "reader", pass: "pw:with:colons"},
		{header: "Basic " + b64(long+":"+long), user: long, pass: long},
		{header: "Bearer", bad: true},
		{header: "Bearer   ", bad: true},
		{header: "Basic !!!", bad: true},
		{header: "Basic " + b64("nocolon"), bad: true},
		{header: "Basic " + b64(":pw"), bad: true},
		{header: "Basic " + b64("reader:"), bad: true},
		{header: "Digest abc", bad: true},
		{header: "baſic " + b64("reader:pw"), bad: true}, // no Unicode case folding
		{header: "", bad: true},
	}
	a := newAuthenticator(&Server{})
	for _, c := range cases {
		cred, err := a.parse(c.header)
		key, kerr := a.parseKey(c.header)
		if c.bad {
			if !errors.Is(err, errBadCredentials) || !errors.Is(kerr, errBadCredentials) {
				t.Errorf("%.40q: errors %v and %v, want errBadCredentials", c.header, err, kerr)
			}
			continue
		}
		if err != nil || kerr != nil {
			t.Errorf("%.40q: errors %v and %v", c.header, err, kerr)
			continue
		}
		if cred.token != c.token || cred.user != c.user || cred.pass != c.pass {
			t.Errorf("%.40q: token %q user %.20q pass %.20q, want %q %.20q %.20q", c.header, cred.token, cred.user, cred.pass, c.token, c.user, c.pass)
		}
		if key != cred.key {
			t.Errorf("%.40q: parseKey differs from parse's key", c.header)
		}
		want := cacheKey(a, c.user, c.pass)
		if c.token != "" {
			want = cacheKey(a, tokenUser, c.token)
		}
		if key != want {
			t.Errorf("%.40q: key is not the cache key of its parts", c.header)
		}
	}
	// A token and a password never share a key, nor do two splits of the
	// same bytes.
	if tok, _ := a.parseKey("Bearer x"); tok == cacheKey(a, "x", "") {
		t.Error("a token's key equals a user's")
	}
	if k1, k2 := cacheKey(a, "ab", "c"), cacheKey(a, "a", "bc"); k1 == k2 {
		t.Error("two splits of the same bytes share a key")
	}
}

// Looking up cached credentials (parseKey) allocates nothing: it runs on
// every authenticated request.
func TestParseKeyDoesNotAllocate(t *testing.T) {
	a := newAuthenticator(&Server{})
	for _, h := range []string{
		"Basic " + base64.StdEncoding.EncodeToString([]byte("reader:a-password-of-some-length")),
		"Bearer hrl_abcdefghijklmnopqrstuvwxyz0123456789abcdefghij",
	} {
		if n := testing.AllocsPerRun(100, func() { _, _ = a.parseKey(h) }); n != 0 {
			t.Errorf("%.12q: %v allocations per call, want 0", h, n)
		}
	}
}
