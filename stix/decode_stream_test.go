package stix

import (
	"fmt"
	"io"
	"testing"
)

// decodeBigBundle generates a bundle of n objects of about 1 KiB each,
// without holding it in memory.
type decodeBigBundle struct {
	n, i    int
	pending []byte
	done    bool
}

func (g *decodeBigBundle) Read(p []byte) (int, error) {
	for len(g.pending) == 0 {
		switch {
		case g.done:
			return 0, io.EOF
		case g.i == 0 && g.pending == nil:
			g.pending = []byte(`{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` + "\n")
			g.pending = append(g.pending, g.object()...)
		case g.i < g.n:
			g.pending = append([]byte(",\n"), g.object()...)
		default:
			g.pending = []byte("\n]}\n")
			g.done = true
		}
	}
	n := copy(p, g.pending)
	g.pending = g.pending[n:]
	return n, nil
}

func (g *decodeBigBundle) object() []byte {
	g.i++
	pad := make([]byte, 900)
	for i := range pad {
		pad[i] = 'a' + byte(i%26)
	}
	return []byte(fmt.Sprintf(`  {"type": "url", "spec_version": "2.1", "id": "url--%08x-0000-4000-8000-000000000000", "value": "https://example.com/%d", "x_pad": "%s"}`, g.i, g.i, pad))
}

// TestDecoderMemoryIsBoundedByTheLargestObject streams a 5 MB bundle and
// checks that the decoder's buffer never grows beyond a small multiple of
// its read chunk: memory does not grow with the input.
func TestDecoderMemoryIsBoundedByTheLargestObject(t *testing.T) {
	const n = 5000
	d := NewDecoder(&decodeBigBundle{n: n}, DecodeOptions{})
	count, maxCap := 0, 0
	for {
		o, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		count++
		if o.Type != "url" {
			t.Fatalf("object %d: type %q", count, o.Type)
		}
		if c := cap(d.r.buf); c > maxCap {
			maxCap = c
		}
	}
	if count != n {
		t.Fatalf("decoded %d objects, want %d", count, n)
	}
	if limit := 4 * decodeChunk; maxCap > limit {
		t.Errorf("decoder buffer grew to %d bytes for a %d-object stream, want at most %d", maxCap, n, limit)
	}
	if got := d.r.offset(len(d.r.buf)); got < 5_000_000 {
		t.Errorf("read only %d bytes", got)
	}
}
