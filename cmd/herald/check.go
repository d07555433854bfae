package main

import (
	"context"
	"errors"
	"fmt"
)

// CheckCommand checks the database: every index against the objects.
type CheckCommand struct{ m *Main }

const checkUsage = `Usage: herald check [--db PATH | --server URL]

Checks the consistency of the database: every index entry against the
stored objects. Prints each problem found and exits 1 if there is any.
Through --server it runs on the live database (admin account needed).

Examples:
	herald check
	herald check --db /var/lib/herald/herald.db
	HERALD_USER=admin herald check --server http://127.0.0.1:8080
`

// Run runs the check.
func (c *CheckCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("check", checkUsage)
	var data dataFlags
	data.register(fs, c.m)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("check takes no arguments")
	}
	b, err := data.open(ctx, c.m, false)
	if err != nil {
		return err
	}
	defer b.Close()
	problems, err := b.Check(ctx)
	if err != nil {
		return fmt.Errorf("check: %w", err)
	}
	for _, p := range problems {
		fmt.Fprintf(c.m.Stdout, "%s\t%s\t%s\n", p.Bucket, p.Key, p.Reason)
	}
	if len(problems) > 0 {
		return fmt.Errorf("check: %d problems found", len(problems))
	}
	fmt.Fprintln(c.m.Stderr, "database is consistent")
	return nil
}

// errNoOutput is returned when -o is missing.
var errNoOutput = errors.New("missing -o FILE")
