package main

import (
	"context"
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
	return withNoArgs(ctx, c.m, "check", checkUsage, args, false, func(b backend) error {
		problems, err := b.Check(ctx)
		if err != nil {
			return fmt.Errorf("check: %w", err)
		}
		for _, p := range problems {
			fmt.Fprintln(c.m.Stdout, p)
		}
		if len(problems) > 0 {
			return fmt.Errorf("check: %d problems found", len(problems))
		}
		fmt.Fprintln(c.m.Stderr, "database is consistent")
		return nil
	})
}
