//go:build unix

package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

// Issue 10 §10: export -o honours the umask, and a collection that is not
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

// Issue 10 §10: the password prompt needs no stty(1) from PATH: it works
// with PATH pointing nowhere.
func TestPasswordPromptWithoutStty(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("script(1) is not installed")
	}
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	const pw = "typed-without-stty-1"
	cmd := exec.Command(script, "-qec", "PATH=/nonexistent exec "+heraldBin+" user add zed --db "+db, "/dev/null")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range 2 {
			time.Sleep(500 * time.Millisecond)
			stdin.Write([]byte(pw + "\n"))
		}
	}()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("user add without stty: %v\n%s", err, out.String())
		}
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatalf("user add did not finish:\n%s", out.String())
	}
	if strings.Contains(out.String(), pw) {
		t.Errorf("the password was echoed:\n%q", out.String())
	}
	s, err := store.Open(context.Background(), db, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, err := s.Account(context.Background(), "zed")
	if err != nil || !store.CheckPassword(a.PasswordHash, pw) {
		t.Fatalf("account zed: %+v, %v\n%s", a, err, out.String())
	}
}
