package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := NewMain().Run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}

// Main is the herald program: its standard streams, its environment and
// the hooks tests use to drive it in-process. The zero value is not ready;
// use NewMain.
type Main struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer

	// Getenv reads the environment (HERALD_DB, HERALD_SERVER, ...).
	Getenv func(string) string

	// ReadPassword prompts on the terminal without echo. Tests replace it;
	// the default reads /dev/tty (see password.go).
	ReadPassword func(prompt string) (string, error)

	// Listening, when set, is called by serve once the listener is open,
	// with its address (tests listen on 127.0.0.1:0).
	Listening func(net.Addr)

	// MetricsListening, when set, is called by serve once the metrics
	// listener (--metrics-addr) is open, with its address.
	MetricsListening func(net.Addr)

	// Reload, when set, replaces SIGHUP for serve: each value received
	// reloads the configuration file.
	Reload <-chan struct{}
}

// NewMain returns a Main wired to the process: os.Stdin, os.Stdout,
// os.Stderr, os.Getenv and the terminal.
func NewMain() *Main {
	return &Main{
		Stdin:        os.Stdin,
		Stdout:       os.Stdout,
		Stderr:       os.Stderr,
		Getenv:       os.Getenv,
		ReadPassword: readPasswordTTY,
	}
}

// command is one subcommand: it parses its own flags from args.
type command interface {
	Run(ctx context.Context, args []string) error
}

// Exit statuses.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// Run runs the command line args (without the program name) and returns
// the process exit status: 0 on success, 2 on a usage error, 1 on any
// other failure. Errors are printed to m.Stderr.
func (m *Main) Run(ctx context.Context, args []string) int {
	err := m.run(ctx, args)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	var ue *usageError
	if errors.As(err, &ue) {
		if ue.msg != "" {
			fmt.Fprintf(m.Stderr, "herald: %s\n", ue.msg)
		}
		if ue.hint != "" {
			fmt.Fprintln(m.Stderr, ue.hint)
		}
		return exitUsage
	}
	var se silentError
	if !errors.As(err, &se) {
		fmt.Fprintf(m.Stderr, "herald: %v\n", err)
	}
	return exitFailure
}

func (m *Main) run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(m.Stderr, mainUsage)
		return &usageError{msg: "no command given"}
	}
	name, rest := args[0], args[1:]
	var cmd command
	switch name {
	case "serve":
		cmd = &ServeCommand{m: m}
	case "import":
		cmd = &ImportCommand{m: m}
	case "export":
		cmd = &ExportCommand{m: m}
	case "validate":
		cmd = &ValidateCommand{m: m}
	case "indicator":
		cmd = &IndicatorCommand{m: m}
	case "collection":
		cmd = &CollectionCommand{m: m}
	case "user":
		cmd = &UserCommand{m: m}
	case "check":
		cmd = &CheckCommand{m: m}
	case "backup":
		cmd = &BackupCommand{m: m}
	case "copy":
		cmd = &CopyCommand{m: m}
	case "version":
		cmd = &VersionCommand{m: m}
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 && rest[0] != "help" && !strings.HasPrefix(rest[0], "-") {
			return m.run(ctx, []string{rest[0], "-h"})
		}
		fmt.Fprint(m.Stderr, mainUsage)
		return nil
	default:
		fmt.Fprint(m.Stderr, mainUsage)
		return &usageError{msg: fmt.Sprintf("unknown command %q", name)}
	}
	return cmd.Run(ctx, rest)
}

const mainUsage = `Herald publishes threat advisories as STIX 2.1 over TAXII 2.1.

Usage:

	herald <command> [flags] [arguments]

Commands:

	serve       run the TAXII 2.1 server (creates and seeds herald.db on first start)
	import      import YAML advisories, STIX bundles, TAXII envelopes or JSON arrays
	export      write a collection as a STIX bundle, TAXII envelope or NDJSON
	validate    check advisories and STIX files without a database (for CI)
	indicator   add an indicator, or revoke an object
	collection  add, list or remove collections
	user        add, list, remove accounts; change passwords; grant access; API tokens
	check       check the database for inconsistencies
	backup      write a hot, consistent copy of the database
	copy        copy a whole database to another backend (file <-> PostgreSQL)
	version     print the version

Every command that touches data works on a database (--db PATH, default
herald.db, or a postgres:// URL; or HERALD_DB) or through a running server (--server URL or
HERALD_SERVER, with HERALD_USER and HERALD_PASSWORD or HERALD_TOKEN).

Run 'herald <command> -h' for the flags and examples of a command.

Examples:

	herald serve
	herald import --collection partners bundle.json.gz
	herald export --collection partners --type indicator -o indicators.json
	HERALD_SERVER=http://127.0.0.1:8080 HERALD_USER=admin herald collection list
`

// usageError is a mistake on the command line: exit status 2.
type usageError struct {
	msg  string
	hint string
}

func (e *usageError) Error() string { return e.msg }

// usagef returns a usage error with a formatted message.
func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// silentError is a failure that the command already reported in detail
// (for example import's list of rejected objects): Run exits 1 without
// printing it again.
type silentError struct{ err error }

func (e silentError) Error() string { return e.err.Error() }
func (e silentError) Unwrap() error { return e.err }

// newFlagSet returns a flag set for one subcommand: errors come back to
// Run (ContinueOnError), output goes to m.Stderr, and -h prints usage,
// which must hold the synopsis, the flags and examples.
func (m *Main) newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet("herald "+name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		synopsis, examples, _ := strings.Cut(usage, "\nExamples:\n")
		fmt.Fprint(m.Stderr, strings.TrimRight(synopsis, "\n")+"\n\nFlags:\n")
		fs.PrintDefaults()
		if examples != "" {
			fmt.Fprint(m.Stderr, "\nExamples:\n"+examples)
		}
	}
	return fs
}

// parseFlags parses args into fs. A malformed flag is a usage error (the
// flag package has already printed the message and usage); -h is
// flag.ErrHelp, which exits 0.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{}
	}
	return nil
}

// parseInterspersed parses flags that may come before or after the
// positional arguments ("herald user add alice --admin"), returning the
// positional arguments in order. "--" ends flag parsing.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// getenv reads the environment through m.Getenv.
func (m *Main) getenv(key string) string {
	if m.Getenv == nil {
		return ""
	}
	return m.Getenv(key)
}
