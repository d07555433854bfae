package postgres

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/heraldcti/herald/store"
)

// Backup writes the whole database to w as a bbolt file, from one
// REPEATABLE READ snapshot (writers are not blocked; the copy holds what
// was committed when it started). The file is a Herald database that
// `herald --db FILE` and `herald copy --from FILE` open: a portable
// backup, and a way back to the embedded backend. For PostgreSQL's own
// backups (point-in-time recovery, replicas) use pg_dump, pg_basebackup
// or your provider's tools. The file is built in the temporary directory
// first, so it needs as much free space there as the copy's size. The
// program must link the bbolt backend (store/bolt registers itself).
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	dir, err := os.MkdirTemp("", "herald-backup-")
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", db.name, err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "herald.db")
	// Through store.Open: the bbolt backend is the program's choice to
	// link (cmd/herald does); this package never imports it.
	dst, err := store.Open(ctx, path, &store.Options{NoSync: true})
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", db.name, err)
	}
	if err := store.Copy(ctx, dst, db, nil); err != nil {
		_ = dst.Close()
		return 0, fmt.Errorf("backup %s: %w", db.name, err)
	}
	if err := dst.Close(); err != nil {
		return 0, fmt.Errorf("backup %s: %w", db.name, err)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("backup %s: %w", db.name, err)
	}
	defer f.Close()
	n, err := io.Copy(w, f)
	if err != nil {
		return n, fmt.Errorf("backup %s: %w", db.name, err)
	}
	return n, nil
}
