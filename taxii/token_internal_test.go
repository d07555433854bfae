package taxii

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

// The hand-written token payload is byte for byte what json.Marshal
// writes, and sign and appendSign agree; strings that need escaping fall
// back to json.Marshal.
func TestAppendCursorMatchesJSON(t *testing.T) {
	aa := int64(1700000000123456)
	neg := int64(-5)
	cases := []cursor{
		{V: 1, Endpoint: epObjects, Collection: "8b1f8a52-0000-4000-8000-000000000001", Position: 1},
		{V: 1, Endpoint: epObject, Collection: "c", Object: "indicator--1", Caller: "abcdef0123456789", AddedAfter: &aa, Position: 1 << 60},
		{V: 1, Endpoint: epManifest, Collection: "c", AddedAfter: &neg, IDs: []string{"a", "b"}, Types: []string{"indicator"},
			Versions: []string{"first", "last", "2020-01-01T00:00:00.000Z"}, Specs: []string{"2.0", "2.1"}, Position: -1},
		{V: 1, Endpoint: epVersions, Collection: "c", FilterHash: "00ff", Position: 0},
		{V: 1, Endpoint: epObjects, Collection: "c", Types: []string{"a<b"}, Position: 2},           // escaped by json
		{V: 1, Endpoint: epObjects, Collection: "c", Types: []string{"quote\"back\\"}, Position: 2}, // escaped by json
		{V: 1, Endpoint: epObjects, Collection: "c", Types: []string{"é\x01"}, Position: 2},         // escaped by json
	}
	for i, c := range cases {
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := appendCursor(nil, &c)
		if ok && string(got) != string(want) {
			t.Errorf("case %d: appendCursor = %s, json.Marshal = %s", i, got, want)
		}
		if !ok && i < 4 {
			t.Errorf("case %d: plain strings fell back to json.Marshal", i)
		}
	}
	ts := tokenSigner{key: []byte("0123456789abcdef0123456789abcdef")}
	sc := scope{Endpoint: epObjects, Collection: "c", Caller: "u"}
	for _, f := range []filters{
		{},
		{Types: []string{"indicator", "malware"}, AddedAfter: time.UnixMicro(aa).UTC(), HasAddedAfter: true},
		{IDs: []string{"x<y"}},
	} {
		tok := ts.sign(sc, f, 42)
		if got := string(ts.appendSign([]byte("prefix"), sc, f, 42)); got != "prefix"+tok {
			t.Errorf("appendSign = %q, sign = %q", got, tok)
		}
		c, err := ts.verify(tok, sc)
		if err != nil || c.Position != store.Position(42) || len(c.Types) != len(f.Types) || len(c.IDs) != len(f.IDs) {
			t.Errorf("verify(sign(%+v)) = %+v, %v", f, c, err)
		}
	}
}

// putHead puts the head in front of the body, in the reserved room or, for
// a head longer than the room (a next token with long inline filters), by
// moving the body; the bytes are the same either way.
func TestPutHead(t *testing.T) {
	for _, n := range []int{0, 1, headRoom - 1, headRoom, headRoom + 1, 3 * headRoom} {
		buf := make([]byte, 0, 64)
		w := &bodyWriter{buf: &buf}
		w.reserveHead()
		_, _ = w.Write([]byte("objects"))
		head := make([]byte, n)
		for i := range head {
			head[i] = 'a' + byte(i%26)
		}
		w.putHead(head)
		if got, want := string((*w.buf)[w.off:]), string(head)+"objects"; got != want {
			t.Errorf("head of %d bytes: body %q, want %q", n, got, want)
		}
	}
}
