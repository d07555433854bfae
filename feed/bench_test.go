package feed_test

import (
	"bytes"
	"testing"

	"github.com/heraldcti/herald/feed"
)

// BenchmarkParseBuiltin parses the built-in advisory (about 10 KB of YAML).
func BenchmarkParseBuiltin(b *testing.B) {
	src := feed.Builtin()
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := feed.Parse(bytes.NewReader(src), "builtin.yaml"); err != nil {
			b.Fatal(err)
		}
	}
}
