package taxii

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"
)

// Config configures a Server. The zero value of every field means its
// documented default, so Config{} is a working local server.
type Config struct {
	// Addr is the address the command listens on (Serve itself takes a
	// listener). Default "127.0.0.1:8080".
	Addr string

	// PublicBaseURL is the externally visible base URL, e.g.
	// "https://taxii.example.org" or "https://example.org/cti". When set,
	// discovery advertises API roots under it. When empty, the scheme is
	// https on TLS (http otherwise) and the host is the request's Host, or
	// X-Forwarded-Proto/-Host when the peer is a trusted proxy.
	PublicBaseURL string

	// TLSCertFile and TLSKeyFile are PEM files; both or neither. With them
	// Serve speaks TLS 1.2/1.3 (AEAD ECDHE suites only) and HTTP/2. Reload
	// re-reads them (certificate rotation).
	TLSCertFile string
	TLSKeyFile  string

	// AllowInsecureHTTP lets Serve speak plain HTTP on a non-loopback
	// listener (e.g. behind a TLS-terminating proxy); a warning is logged.
	// Plain HTTP on a loopback address is always allowed. Default false.
	AllowInsecureHTTP bool

	// APIRoot is the single API root's path segment. Default "herald"
	// (URL /herald/). Not reloadable.
	APIRoot string

	// Title, Description and Contact describe the server in the discovery
	// resource. Default title "Herald TAXII 2.1 server".
	Title       string
	Description string
	Contact     string

	// APIRootTitle and APIRootDescription describe the API root. Default
	// title "Herald".
	APIRootTitle       string
	APIRootDescription string

	// DefaultPageSize is the page size when a request has no limit.
	// Default 100, or MaxPageSize when that is smaller.
	DefaultPageSize int
	// MaxPageSize caps limit (larger limits are capped, not refused).
	// Default 1000. The store caps pages at its own maximum as well.
	MaxPageSize int

	// MaxContentLength is the API root's max_content_length: the largest
	// POST body in bytes (exactly this size passes; one more is 413).
	// Default 10 MiB.
	MaxContentLength int64

	// TrustedProxies are IPs or CIDRs of reverse proxies whose
	// X-Forwarded-For/-Proto/-Host headers are believed. Default none: the
	// client IP is the connection's peer and X-Forwarded-* are ignored.
	TrustedProxies []string

	// HTTP server timeouts. Defaults: ReadHeaderTimeout 10s, ReadTimeout
	// 60s, WriteTimeout 120s, IdleTimeout 120s. ShutdownTimeout (default
	// 30s) bounds the drain after Serve's context is cancelled. Not
	// reloadable.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	ShutdownTimeout   time.Duration

	// AuthCacheTTL is how long verified credentials (Basic and tokens) are
	// remembered (under a keyed hash of them) so that polls do not pay an
	// argon2 hash each. A credential used in the last quarter of it is
	// re-checked in the background and renewed (refresh-ahead), so polls
	// do not pay the hash when it expires either. Default 1 minute;
	// negative disables.
	AuthCacheTTL time.Duration
	// MaxAuthFailures failed authentications from one client IP within
	// AuthFailureWindow make further attempts from it get 429 with
	// Retry-After until the window ends. Defaults 10 and 1 minute;
	// MaxAuthFailures < 0 disables throttling.
	MaxAuthFailures   int
	AuthFailureWindow time.Duration

	// StatusRetention is how long add-request statuses are kept (the spec
	// asks for at least 24 hours). Default 25h. Statuses are purged every
	// StatusPurgeInterval (default 1h) while Serve runs.
	StatusRetention     time.Duration
	StatusPurgeInterval time.Duration

	// EmptyObjectsList makes empty envelopes carry "objects":[] instead of
	// omitting the key. The spec forbids empty lists (§2) but Elastic's CEL
	// program and old OpenCTI connectors crash on a missing key. Default
	// false (spec-conformant).
	EmptyObjectsList bool

	// PageCacheBytes bounds the memory of the page cache, which answers a
	// repeated objects page from memory while the store's content stamp
	// says nothing changed (exact: never stale after an acknowledged
	// write, on any replica). Default DefaultPageCacheBytes (32 MiB);
	// negative disables it. A store that cannot stamp its content
	// (store.ContentStamper) is never cached. Not reloadable.
	PageCacheBytes int64

	// Logger receives structured request and error logs. Default
	// slog.Default().
	Logger *slog.Logger

	// Now is the clock (status timestamps, auth cache, throttling). Default
	// time.Now. Tests inject a fixed clock for golden files.
	Now func() time.Time
}

// Defaults of Config.
const (
	DefaultAddr             = "127.0.0.1:8080"
	DefaultAPIRoot          = "herald"
	DefaultTitle            = "Herald TAXII 2.1 server"
	DefaultAPIRootTitle     = "Herald"
	DefaultPageSize         = 100
	DefaultMaxPageSize      = 1000
	DefaultMaxContentLength = 10 << 20
)

// withDefaults returns cfg with every zero field set to its default.
func (cfg Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if cfg.Addr == "" {
		cfg.Addr = DefaultAddr
	}
	if cfg.APIRoot == "" {
		cfg.APIRoot = DefaultAPIRoot
	}
	if cfg.Title == "" {
		cfg.Title = DefaultTitle
	}
	if cfg.APIRootTitle == "" {
		cfg.APIRootTitle = DefaultAPIRootTitle
	}
	if cfg.MaxPageSize == 0 {
		cfg.MaxPageSize = DefaultMaxPageSize
	}
	if cfg.DefaultPageSize == 0 {
		cfg.DefaultPageSize = min(DefaultPageSize, cfg.MaxPageSize)
	}
	if cfg.MaxContentLength == 0 {
		cfg.MaxContentLength = DefaultMaxContentLength
	}
	if cfg.PageCacheBytes == 0 {
		cfg.PageCacheBytes = DefaultPageCacheBytes
	}
	def(&cfg.ReadHeaderTimeout, 10*time.Second)
	def(&cfg.ReadTimeout, 60*time.Second)
	def(&cfg.WriteTimeout, 120*time.Second)
	def(&cfg.IdleTimeout, 120*time.Second)
	def(&cfg.ShutdownTimeout, 30*time.Second)
	def(&cfg.AuthCacheTTL, time.Minute)
	def(&cfg.AuthFailureWindow, time.Minute)
	def(&cfg.StatusRetention, 25*time.Hour)
	def(&cfg.StatusPurgeInterval, time.Hour)
	if cfg.MaxAuthFailures == 0 {
		cfg.MaxAuthFailures = 10
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return cfg
}

// reserved are first path segments the server uses itself.
var reserved = map[string]bool{"taxii2": true, "admin": true, "healthz": true, "metrics": true}

// settings is the validated, derived form of a Config that handlers read
// through an atomic pointer, so Reload swaps it in one step.
type settings struct {
	Config
	baseURL *url.URL       // nil: derive from the request
	proxies []netip.Prefix // trusted proxies
}

// ConfigError is a setting of Config that the server refuses. It names the
// Config fields involved, so that a program with its own names for them
// (a configuration file's keys, flags) can say which of its settings is
// wrong.
type ConfigError struct {
	Fields  []string // Config field names, e.g. "DefaultPageSize"
	Problem string
}

func (e *ConfigError) Error() string {
	return "taxii config: " + strings.Join(e.Fields, " and ") + ": " + e.Problem
}

func configErr(fields []string, format string, args ...any) error {
	return &ConfigError{Fields: fields, Problem: fmt.Sprintf(format, args...)}
}

// Validate reports the first setting that NewServer would refuse (as a
// *ConfigError), without reading any file. It is the one validation of a
// server's configuration: the command line validates its own
// configuration with it.
func (cfg Config) Validate() error {
	_, err := compile(cfg.withDefaults())
	return err
}

// compile validates cfg (already defaulted) and derives settings.
func compile(cfg Config) (*settings, error) {
	st := &settings{Config: cfg}
	one := func(f string) []string { return []string{f} }
	if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
		return nil, configErr(one("Addr"), "%q is not host:port: %v", cfg.Addr, err)
	}
	if !validSegment(cfg.APIRoot) || reserved[cfg.APIRoot] {
		return nil, configErr(one("APIRoot"), "%q must be one URL path segment of letters, digits, '-', '_', '.' or '~' and not one of taxii2, admin, healthz, metrics", cfg.APIRoot)
	}
	if cfg.MaxPageSize < 1 {
		return nil, configErr(one("MaxPageSize"), "%d is not positive", cfg.MaxPageSize)
	}
	if cfg.DefaultPageSize < 1 {
		return nil, configErr(one("DefaultPageSize"), "%d is not positive", cfg.DefaultPageSize)
	}
	if cfg.DefaultPageSize > cfg.MaxPageSize {
		return nil, configErr([]string{"DefaultPageSize", "MaxPageSize"}, "the default page size %d exceeds the max page size %d", cfg.DefaultPageSize, cfg.MaxPageSize)
	}
	if cfg.MaxContentLength < 1 || cfg.MaxContentLength > 1<<53-1 {
		return nil, configErr(one("MaxContentLength"), "%d is out of range", cfg.MaxContentLength)
	}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, configErr([]string{"TLSCertFile", "TLSKeyFile"}, "must be given together: TLS needs both a certificate file and a key file")
	}
	if cfg.PublicBaseURL != "" {
		u, err := url.Parse(cfg.PublicBaseURL)
		if err != nil {
			return nil, configErr(one("PublicBaseURL"), "%v", err)
		}
		if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, configErr(one("PublicBaseURL"), "%q must be an absolute http(s) URL without query, fragment or credentials", cfg.PublicBaseURL)
		}
		u.Path = strings.TrimRight(u.Path, "/")
		u.RawPath = ""
		st.baseURL = u
	}
	for _, p := range cfg.TrustedProxies {
		n, err := ParseProxy(p)
		if err != nil {
			return nil, configErr(one("TrustedProxies"), "%v", err)
		}
		st.proxies = append(st.proxies, n)
	}
	return st, nil
}

// ParseProxy parses one TrustedProxies entry: a CIDR prefix ("10.0.0.0/8",
// "2001:db8::/32") or a bare IP address, which stands for itself alone.
// Zones ("fe80::1%eth0") are refused: a peer address never has one.
// IPv4-mapped IPv6 addresses are read as IPv4.
func ParseProxy(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%q is not a CIDR prefix: %w", s, err)
		}
		if p.Addr().Is4In6() {
			bits := p.Bits() - 96
			if bits < 0 {
				return netip.Prefix{}, fmt.Errorf("%q: an IPv4-mapped prefix shorter than /96", s)
			}
			p = netip.PrefixFrom(p.Addr().Unmap(), bits)
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%q is neither an IP address nor a CIDR prefix", s)
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func validSegment(s string) bool {
	if s == "" || s == "." || s == ".." || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~", c) >= 0) {
			return false
		}
	}
	return true
}

// trusted reports whether ip is a configured proxy.
func (st *settings) trusted(ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if !ok {
		return false
	}
	a = a.Unmap()
	for _, p := range st.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
