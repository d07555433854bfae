package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at link time: go build -ldflags "-X main.version=v1.2.3".
// When empty, the module version from the build information is used.
var version = ""

// VersionCommand prints the version, the VCS commit and the Go version.
type VersionCommand struct{ m *Main }

const versionUsage = `Usage: herald version

Prints the version of herald (set with -ldflags "-X main.version=..." or
taken from the module build information), the VCS commit it was built
from when known, and the Go version.

Examples:
	herald version
`

// Run prints the version line to stdout.
func (c *VersionCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("version", versionUsage)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("version takes no arguments")
	}
	info, _ := debug.ReadBuildInfo()
	fmt.Fprintln(c.m.Stdout, versionString(version, info))
	return nil
}

// versionString formats "herald v1.2.3 (commit abc123def456, modified) go1.26.8".
func versionString(override string, info *debug.BuildInfo) string {
	v := override
	var commit string
	var dirty bool
	if info != nil {
		if v == "" {
			v = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	out := "herald " + v
	if commit != "" {
		if len(commit) > 12 {
			commit = commit[:12]
		}
		out += " (commit " + commit
		if dirty {
			out += ", modified"
		}
		out += ")"
	}
	return out + " " + runtime.Version()
}
