package stix_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
)

// FuzzConvert checks the contract between feed and stix: every advisory
// that feed.Parse accepts converts without error, twice to the same bytes,
// and every object it yields passes stix.Validate.
func FuzzConvert(f *testing.F) {
	f.Add(feed.Builtin())
	f.Add(authorReadFile(f, filepath.Join("testdata", "convert", "full.yaml")))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := feed.Parse(bytes.NewReader(data), "fuzz.yaml")
		if err != nil {
			return
		}
		objs, err := stix.ConvertAdvisory(a, stix.ConvertOptions{})
		if err != nil {
			t.Fatalf("feed accepted the advisory but ConvertAdvisory failed: %v", err)
		}
		again, err := stix.ConvertAdvisory(a, stix.ConvertOptions{Previous: objs})
		if err != nil {
			t.Fatalf("re-import failed: %v", err)
		}
		if !bytes.Equal(convertGoldenBytes(objs), convertGoldenBytes(again)) {
			t.Fatal("re-import changed bytes")
		}
		for _, o := range objs {
			if err := stix.Validate(o); err != nil {
				t.Fatalf("%v\n%s", err, o.JSON)
			}
		}
	})
}
