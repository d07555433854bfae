package stix

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
)

// spaces is a reader of n spaces.
type spaces struct{ n int64 }

func (s *spaces) Read(p []byte) (int, error) {
	if s.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.n {
		p = p[:s.n]
	}
	for i := range p {
		p[i] = ' '
	}
	s.n -= int64(len(p))
	return len(p), nil
}

const memTestObject = `{"type":"identity","spec_version":"2.1","id":"identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a","created":"2020-01-01T00:00:00Z","modified":"2020-01-01T00:00:00Z","name":"x"}`

// Whitespace between elements is dropped as it is read, so a
// stream of 64 MiB of spaces between two objects keeps the decode buffer
// small. Before, the buffer grew to hold every space.
func TestDecoderWhitespaceBetweenElementsIsFlat(t *testing.T) {
	for _, prefix := range []string{`[`, `{"type":"bundle","id":"bundle--8ce3f695-d5a4-4dc8-9e93-a65af453a31a","objects":[`} {
		in := io.MultiReader(strings.NewReader(prefix+memTestObject+","), &spaces{n: 64 << 20},
			strings.NewReader(memTestObject), &spaces{n: 16 << 20}, strings.NewReader("]"), &spaces{n: 1 << 20}, strings.NewReader(map[bool]string{true: "}", false: ""}[prefix != "["]))
		d := NewDecoder(in, DecodeOptions{})
		n := 0
		for {
			_, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s…: %v", prefix[:1], err)
			}
			n++
		}
		if n != 2 {
			t.Fatalf("decoded %d objects, want 2", n)
		}
		if c := cap(d.r.buf); c > 1<<20 {
			t.Fatalf("%s…: the decode buffer grew to %d bytes for whitespace", prefix[:1], c)
		}
	}
}

// Whitespace inside the top-level object before its "objects" array (kept
// whole until the shape is known) counts against MaxObjectBytes.
func TestDecoderWhitespaceInTopObjectIsLimited(t *testing.T) {
	in := io.MultiReader(strings.NewReader(`{"type":"bundle",`), &spaces{n: 8 << 20}, strings.NewReader(`"objects":[]}`))
	d := NewDecoder(in, DecodeOptions{MaxObjectBytes: 1 << 20})
	_, err := d.Next()
	var le *LimitError
	if !errors.As(err, &le) {
		t.Fatalf("8 MiB of spaces in the top-level object with MaxObjectBytes 1 MiB: %v, want a LimitError", err)
	}
	if c := cap(d.r.buf); c > 4<<20 {
		t.Fatalf("the decode buffer grew to %d bytes", c)
	}
}

// Decode keeps at most MaxElementErrors element errors and
// counts the rest, so an 8 MB body of [1,1,…] allocates little. Before,
// every one of 4 million elements kept an *ElementError.
func TestDecodeElementErrorsAreBounded(t *testing.T) {
	const n = 4 << 20
	var b bytes.Buffer
	b.Grow(2*n + 2)
	b.WriteByte('[')
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('1')
	}
	b.WriteByte(']')
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	objs, err := Decode(b.Bytes(), DecodeOptions{})
	runtime.ReadMemStats(&after)
	if len(objs) != 0 {
		t.Fatalf("%d objects", len(objs))
	}
	var more *MoreElementErrors
	if !errors.As(err, &more) || more.Count != n || len(more.Kept) != MaxElementErrors {
		t.Fatalf("err %T: want *MoreElementErrors with Count %d and %d kept", err, n, MaxElementErrors)
	}
	var ee ElementErrors
	if !errors.As(err, &ee) || len(ee) != MaxElementErrors || ElementErrorCount(err) != n {
		t.Fatalf("errors.As to ElementErrors: %d; count %d", len(ee), ElementErrorCount(err))
	}
	if live := int64(after.HeapAlloc) - int64(before.HeapAlloc); live > 64<<20 {
		t.Fatalf("Decode of an 8 MB body of numbers holds %d MB of heap", live>>20)
	}
}
