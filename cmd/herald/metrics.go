package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"

	"github.com/heraldcti/herald/taxii"
)

// serveMetrics starts the credential-free metrics listener of
// --metrics-addr, when addr is set, and returns the function that stops it
// and waits for it. A listener that cannot be opened stops serve from
// starting; one that fails later is logged and the TAXII server goes on.
func (c *ServeCommand) serveMetrics(ctx context.Context, addr string, srv *taxii.Server, logger *slog.Logger) (stop func(), err error) {
	if addr == "" {
		return func() {}, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics on %s: %w", addr, err)
	}
	if c.m.MetricsListening != nil {
		c.m.MetricsListening(ln.Addr())
	}
	mctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.ServeMetrics(mctx, ln); err != nil {
			logger.Error("metrics listener stopped", "err", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}
