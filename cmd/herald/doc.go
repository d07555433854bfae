// Command herald publishes threat advisories as STIX 2.1 over TAXII 2.1.
//
// It wires the packages together: serve, import, export, indicator,
// collection, user, check, backup and version. Configuration types and
// flags live here. It may import every Herald package.
//
// Each subcommand is a type with Run(ctx, args) that parses its own flags
// (flag.ContinueOnError); Main holds the standard streams, the environment
// and the hooks (Listening, Reload, ReadPassword) through which the tests
// drive the whole program in-process. Run's exit status is 0 on success, 1
// on a failure and 2 on a usage error.
//
// Every command that touches data goes through a backend: the database
// file opened directly (local.go) or a running server (remote.go), over
// TAXII 2.1 for objects and the admin API (taxii/admin.go) for the rest.
//
// # Caveats
//
// bbolt lets one process hold the file. Commands give up after one second
// and say how to work through the server instead; they never wait for the
// lock. Without golang.org/x/term, passwords are read from /dev/tty with
// echo turned off by stty(1); where there is no terminal, use
// --password-stdin or HERALD_PASSWORD.
package main
