package stix_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix"
)

// TestValidateGolden validates each object in testdata/validate/invalid
// (taken as it is, compacted) and compares every problem reported with the
// .golden file next to it (go test -run TestValidateGolden -update
// rewrites them).
func TestValidateGolden(t *testing.T) {
	for _, path := range validateFixtureNames(t, filepath.Join("testdata", "validate", "invalid")) {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := json.Compact(&buf, data); err != nil {
				t.Fatal(err)
			}
			o := stix.Object{JSON: buf.Bytes()}
			// Fill the indexed fields the way the decoder does.
			var m map[string]any
			if json.Unmarshal(data, &m) == nil {
				o.Type, _ = m["type"].(string)
				o.ID, _ = m["id"].(string)
				o.SpecVersion, _ = m["spec_version"].(string)
				o.Created, _ = m["created"].(string)
				o.Modified, _ = m["modified"].(string)
			}
			var got strings.Builder
			err = stix.Validate(o)
			if err == nil {
				t.Fatalf("invalid fixture accepted")
			}
			ve := err.(*stix.ValidationError)
			fmt.Fprintf(&got, "object: %q\n", ve.ObjectID)
			for _, p := range ve.Problems {
				fmt.Fprintf(&got, "%s\n", p)
			}
			golden := strings.TrimSuffix(path, ".json") + ".golden"
			if validateUpdating() {
				if err := os.WriteFile(golden, []byte(got.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got.String() != string(want) {
				t.Fatalf("problems differ from %s\ngot:\n%s\nwant:\n%s", golden, got.String(), want)
			}
		})
	}
}
