package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/internal/pgtest"
	"github.com/heraldcti/herald/internal/testutil"
)

// heraldBin is the herald binary built once by TestMain, for the tests
// that need a separate process (locks, kill -9, the default serve).
var heraldBin string

// testVersion is stamped into heraldBin with -ldflags -X.
const testVersion = "v0.0.0-test"

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "herald-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	heraldBin = filepath.Join(dir, "herald")
	// Built with a version stamped in, as a release is (see version.go).
	build := exec.Command("go", "build", "-ldflags", "-X main.version="+testVersion, "-o", heraldBin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build herald:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	if err := pgtest.StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// result is what one in-process run of herald produced.
type result struct {
	code   int
	stdout string
	stderr string
}

// env is a test environment: HERALD_* variables only, never the process's.
type env map[string]string

// run drives Main in-process with the given environment and stdin.
func run(t *testing.T, e env, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	m := &Main{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errb,
		Getenv: func(k string) string { return e[k] },
		ReadPassword: func(string) (string, error) {
			return "", fmt.Errorf("no terminal in tests")
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	code := m.Run(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// mustRun is run that fails the test on a non-zero exit.
func mustRun(t *testing.T, e env, stdin string, args ...string) result {
	t.Helper()
	r := run(t, e, stdin, args...)
	if r.code != 0 {
		t.Fatalf("herald %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r
}

// liveServer is an in-process `herald serve` on a loopback port.
type liveServer struct {
	url      string // http://127.0.0.1:PORT
	metrics  string // http://127.0.0.1:PORT of --metrics-addr, when given
	db       string
	password string // of the admin account
	reload   chan struct{}
	stderr   *syncBuffer
	done     chan int
}

// syncBuffer collects the logs of servers under test.
type syncBuffer = testutil.SyncBuffer

// startServer runs `herald serve` in-process on 127.0.0.1:0 over a new
// database in a temporary directory, with the admin password set through
// HERALD_ADMIN_PASSWORD. It stops the server when the test ends.
func startServer(t *testing.T, extra ...string) *liveServer {
	t.Helper()
	dir := t.TempDir()
	s := &liveServer{
		db:       filepath.Join(dir, "herald.db"),
		password: "test-admin-password",
		reload:   make(chan struct{}),
		stderr:   &syncBuffer{},
		done:     make(chan int, 1),
	}
	addr, maddr := make(chan net.Addr, 1), make(chan net.Addr, 1)
	m := &Main{
		Stdin:  strings.NewReader(""),
		Stdout: s.stderr,
		Stderr: s.stderr,
		Getenv: func(k string) string {
			if k == "HERALD_ADMIN_PASSWORD" {
				return s.password
			}
			return ""
		},
		ReadPassword:     func(string) (string, error) { return "", fmt.Errorf("no terminal") },
		Listening:        func(a net.Addr) { addr <- a },
		MetricsListening: func(a net.Addr) { maddr <- a },
		Reload:           s.reload,
	}
	ctx, cancel := context.WithCancel(context.Background())
	args := append([]string{"serve", "--db", s.db, "--addr", "127.0.0.1:0"}, extra...)
	go func() { s.done <- m.Run(ctx, args) }()
	select {
	case a := <-addr:
		s.url = "http://" + a.String()
		if slices.Contains(extra, "--tls-cert") {
			s.url = "https://" + a.String()
		}
		if slices.Contains(extra, "--metrics-addr") {
			select {
			case a := <-maddr:
				s.metrics = "http://" + a.String()
			case code := <-s.done:
				t.Fatalf("serve exited with %d before listening for metrics:\n%s", code, s.stderr)
			}
		}
	case code := <-s.done:
		cancel()
		t.Fatalf("serve exited with %d before listening:\n%s", code, s.stderr)
	case <-time.After(30 * time.Second):
		cancel()
		t.Fatalf("serve did not listen within 30s:\n%s", s.stderr)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case code := <-s.done:
			if code != 0 {
				t.Errorf("serve exited with %d:\n%s", code, s.stderr)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("serve did not stop within 30s")
		}
	})
	return s
}

// adminEnv is the environment of a command working through s as admin.
func (s *liveServer) adminEnv() env {
	return env{"HERALD_SERVER": s.url, "HERALD_USER": AdminAccount, "HERALD_PASSWORD": s.password}
}

func TestUsageErrorsExit2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no command", nil, "no command"},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"export", "--bogus"}, "bogus"},
		{"bad format", []string{"export", "--format", "xml"}, "--format"},
		{"bad added-after", []string{"export", "--added-after", "yesterday"}, "RFC 3339"},
		{"import without files", []string{"import"}, "no FILE"},
		{"two stdins", []string{"import", "-", "-"}, "stdin"},
		{"collection without subcommand", []string{"collection"}, "missing subcommand"},
		{"collection add without title", []string{"collection", "add"}, "--title"},
		{"user add without name", []string{"user", "add"}, "one account name"},
		{"user add bad name", []string{"user", "add", "a b"}, "invalid account name"},
		{"grant without collection", []string{"user", "grant", "alice"}, "--collection"},
		{"backup without -o", []string{"backup"}, "-o"},
		{"copy without --to", []string{"copy", "--from", "a.db"}, "--from and --to"},
		{"copy onto itself", []string{"copy", "--from", "a.db", "--to", "a.db"}, "same database"},
		{"copy with arguments", []string{"copy", "--from", "a.db", "--to", "b.db", "c.db"}, "no arguments"},
		{"indicator add without value", []string{"indicator", "add"}, "--pattern"},
		{"indicator add two values", []string{"indicator", "add", "--ipv4", "192.0.2.1", "--domain", "example.org"}, "only one"},
		{"indicator bad kill chain", []string{"indicator", "add", "--ipv4", "192.0.2.1", "--kill-chain-phase", "nophase"}, "CHAIN:PHASE"},
		{"indicator bad valid-until", []string{"indicator", "add", "--ipv4", "192.0.2.1", "--valid-until", "soon"}, "--valid-until"},
		{"revoke without id", []string{"indicator", "revoke"}, "one object id"},
		{"revoke non-id", []string{"indicator", "revoke", "hello"}, "not a STIX id"},
		{"bad server url", []string{"collection", "list", "--server", "ftp://x"}, "--server"},
		{"version with args", []string{"version", "x"}, "no arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, env{"HERALD_DB": filepath.Join(t.TempDir(), "never-created.db")}, "", tc.args...)
			if r.code != exitUsage {
				t.Fatalf("exit %d, want %d\nstderr: %s", r.code, exitUsage, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) {
				t.Errorf("stderr does not mention %q:\n%s", tc.want, r.stderr)
			}
		})
	}
}

func TestEveryCommandHasHelpWithExamples(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "-h"}, {"import", "-h"}, {"export", "-h"}, {"indicator", "add", "-h"}, {"indicator", "revoke", "-h"},
		{"collection", "add", "-h"}, {"collection", "list", "-h"}, {"collection", "rm", "-h"},
		{"user", "add", "-h"}, {"user", "passwd", "-h"}, {"user", "grant", "-h"}, {"user", "token", "add", "-h"},
		{"check", "-h"}, {"backup", "-h"}, {"copy", "-h"}, {"version", "-h"}, {"help", "import"}, {"help"}, {"-h"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			r := run(t, nil, "", args...)
			if r.code != 0 {
				t.Fatalf("exit %d, want 0\n%s", r.code, r.stderr)
			}
			if !strings.Contains(r.stderr, "Examples:") || !strings.Contains(r.stderr, "herald ") {
				t.Errorf("help has no examples:\n%s", r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("help wrote to stdout: %q", r.stdout)
			}
		})
	}
}

func TestParseInterspersedKeepsPositionalOrder(t *testing.T) {
	tests := []struct {
		args    []string
		wantPos []string
		wantA   bool
		wantS   string
	}{
		{[]string{"alice", "--admin"}, []string{"alice"}, true, ""},
		{[]string{"--s", "x", "a", "b", "--admin", "c"}, []string{"a", "b", "c"}, true, "x"},
		{[]string{"a", "--", "--admin", "-"}, []string{"a", "--admin", "-"}, false, ""},
		{[]string{"-"}, []string{"-"}, false, ""},
		{nil, nil, false, ""},
	}
	for _, tc := range tests {
		m := &Main{Stderr: &bytes.Buffer{}}
		fs := m.newFlagSet("t", "")
		a := fs.Bool("admin", false, "")
		s := fs.String("s", "", "")
		pos, err := parseInterspersed(fs, tc.args)
		if err != nil {
			t.Fatalf("%v: %v", tc.args, err)
		}
		if strings.Join(pos, "|") != strings.Join(tc.wantPos, "|") || *a != tc.wantA || *s != tc.wantS {
			t.Errorf("%v: got %q admin=%v s=%q, want %q admin=%v s=%q", tc.args, pos, *a, *s, tc.wantPos, tc.wantA, tc.wantS)
		}
	}
}
