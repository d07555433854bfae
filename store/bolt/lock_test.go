package bolt_test

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

const holdEnv = "HERALD_STORE_TEST_HOLD"

// holdDB is the child side of TestOpenLockedByOtherProcess.
func holdDB(path string) int {
	db, err := bolt.Open(path, nil)
	if err != nil {
		os.Stdout.WriteString("error: " + err.Error() + "\n")
		return 1
	}
	os.Stdout.WriteString("holding\n")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	if err := db.Close(); err != nil {
		return 1
	}
	return 0
}

func wantLocked(t *testing.T, err error, path string, elapsed, timeout time.Duration) {
	t.Helper()
	if !errors.Is(err, store.ErrLocked) {
		t.Fatalf("Open of a held file: err = %v, want ErrLocked", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, "database is in use by another process") || !strings.Contains(msg, path) {
		t.Errorf("error %q should say the database is in use and name %s", msg, path)
	}
	// Not a timing test: only proof that Open gives up instead of hanging.
	if elapsed > timeout+10*time.Second {
		t.Errorf("Open gave up after %v with a lock timeout of %v", elapsed, timeout)
	}
}

func TestOpenLockedInSameProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const timeout = 200 * time.Millisecond
	start := time.Now()
	_, err = bolt.Open(path, &store.Options{LockTimeout: timeout})
	wantLocked(t, err, path, time.Since(start), timeout)
}

func TestOpenLockedByOtherProcess(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), holdEnv+"="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "holding\n" {
		t.Fatalf("child said %q, %v", line, err)
	}
	// Default timeout: one second.
	start := time.Now()
	_, err = bolt.Open(path, nil)
	wantLocked(t, err, path, time.Since(start), store.DefaultLockTimeout)
}

func TestOpenAfterCloseSucceeds(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.CreateCollection(ctx, store.Collection{Title: "kept"})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := db.TokenSecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = bolt.Open(path, &store.Options{LockTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer mustCheckClose(t, db)
	got, err := db.Collection(ctx, "kept")
	if err != nil || got.ID != c.ID {
		t.Errorf("Collection after reopen = %+v, %v; want id %s", got, err, c.ID)
	}
	secret2, err := db.TokenSecret(ctx)
	if err != nil || string(secret2) != string(secret) {
		t.Errorf("TokenSecret changed across reopen")
	}
}

func TestOpenRejectsOtherSchema(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*bbolt.Tx) error
	}{
		{"future schema version", func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket([]byte("meta"))
			if err != nil {
				return err
			}
			return b.Put([]byte("schema"), []byte("99"))
		}},
		{"garbage schema version", func(tx *bbolt.Tx) error {
			b, err := tx.CreateBucket([]byte("meta"))
			if err != nil {
				return err
			}
			return b.Put([]byte("schema"), []byte("one"))
		}},
		{"meta without schema", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("meta"))
			return err
		}},
		{"some other bbolt database", func(tx *bbolt.Tx) error {
			_, err := tx.CreateBucket([]byte("widgets"))
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "other.db")
			bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if err := bdb.Update(tc.setup); err != nil {
				t.Fatal(err)
			}
			if err := bdb.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := bolt.Open(path, nil)
			if err == nil {
				db.Close()
				t.Fatal("Open succeeded, want ErrSchema")
			}
			if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), path) {
				t.Errorf("Open: %v, want ErrSchema naming %s", err, path)
			}
		})
	}
}

func TestOpenRejectsNonDatabaseFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database\n", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	db, err := bolt.Open(path, nil)
	if err == nil {
		db.Close()
		t.Fatal("Open of a text file succeeded")
	}
	if !strings.Contains(err.Error(), path) {
		t.Errorf("error %q does not name the file", err)
	}
}
