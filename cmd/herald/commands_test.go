package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

// countLines counts NDJSON objects.
func countLines(s string) int { return strings.Count(s, "\n") }

func TestIndicatorAddWithMalformedInputWritesNothing(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "iocs")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unclosed pattern", []string{"--pattern", "[ipv4-addr:value = '198.51.100.7'"}, "pattern"},
		{"pattern with unknown operator", []string{"--pattern", "[ipv4-addr:value === '198.51.100.7']"}, "pattern"},
		{"bad ipv4", []string{"--ipv4", "300.1.2.3"}, "300.1.2.3"},
		{"bad sha256", []string{"--sha256", "abc"}, "abc"},
		{"bad tlp", []string{"--ipv4", "198.51.100.7", "--tlp", "purple"}, "purple"},
		{"valid-until before valid-from", []string{"--ipv4", "198.51.100.7", "--valid-from", "2025-02-01T00:00:00Z", "--valid-until", "2025-01-01T00:00:00Z"}, "valid_until"},
		{"indicates unknown object", []string{"--ipv4", "198.51.100.7", "--indicates", "threat-actor--6d1f7f5e-6f5c-4c43-9d0e-6b0f6e1c2a3b"}, "no such object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, e, "", append([]string{"indicator", "add", "--collection", "iocs"}, tc.args...)...)
			if r.code == 0 {
				t.Fatalf("exit 0, want a failure\n%s", r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("message does not name %q:\n%s", tc.want, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("stdout %q, want nothing", r.stdout)
			}
			if n := countLines(mustRun(t, e, "", "export", "--collection", "iocs", "--all-versions", "--format", "ndjson").stdout); n != 0 {
				t.Fatalf("%d objects written by a failed indicator add", n)
			}
		})
	}
}

func TestIndicatorAddThenRevoke(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	mustRun(t, e, "", "collection", "add", "--title", "iocs")
	r := mustRun(t, e, "", "indicator", "add", "--collection", "iocs", "--domain", "Evil.Example",
		"--name", "evil domain", "--indicator-type", "malicious-activity,attribution", "--label", "test",
		"--kill-chain-phase", "mitre-attack:command-and-control", "--tlp", "amber", "--valid-until", "2099-01-01T00:00:00Z")
	id := strings.TrimSpace(r.stdout)
	if !regexp.MustCompile(`^indicator--[0-9a-f-]{36}$`).MatchString(id) {
		t.Fatalf("stdout %q is not an indicator id", r.stdout)
	}
	nd := mustRun(t, e, "", "export", "--collection", "iocs", "--format", "ndjson").stdout
	var ind map[string]any
	types := map[string]int{}
	for _, line := range strings.Split(strings.TrimSpace(nd), "\n") {
		var o map[string]any
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			t.Fatal(err)
		}
		types[o["type"].(string)]++
		if o["id"] == id {
			ind = o
		}
	}
	if ind == nil {
		t.Fatalf("indicator %s not exported:\n%s", id, nd)
	}
	if got := ind["pattern"]; got != "[domain-name:value = 'evil.example']" {
		t.Errorf("pattern %v", got)
	}
	if ind["created_by_ref"] == nil || ind["valid_until"] != "2099-01-01T00:00:00.000Z" || ind["name"] != "evil domain" {
		t.Errorf("indicator %v", ind)
	}
	for _, typ := range []string{"identity", "marking-definition", "extension-definition", "domain-name", "relationship"} {
		if types[typ] == 0 {
			t.Errorf("no %s exported with the indicator: %v", typ, types)
		}
	}

	// A relationship to an object that exists.
	domain := regexp.MustCompile(`"id":"(domain-name--[0-9a-f-]{36})"`).FindStringSubmatch(nd)
	if domain == nil {
		t.Fatal("no domain-name id")
	}

	mustRun(t, e, "", "indicator", "revoke", "--collection", "iocs", id)
	all := mustRun(t, e, "", "export", "--collection", "iocs", "--all-versions", "--format", "ndjson").stdout
	var versions []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(all), "\n") {
		var o map[string]any
		json.Unmarshal([]byte(line), &o)
		if o["id"] == id {
			versions = append(versions, o)
		}
	}
	if len(versions) != 2 || versions[0]["revoked"] == true || versions[1]["revoked"] != true {
		t.Fatalf("versions of %s after revoke: %v", id, versions)
	}
	if r := run(t, e, "", "indicator", "revoke", "--collection", "iocs", id); r.code != 1 || !strings.Contains(r.stderr, "already revoked") {
		t.Errorf("second revoke: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, e, "", "indicator", "revoke", "--collection", "iocs", "indicator--00000000-0000-4000-8000-000000000000"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("revoke of an unknown id: exit %d\n%s", r.code, r.stderr)
	}
}

func TestLockedDatabaseSaysHowToUseServer(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "h.db")
	p := startProcess(t, dir, env{"HERALD_ADMIN_PASSWORD": "lock-test-password"}, "serve", "--db", db, "--addr", "127.0.0.1:0")
	p.waitFor(t, readyLine)

	start := time.Now()
	r := run(t, env{"HERALD_DB": db}, "", "collection", "list")
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the command waited %v on the lock", took)
	}
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, want := range []string{db + " is in use by another process", "--server", "HERALD_SERVER", "HERALD_USER"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("message does not contain %q:\n%s", want, r.stderr)
		}
	}
	// A second server on the same file says so too, and exits.
	r = run(t, nil, "", "serve", "--db", db, "--addr", "127.0.0.1:0")
	if r.code != 1 || !strings.Contains(r.stderr, "another `herald serve`") {
		t.Errorf("second serve: exit %d\n%s", r.code, r.stderr)
	}
	p.stop(t)
	mustRun(t, env{"HERALD_DB": db}, "", "collection", "list")
}

// TestPostgresURLUnreachable: a postgres:// --db value picks the
// PostgreSQL backend; when the server does not answer, every command
// says so (exit 1) without showing the URL's password.
func TestPostgresURLUnreachable(t *testing.T) {
	url := "postgres://herald:s3cret-pw@127.0.0.1:1/herald"
	for _, args := range [][]string{
		{"collection", "list", "--db", url},
		{"check", "--db", url},
		{"serve", "--db", url, "--addr", "127.0.0.1:0"},
	} {
		r := run(t, env{"HERALD_ADMIN_PASSWORD": "a-long-admin-password"}, "", args...)
		if r.code != 1 || !strings.Contains(r.stderr, "failed to connect") {
			t.Errorf("herald %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
		}
		if strings.Contains(r.stderr, "s3cret-pw") || strings.Contains(r.stdout, "s3cret-pw") {
			t.Errorf("herald %s shows the password:\n%s%s", strings.Join(args, " "), r.stdout, r.stderr)
		}
	}
}

func TestCollectionAndUserCommandsOnAFile(t *testing.T) {
	dir := t.TempDir()
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	id := strings.TrimSpace(mustRun(t, e, "", "collection", "add", "--title", "Partner feed", "--alias", "partners", "--description", "d").stdout)
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(id) {
		t.Fatalf("collection add printed %q, want a UUIDv4", id)
	}
	if r := run(t, e, "", "collection", "add", "--title", "Partner feed"); r.code != 1 || !strings.Contains(r.stderr, "already exists") {
		t.Errorf("duplicate title: exit %d\n%s", r.code, r.stderr)
	}
	list := mustRun(t, e, "", "collection", "list").stdout
	if !strings.Contains(list, id) || !strings.Contains(list, "partners") || !strings.Contains(list, "Partner feed") {
		t.Errorf("collection list:\n%s", list)
	}

	mustRun(t, e, "long enough password\n", "user", "add", "alice", "--password-stdin")
	mustRun(t, e, "another long password\n", "user", "add", "root", "--admin", "--password-stdin")
	if r := run(t, e, "short\n", "user", "add", "bob", "--password-stdin"); r.code != 1 || !strings.Contains(r.stderr, "too short") {
		t.Errorf("short password: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(t, e, "", "user", "add", "bob"); r.code != 1 || !strings.Contains(r.stderr, "terminal") {
		t.Errorf("no terminal and no --password-stdin: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, e, "", "user", "grant", "alice", "--collection", "partners", "--read", "--write")
	users := mustRun(t, e, "", "user", "list").stdout
	if !regexp.MustCompile(`alice\s+false\s+0\s+Partner feed\(rw\)`).MatchString(users) || !regexp.MustCompile(`root\s+true`).MatchString(users) {
		t.Errorf("user list:\n%s", users)
	}
	tok := strings.TrimSpace(mustRun(t, e, "", "user", "token", "add", "alice").stdout)
	if !strings.HasPrefix(tok, "herald_") {
		t.Errorf("token %q", tok)
	}
	tokens := mustRun(t, e, "", "user", "token", "list", "alice").stdout
	tokID := strings.Split(tok, "_")[1]
	if !strings.Contains(tokens, tokID) || strings.Contains(tokens, tok) {
		t.Errorf("token list shows the id, never the secret:\n%s", tokens)
	}
	mustRun(t, e, "", "user", "token", "rm", "alice", tokID)
	mustRun(t, e, "new password here\n", "user", "passwd", "alice", "--password-stdin")

	db, err := store.Open(context.Background(), e["HERALD_DB"], nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Account(context.Background(), "alice")
	db.Close()
	if err != nil || !store.CheckPassword(a.PasswordHash, "new password here") || len(a.Tokens) != 0 || !a.Grants[id].Write {
		t.Fatalf("alice stored as %+v (%v)", a, err)
	}

	if r := run(t, e, "", "user", "rm", "root"); r.code != 1 || !strings.Contains(r.stderr, "last admin") {
		t.Errorf("removing the last admin: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, e, "", "user", "rm", "alice")
	if r := run(t, e, "", "user", "rm", "alice"); r.code != 1 || !strings.Contains(r.stderr, "not found") {
		t.Errorf("second rm: exit %d\n%s", r.code, r.stderr)
	}
	mustRun(t, e, "", "collection", "rm", "partners")
	if strings.Contains(mustRun(t, e, "", "collection", "list").stdout, id) {
		t.Error("collection still listed after rm")
	}
	mustRun(t, e, "", "check")
	mustRun(t, e, "", "backup", "-o", filepath.Join(dir, "copy.db"))
	if r := run(t, env{"HERALD_DB": filepath.Join(dir, "absent.db")}, "", "collection", "list"); r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("listing a missing database: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "absent.db")); err == nil {
		t.Error("a read-only command created the database")
	}
}

func TestVersionString(t *testing.T) {
	info := &debug.BuildInfo{Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"},
	}}
	tests := []struct {
		override string
		info     *debug.BuildInfo
		want     string
	}{
		{"", info, "herald v1.2.3 (commit 0123456789ab, modified) go"},
		{"v9.9.9", info, "herald v9.9.9 (commit 0123456789ab, modified) go"},
		{"", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "herald devel go"},
		{"", nil, "herald devel go"},
	}
	for _, tc := range tests {
		if got := versionString(tc.override, tc.info); !strings.HasPrefix(got, tc.want) {
			t.Errorf("versionString(%q, %v) = %q, want prefix %q", tc.override, tc.info, got, tc.want)
		}
	}
}

func TestVersionLdflagsOverride(t *testing.T) {
	out, err := exec.Command(heraldBin, "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "herald "+testVersion+" ") {
		t.Errorf("version printed %q, want the -X main.version value %s", out, testVersion)
	}
}
