package stix_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/heraldcti/herald/stix"
)

// manyNonObjects is an envelope of n non-object elements, three per line
// after the first line, with multi-byte characters that count as one
// column each: `"é"` elements.
func manyNonObjects(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"objects":[`)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
			if i%3 == 0 {
				b.WriteByte('\n')
			}
		}
		b.WriteString(`"é"`)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// elementPlace is where element i of manyNonObjects starts.
func elementPlace(i int) (line, col int) {
	if i < 3 {
		return 1, 13 + 4*i // `{"objects":[` is 12 columns; `"é",` is 4
	}
	return 1 + i/3, 1 + 4*(i%3)
}

// Every element of a long array is reported at its own line and column,
// whether the input is in memory or streamed in small reads (which makes
// the decoder drop consumed input while it goes). Found by the TAXII
// hostile-input tests: each position used to be counted from the start
// of the buffer, so an envelope of 100,000 numbers took seconds of CPU.
func TestDecodeReportsEveryElementErrorAtItsPlace(t *testing.T) {
	const n = 200_000
	data := manyNonObjects(n)
	check := func(t *testing.T, i int, ee *stix.ElementError) {
		t.Helper()
		line, col := elementPlace(i)
		if ee.Index != i || ee.Line != line || ee.Column != col {
			t.Fatalf("element %d: reported as index %d at %d:%d, want %d:%d", i, ee.Index, ee.Line, ee.Column, line, col)
		}
	}
	t.Run("Decode", func(t *testing.T) {
		objs, err := stix.Decode(data, stix.DecodeOptions{})
		var errs stix.ElementErrors
		// Decode keeps the first MaxElementErrors and counts the rest.
		if !errors.As(err, &errs) || len(objs) != 0 || len(errs) != stix.MaxElementErrors || stix.ElementErrorCount(err) != n {
			t.Fatalf("Decode: %d objects, %d element errors kept, %d counted, err %T; want %d kept of %d", len(objs), len(errs), stix.ElementErrorCount(err), err, stix.MaxElementErrors, n)
		}
		for i, ee := range errs {
			check(t, i, ee)
		}
	})
	t.Run("Decoder", func(t *testing.T) {
		dec := stix.NewDecoder(iotest.HalfReader(strings.NewReader(string(data))), stix.DecodeOptions{})
		for i := 0; ; i++ {
			_, err := dec.Next()
			if err == io.EOF {
				if i != n {
					t.Fatalf("EOF after %d elements, want %d", i, n)
				}
				return
			}
			var ee *stix.ElementError
			if !errors.As(err, &ee) {
				t.Fatalf("element %d: %v, want an *ElementError", i, err)
			}
			check(t, i, ee)
		}
	})
}

// BenchmarkDecodeManyElementErrors decodes a 10 MB envelope of numbers,
// the worst case for error positions (one per element).
func BenchmarkDecodeManyElementErrors(b *testing.B) {
	data := append(append([]byte(`{"objects":[`), bytes.Repeat([]byte("1,\n"), 10<<20/3)...), "1]}"...)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := stix.Decode(data, stix.DecodeOptions{}); err == nil {
			b.Fatal("no element errors")
		}
	}
}
