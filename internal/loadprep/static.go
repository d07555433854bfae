package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"
)

// staticHandler is the floor a Go server can reach for a page: the bytes
// already in memory, written with one Write and a Content-Length, the
// TAXII content type, no routing, no auth, no logging. scripts/load.sh
// puts Herald next to it (and next to nginx).
func staticHandler(body []byte) http.Handler {
	length := strconv.Itoa(len(body))
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"application/taxii+json;version=2.1"}
		h["Content-Length"] = []string{length}
		_, _ = w.Write(body)
	})
}

// serveStatic serves file's bytes at every URL on addr until ctx ends; it
// prints "addr=HOST:PORT" once it listens.
func serveStatic(ctx context.Context, file, addr string, stdout io.Writer) error {
	body, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: staticHandler(body), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "addr=%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
