package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeLargeBundle streams a bundle of n small valid identities to path
// and returns their ids in order.
func writeLargeBundle(t testing.TB, path string, n int) []string {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	ids := make([]string, n)
	w.WriteString(`{"type":"bundle","id":"bundle--0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","objects":[`)
	for i := range n {
		ids[i] = fmt.Sprintf("identity--%08x-0000-4000-8000-%012x", i, i)
		if i > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, `{"type":"identity","spec_version":"2.1","id":%q,"created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"org %d"}`, ids[i], i)
	}
	w.WriteString("]}\n")
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return ids
}

// A kill -9 in the middle of a large import leaves a database that passes
// `herald check`, holding exactly the batches committed before the kill:
// each wholly, in order, and nothing of the batch in flight.
func TestKill9DuringLargeImportLeavesWholeBatches(t *testing.T) {
	const total, batch = 50_000, 5_000
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	e := env{"HERALD_DB": db}
	mustRun(t, e, "", "collection", "add", "--title", "bulk")
	path := filepath.Join(dir, "large.json")
	ids := writeLargeBundle(t, path, total)

	p := startProcess(t, dir, e, "import", "-v", "--collection", "bulk", "--batch", fmt.Sprint(batch), path)
	p.waitFor(t, regexp.MustCompile(`^committed 15,000 objects$`))
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	<-p.done

	// The checks run the built binary too: the race-instrumented test
	// process is many times slower at bulk work.
	r := runBin(t, dir, e, "check")
	if r.code != 0 {
		t.Fatalf("check after kill -9: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runBin(t, dir, e, "export", "--collection", "bulk", "--format", "ndjson")
	if r.code != 0 {
		t.Fatalf("export: exit %d\n%s", r.code, r.stderr)
	}
	nd := r.stdout
	lines := strings.Split(strings.TrimSuffix(nd, "\n"), "\n")
	n := len(lines)
	if n < 15_000 || n%batch != 0 {
		t.Fatalf("%d objects stored after the kill, want a whole number of %d-object batches, at least 15,000", n, batch)
	}
	t.Logf("%d of %d objects were committed before the kill", n, total)
	re := regexp.MustCompile(`"id":"([^"]+)"`)
	for i, l := range lines {
		m := re.FindStringSubmatch(l)
		if m == nil || m[1] != ids[i] {
			t.Fatalf("stored object %d is %.80s, want %s", i, l, ids[i])
		}
	}
	// The import can be run again to completion.
	r = runBin(t, dir, e, "import", "--collection", "bulk", path)
	want := fmt.Sprintf("%s added, 0 new versions, %s unchanged, 0 replaced, 0 conflicts kept, 0 rejected", formatCount(int64(total-n)), formatCount(int64(n)))
	if r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("resumed import: want %q in\n%s", want, r.stderr)
	}
}

// runBin runs the built binary to completion (see binCmd).
func runBin(t *testing.T, dir string, e env, args ...string) result {
	t.Helper()
	cmd := binCmd(dir, e, args...)
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("run herald %v: %v", args, err)
		}
		code = ee.ExitCode()
	}
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}
