package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/heraldcti/herald/taxii"
)

// DefaultDBPath is the database of `herald serve` with no --db. The
// default listen address is the server's own, taxii.DefaultAddr.
const DefaultDBPath = "herald.db"

// Config is the configuration of `herald serve`. It is read, in rising
// order of precedence, from the defaults, the configuration file
// (--config or HERALD_CONFIG), the environment (HERALD_*), and the flags.
//
// The file is YAML or JSON (JSON is YAML); unknown keys are errors, so a
// typo does not silently fall back to a default:
//
//	addr: 0.0.0.0:8443
//	db: /var/lib/herald/herald.db
//	tls_cert: /etc/herald/cert.pem
//	tls_key: /etc/herald/key.pem
//	public_base_url: https://cti.example.org
//	default_page_size: 100
//	max_page_size: 1000
//	max_content_length: 10485760
//	trusted_proxies: [10.0.0.0/8]
//	allow_insecure_http: false
//	log_level: info
//	metrics_addr: 10.0.0.5:9464
//	page_cache_bytes: 33554432
type Config struct {
	Addr              string   `yaml:"addr" json:"addr"`
	DB                string   `yaml:"db" json:"db"`
	TLSCert           string   `yaml:"tls_cert" json:"tls_cert"`
	TLSKey            string   `yaml:"tls_key" json:"tls_key"`
	PublicBaseURL     string   `yaml:"public_base_url" json:"public_base_url"`
	DefaultPageSize   int      `yaml:"default_page_size" json:"default_page_size"`
	MaxPageSize       int      `yaml:"max_page_size" json:"max_page_size"`
	MaxContentLength  int64    `yaml:"max_content_length" json:"max_content_length"`
	TrustedProxies    []string `yaml:"trusted_proxies" json:"trusted_proxies"`
	AllowInsecureHTTP bool     `yaml:"allow_insecure_http" json:"allow_insecure_http"`
	LogLevel          string   `yaml:"log_level" json:"log_level"`
	// MetricsAddr, when set, is a second listener serving /metrics without
	// credentials, for a scraper on a private network.
	MetricsAddr string `yaml:"metrics_addr" json:"metrics_addr"`
	// PageCacheBytes bounds the memory of the page cache (0: the server
	// default, 32 MiB; negative: off).
	PageCacheBytes int64 `yaml:"page_cache_bytes" json:"page_cache_bytes"`
}

// DefaultConfig is the configuration of `herald serve` with no flags,
// file or environment: herald.db, 127.0.0.1:8080, plain HTTP on loopback.
// Zero page and size limits mean the taxii package's defaults.
func DefaultConfig() Config {
	return Config{Addr: taxii.DefaultAddr, DB: DefaultDBPath, LogLevel: "info"}
}

// ReadConfigFile reads a configuration file over cfg: keys present in the
// file replace cfg's values, the rest stay.
func ReadConfigFile(path string, cfg *Config) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read config: %w", err)
	}
	return parseConfig(data, path, cfg)
}

func parseConfig(data []byte, path string, cfg *Config) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) { // EOF: only comments
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// envVar maps one HERALD_* variable to a configuration field.
type envVar struct {
	name string
	set  func(c *Config, v string) error
}

// configEnv lists the environment variables serve reads.
var configEnv = []envVar{
	{"HERALD_ADDR", func(c *Config, v string) error { c.Addr = v; return nil }},
	{"HERALD_DB", func(c *Config, v string) error { c.DB = v; return nil }},
	{"HERALD_TLS_CERT", func(c *Config, v string) error { c.TLSCert = v; return nil }},
	{"HERALD_TLS_KEY", func(c *Config, v string) error { c.TLSKey = v; return nil }},
	{"HERALD_PUBLIC_BASE_URL", func(c *Config, v string) error { c.PublicBaseURL = v; return nil }},
	{"HERALD_DEFAULT_PAGE_SIZE", func(c *Config, v string) error { return setInt(&c.DefaultPageSize, v) }},
	{"HERALD_MAX_PAGE_SIZE", func(c *Config, v string) error { return setInt(&c.MaxPageSize, v) }},
	{"HERALD_MAX_CONTENT_LENGTH", func(c *Config, v string) error { return setInt64(&c.MaxContentLength, v) }},
	{"HERALD_TRUSTED_PROXIES", func(c *Config, v string) error { c.TrustedProxies = splitList(v); return nil }},
	{"HERALD_ALLOW_INSECURE_HTTP", func(c *Config, v string) error { return setBool(&c.AllowInsecureHTTP, v) }},
	{"HERALD_LOG_LEVEL", func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{"HERALD_METRICS_ADDR", func(c *Config, v string) error { c.MetricsAddr = v; return nil }},
	{"HERALD_PAGE_CACHE_BYTES", func(c *Config, v string) error { return setInt64(&c.PageCacheBytes, v) }},
}

// applyEnv sets the fields whose HERALD_* variable is set and not empty.
func applyEnv(cfg *Config, getenv func(string) string) error {
	for _, e := range configEnv {
		v := getenv(e.name)
		if v == "" {
			continue
		}
		if err := e.set(cfg, v); err != nil {
			return fmt.Errorf("environment %s: %w", e.name, err)
		}
	}
	return nil
}

func setInt(dst *int, v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not an integer", v)
	}
	*dst = n
	return nil
}

func setInt64(dst *int64, v string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an integer", v)
	}
	*dst = n
	return nil
}

func setBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not true or false", v)
	}
	*dst = b
	return nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// configKeys names the server's settings (taxii.Config fields) as the
// configuration file does.
var configKeys = map[string]string{
	"Addr":              "addr",
	"PublicBaseURL":     "public_base_url",
	"TLSCertFile":       "tls_cert",
	"TLSKeyFile":        "tls_key",
	"DefaultPageSize":   "default_page_size",
	"MaxPageSize":       "max_page_size",
	"MaxContentLength":  "max_content_length",
	"TrustedProxies":    "trusted_proxies",
	"AllowInsecureHTTP": "allow_insecure_http",
	"PageCacheBytes":    "page_cache_bytes",
}

// Validate reports the first problem that would stop the server from
// starting, naming the setting. What the server is configured with is
// validated by the server's own rules (taxii.Config.Validate), once; this
// adds only the command's settings (db, log_level).
func (c Config) Validate() error {
	if c.DB == "" {
		return errors.New("db: empty database path")
	}
	if c.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(c.MetricsAddr); err != nil {
			return fmt.Errorf("metrics_addr %q: %w", c.MetricsAddr, err)
		}
	}
	switch strings.ToLower(c.LogLevel) {
	case "", "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("log_level %q: want debug, info, warn or error", c.LogLevel)
	}
	err := taxiiConfig(c, nil).Validate()
	var ce *taxii.ConfigError
	if errors.As(err, &ce) {
		keys := make([]string, len(ce.Fields))
		for i, f := range ce.Fields {
			if keys[i] = configKeys[f]; keys[i] == "" {
				keys[i] = f
			}
		}
		return fmt.Errorf("%s: %s", strings.Join(keys, " and "), ce.Problem)
	}
	return err
}

// serveFlags holds serve's flag values; only the flags given on the
// command line override the file and the environment.
type serveFlags struct {
	configPath string
	cfg        Config
	proxies    string
	set        map[string]bool
}

func (f *serveFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.configPath, "config", "", "configuration `file` (YAML or JSON; env HERALD_CONFIG); SIGHUP re-reads it")
	fs.StringVar(&f.cfg.DB, "db", DefaultDBPath, "database: a file `path` or a postgres:// URL (env HERALD_DB)")
	fs.StringVar(&f.cfg.Addr, "addr", taxii.DefaultAddr, "listen address `host:port` (env HERALD_ADDR)")
	fs.StringVar(&f.cfg.TLSCert, "tls-cert", "", "TLS certificate `file` (PEM; env HERALD_TLS_CERT)")
	fs.StringVar(&f.cfg.TLSKey, "tls-key", "", "TLS private key `file` (PEM; env HERALD_TLS_KEY)")
	fs.StringVar(&f.cfg.PublicBaseURL, "public-url", "", "public base `URL` used in discovery, e.g. https://cti.example.org (env HERALD_PUBLIC_BASE_URL)")
	fs.IntVar(&f.cfg.DefaultPageSize, "default-page-size", 0, "objects per page when a client sends no limit (0: server default)")
	fs.IntVar(&f.cfg.MaxPageSize, "max-page-size", 0, "largest page a client may ask for (0: server default)")
	fs.Int64Var(&f.cfg.MaxContentLength, "max-content-length", 0, "largest accepted request body in `bytes` (0: server default)")
	fs.StringVar(&f.proxies, "trusted-proxies", "", "comma-separated `CIDRs` whose X-Forwarded-* headers are trusted")
	fs.BoolVar(&f.cfg.AllowInsecureHTTP, "allow-insecure-http", false, "serve plain HTTP on a non-loopback address (behind a TLS proxy)")
	fs.StringVar(&f.cfg.LogLevel, "log-level", "info", "log `level`: debug, info, warn, error")
	fs.Int64Var(&f.cfg.PageCacheBytes, "page-cache-bytes", 0, "memory in `bytes` for repeated pages served from memory; exact, never stale (0: 32 MiB, negative: off; env HERALD_PAGE_CACHE_BYTES)")
	fs.StringVar(&f.cfg.MetricsAddr, "metrics-addr", "", "also serve /metrics without credentials on `host:port`, for a scraper on a private network (env HERALD_METRICS_ADDR)")
}

// flagNames maps each Config field's flag to a function copying it.
var serveFlagCopy = map[string]func(dst *Config, f *serveFlags){
	"db":                  func(d *Config, f *serveFlags) { d.DB = f.cfg.DB },
	"addr":                func(d *Config, f *serveFlags) { d.Addr = f.cfg.Addr },
	"tls-cert":            func(d *Config, f *serveFlags) { d.TLSCert = f.cfg.TLSCert },
	"tls-key":             func(d *Config, f *serveFlags) { d.TLSKey = f.cfg.TLSKey },
	"public-url":          func(d *Config, f *serveFlags) { d.PublicBaseURL = f.cfg.PublicBaseURL },
	"default-page-size":   func(d *Config, f *serveFlags) { d.DefaultPageSize = f.cfg.DefaultPageSize },
	"max-page-size":       func(d *Config, f *serveFlags) { d.MaxPageSize = f.cfg.MaxPageSize },
	"max-content-length":  func(d *Config, f *serveFlags) { d.MaxContentLength = f.cfg.MaxContentLength },
	"trusted-proxies":     func(d *Config, f *serveFlags) { d.TrustedProxies = splitList(f.proxies) },
	"allow-insecure-http": func(d *Config, f *serveFlags) { d.AllowInsecureHTTP = f.cfg.AllowInsecureHTTP },
	"log-level":           func(d *Config, f *serveFlags) { d.LogLevel = f.cfg.LogLevel },
	"metrics-addr":        func(d *Config, f *serveFlags) { d.MetricsAddr = f.cfg.MetricsAddr },
	"page-cache-bytes":    func(d *Config, f *serveFlags) { d.PageCacheBytes = f.cfg.PageCacheBytes },
}

// load builds the effective configuration: defaults, then the file, then
// the environment, then the flags that were set. It is called at start and
// again on SIGHUP.
func (f *serveFlags) load(getenv func(string) string) (Config, error) {
	cfg := DefaultConfig()
	path := f.configPath
	if path == "" {
		path = getenv("HERALD_CONFIG")
	}
	if path != "" {
		if err := ReadConfigFile(path, &cfg); err != nil {
			return Config{}, err
		}
	}
	if err := applyEnv(&cfg, getenv); err != nil {
		return Config{}, err
	}
	for name := range f.set {
		if cp, ok := serveFlagCopy[name]; ok {
			cp(&cfg, f)
		}
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, fmt.Errorf("configuration: %w", err)
	}
	return cfg, nil
}

// recordSet remembers which flags were given on the command line.
func (f *serveFlags) recordSet(fs *flag.FlagSet) {
	f.set = map[string]bool{}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
}
