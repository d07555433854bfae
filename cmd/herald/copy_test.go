package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldcti/herald/internal/pgtest"
)

// TestCopyBoltToPostgresToBolt: `herald copy` moves a database from a
// file to PostgreSQL and back; the exports of every version of every
// collection, the accounts and the collections are identical at each
// step; `herald backup` of the PostgreSQL database is a bbolt file holding
// the same; a copy into a database that holds data is refused.
func TestCopyBoltToPostgresToBolt(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src.db")
	e := env{"HERALD_DB": src}
	path, _ := icsFile(t, dir)
	mustRun(t, e, "", "collection", "add", "--title", "ics", "--alias", "ics")
	mustRun(t, e, "", "collection", "add", "--title", "empty")
	mustRun(t, e, "", "import", "--collection", "ics", path)
	mustRun(t, e, "long enough password\n", "user", "add", "alice", "--password-stdin")
	mustRun(t, e, "another long password\n", "user", "add", "root", "--admin", "--password-stdin")
	mustRun(t, e, "", "user", "grant", "alice", "--collection", "ics", "--read")
	mustRun(t, e, "", "user", "token", "add", "alice")

	pg := pgtest.NewDB(t)
	back := filepath.Join(dir, "back.db")
	r := mustRun(t, nil, "", "copy", "--from", src, "--to", pg)
	if !strings.Contains(r.stderr, "copied 2 collections") || !strings.Contains(r.stderr, "2 accounts") {
		t.Errorf("copy summary: %s", r.stderr)
	}
	mustRun(t, nil, "", "copy", "--from", pg, "--to", back)

	state := func(db string) string {
		var b strings.Builder
		for _, args := range [][]string{
			{"collection", "list"},
			{"user", "list"},
			{"user", "token", "list", "alice"},
			{"export", "--collection", "ics", "--all-versions", "--format", "ndjson"},
			{"export", "--collection", "empty", "--all-versions", "--format", "ndjson"},
		} {
			r := mustRun(t, env{"HERALD_DB": db}, "", args...)
			b.WriteString(strings.Join(args, " ") + "\n" + r.stdout)
		}
		return b.String()
	}
	want := state(src)
	if strings.Count(want, "\n") < 1000 {
		t.Fatalf("the source holds too little to compare:\n%.500s", want)
	}
	if got := state(pg); got != want {
		t.Errorf("PostgreSQL copy differs from the source")
	}
	if got := state(back); got != want {
		t.Errorf("bbolt copy of the PostgreSQL copy differs from the source")
	}
	// herald backup of PostgreSQL writes a bbolt file holding the same.
	backup := filepath.Join(dir, "backup.db")
	mustRun(t, env{"HERALD_DB": pg}, "", "backup", "-o", backup)
	if got := state(backup); got != want {
		t.Errorf("the backup of the PostgreSQL copy differs from the source")
	}
	if r := run(t, nil, "", "copy", "--from", src, "--to", back); r.code == 0 || !strings.Contains(r.stderr, "not empty") {
		t.Errorf("copy into a database with data: exit %d, %s", r.code, r.stderr)
	}
	if r := runBin(t, dir, env{"HERALD_DB": pg}, "check"); r.code != 0 {
		t.Errorf("check of the PostgreSQL copy: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
