//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Export -o honours the umask, and a collection that is not
// public is written readable by the owner only. Before, every export was
// 0644 whatever the umask.
func TestExportFileMode(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	e := env{"HERALD_DB": db}
	mustRun(t, e, "", "collection", "add", "--title", "priv")
	mustRun(t, e, "", "collection", "add", "--title", "pub", "--public")
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, c := range []struct {
		coll  string
		umask int
		want  os.FileMode
	}{
		{"pub", 0o022, 0o644},
		{"pub", 0o077, 0o600},
		{"pub", 0o002, 0o664},
		{"priv", 0o022, 0o600},
		{"priv", 0o000, 0o600},
	} {
		syscall.Umask(c.umask)
		out := filepath.Join(dir, c.coll+".json")
		mustRun(t, e, "", "export", "--collection", c.coll, "-o", out)
		fi, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("export of %s with umask %03o: mode %03o, want %03o", c.coll, c.umask, got, c.want)
		}
	}
}
