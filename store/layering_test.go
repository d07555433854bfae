package store_test

import (
	"go/build"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// TestLayering checks the storage seam's import rules on the repository's
// source (test files aside): only store/bolt imports bbolt; store imports
// no backend and no driver; taxii and the storage backends import no
// backend other than themselves; only programs (cmd/herald, loadprep)
// choose backends.
func TestLayering(t *testing.T) {
	const module = "github.com/heraldcti/herald"
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	backends := map[string]bool{module + "/store/bolt": true, module + "/store/postgres": true}
	drivers := []string{"go.etcd.io/bbolt", "github.com/jackc/pgx", "github.com/lib/pq", "database/sql"}
	mayChooseBackends := map[string]bool{module + "/cmd/herald": true, module + "/internal/loadprep": true}
	seen := 0
	err = filepath.WalkDir(root, func(dir string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if name := d.Name(); dir != root && (strings.HasPrefix(name, ".") || name == "testdata") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			return nil // no Go files here
		}
		rel, err := filepath.Rel(root, dir)
		if err != nil {
			return err
		}
		path := module
		if rel != "." {
			path += "/" + filepath.ToSlash(rel)
		}
		seen++
		for _, imp := range pkg.Imports {
			for _, drv := range drivers {
				if (imp == drv || strings.HasPrefix(imp, drv+"/")) && !backends[path] {
					t.Errorf("%s imports the driver %s: only a backend under store/ may", path, imp)
				}
			}
			if imp == "go.etcd.io/bbolt" || strings.HasPrefix(imp, "go.etcd.io/bbolt/") {
				if path != module+"/store/bolt" {
					t.Errorf("%s imports %s: only store/bolt may", path, imp)
				}
			}
			if backends[imp] && !mayChooseBackends[path] {
				t.Errorf("%s imports the backend %s: use store.Store and store.Open", path, imp)
			}
			if path == module+"/store" && strings.HasPrefix(imp, module+"/") && imp != module+"/stix" {
				t.Errorf("store imports %s: it may import only stix of Herald's packages", imp)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen < 8 {
		t.Fatalf("found %d packages under %s: not the repository", seen, root)
	}
}
