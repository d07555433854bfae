package taxii

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/heraldcti/herald/store"
)

// A next token is stateless: everything needed to
// resume a walk travels in it, signed with HMAC-SHA256 under the store's
// TokenSecret, so it survives restarts and works for clients that send only
// next (+limit) on follow-up requests (Elastic ti_custom).
//
//	token = base64url(payload) "." base64url(HMAC-SHA256(key, tokenDomain || payload))
//
// The payload is JSON and binds the endpoint, the collection id, the object
// id (object and versions endpoints), the caller (a hash of the account
// name; anonymous is empty), the normalised filters including added_after
// (or, for very long match lists, their SHA-256), and the position
// (store.Position) of the last version already served.
// A token that fails the MAC, or whose binding differs from the request, is
// a 400: the client never gets data outside its original query or outside
// what it may read (TAXII 2.1 Appendix B).

const (
	tokenVersion = 1
	tokenDomain  = "herald taxii next v1\x00"
	maxTokenLen  = 48 << 10
)

// cursor is the signed content of a next token.
type cursor struct {
	V          int      `json:"v"`
	Endpoint   endpoint `json:"e"`
	Collection string   `json:"c"`
	Object     string   `json:"o,omitempty"`
	Caller     string   `json:"u,omitempty"`
	AddedAfter *int64   `json:"a,omitempty"` // µs since epoch
	IDs        []string `json:"i,omitempty"`
	Types      []string `json:"t,omitempty"`
	Versions   []string `json:"m,omitempty"`
	Specs      []string `json:"s,omitempty"`
	// FilterHash replaces IDs, Types, Versions and Specs when they are too
	// long to travel in a URL: the client must then resend them, and they
	// must hash to this value.
	FilterHash string         `json:"h,omitempty"`
	Position   store.Position `json:"p"`
}

// maxInlineFilters is the size (bytes of JSON) above which a token carries
// the hash of the match filters instead of the filters, keeping tokens
// short enough for any URL.
const maxInlineFilters = 2048

// filterHash is the hex SHA-256 of the normalised match filters.
func filterHash(f filters) string {
	b, _ := json.Marshal([4][]string{f.IDs, f.Types, f.Versions, f.SpecVersions})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func (c *cursor) filters() filters {
	f := filters{IDs: c.IDs, Types: c.Types, Versions: c.Versions, SpecVersions: c.Specs}
	if c.AddedAfter != nil {
		f.AddedAfter, f.HasAddedAfter = time.UnixMicro(*c.AddedAfter).UTC(), true
	}
	return f
}

// scope is what a token is bound to besides filters and position.
type scope struct {
	Endpoint   endpoint
	Collection string
	Object     string
	Caller     string
}

// callerTag is the caller identity bound into tokens: a short hash of the
// account name, so the name does not travel in URLs and logs.
func callerTag(name string) string {
	if name == "" {
		return ""
	}
	sum := sha256.Sum256([]byte("herald caller\x00" + name))
	return hex.EncodeToString(sum[:8])
}

// callerTag is callerTag(c.Name), computed when c was made (or now, for a
// caller made elsewhere).
func (c *caller) callerTag() string {
	if c.tag == "" && c.Name != "" {
		return callerTag(c.Name)
	}
	return c.tag
}

// tokenSigner makes and checks next tokens.
type tokenSigner struct {
	key []byte
}

func (ts tokenSigner) mac(payload []byte) []byte {
	return ts.appendMAC(nil, payload)
}

// macState is a reusable HMAC-SHA256 for one key: hmac.New allocates and
// hashes the padded key, about a fifth of the cost of a token.
type macState struct {
	key []byte
	h   hash.Hash
	sum [sha256.Size]byte
}

var macPool sync.Pool // of *macState

// appendMAC appends HMAC-SHA256(key, tokenDomain || payload) to dst.
func (ts tokenSigner) appendMAC(dst, payload []byte) []byte {
	st, _ := macPool.Get().(*macState)
	if st == nil || !bytes.Equal(st.key, ts.key) {
		st = &macState{key: bytes.Clone(ts.key), h: hmac.New(sha256.New, ts.key)}
	}
	st.h.Reset()
	st.h.Write([]byte(tokenDomain))
	st.h.Write(payload)
	dst = append(dst, st.h.Sum(st.sum[:0])...)
	macPool.Put(st)
	return dst
}

// sign returns the token resuming after pos for this scope and filters.
func (ts tokenSigner) sign(sc scope, f filters, pos store.Position) string {
	return string(ts.appendSign(nil, sc, f, pos))
}

// appendSign appends the token of sign to dst, allocating nothing when
// dst has room and every string of the cursor is plain ASCII (the usual
// case: a UUID, a STIX id, a hex caller tag, type names); the payload is
// then written by hand, byte for byte what json.Marshal writes
// (TestAppendCursorMatchesJSON), else by json.Marshal.
func (ts tokenSigner) appendSign(dst []byte, sc scope, f filters, pos store.Position) []byte {
	c := cursor{
		V: tokenVersion, Endpoint: sc.Endpoint, Collection: sc.Collection, Object: sc.Object,
		Caller: sc.Caller, IDs: f.IDs, Types: f.Types, Versions: f.Versions, Specs: f.SpecVersions,
		Position: pos,
	}
	if f.HasAddedAfter {
		us := f.AddedAfter.UnixMicro()
		c.AddedAfter = &us
	}
	if n := joinedLen(f.IDs) + joinedLen(f.Types) + joinedLen(f.Versions) + joinedLen(f.SpecVersions); n > maxInlineFilters {
		c.IDs, c.Types, c.Versions, c.Specs = nil, nil, nil, nil
		c.FilterHash = filterHash(f)
	}
	var scratch [512]byte
	payload, ok := appendCursor(scratch[:0], &c)
	if !ok {
		payload, _ = json.Marshal(c) // plain strings and ints: cannot fail
	}
	var mac [sha256.Size]byte
	enc := base64.RawURLEncoding
	dst = enc.AppendEncode(dst, payload)
	dst = append(dst, '.')
	return enc.AppendEncode(dst, ts.appendMAC(mac[:0], payload))
}

// joinedLen is len(strings.Join(list, ",")) without joining.
func joinedLen(list []string) int {
	n := 0
	for i, s := range list {
		if i > 0 {
			n++
		}
		n += len(s)
	}
	return n
}

// appendCursor appends c as json.Marshal encodes it, or reports false
// when a string needs escaping (then use json.Marshal).
func appendCursor(b []byte, c *cursor) ([]byte, bool) {
	ok := true
	str := func(b []byte, s string) []byte {
		for i := 0; i < len(s); i++ {
			ch := s[i]
			// json.Marshal escapes ", \, control bytes, <, >, & and
			// checks UTF-8 above 0x7f: leave all of those to it.
			if ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\' || ch == '<' || ch == '>' || ch == '&' {
				ok = false
				return b
			}
		}
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	list := func(b []byte, key string, l []string) []byte {
		if len(l) == 0 {
			return b
		}
		b = append(b, key...)
		b = append(b, '[')
		for i, s := range l {
			if i > 0 {
				b = append(b, ',')
			}
			b = str(b, s)
		}
		return append(b, ']')
	}
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(c.V), 10)
	b = append(b, `,"e":`...)
	b = strconv.AppendUint(b, uint64(c.Endpoint), 10)
	b = append(b, `,"c":`...)
	b = str(b, c.Collection)
	if c.Object != "" {
		b = append(b, `,"o":`...)
		b = str(b, c.Object)
	}
	if c.Caller != "" {
		b = append(b, `,"u":`...)
		b = str(b, c.Caller)
	}
	if c.AddedAfter != nil {
		b = append(b, `,"a":`...)
		b = strconv.AppendInt(b, *c.AddedAfter, 10)
	}
	b = list(b, `,"i":`, c.IDs)
	b = list(b, `,"t":`, c.Types)
	b = list(b, `,"m":`, c.Versions)
	b = list(b, `,"s":`, c.Specs)
	if c.FilterHash != "" {
		b = append(b, `,"h":`...)
		b = str(b, c.FilterHash)
	}
	b = append(b, `,"p":`...)
	b = strconv.AppendInt(b, int64(c.Position), 10)
	return append(b, '}'), ok
}

var (
	errTokenMalformed = errors.New("next is not a token issued by this server")
	errTokenScope     = errors.New("next belongs to a different collection, endpoint, object or caller")
)

// verify checks the MAC and the scope and returns the cursor.
func (ts tokenSigner) verify(token string, sc scope) (cursor, error) {
	var c cursor
	if len(token) > maxTokenLen {
		return c, errTokenMalformed
	}
	p64, m64, ok := strings.Cut(token, ".")
	if !ok {
		return c, errTokenMalformed
	}
	enc := base64.RawURLEncoding
	payload, err1 := enc.DecodeString(p64)
	mac, err2 := enc.DecodeString(m64)
	if err1 != nil || err2 != nil || !hmac.Equal(mac, ts.mac(payload)) {
		return c, errTokenMalformed
	}
	if err := json.Unmarshal(payload, &c); err != nil || c.V != tokenVersion {
		return c, errTokenMalformed
	}
	if c.Endpoint != sc.Endpoint || c.Collection != sc.Collection || c.Object != sc.Object || c.Caller != sc.Caller {
		return c, errTokenScope
	}
	return c, nil
}

// resolve combines a request's parameters with its next token, if any, and
// returns the effective filters and the position to resume after.
//
//   - No token: the request's filters, position 0.
//   - Token, request without match[...] filters: the token's filters (the
//     client dropped them, as Elastic does).
//   - Token, request with match[...] filters: they must equal the token's,
//     else 400.
//   - The token's added_after always wins over the request's (OpenCTI
//     resends its old added_after with next).
//   - A token for very long filter lists holds only their hash: the
//     request must resend filters with that hash.
func (ts tokenSigner) resolve(p params, sc scope) (filters, store.Position, error) {
	if p.Next == "" {
		return p.filters, 0, nil
	}
	c, err := ts.verify(p.Next, sc)
	if err != nil {
		return filters{}, 0, badRequest("%v", err)
	}
	tf := c.filters()
	if c.FilterHash != "" {
		if !p.hasMatch() || filterHash(p.filters) != c.FilterHash {
			return filters{}, 0, badRequest("next was issued for a long list of match[...] filters; resend exactly those filters with it")
		}
		tf.IDs, tf.Types, tf.Versions, tf.SpecVersions = p.IDs, p.Types, p.Versions, p.SpecVersions
	}
	if p.hasMatch() && !p.sameMatch(tf) {
		return filters{}, 0, badRequest("next was issued for different match[...] filters; resend the original filters or none")
	}
	if c.Position < 0 {
		return filters{}, 0, badRequest("%v", errTokenMalformed)
	}
	return tf, c.Position, nil
}
