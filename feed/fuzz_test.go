package feed_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldcti/herald/feed"
)

// FuzzParse checks that no input makes Parse panic, and that every failure
// is an ErrorList whose entries all name the file.
func FuzzParse(f *testing.F) {
	f.Add(feed.Builtin())
	f.Add([]byte(minimal))
	f.Add([]byte(minimal + "actors:\n  - {id: a, kind: threat-actor, name: A, first_seen: 2024-02}\n"))
	f.Add([]byte("advisory: [\n"))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte(""))
	if full, err := os.ReadFile(filepath.Join("..", "stix", "testdata", "convert", "full.yaml")); err == nil {
		f.Add(full)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := feed.Parse(strings.NewReader(string(data)), "fuzz.yaml")
		if err == nil {
			if a == nil || a.ID == "" || a.Published.IsZero() {
				t.Fatalf("Parse succeeded with an incomplete advisory: %+v", a)
			}
			return
		}
		var list feed.ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("error %v (%T) is not a non-empty ErrorList", err, err)
		}
		for _, e := range list {
			if e.File != "fuzz.yaml" || e.Msg == "" {
				t.Fatalf("bad error entry %+v", e)
			}
		}
	})
}
