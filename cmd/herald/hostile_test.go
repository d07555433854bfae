package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hostile files given to `herald import`: each is refused with an error
// naming the file (and the line and column where there is one), exit
// status 1, and the stored data is exactly what it was.

// hostileBundle is a valid bundle of n identities, one per line.
func hostileBundle(n int) []byte {
	objs := make([]string, n)
	for i := range objs {
		objs[i] = "\n" + identityJSON(fmt.Sprintf("%08d-0000-4000-8000-000000000000", i), fmt.Sprintf("n%d", i), "2024-01-01T00:00:00.000Z")
	}
	return []byte(`{"type":"bundle","id":"bundle--6b0a0b1e-2f0e-4f5a-9b3c-0d2f3a4b5c6d","objects":[` + strings.Join(objs, ",") + "\n]}")
}

func gzipBytes(b []byte) []byte {
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return out.Bytes()
}

// billionLaughs is the YAML alias bomb: nine levels of nine aliases.
func billionLaughs() []byte {
	var b strings.Builder
	b.WriteString("advisory:\n  id: bomb\n")
	b.WriteString(`l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]` + "\n")
	for i := 1; i < 9; i++ {
		fmt.Fprintf(&b, "l%d: &l%d [", i, i)
		for j := 0; j < 9; j++ {
			if j > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, "*l%d", i-1)
		}
		b.WriteString("]\n")
	}
	return []byte(b.String())
}

// storedState is what export and check say about the collection.
func storedState(t *testing.T, e env) string {
	t.Helper()
	mustRun(t, e, "", "check")
	return mustRun(t, e, "", "export", "--collection", "t", "--all-versions", "--format", "ndjson").stdout
}

func TestImportRefusesHostileFilesAndWritesNothing(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "t")
	seed := filepath.Join(dir, "seed.json")
	writeBundle(t, seed, identityJSON("99999999-9999-4999-8999-999999999999", "seed", "2024-01-01T00:00:00.000Z"))
	mustRun(t, e, "", "import", "--collection", "t", seed)
	before := storedState(t, e)

	bundle := hostileBundle(50)
	gz := gzipBytes(bundle)
	random := make([]byte, 4096)
	rand.New(rand.NewSource(1)).Read(random)
	random[0] = 0x89 // not '{', '[' or gzip: content sniffing says YAML
	tests := []struct {
		name string
		data []byte // nil: a directory
		want []string
	}{
		{"bundle-truncated.json", bundle[:len(bundle)/2], []string{"line 26, column", "unexpected end of input"}},
		{"bundle-truncated.json.gz", gz[:len(gz)/2], []string{"gunzip", "truncated"}},
		{"bundle-corrupt.json.gz", append(append([]byte{}, gz[:20]...), bytes.Repeat([]byte{0xff}, 200)...), []string{"gunzip"}},
		{"bomb.yaml", billionLaughs(), []string{"bomb.yaml:3:5", "anchors and aliases"}},
		{"random.bin", random, []string{"random.bin:1:1", "byte 0x89 is not UTF-8 text"}},
		{"zeros.yaml", make([]byte, 1000), []string{"zeros.yaml:1:1", "byte 0x00"}},
		{"empty.json", []byte{}, []string{"line 1, column 1", "empty input"}},
		{"empty", []byte{}, []string{"empty input"}},
		{"blank.yaml", []byte("\n\n  \n"), []string{"file is empty"}},
		{"nested.json", []byte(strings.Repeat("[", 100_000)), []string{"line 1, column", "nested deeper"}},
		{"nested.yaml", []byte("a: " + strings.Repeat("[", 100_000) + "\n"), []string{"nested.yaml", "depth"}},
		{"huge.yaml", append([]byte("advisory:\n  title: "), bytes.Repeat([]byte("x"), 2<<20)...), []string{"huge.yaml", "larger than"}},
		{"a-directory", nil, []string{"is a directory"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			if tc.data == nil {
				if err := os.Mkdir(path, 0o700); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			// --atomic: a file that cannot be read whole writes nothing.
			r := run(t, e, "", "import", "--atomic", "--collection", "t", path)
			if r.code != 1 {
				t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
			}
			for _, want := range append([]string{"rejected: " + path + ": (file): "}, tc.want...) {
				if !strings.Contains(r.stderr, want) {
					t.Errorf("stderr does not name %q:\n%.1000s", want, r.stderr)
				}
			}
			if strings.Contains(r.stderr, "panic") {
				t.Errorf("stderr mentions a panic:\n%s", r.stderr)
			}
			if after := storedState(t, e); after != before {
				t.Errorf("stored data changed:\nbefore %s\nafter  %s", before, after)
			}
		})
	}
}

// Without --atomic a truncated bundle keeps the whole objects before the
// break (documented: valid objects land), each complete, and says where
// the file broke; the store stays consistent and a re-import of the whole
// file completes it.
func TestImportOfTruncatedBundleKeepsWholeObjectsOnly(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "t")
	bundle := hostileBundle(50)
	cut := bytes.Index(bundle, []byte(`"name":"n20"`)) // inside object 20
	path := filepath.Join(dir, "cut.json")
	if err := os.WriteFile(path, bundle[:cut], 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, e, "", "import", "--collection", "t", path)
	if r.code != 1 || !strings.Contains(r.stderr, "cut.json: (file): stix: invalid JSON at line 22") || !strings.Contains(r.stderr, "20 added") {
		t.Fatalf("exit %d, want 1 with 20 added and the place of the break\n%s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(storedState(t, e)), "\n")
	if len(lines) != 20 {
		t.Fatalf("%d objects stored, want the 20 before the break", len(lines))
	}
	for i, l := range lines {
		if !strings.HasSuffix(l, `"identity_class":"organization"}`) {
			t.Errorf("object %d is not whole: %s", i, l)
		}
	}
	full := filepath.Join(dir, "full.json")
	if err := os.WriteFile(full, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	if r := mustRun(t, e, "", "import", "--collection", "t", full); !strings.Contains(r.stderr, "30 added, 0 new versions, 20 unchanged") {
		t.Fatalf("re-import of the whole file:\n%s", r.stderr)
	}
}

// Hostile export flags are usage errors naming the flag, and -o into a
// directory that does not exist names the file asked for.
func TestExportRefusesHostileFlags(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "t")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--type", "INDICATOR"}, 2, `--type "INDICATOR": a STIX type is lower-case`},
		{[]string{"--type", "indicator,x y"}, 2, `--type "x y"`},
		{[]string{"--type", ",,,"}, 2, "empty list"},
		{[]string{"--added-after", "9999-99-99"}, 2, `--added-after "9999-99-99"`},
		{[]string{"--format", "xml"}, 2, `--format "xml"`},
		{[]string{"-o", filepath.Join(dir, "missing", "x.json")}, 1, "write " + filepath.Join(dir, "missing", "x.json") + ":"},
	} {
		r := run(t, e, "", append([]string{"export", "--collection", "t"}, c.args...)...)
		if r.code != c.code || !strings.Contains(r.stderr, c.want) {
			t.Errorf("export %v: exit %d, want %d and %q\n%s", c.args, r.code, c.code, c.want, r.stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("export created %s: %v", filepath.Join(dir, "missing"), err)
	}
}

// A file of a million non-objects is a million rejections, counted
// exactly, but only the first thousand are kept and listed; the reason
// the file stopped being read is always listed.
func TestImportListsAThousandRejectionsAndCountsTheRest(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "t")
	const n = 1_000_000
	path := filepath.Join(dir, "numbers.json")
	body := `{"objects":[` + strings.TrimSuffix(strings.Repeat("1,", n), ",") + `,{"type":` // truncated at the end
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, e, "", "import", "--collection", "t", path)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1", r.code)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	listed := 0
	for _, l := range lines {
		if strings.HasPrefix(l, "rejected: "+path+": objects[") {
			listed++
		}
	}
	if listed != 1000 {
		t.Errorf("%d rejections listed, want 1000", listed)
	}
	for _, want := range []string{
		"rejected: 999,000 more objects, not listed",
		"rejected: " + path + ": (file): stix: invalid JSON",
		"0 added, 0 new versions, 0 unchanged, 0 replaced, 0 conflicts kept, 1,000,001 rejected",
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%.2000s", want, strings.Join(lines[max(0, len(lines)-5):], "\n"))
		}
	}
}

// Through --server, a batch with more conflicts than the server's status
// lists (Herald lists 10,000 failures): the listed ones are conflicts
// kept, the unlisted ones count as rejected (the client cannot tell what
// they were): none is mistaken for an addition.
func TestServerImportCountsUnlistedFailuresAsRejected(t *testing.T) {
	s := startServer(t, "--max-content-length", "8388608")
	admin := s.adminEnv()
	dir := t.TempDir()
	mustRun(t, admin, "", "collection", "add", "--title", "t")
	const n = 10_050
	objs := make([]string, n)
	changed := make([]string, n)
	for i := range objs {
		uuid := fmt.Sprintf("%08x-0000-4000-8000-000000000000", i)
		objs[i] = identityJSON(uuid, "first", "2024-01-01T00:00:00.000Z")
		changed[i] = identityJSON(uuid, "other", "2024-01-01T00:00:00.000Z") // same version, other bytes
	}
	first, second := filepath.Join(dir, "first.json"), filepath.Join(dir, "second.json")
	writeBundle(t, first, objs...)
	writeBundle(t, second, changed...)
	if r := mustRun(t, admin, "", "import", "--collection", "t", "--batch", "20000", first); !strings.Contains(r.stderr, "10,050 added") {
		t.Fatalf("first import:\n%.2000s", r.stderr)
	}
	r := run(t, admin, "", "import", "--collection", "t", "--batch", "20000", second)
	if r.code != 1 || !strings.Contains(r.stderr, "0 added, 0 new versions, 0 unchanged, 0 replaced, 10,000 conflicts kept, 50 rejected") {
		t.Fatalf("conflicting import: exit %d\n%.3000s", r.code, r.stderr[max(0, len(r.stderr)-3000):])
	}
}
