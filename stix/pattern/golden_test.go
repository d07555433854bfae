package pattern_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/ast.golden")

// TestGolden renders the tree, canonical string, object types and paths of
// each pattern in testdata/golden_inputs.txt and compares them with
// testdata/ast.golden. Run with -update after an intended change and review
// the diff.
func TestGolden(t *testing.T) {
	var b strings.Builder
	for _, c := range readCorpus(t, "testdata/golden_inputs.txt") {
		p := mustParse(t, c.text)
		fmt.Fprintf(&b, "== %s\n", c.text)
		fmt.Fprintf(&b, "canonical: %s\n", p)
		fmt.Fprintf(&b, "types: %q\n", p.ObjectTypes())
		fmt.Fprintf(&b, "paths: %q\n", p.Paths())
		b.WriteString(dump(p, true))
		b.WriteByte('\n')
	}
	got := b.String()
	const golden = "testdata/ast.golden"
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatalf("write golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden (run with -update to create it): %v", err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := 0; i < len(gl) || i < len(wl); i++ {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs at line %d:\n got %s\nwant %s\n(run go test -run TestGolden -update to accept)", golden, i+1, g, w)
			}
		}
	}
}
