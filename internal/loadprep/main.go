// Command loadprep prepares the databases that scripts/load.sh serves:
// a Herald database file holding one collection of N synthetic, valid
// STIX 2.1 objects (99% indicators with varied patterns, 1% malware,
// about 800 bytes each), public-read, plus a reader account with a read
// grant on it, so the load test can fetch the very same page anonymously
// and with Basic auth.
//
// Usage:
//
//	go run ./internal/loadprep -db /tmp/herald-load/10k.db -objects 10000
//	go run ./internal/loadprep -verify-page body.json -want 100
//
// It opens the store directly (herald serve must not hold the file). A
// missing file is built in batches (-batch objects per write
// transaction, without fsync, synced once at the end) under FILE.partial
// and renamed when complete; an existing file is reused after checking
// its object count, so a second run costs well under a second. The
// generator is seeded (-seed): the same flags always give the same
// objects. Nothing in the data is real: addresses are RFC 5737/3849
// documentation ranges and names end in .example.
//
// On success it prints key=value lines on stdout for the script:
//
//	collection_id=<uuid>
//	collection_alias=load-10000
//	objects=10000
//	reader=reader
//	middle_added_after=<TAXII timestamp; the page after it starts at object N/2>
//	middle_index=5000
//	built=true|false
//	build_seconds=<float>
//	file_bytes=<size>
//
// With -verify-page it instead checks that a saved TAXII envelope holds
// exactly -want valid STIX objects and says "more" as expected, exiting
// non-zero otherwise.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	_ "github.com/heraldcti/herald/store/bolt" // the bbolt backend: -db is a file path
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "loadprep:", err)
		}
		os.Exit(1)
	}
}

// run is main without the process: tests call it directly.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("loadprep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		cfg        config
		quiet      bool
		verifyPage string
		want       int
		static     string
		addr       string
		sizes      string
	)
	fs.StringVar(&cfg.Path, "db", "", "database `file` to build or reuse (required)")
	fs.IntVar(&cfg.Objects, "objects", 10_000, "objects in the load collection")
	fs.IntVar(&cfg.Batch, "batch", 10_000, "objects per write transaction")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "generator seed")
	fs.StringVar(&cfg.Reader, "reader", "reader", "account granted read on the collection")
	fs.StringVar(&cfg.ReaderPassword, "reader-password", "load-test-reader", "its password")
	fs.BoolVar(&quiet, "q", false, "no progress lines on stderr")
	fs.StringVar(&verifyPage, "verify-page", "", "check a saved objects response `file` instead")
	fs.IntVar(&want, "want", 100, "with -verify-page: objects the page must hold")
	fs.StringVar(&static, "serve-static", "", "serve this `file`'s bytes from memory at every URL instead (the bare net/http baseline)")
	fs.StringVar(&sizes, "sizes", "", "print the keys and bytes of every bucket of this bbolt `file` instead")
	fs.StringVar(&addr, "addr", "127.0.0.1:0", "with -serve-static: listen address")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "Usage: loadprep -db FILE [-objects N] [-batch N] [-seed N] [-reader NAME -reader-password PW]\n"+
			"       loadprep -verify-page FILE [-want N]\n"+
			"       loadprep -serve-static FILE [-addr HOST:PORT]\n"+
			"       loadprep -sizes FILE\n\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if sizes != "" {
		return reportSizes(sizes, stdout)
	}
	if static != "" {
		return serveStatic(ctx, static, addr, stdout)
	}
	if verifyPage != "" {
		info, err := verifyPageFile(verifyPage, want)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "objects=%d\nmore=%t\nfirst_id=%s\nlast_id=%s\n", info.Objects, info.More, info.FirstID, info.LastID)
		return nil
	}
	if cfg.Path == "" {
		fs.Usage()
		return errors.New("-db is required")
	}
	if !quiet {
		cfg.Progress = stderr
	}
	res, err := prepare(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "collection_id=%s\ncollection_alias=%s\nobjects=%d\nreader=%s\nmiddle_added_after=%s\nmiddle_index=%d\ndeep_added_after=%s\nbuilt=%t\nbuild_seconds=%.1f\nfile_bytes=%d\n",
		res.CollectionID, res.Alias, res.Objects, res.Reader,
		res.MiddleAfter.UTC().Format(taxiiTime), res.FirstPageObject, res.DeepAfter.UTC().Format(taxiiTime), res.Built, res.BuildTime.Seconds(), res.FileSize)
	return nil
}

// taxiiTime is the TAXII 2.1 timestamp layout (UTC, microseconds), the
// precision of date_added.
const taxiiTime = "2006-01-02T15:04:05.000000Z"
