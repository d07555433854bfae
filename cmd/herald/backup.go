package main

import (
	"context"
	"fmt"
)

// BackupCommand writes a hot, consistent copy of the database.
type BackupCommand struct{ m *Main }

const backupUsage = `Usage: herald backup -o FILE [--db PATH | --server URL]

Writes a consistent copy of the database to FILE. The copy is written to
a temporary file beside FILE, synced and renamed, so FILE is never half
written. While a server holds the database, take the backup through it
with --server (admin account needed): the server streams a copy taken in
one read transaction, without stopping.

On PostgreSQL (--db postgres://…) the copy is also a bbolt file, taken
from one consistent snapshot while the servers keep running: a complete
Herald database that --db FILE serves and herald copy restores. For
PostgreSQL's own backups use pg_dump or your provider's tools.

Examples:
	herald backup -o herald-$(date +%F).db
	HERALD_USER=admin herald backup --server http://127.0.0.1:8080 -o backup.db
	herald backup --db postgres://herald@db.example.org/herald -o herald-$(date +%F).db
`

// Run takes the backup.
func (c *BackupCommand) Run(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("backup", backupUsage)
	out := fs.String("o", "", "write the copy to `FILE`")
	if _, err := parseN(fs, args, 0, "backup takes no arguments (write the file with -o FILE)"); err != nil {
		return err
	}
	if *out == "" {
		return &usageError{msg: "backup: missing -o FILE", hint: "usage: herald backup -o FILE"}
	}
	return data.with(ctx, c.m, false, func(b backend) error {
		n, err := b.Backup(ctx, *out)
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		fmt.Fprintf(c.m.Stderr, "wrote %s (%s)\n", *out, formatBytes(n))
		return nil
	})
}
