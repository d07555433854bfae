package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/heraldcti/herald/taxii"
)

// BenchmarkServeMiddlePage is the load script's request without the
// network: the middle 100-object page of a 10k-object collection, served
// by the taxii handler into a writer that only counts bytes: anonymously,
// with Basic auth, and with Basic auth and the credential cache off.
// Its ns/op is the server's own CPU cost per page, the part of a wrk
// figure that Herald controls (profile it with -cpuprofile).
//
// LOADPREP_BENCH_DB and LOADPREP_BENCH_OBJECTS point it at a file that
// scripts/load.sh cached instead (e.g. the 1M-object one), without
// rebuilding it (the reader password is set to the benchmark's; load.sh
// sets it back on its next run).
func BenchmarkServeMiddlePage(b *testing.B) {
	cfg := config{Path: filepath.Join(b.TempDir(), "bench.db"), Objects: 10_000, Batch: 10_000, Seed: 1,
		Reader: "reader", ReaderPassword: "pw-for-bench"}
	if path := os.Getenv("LOADPREP_BENCH_DB"); path != "" {
		n, err := strconv.Atoi(os.Getenv("LOADPREP_BENCH_OBJECTS"))
		if err != nil {
			b.Fatalf("LOADPREP_BENCH_OBJECTS: %v", err)
		}
		cfg.Path, cfg.Objects = path, n
	}
	res, err := prepare(context.Background(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	db := openDB(b, cfg.Path)
	quiet := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))
	handler := func(c taxii.Config) http.Handler {
		c.Logger = quiet
		srv, err := taxii.NewServer(db, c)
		if err != nil {
			b.Fatal(err)
		}
		return srv.Handler()
	}
	cached := handler(taxii.Config{})
	target := "/herald/collections/" + res.CollectionID + "/objects/?limit=100&added_after=" + res.MiddleAfter.Format(taxiiTime)
	for _, bc := range []struct {
		name string
		auth bool
		h    http.Handler
	}{
		{"anonymous", false, cached},
		{"basic", true, cached},
		// The page cache off: every request walks the store.
		{"anonymous-nocache", false, handler(taxii.Config{PageCacheBytes: -1})},
		{"basic-nocache", true, handler(taxii.Config{PageCacheBytes: -1})},
		// What the credential cache saves: an argon2id check per request.
		{"basic-uncached", true, handler(taxii.Config{AuthCacheTTL: -1})},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var size int
			for b.Loop() {
				req := httptest.NewRequest(http.MethodGet, target, nil)
				req.Header.Set("Accept", "application/taxii+json;version=2.1")
				if bc.auth {
					req.SetBasicAuth(cfg.Reader, cfg.ReaderPassword)
				}
				w := &countingWriter{header: http.Header{}}
				bc.h.ServeHTTP(w, req)
				if w.status != http.StatusOK {
					b.Fatalf("status %d", w.status)
				}
				size = w.n
			}
			b.SetBytes(int64(size))
		})
	}
}

// countingWriter is a ResponseWriter that keeps only the status and the
// body size, so the benchmark measures the server, not a growing buffer.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *countingWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}
