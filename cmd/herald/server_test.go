package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

// Everything through --server against a live server: collections,
// accounts, grants, passwords, tokens, import (TAXII POST in chunks of
// max_content_length), export (TAXII paging), check and a hot backup.
func TestServerModeAgainstALiveServer(t *testing.T) {
	// A small max_content_length forces the import into many requests,
	// a small page size the export into many pages.
	s := startServer(t, "--max-content-length", "262144", "--max-page-size", "100")
	admin := s.adminEnv()
	dir := t.TempDir()

	id := strings.TrimSpace(mustRun(t, admin, "", "collection", "add", "--title", "ATT&CK for ICS", "--alias", "ics").stdout)
	if !strings.Contains(mustRun(t, admin, "", "collection", "list").stdout, id) {
		t.Fatal("new collection not listed through the server")
	}

	// The first 400 objects of ATT&CK for ICS: the whole bundle round
	// trips in TestImportExportRoundTripsICSBundleByteForByte.
	_, want := icsFile(t, dir)
	want = want[:400]
	path := filepath.Join(dir, "ics-400.json")
	writeBundle(t, path, func() []string {
		objs := make([]string, len(want))
		for i, o := range want {
			objs[i] = string(o)
		}
		return objs
	}()...)
	r := mustRun(t, admin, "", "import", "--collection", "ics", path)
	if !strings.Contains(r.stderr, "400 added, 0 new versions, 0 unchanged, 0 replaced, 0 conflicts kept, 0 rejected") {
		t.Fatalf("import through the server:\n%s", r.stderr)
	}
	sameObjects(t, bundleObjects(t, []byte(mustRun(t, admin, "", "export", "--collection", "ics").stdout)), want)
	r = mustRun(t, admin, "", "import", "--collection", "ics", path)
	if !strings.Contains(r.stderr, "0 added, 0 new versions, 400 unchanged, 0 replaced, 0 conflicts kept, 0 rejected") {
		t.Fatalf("second import through the server:\n%s", r.stderr)
	}

	// An account that may only read the collection.
	mustRun(t, admin, "reader password 1\n", "user", "add", "reader", "--password-stdin")
	mustRun(t, admin, "", "user", "grant", "reader", "--collection", "ics", "--read")
	users := mustRun(t, admin, "", "user", "list").stdout
	if !strings.Contains(users, "reader") || !strings.Contains(users, "ATT&CK for ICS(r)") {
		t.Fatalf("user list through the server:\n%s", users)
	}
	reader := env{"HERALD_SERVER": s.url, "HERALD_USER": "reader", "HERALD_PASSWORD": "reader password 1"}
	sameObjects(t, bundleObjects(t, []byte(mustRun(t, reader, "", "export", "--collection", "ics").stdout)), want)
	if r := run(t, reader, "", "collection", "list"); r.code != 1 || !strings.Contains(r.stderr, "403") {
		t.Errorf("a non-admin used the admin API: exit %d\n%s", r.code, r.stderr)
	}
	obj := identityJSON("55555555-5555-4555-8555-555555555555", "x", "2024-01-01T00:00:00.000Z")
	if r := run(t, reader, obj, "import", "--collection", "ics", "-"); r.code != 1 {
		t.Errorf("a read-only account imported: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, admin, "reader password 2\n", "user", "passwd", "reader", "--password-stdin")
	if r := run(t, reader, "", "export", "--collection", "ics"); r.code != 1 || !strings.Contains(r.stderr, "401") {
		t.Errorf("the old password still works: exit %d\n%s", r.code, r.stderr)
	}

	// A bearer token instead of a password.
	tok := strings.TrimSpace(mustRun(t, admin, "", "user", "token", "add", "admin").stdout)
	byToken := env{"HERALD_SERVER": s.url, "HERALD_TOKEN": tok}
	mustRun(t, byToken, "", "check")

	// Indicators through the server.
	ind := strings.TrimSpace(mustRun(t, admin, "", "indicator", "add", "--collection", "ics", "--ipv4", "203.0.113.9").stdout)
	mustRun(t, admin, "", "indicator", "revoke", "--collection", "ics", ind)

	// A hot backup while the server runs, then compare with the live data.
	backup := filepath.Join(dir, "backup.db")
	mustRun(t, admin, "", "backup", "-o", backup)
	db, err := store.Open(context.Background(), backup, nil)
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	n, err := db.CountVersions(context.Background(), id)
	problems, cerr := db.Check(context.Background())
	db.Close()
	// 400 ICS objects plus, from indicator add, the TLP extension
	// definition, the TLP:CLEAR marking, the publisher identity, the
	// indicator, its SCO, the based-on relationship and the revocation.
	if err != nil || n != 400+7 {
		t.Errorf("the backup holds %d versions of the collection (%v), want %d", n, err, 400+7)
	}
	if cerr != nil || len(problems) > 0 {
		t.Errorf("backup check: %v %v", problems, cerr)
	}

	mustRun(t, admin, "", "user", "rm", "reader")
	mustRun(t, admin, "", "collection", "rm", "ics")
	if strings.Contains(mustRun(t, admin, "", "collection", "list").stdout, id) {
		t.Error("collection still listed after rm through the server")
	}
	if r := run(t, env{"HERALD_SERVER": s.url, "HERALD_USER": "admin", "HERALD_PASSWORD": "wrong password"}, "", "collection", "list"); r.code != 1 || !strings.Contains(r.stderr, "401") {
		t.Errorf("wrong password: exit %d\n%s", r.code, r.stderr)
	}
}

// SIGHUP (here Main.Reload) re-reads the configuration file.
func TestReloadAppliesTheConfigurationFile(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "herald.yaml")
	if err := os.WriteFile(conf, []byte("max_content_length: 100000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--config", conf)
	maxContent := func() int64 {
		var root struct {
			MaxContentLength int64 `json:"max_content_length"`
		}
		taxiiGet(t, s.url+"/herald/", "", "", &root)
		return root.MaxContentLength
	}
	if got := maxContent(); got != 100000 {
		t.Fatalf("max_content_length %d, want 100000 from the file", got)
	}
	if err := os.WriteFile(conf, []byte("max_content_length: 200000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.reload <- struct{}{}
	if !s.stderr.WaitFor("configuration reloaded", 1, time.Minute) {
		t.Fatalf("no log of the reload:\n%s", s.stderr)
	}
	if got := maxContent(); got != 200000 {
		t.Fatalf("max_content_length %d after reload, want 200000", got)
	}
	// A broken file is logged and the running configuration kept.
	if err := os.WriteFile(conf, []byte("max_content_length: lots\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.reload <- struct{}{}
	if !s.stderr.WaitFor("configuration not applied", 1, time.Minute) {
		t.Fatalf("no log of the refused reload:\n%s", s.stderr)
	}
	if got := maxContent(); got != 200000 {
		t.Errorf("max_content_length %d after a broken reload, want 200000 kept", got)
	}
}

const advisoryV1 = `advisory:
  id: test-advisory
  title: Test advisory
  description: An advisory for the tests.
  published: 2025-01-01
  tlp: green
  publisher:
    name: Test CERT
actors:
  - id: apt-x
    kind: threat-actor
    name: APT X
    description: A test actor.
notes:
  - id: first
    abstract: First note
    content: This note stays.
    about: [apt-x]
  - id: second
    abstract: Second note
    content: This note is removed in the next version.
    about: [apt-x]
`

// Re-importing an edited advisory adds new versions of what changed and
// revokes what was removed; an unchanged re-import changes nothing.
func TestAdvisoryReimportRevokesRemovedRecords(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "advisories", "--alias", "advisories")
	path := filepath.Join(dir, "advisory.yaml")
	if err := os.WriteFile(path, []byte(advisoryV1), 0o600); err != nil {
		t.Fatal(err)
	}
	r := mustRun(t, e, "", "import", path)
	if !strings.Contains(r.stderr, "0 new versions, 0 unchanged, 0 replaced, 0 conflicts kept, 0 rejected") {
		t.Fatalf("first import:\n%s", r.stderr)
	}
	r = mustRun(t, e, "", "import", path)
	if !strings.Contains(r.stderr, "0 added, 0 new versions") {
		t.Fatalf("unchanged re-import:\n%s", r.stderr)
	}

	v2 := strings.Replace(advisoryV1, "  published: 2025-01-01\n", "  published: 2025-01-01\n  updated: 2025-02-01\n", 1)
	v2 = v2[:strings.Index(v2, "  - id: second")]
	if err := os.WriteFile(path, []byte(v2), 0o600); err != nil {
		t.Fatal(err)
	}
	r = mustRun(t, e, "", "import", path)
	if !strings.Contains(r.stderr, "0 added") || strings.Contains(r.stderr, " 0 new versions") {
		t.Fatalf("edited re-import:\n%s", r.stderr)
	}
	latest := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(mustRun(t, e, "", "export", "--format", "ndjson").stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var o map[string]any
		if err := json.Unmarshal(sc.Bytes(), &o); err != nil {
			t.Fatal(err)
		}
		latest[fmt.Sprint(o["id"])] = o
	}
	var revoked, notes int
	for _, o := range latest {
		if o["type"] == "note" {
			notes++
			if o["revoked"] == true {
				revoked++
				if !strings.Contains(fmt.Sprint(o["content"]), "removed") {
					t.Errorf("revoked the wrong note: %v", o)
				}
			}
		}
	}
	if notes != 2 || revoked != 1 {
		t.Errorf("%d notes, %d revoked; want the removed one of 2 revoked", notes, revoked)
	}
}

// The real signal: SIGHUP to a `herald serve` process reloads its file.
func TestSIGHUPReloadsTheConfigurationFile(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "herald.json")
	if err := os.WriteFile(conf, []byte(`{"addr":"127.0.0.1:0","max_content_length":100000}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, dir, env{"HERALD_CONFIG": conf, "HERALD_ADMIN_PASSWORD": "sighup-test-password"}, "serve")
	discovery := p.waitFor(t, readyLine)[1]
	root := strings.TrimSuffix(discovery, "taxii2/") + "herald/"
	maxContent := func() int64 {
		var r struct {
			MaxContentLength int64 `json:"max_content_length"`
		}
		taxiiGet(t, root, "", "", &r)
		return r.MaxContentLength
	}
	if got := maxContent(); got != 100000 {
		t.Fatalf("max_content_length %d, want 100000", got)
	}
	if err := os.WriteFile(conf, []byte(`{"addr":"127.0.0.1:0","max_content_length":300000}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	p.waitFor(t, regexp.MustCompile(`configuration reloaded`))
	if got := maxContent(); got != 300000 {
		t.Fatalf("max_content_length %d after SIGHUP, want 300000:\n%s", got, p.output())
	}
	p.stop(t)
}
