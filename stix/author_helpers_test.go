package stix_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
)

func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite golden files")
	}
}

// authorUpdating reports whether -update was given.
func authorUpdating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

// authorValidateAll runs every object through stix.Validate and checks the
// indexed fields against the JSON.
func authorValidateAll(tb testing.TB, objs []stix.Object) {
	tb.Helper()
	for _, o := range objs {
		if err := stix.Validate(o); err != nil {
			tb.Errorf("Validate(%s): %v\n%s", o.ID, err, o.JSON)
		}
		var head struct {
			Type, ID, SpecVersion, Created, Modified string
		}
		var m map[string]any
		if err := json.Unmarshal(o.JSON, &m); err != nil {
			tb.Fatalf("%s: JSON: %v", o.ID, err)
		}
		head.Type, _ = m["type"].(string)
		head.ID, _ = m["id"].(string)
		head.SpecVersion, _ = m["spec_version"].(string)
		head.Created, _ = m["created"].(string)
		head.Modified, _ = m["modified"].(string)
		if head.Type != o.Type || head.ID != o.ID || head.SpecVersion != o.SpecVersion || head.Created != o.Created || head.Modified != o.Modified {
			tb.Errorf("%s: indexed fields %+v do not match the JSON %+v", o.ID, o, head)
		}
	}
}

// authorParse parses an advisory file from testdata/convert.
func authorParse(tb testing.TB, name string) *feed.Advisory {
	tb.Helper()
	a, err := feed.ParseFile(filepath.Join("testdata", "convert", name))
	if err != nil {
		tb.Fatalf("parse %s: %v", name, err)
	}
	return a
}

// authorConvert converts and fails the test on error.
func authorConvert(tb testing.TB, a *feed.Advisory, opts stix.ConvertOptions) []stix.Object {
	tb.Helper()
	objs, err := stix.ConvertAdvisory(a, opts)
	if err != nil {
		tb.Fatalf("ConvertAdvisory: %v", err)
	}
	return objs
}

// authorBuiltin converts the built-in advisory.
func authorBuiltin(tb testing.TB) []stix.Object {
	tb.Helper()
	a, err := feed.BuiltinAdvisory()
	if err != nil {
		tb.Fatal(err)
	}
	return authorConvert(tb, a, stix.ConvertOptions{})
}

// authorByID indexes objects by id.
func authorByID(objs []stix.Object) map[string]stix.Object {
	m := map[string]stix.Object{}
	for _, o := range objs {
		m[o.ID] = o
	}
	return m
}

// authorReadFile reads a file or fails.
func authorReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
