package store

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
)

// BackupFile writes s.Backup to path atomically: into a temporary file in
// the same directory (mode 0600), fsynced, then renamed over path (and the
// directory fsynced), so path never holds a partial copy. It returns the
// size of the copy.
func BackupFile(ctx context.Context, s Store, path string) (n int64, err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	if n, err = s.Backup(ctx, f); err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return 0, fmt.Errorf("backup to %s: sync: %w", path, err)
	}
	if err = f.Close(); err != nil {
		return 0, fmt.Errorf("backup to %s: close: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return 0, fmt.Errorf("backup to %s: %w", path, err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return 0, fmt.Errorf("backup to %s: sync directory: %w", path, err)
	}
	defer d.Close()
	if err = d.Sync(); err != nil {
		return 0, fmt.Errorf("backup to %s: sync directory: %w", path, err)
	}
	return n, nil
}
