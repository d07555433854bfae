package main

import (
	"strings"
	"testing"
)

// Every command with subcommands answers the same way to a missing, an
// unknown and a help verb: usage on stderr; exit 2 (usage error) naming
// the verbs, or exit 0 for help.
func TestSubcommandDispatchMessages(t *testing.T) {
	e := env{"HERALD_DB": t.TempDir() + "/h.db"}
	for _, c := range []struct{ command, verbs string }{
		{"collection", "add, update, list or rm"},
		{"user", "add, list, rm, passwd, grant or token"},
		{"indicator", "add or revoke"},
	} {
		r := run(t, e, "", c.command)
		if r.code != 2 || !strings.Contains(r.stderr, c.command+": missing subcommand ("+c.verbs+")") || !strings.Contains(r.stderr, "herald "+c.command+" add") {
			t.Errorf("herald %s: exit %d\n%s", c.command, r.code, r.stderr)
		}
		r = run(t, e, "", c.command, "frobnicate")
		if r.code != 2 || !strings.Contains(r.stderr, c.command+`: unknown subcommand "frobnicate"`) {
			t.Errorf("herald %s frobnicate: exit %d\n%s", c.command, r.code, r.stderr)
		}
		for _, h := range []string{"help", "--help", "-h"} {
			r = run(t, e, "", c.command, h)
			if r.code != 0 || !strings.Contains(r.stderr, "herald "+c.command+" add") {
				t.Errorf("herald %s %s: exit %d\n%s", c.command, h, r.code, r.stderr)
			}
		}
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"collection", "list", "extra"}, "collection list takes no arguments"},
		{[]string{"user", "ls", "extra"}, "user list takes no arguments"},
		{[]string{"check", "extra"}, "check takes no arguments"},
	} {
		r := run(t, e, "", c.args...)
		if r.code != 2 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("herald %v: exit %d, want 2 and %q\n%s", c.args, r.code, c.want, r.stderr)
		}
	}
}
