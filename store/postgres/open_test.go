package postgres_test

import (
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/heraldcti/herald/internal/pgtest"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/postgres"
)

// dbName is the database name in a DSN.
func dbName(t *testing.T, dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimPrefix(u.Path, "/")
}

// TestPasswordSources: the password comes from the URL, PGPASSWORD or a
// pgpass file, as with libpq; without any, the server refuses; errors
// never show the password.
func TestPasswordSources(t *testing.T) {
	srv := pgtest.Shared(t)
	name := dbName(t, pgtest.NewDB(t))
	bare := srv.DSNNoPassword(name)
	t.Setenv("PGPASSWORD", "")
	t.Setenv("PGPASSFILE", filepath.Join(t.TempDir(), "none"))

	open := func(dsn string) error {
		db, err := postgres.Open(ctx, dsn, nil)
		if err == nil {
			db.Close()
		}
		return err
	}
	if err := open(srv.DSN(name)); err != nil {
		t.Errorf("password in the URL: %v", err)
	}
	if err := open(bare); err == nil {
		t.Error("no password: connected")
	}
	wrong := strings.Replace(srv.DSN(name), pgtest.Password, "not-the-password", 1)
	if err := open(wrong); err == nil {
		t.Error("wrong password: connected")
	} else if strings.Contains(err.Error(), "not-the-password") {
		t.Errorf("error shows the password: %v", err)
	}

	t.Setenv("PGPASSWORD", pgtest.Password)
	if err := open(bare); err != nil {
		t.Errorf("PGPASSWORD: %v", err)
	}
	t.Setenv("PGPASSWORD", "")

	pass := filepath.Join(t.TempDir(), "pgpass")
	line := "127.0.0.1:*:" + name + ":" + pgtest.Superuser + ":" + pgtest.Password + "\n"
	if err := os.WriteFile(pass, []byte(line), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PGPASSFILE", pass)
	if err := open(bare); err != nil {
		t.Errorf("pgpass file: %v", err)
	}
}

// TestSSLModeHonoured: sslmode=require against a server without TLS
// fails instead of falling back to plain text.
func TestSSLModeHonoured(t *testing.T) {
	srv := pgtest.Shared(t)
	dsn := strings.Replace(srv.DSN(dbName(t, pgtest.NewDB(t))), "sslmode=disable", "sslmode=require", 1)
	db, err := postgres.Open(ctx, dsn, nil)
	if err == nil {
		db.Close()
		t.Fatal("sslmode=require connected to a server without TLS")
	}
}

// TestConcurrentFirstOpen: several processes' worth of Opens on a new
// database at once migrate it once and end with one token secret.
func TestConcurrentFirstOpen(t *testing.T) {
	dsn := openPGDSN(t)
	const n = 6
	var wg sync.WaitGroup
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(ctx, dsn, nil)
		}()
	}
	wg.Wait()
	var secret []byte
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		defer dbs[i].Close()
		s, err := dbs[i].TokenSecret(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if secret != nil && string(s) != string(secret) {
			t.Fatal("two token secrets")
		}
		secret = s
	}
	var rows, maxV int
	if err := dbs[0].Pool().QueryRow(ctx, "SELECT count(*), max(version) FROM herald_schema").Scan(&rows, &maxV); err != nil {
		t.Fatal(err)
	}
	if rows != postgres.SchemaVersion() || maxV != postgres.SchemaVersion() {
		t.Fatalf("herald_schema has %d rows up to %d, want %d", rows, maxV, postgres.SchemaVersion())
	}
}

// TestNewerSchemaRefused: a database migrated by a newer Herald is
// refused with store.ErrSchema and a message saying so.
func TestNewerSchemaRefused(t *testing.T) {
	dsn := pgtest.NewDB(t)
	db, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Pool().Exec(ctx, "INSERT INTO herald_schema (version, name) VALUES ($1, 'from_the_future.sql')", postgres.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = postgres.Open(ctx, dsn, nil)
	if err == nil {
		db.Close()
		t.Fatal("opened a database with a newer schema")
	}
	if !errors.Is(err, store.ErrSchema) || !strings.Contains(err.Error(), "upgrade Herald") {
		t.Fatalf("error %v, want store.ErrSchema saying to upgrade", err)
	}
}

// TestChangesReachOtherHandles: an account deleted through one handle
// (one replica) moves the change generation seen by another.
func TestChangesReachOtherHandles(t *testing.T) {
	dsn := openPGDSN(t)
	a, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := postgres.Open(ctx, dsn, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.CreateAccount(ctx, store.Account{Name: "alice"}); err != nil {
		t.Fatal(err)
	}
	// Wait until b has seen the creation, then watch for the deletion.
	var want uint64
	if err := a.Pool().QueryRow(ctx, "SELECT generation FROM herald_generation").Scan(&want); err != nil {
		t.Fatal(err)
	}
	for {
		ch := b.Changed() // before the check, so no change slips between
		if b.Generation() >= want {
			break
		}
		<-ch
	}
	before := b.Generation()
	changed := b.Changed()
	if err := a.DeleteAccount(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	<-changed
	if b.Generation() <= before {
		t.Fatalf("generation %d after the change, was %d", b.Generation(), before)
	}
}

// TestOpenThroughStoreOpen: store.Open picks this backend for
// postgres:// and postgresql:// URLs, including the unix-socket form
// without a host.
func TestOpenThroughStoreOpen(t *testing.T) {
	srv := pgtest.Shared(t)
	name := dbName(t, pgtest.NewDB(t))
	for _, dsn := range []string{
		srv.DSN(name),
		strings.Replace(srv.DSN(name), "postgres://", "postgresql://", 1),
		"postgres:///" + name + "?host=" + url.QueryEscape(srv.Socket) + "&port=" + strconv.Itoa(srv.Port) + "&user=" + pgtest.Superuser,
	} {
		db, err := store.Open(ctx, dsn, nil)
		if err != nil {
			t.Errorf("store.Open(%s): %v", dsn, err)
			continue
		}
		if _, ok := db.(*postgres.DB); !ok {
			t.Errorf("store.Open(%s) gave a %T", dsn, db)
		}
		if _, err := db.Collections(ctx); err != nil {
			t.Errorf("%s: %v", dsn, err)
		}
		db.Close()
	}
}
