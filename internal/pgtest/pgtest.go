// Package pgtest starts a throwaway PostgreSQL server for tests: initdb
// into a temporary directory, pg_ctl start on a free loopback port with
// its unix socket in that directory, and pg_ctl stop plus removal at the
// end. It is imported only from _test.go files (and the end-to-end
// tests of cmd/herald).
//
// PostgreSQL refuses to run as root, so when the tests run as root the
// server runs as the "postgres" user (through runuser) in a directory it
// owns.
//
// When the PostgreSQL binaries are missing, Start returns ErrMissing, and
// the tests skip with a message saying how to install them, unless the
// environment variable HERALD_REQUIRE_POSTGRES is 1 (CI sets it): then a
// missing PostgreSQL fails the tests.
//
// Connections over TCP need the password (scram-sha-256), so the tests
// exercise real password handling; the unix socket trusts local users.
//
// pg_ctl runs the server in the background, so a test binary that dies
// without stopping it (killed by go test -timeout) leaves it running;
// the next Start stops and removes such orphans (each cluster directory
// records the process that owns it).
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// RequireEnv is the environment variable that turns a missing PostgreSQL
// into a test failure instead of a skip.
const RequireEnv = "HERALD_REQUIRE_POSTGRES"

// Password is the superuser's password over TCP.
const Password = "pgtest-secret"

// Superuser is the name of the cluster's superuser.
const Superuser = "postgres"

// InstallHint says how to get PostgreSQL on Debian and Ubuntu.
const InstallHint = "PostgreSQL is not installed: apt-get install postgresql (or set HERALD_PG_BIN to the directory holding initdb and pg_ctl)"

// ErrMissing: the PostgreSQL binaries were not found.
var ErrMissing = errors.New(InstallHint)

// Server is a running throwaway PostgreSQL cluster.
type Server struct {
	Dir    string // the temporary directory (data in Dir/data)
	Socket string // the unix socket directory
	Port   int    // the TCP port on 127.0.0.1
	bin    string
	asUser string // run the binaries as this user (root only), or ""
	n      atomic.Int64
}

// binaries are the programs a test server needs, from one directory.
var binaries = []string{"initdb", "pg_ctl", "postgres", "createdb"}

func hasBinaries(dir string) bool {
	for _, b := range binaries {
		if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
			return false
		}
	}
	return true
}

// BinDir finds the directory holding initdb, pg_ctl, postgres and
// createdb: HERALD_PG_BIN, then Debian's /usr/lib/postgresql/<version>/bin
// (newest first), then the directory of initdb on PATH (symbolic links
// resolved).
func BinDir() (string, error) {
	if d := os.Getenv("HERALD_PG_BIN"); d != "" {
		if !hasBinaries(d) {
			return "", fmt.Errorf("HERALD_PG_BIN=%s: %w", d, ErrMissing)
		}
		return d, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(matches, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(matches[j]))))
		return vi > vj
	})
	for _, m := range matches {
		if d := filepath.Dir(m); hasBinaries(d) {
			return d, nil
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && hasBinaries(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	return "", ErrMissing
}

// Options tunes Start.
type Options struct {
	// Durable keeps fsync and synchronous commit on (for figures). By
	// default the cluster trades durability for speed: the tests kill
	// Herald processes, never the database server.
	Durable bool
	// Settings are extra "name=value" server settings.
	Settings []string
}

// Start initialises and starts a new cluster. Stop it with Stop.
func Start(opts *Options) (*Server, error) {
	if opts == nil {
		opts = &Options{}
	}
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("running as root and there is no postgres user to run PostgreSQL as: %w", err)
		}
		if _, err := exec.LookPath("runuser"); err != nil {
			return nil, fmt.Errorf("running as root and runuser is missing: %w", err)
		}
		s.asUser = "postgres"
	}
	reapOrphans(bin)
	if s.Dir, err = os.MkdirTemp("", "herald-pgtest-"); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	// The owner file lets a later run stop this cluster if this process
	// dies without stopping it (a test binary killed by -timeout).
	if err := os.WriteFile(filepath.Join(s.Dir, "owner"), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		_ = os.RemoveAll(s.Dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			_ = os.RemoveAll(s.Dir)
		}
	}()
	s.Socket = s.Dir // short: a socket path is limited to ~100 bytes
	if s.asUser != "" {
		if err := chownToPostgres(s.Dir); err != nil {
			return nil, err
		}
	}
	pwfile := filepath.Join(s.Dir, "pw")
	if err := os.WriteFile(pwfile, []byte(Password+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if s.asUser != "" {
		if err := chownToPostgres(pwfile); err != nil {
			return nil, err
		}
	}
	data := filepath.Join(s.Dir, "data")
	if out, err := s.run("initdb", "-D", data, "-U", Superuser, "--pwfile", pwfile,
		"--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-instructions"); err != nil {
		return nil, fmt.Errorf("pgtest: initdb: %w\n%s", err, out)
	}
	settings := []string{
		"listen_addresses='127.0.0.1'",
		"unix_socket_directories='" + s.Socket + "'",
		"max_connections=200",
		"shared_buffers=64MB",
		"log_min_messages=warning",
	}
	if !opts.Durable {
		settings = append(settings, "fsync=off", "synchronous_commit=off", "full_page_writes=off")
	}
	settings = append(settings, opts.Settings...)
	// Retry on a port taken between choosing it and binding it.
	var lastErr error
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		conf := strings.Join(append(settings, "port="+strconv.Itoa(port)), "\n") + "\n"
		if err := os.WriteFile(filepath.Join(data, "postgresql.auto.conf"), []byte(conf), 0o600); err != nil {
			return nil, fmt.Errorf("pgtest: %w", err)
		}
		if s.asUser != "" {
			if err := chownToPostgres(filepath.Join(data, "postgresql.auto.conf")); err != nil {
				return nil, err
			}
		}
		out, err := s.run("pg_ctl", "start", "-w", "-t", "60", "-D", data, "-l", filepath.Join(s.Dir, "log"))
		if err == nil {
			s.Port = port
			ok = true
			return s, nil
		}
		log, _ := os.ReadFile(filepath.Join(s.Dir, "log"))
		lastErr = fmt.Errorf("pgtest: pg_ctl start: %w\n%s\n%s", err, out, log)
	}
	return nil, lastErr
}

// Stop stops the server (immediately: the data is thrown away) and
// removes its directory.
func (s *Server) Stop() error {
	out, err := s.run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", filepath.Join(s.Dir, "data"))
	rmErr := os.RemoveAll(s.Dir)
	if err != nil {
		return fmt.Errorf("pgtest: pg_ctl stop: %w\n%s", err, out)
	}
	return rmErr
}

// reapOrphans stops and removes the clusters of earlier test processes
// that died without stopping them: pg_ctl starts the server in the
// background, so it outlives a test binary killed by go test -timeout.
func reapOrphans(bin string) {
	owners, _ := filepath.Glob(filepath.Join(os.TempDir(), "herald-pgtest-*", "owner"))
	for _, owner := range owners {
		b, err := os.ReadFile(owner)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		dir := filepath.Dir(owner)
		orphan := &Server{Dir: dir, bin: bin}
		if os.Geteuid() == 0 {
			orphan.asUser = "postgres"
		}
		if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			// Best effort: a cluster that will not stop is left as it is.
			if _, err := orphan.run("pg_ctl", "stop", "-m", "immediate", "-w", "-D", filepath.Join(dir, "data")); err != nil {
				continue
			}
		}
		_ = os.RemoveAll(dir)
	}
}

// processAlive reports whether a process with this pid exists.
func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

// run runs a PostgreSQL binary, as the postgres user when we are root.
func (s *Server) run(name string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", s.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = s.Dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func chownToPostgres(path string) error {
	u, err := user.Lookup("postgres")
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(path, uid, gid); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pgtest: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// DSN is a postgres:// URL for database name over TCP, with the
// password in the URL.
func (s *Server) DSN(name string) string {
	u := url.URL{Scheme: "postgres", User: url.UserPassword(Superuser, Password),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), Path: "/" + name,
		RawQuery: "sslmode=disable"}
	return u.String()
}

// DSNNoPassword is DSN without the password (for PGPASSWORD and
// ~/.pgpass tests).
func (s *Server) DSNNoPassword(name string) string {
	u := url.URL{Scheme: "postgres", User: url.User(Superuser),
		Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(s.Port)), Path: "/" + name,
		RawQuery: "sslmode=disable"}
	return u.String()
}

// CreateDB creates a new, empty database with a unique name and returns
// its DSN. It runs createdb over the unix socket, so this package needs
// no database driver.
func (s *Server) CreateDB(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), s.n.Add(1))
	if err := ctx.Err(); err != nil {
		return "", err
	}
	out, err := s.run("createdb", "-h", s.Socket, "-p", strconv.Itoa(s.Port), "-U", Superuser, "-T", "template0", name)
	if err != nil {
		return "", fmt.Errorf("pgtest: createdb %s: %w\n%s", name, err, out)
	}
	return s.DSN(name), nil
}

var (
	sharedMu      sync.Mutex
	sharedSrv     *Server
	sharedErr     error
	sharedStarted bool
)

// Main runs a test binary's tests and then stops the shared server if a
// test started one: call it from TestMain as os.Exit(pgtest.Main(m)).
// Test binaries with their own TestMain call StopShared after m.Run
// instead.
func Main(m *testing.M) int {
	code := m.Run()
	if err := StopShared(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// StopShared stops the shared server, if one was started.
func StopShared() error {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if sharedSrv == nil {
		return nil
	}
	err := sharedSrv.Stop()
	sharedSrv, sharedStarted = nil, false
	return err
}

// Shared returns the test binary's shared server, starting it on first
// use. When PostgreSQL is missing the test skips, saying how to install
// it, or fails under HERALD_REQUIRE_POSTGRES=1.
func Shared(t testing.TB) *Server {
	t.Helper()
	sharedMu.Lock()
	if !sharedStarted {
		sharedSrv, sharedErr = Start(nil)
		sharedStarted = true
	}
	srv, err := sharedSrv, sharedErr
	sharedMu.Unlock()
	switch {
	case srv != nil:
		return srv
	case errors.Is(err, ErrMissing) && os.Getenv(RequireEnv) != "1":
		t.Skip(err)
	case errors.Is(err, ErrMissing):
		t.Fatalf("%v (%s=1)", err, RequireEnv)
	default:
		t.Fatal(err)
	}
	return nil
}

// NewDB creates a fresh database on the shared server and returns its
// DSN.
func NewDB(t testing.TB) string {
	t.Helper()
	srv := Shared(t)
	dsn, err := srv.CreateDB(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// Log returns the server's log (for test failure messages).
func (s *Server) Log() string {
	b, err := os.ReadFile(filepath.Join(s.Dir, "log"))
	if err != nil {
		return err.Error()
	}
	return string(b)
}
