package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// The built-in public collection that a new database gets, and that
// import, export and indicator use when no --collection is given.
const (
	BuiltinCollectionTitle       = "Herald advisories"
	BuiltinCollectionAlias       = "advisories"
	BuiltinCollectionDescription = "Advisories published with Herald, starting with the built-in advisory on North Korea's 2024 cryptocurrency thefts."
)

// AdminAccount is the account a new database gets.
const AdminAccount = "admin"

// metaSeeded is the store Meta key recording that the database was seeded
// (its value is the time). Once set, serve never seeds again, even if the
// collection or the account were removed since.
const metaSeeded = "herald.seeded"

// seed gives a new database its content: the built-in public collection
// with the built-in advisory, and the admin account. Each step is
// idempotent, so a seed interrupted half way is completed at the next
// start; the Meta key is written last.
func seed(ctx context.Context, db store.Store, secretFile string, stderr io.Writer, getenv func(string) string, logger *slog.Logger) error {
	done, err := db.Meta(ctx, metaSeeded)
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	if done != nil {
		return nil
	}
	col, err := db.Collection(ctx, BuiltinCollectionAlias)
	if errors.Is(err, store.ErrNotFound) {
		col, err = db.CreateCollection(ctx, store.Collection{
			Title: BuiltinCollectionTitle, Alias: BuiltinCollectionAlias,
			Description: BuiltinCollectionDescription, PublicRead: true,
		})
	}
	if err != nil {
		return fmt.Errorf("seed: built-in collection: %w", err)
	}
	_, objs, err := builtinObjects()
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	res, err := db.PutObjects(ctx, col.ID, objs)
	if err != nil {
		return fmt.Errorf("seed: store the built-in advisory: %w", err)
	}
	for _, r := range res {
		if r.Outcome == store.Conflict {
			return fmt.Errorf("seed: built-in object %s conflicts with a stored version", r.ID)
		}
	}
	logger.Info("imported the built-in advisory", "collection", col.ID, "objects", len(objs))

	if _, err := db.Account(ctx, AdminAccount); errors.Is(err, store.ErrNotFound) {
		password, generated := getenv("HERALD_ADMIN_PASSWORD"), false
		if password != "" {
			// Used once: children and crash dumps need not see it.
			os.Unsetenv("HERALD_ADMIN_PASSWORD")
			if err := checkPassword(password); err != nil {
				return fmt.Errorf("HERALD_ADMIN_PASSWORD: %w", err)
			}
		} else {
			if password, err = randomPassword(); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
			generated = true
		}
		hash, err := store.HashPassword(password)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		if err := db.CreateAccount(ctx, store.Account{Name: AdminAccount, PasswordHash: hash, Admin: true}); err != nil {
			return fmt.Errorf("seed: admin account: %w", err)
		}
		if generated && isTTY(stderr) {
			// Printed once, on the terminal, never through the logger.
			fmt.Fprintf(stderr, "\nCreated the admin account %q with the password:\n\n    %s\n\n"+
				"It is shown only this once. Change it with `herald user passwd %s`.\n\n", AdminAccount, password, AdminAccount)
		} else if generated {
			// stderr is collected (systemd, containers): the password goes
			// to a file only the owner can read, and the log names the file.
			path := secretFile
			if abs, err := filepath.Abs(path); err == nil {
				path = abs
			}
			if err := writeSecretFile(path, AdminAccount+":"+password+"\n"); err != nil {
				return fmt.Errorf("seed: write the admin password: %w", err)
			}
			logger.Warn("created the admin account; its password is in a file readable only by its owner: read it, change it with `herald user passwd admin`, then delete the file",
				"account", AdminAccount, "file", path)
		} else {
			logger.Info("created the admin account with the password from HERALD_ADMIN_PASSWORD", "account", AdminAccount)
		}
	} else if err != nil {
		return fmt.Errorf("seed: admin account: %w", err)
	}
	if err := db.SetMeta(ctx, metaSeeded, []byte(time.Now().UTC().Format(time.RFC3339))); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	return nil
}

// builtinObjects parses and converts the embedded advisory; the objects
// include the marking and extension definitions they refer to.
func builtinObjects() (*feed.Advisory, []stix.Object, error) {
	a, err := feed.BuiltinAdvisory()
	if err != nil {
		return nil, nil, fmt.Errorf("built-in advisory: %w", err)
	}
	objs, err := convertAdvisory(a, nil, time.Time{})
	if err != nil {
		return nil, nil, fmt.Errorf("built-in advisory: %w", err)
	}
	return a, objs, nil
}

// isTTY reports whether w is a terminal (not merely a character device
// such as /dev/null).
func isTTY(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// writeSecretFile writes s to path with mode 0600 (replacing what was
// there, whatever its mode).
func writeSecretFile(path, s string) error {
	_ = os.Remove(path)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(s); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// randomPassword is 18 random bytes in unpadded base64url: 24 characters,
// 144 bits.
func randomPassword() (string, error) {
	var b [18]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b[:]), nil
}
