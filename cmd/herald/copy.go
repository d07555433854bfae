package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/heraldcti/herald/store"
)

// CopyCommand copies a whole database between backends.
type CopyCommand struct{ m *Main }

const copyUsage = `Usage: herald copy --from SRC --to DST

Copies a whole Herald database from SRC to DST. Each is a database file
path (bbolt) or a postgres:// URL, so this moves a deployment onto
PostgreSQL, back to a file, or between two servers. Everything is kept:
collections with their ids, every object version with its exact bytes and
date_added, statuses, accounts with their grants and tokens, and the secret
that signs next tokens, so clients' next tokens and added_after positions
keep working after the move.

DST must be empty: a file that does not exist yet, or a PostgreSQL
database without Herald data (its schema is created). The copy streams in
batches, so memory stays flat; a progress line is drawn on a terminal.
Stop the servers that write to SRC first. A PostgreSQL SRC is read from
one consistent snapshot; a bbolt SRC is locked while it is read.

A PostgreSQL password comes from the URL, PGPASSWORD or ~/.pgpass.

Examples:
	herald copy --from herald.db --to 'postgres://herald@db.example.org/herald?sslmode=verify-full'
	herald copy --from postgres://herald@db.example.org/herald --to herald-copy.db
	PGPASSWORD=secret herald copy --from postgres://herald@old/herald --to postgres://herald@new/herald
`

// Run copies.
func (c *CopyCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("copy", copyUsage)
	from := fs.String("from", "", "the source database: a file `PATH` or postgres:// URL")
	to := fs.String("to", "", "the destination database: a new file `PATH` or an empty postgres:// URL")
	if _, err := parseN(fs, args, 0, "copy takes no arguments (use --from SRC --to DST)"); err != nil {
		return err
	}
	if *from == "" || *to == "" {
		return &usageError{msg: "copy: --from and --to are both required", hint: "usage: herald copy --from SRC --to DST"}
	}
	if *from == *to {
		return &usageError{msg: "copy: --from and --to name the same database"}
	}
	src, err := openDB(*from, false)
	if err != nil {
		return fmt.Errorf("copy: source: %w", err)
	}
	defer src.Close()
	dst, err := openDB(*to, true)
	if err != nil {
		return fmt.Errorf("copy: destination: %w", err)
	}
	bar := newProgress(c.m.Stderr, "copy", 0)
	var last store.CopyProgress
	err = store.Copy(ctx, dst, src, func(p store.CopyProgress) {
		last = p
		bar.Update(p.Bytes, int(p.Versions))
	})
	closeErr := dst.Close()
	if err != nil {
		if errors.Is(err, store.ErrNotEmpty) {
			return fmt.Errorf("%w: --to must name a new file or an empty PostgreSQL database", err)
		}
		return err
	}
	if closeErr != nil {
		return fmt.Errorf("copy: close destination: %w", closeErr)
	}
	bar.Done(last.Bytes, int(last.Versions))
	fmt.Fprintf(c.m.Stderr, "copied %s collections, %s object versions (%s), %s statuses, %s accounts\n",
		formatCount(int64(last.Collections)), formatCount(last.Versions), formatBytes(last.Bytes),
		formatCount(int64(last.Statuses)), formatCount(int64(last.Accounts)))
	return nil
}
