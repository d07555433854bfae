package stix_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix"
)

// The -update flag rewrites golden files. Another test file of the package
// may define it too; register it only once.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

func validateUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// validateObject builds an Object from the JSON text of one object the way
// Decode does (as the element of an array, so that an object without
// "type" still comes out).
func validateObject(tb testing.TB, text string) stix.Object {
	tb.Helper()
	objs, err := stix.Decode([]byte("["+text+"]"), stix.DecodeOptions{})
	if err != nil {
		tb.Fatalf("decode %s: %v", text, err)
	}
	if len(objs) != 1 {
		tb.Fatalf("decode %s: got %d objects, want 1", text, len(objs))
	}
	return objs[0]
}

// validateProblems returns the problems Validate reports (nil when valid).
func validateProblems(tb testing.TB, o stix.Object) []stix.Problem {
	tb.Helper()
	err := stix.Validate(o)
	if err == nil {
		return nil
	}
	var ve *stix.ValidationError
	if !errors.As(err, &ve) {
		tb.Fatalf("Validate returned %T (%v), want *stix.ValidationError", err, err)
	}
	if len(ve.Problems) == 0 {
		tb.Fatalf("ValidationError with no problems: %v", err)
	}
	return ve.Problems
}

// validateHas reports whether some problem is about property prop and its
// reason contains substr.
func validateHas(ps []stix.Problem, prop, substr string) bool {
	for _, p := range ps {
		if p.Property == prop && strings.Contains(p.Reason, substr) {
			return true
		}
	}
	return false
}

// validateFixture reads testdata/validate/<dir>/<name>.json as a map.
func validateFixture(tb testing.TB, path string) map[string]any {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return m
}

// validateMarshal encodes m as an Object (map keys come out sorted).
func validateMarshal(tb testing.TB, m map[string]any) stix.Object {
	tb.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(m); err != nil {
		tb.Fatal(err)
	}
	return validateObject(tb, buf.String())
}

// validateFixtureNames lists the .json files in a testdata directory.
func validateFixtureNames(tb testing.TB, dir string) []string {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatalf("no fixtures in %s", dir)
	}
	sort.Strings(files)
	return files
}
