package main

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// HERALD_ADMIN_PASSWORD leaves the process environment once
// used, and a generated password never reaches a stderr that is not a
// terminal (it goes to a 0600 file beside the database).
func TestSeedFirstAdminSecret(t *testing.T) {
	for _, fromEnv := range []bool{true, false} {
		const pw = "set-from-the-environment-1"
		if fromEnv {
			t.Setenv("HERALD_ADMIN_PASSWORD", pw)
		} else {
			t.Setenv("HERALD_ADMIN_PASSWORD", "")
		}
		path := filepath.Join(t.TempDir(), "h.db")
		db, err := openDB(path, true)
		if err != nil {
			t.Fatal(err)
		}
		var stderr, logs bytes.Buffer
		err = seed(context.Background(), db, adminPasswordFile(path), &stderr, os.Getenv, slog.New(slog.NewTextHandler(&logs, nil)))
		db.Close()
		if err != nil {
			t.Fatal(err)
		}
		if v, ok := os.LookupEnv("HERALD_ADMIN_PASSWORD"); fromEnv && ok {
			t.Fatalf("HERALD_ADMIN_PASSWORD still set (%q) after seeding", v)
		}
		if fromEnv {
			continue
		}
		b, err := os.ReadFile(path + ".admin-password")
		if err != nil {
			t.Fatalf("no password file: %v\nstderr: %s\nlogs: %s", err, stderr.String(), logs.String())
		}
		fi, _ := os.Stat(path + ".admin-password")
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("password file mode %03o", fi.Mode().Perm())
		}
		secret := strings.TrimSpace(strings.TrimPrefix(string(b), "admin:"))
		if strings.Contains(stderr.String(), secret) || strings.Contains(logs.String(), secret) {
			t.Fatalf("the generated password reached stderr or the log")
		}
		if !strings.Contains(logs.String(), path+".admin-password") {
			t.Fatalf("the log does not name the file: %s", logs.String())
		}
	}
}
