package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/taxii"
	"github.com/heraldcti/herald/web"
)

// ServeCommand runs the TAXII 2.1 server.
type ServeCommand struct{ m *Main }

const serveUsage = `Usage: herald serve [--db PATH] [--addr HOST:PORT] [--config FILE]
                    [--tls-cert FILE --tls-key FILE] [--public-url URL] [flags]

Runs the TAXII 2.1 server (discovery at /taxii2/, the API root at /herald/,
the admin API at /admin/, /healthz and /metrics) and the web pages for
people with a browser (at /web/; / leads there).

/metrics (Prometheus) answers admin accounts only. With --metrics-addr it
is also served, without credentials and without TLS, on that second
address: bind it to loopback or a private network that only the scraper
reaches, since the metrics name accounts and collections.

On a new database it first imports the built-in advisory into a public
collection ("Herald advisories", alias "advisories") and creates an admin
account named "admin" whose password is HERALD_ADMIN_PASSWORD or, when
that is unset, a random one: printed once on stderr when stderr is a
terminal, otherwise written to DB.admin-password (mode 0600, beside the
database) and the log names that file, never the password.
HERALD_ADMIN_PASSWORD is removed from the environment once used. A restart
imports nothing.

Settings come from the defaults, then the configuration file (--config or
HERALD_CONFIG; YAML or JSON), then the environment (HERALD_ADDR, HERALD_DB,
HERALD_TLS_CERT, HERALD_TLS_KEY, HERALD_PUBLIC_BASE_URL,
HERALD_DEFAULT_PAGE_SIZE, HERALD_MAX_PAGE_SIZE, HERALD_MAX_CONTENT_LENGTH,
HERALD_TRUSTED_PROXIES, HERALD_ALLOW_INSECURE_HTTP, HERALD_LOG_LEVEL,
HERALD_METRICS_ADDR, HERALD_PAGE_CACHE_BYTES), then the flags.
Configuration file keys: addr, db, tls_cert, tls_key, public_base_url,
default_page_size, max_page_size, max_content_length, trusted_proxies,
allow_insecure_http, log_level, metrics_addr, page_cache_bytes.

SIGTERM or SIGINT stops the server gracefully (in-flight requests finish).
SIGHUP re-reads the configuration file and applies page sizes,
max_content_length, the public URL, trusted proxies, the log level and
the TLS certificate without a restart.

Examples:
	herald serve
	HERALD_ADMIN_PASSWORD=change-me-now herald serve --db /var/lib/herald/herald.db
	herald serve --addr 0.0.0.0:8443 --tls-cert cert.pem --tls-key key.pem --public-url https://cti.example.org
	herald serve --config /etc/herald/herald.yaml
	herald serve --metrics-addr 127.0.0.1:9464    # Prometheus scrapes here
	kill -HUP $(pidof herald)    # reload the configuration file
`

// Run serves until ctx is done.
func (c *ServeCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("serve", serveUsage)
	var f serveFlags
	f.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usagef("serve takes no arguments")
	}
	f.recordSet(fs)
	cfg, err := f.load(c.m.getenv)
	if err != nil {
		return err
	}

	level := new(slog.LevelVar)
	level.Set(parseLevel(cfg.LogLevel))
	logger := slog.New(slog.NewTextHandler(c.m.Stderr, &slog.HandlerOptions{Level: level}))

	db, err := openDB(cfg.DB, true)
	if err != nil {
		var le *lockedError
		if errors.As(err, &le) {
			return fmt.Errorf("database %s is in use by another process: is another `herald serve` running? (%w)", cfg.DB, store.ErrLocked)
		}
		return err
	}
	defer db.Close()

	if err := seedOnce(ctx, db, adminPasswordFile(cfg.DB), c.m.Stderr, c.m.getenv, logger); err != nil {
		return err
	}

	srv, err := taxii.NewServer(db, taxiiConfig(cfg, logger))
	if err != nil {
		return err
	}
	if _, err := web.Mount(srv, db, web.Options{Logger: logger}); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if c.m.Listening != nil {
		c.m.Listening(ln.Addr())
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	logger.Info("herald ready", "db", store.Redact(cfg.DB), "discovery", scheme+"://"+ln.Addr().String()+"/taxii2/")

	stopMetrics, err := c.serveMetrics(ctx, cfg.MetricsAddr, srv, logger)
	if err != nil {
		ln.Close()
		return err
	}
	defer stopMetrics()

	// SIGHUP reloads; in-process callers (tests) use Main.Reload instead.
	var hup chan os.Signal
	if c.m.Reload == nil {
		hup = make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
			case <-c.m.Reload:
			}
			cfg = c.reload(&f, cfg, srv, level, logger)
		}
	}()
	return srv.Serve(ctx, ln)
}

// reload re-reads the configuration and applies what can change while
// serving; it logs and keeps the running configuration on any error.
func (c *ServeCommand) reload(f *serveFlags, old Config, srv *taxii.Server, level *slog.LevelVar, logger *slog.Logger) Config {
	cfg, err := f.load(c.m.getenv)
	if err != nil {
		logger.Error("reload: configuration not applied", "err", err)
		return old
	}
	for _, fixed := range []struct{ name, was, now string }{
		{"addr", old.Addr, cfg.Addr},
		{"db", store.Redact(old.DB), store.Redact(cfg.DB)},
		{"metrics_addr", old.MetricsAddr, cfg.MetricsAddr},
	} {
		if fixed.was != fixed.now {
			logger.Warn("reload: this setting needs a restart; keeping the running value", "setting", fixed.name, "running", fixed.was, "configured", fixed.now)
		}
	}
	cfg.Addr, cfg.DB, cfg.MetricsAddr = old.Addr, old.DB, old.MetricsAddr
	if err := srv.Reload(taxiiConfig(cfg, logger)); err != nil {
		logger.Error("reload: configuration not applied", "err", err)
		return old
	}
	level.Set(parseLevel(cfg.LogLevel))
	return cfg
}

// taxiiConfig maps the command's configuration to the server's.
func taxiiConfig(cfg Config, logger *slog.Logger) taxii.Config {
	return taxii.Config{
		Addr:              cfg.Addr,
		PublicBaseURL:     cfg.PublicBaseURL,
		TLSCertFile:       cfg.TLSCert,
		TLSKeyFile:        cfg.TLSKey,
		AllowInsecureHTTP: cfg.AllowInsecureHTTP,
		DefaultPageSize:   cfg.DefaultPageSize,
		MaxPageSize:       cfg.MaxPageSize,
		MaxContentLength:  cfg.MaxContentLength,
		TrustedProxies:    cfg.TrustedProxies,
		PageCacheBytes:    cfg.PageCacheBytes,
		Logger:            logger,
	}
}

func parseLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// adminPasswordFile is where the first admin password goes when stderr is
// not a terminal: beside a database file, or, for a database server, in
// the working directory (the service's state directory under systemd).
func adminPasswordFile(dsn string) string {
	if store.IsPath(dsn) {
		return dsn + ".admin-password"
	}
	return "herald.admin-password"
}
