package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// verb is one subcommand of a command with subcommands (collection, user,
// indicator): its names, the first being the one listed in messages, and
// what it runs with the arguments after it.
type verb struct {
	names []string
	run   func(ctx context.Context, args []string) error
}

// dispatch runs the verb that args[0] names. -h, -help, --help and help
// print the usage; no verb or an unknown one prints the usage too and is a
// usage error that lists the verbs.
func dispatch(ctx context.Context, m *Main, command, usage string, verbs []verb, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, usage)
		return usagef("%s: missing subcommand (%s)", command, verbList(verbs))
	}
	for _, v := range verbs {
		if slices.Contains(v.names, args[0]) {
			return v.run(ctx, args[1:])
		}
	}
	fmt.Fprint(m.Stderr, usage)
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return nil
	}
	return usagef("%s: unknown subcommand %q", command, args[0])
}

// verbList names the verbs for a message: "add, list or rm".
func verbList(verbs []verb) string {
	names := make([]string, len(verbs))
	for i, v := range verbs {
		names[i] = v.names[0]
	}
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// withNoArgs runs fn on the backend for a (sub)command that takes flags
// only: the data flags (--db, --server...) are parsed, positional
// arguments refused.
func withNoArgs(ctx context.Context, m *Main, name, usage string, args []string, write bool, fn func(b backend) error) error {
	fs, data := m.dataFlagSet(name, usage)
	if _, err := parseN(fs, args, 0, name+" takes no arguments"); err != nil {
		return err
	}
	return data.with(ctx, m, write, fn)
}
