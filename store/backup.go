package store

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the whole database to w while the
// database stays in use: it streams one read transaction's snapshot
// (bbolt's Tx.WriteTo). Writers are not blocked; the copy holds what was
// committed when Backup started. It returns the bytes written.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.view(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", db.path, err)
	}
	return n, nil
}

// BackupFile writes a hot backup to path atomically: into a temporary file
// in the same directory, fsynced, then renamed over path (and the
// directory fsynced), so path never holds a partial copy.
func (db *DB) BackupFile(ctx context.Context, path string) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if _, err = db.Backup(ctx, f); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("backup to %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return fmt.Errorf("backup to %s: close: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("backup to %s: sync directory: %w", path, err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return fmt.Errorf("backup to %s: sync directory: %w", path, err)
	}
	return nil
}
