package main

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/heraldcti/herald/taxii"
)

// loadConfig runs serve's configuration loading on a file body, an
// environment and flags, as serve does at start and on SIGHUP.
func loadConfig(t *testing.T, file string, env map[string]string, args ...string) (Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f serveFlags
	f.register(fs)
	if file != "" {
		path := filepath.Join(t.TempDir(), "herald.conf")
		if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
			t.Fatal(err)
		}
		args = append([]string{"--config", path}, args...)
	}
	if err := fs.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}
	f.recordSet(fs)
	return f.load(func(k string) string { return env[k] })
}

func TestConfigPrecedenceDefaultsFileEnvFlags(t *testing.T) {
	yamlFile := "addr: 0.0.0.0:9000\ndb: /data/file.db\nmax_page_size: 500\ndefault_page_size: 50\ntrusted_proxies: [10.0.0.0/8]\nlog_level: debug\n"
	jsonFile := `{"addr":"0.0.0.0:9000","db":"/data/file.db","max_page_size":500,"default_page_size":50,"trusted_proxies":["10.0.0.0/8"],"log_level":"debug"}`
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
		want Config
	}{
		{name: "defaults", want: Config{Addr: "127.0.0.1:8080", DB: "herald.db", LogLevel: "info"}},
		{name: "yaml file", file: yamlFile,
			want: Config{Addr: "0.0.0.0:9000", DB: "/data/file.db", MaxPageSize: 500, DefaultPageSize: 50, TrustedProxies: []string{"10.0.0.0/8"}, LogLevel: "debug"}},
		{name: "json file", file: jsonFile,
			want: Config{Addr: "0.0.0.0:9000", DB: "/data/file.db", MaxPageSize: 500, DefaultPageSize: 50, TrustedProxies: []string{"10.0.0.0/8"}, LogLevel: "debug"}},
		{name: "env over file", file: yamlFile,
			env:  map[string]string{"HERALD_DB": "/env.db", "HERALD_MAX_CONTENT_LENGTH": "2048", "HERALD_TRUSTED_PROXIES": "192.0.2.1, 198.51.100.0/24", "HERALD_ALLOW_INSECURE_HTTP": "true"},
			want: Config{Addr: "0.0.0.0:9000", DB: "/env.db", MaxPageSize: 500, DefaultPageSize: 50, MaxContentLength: 2048, TrustedProxies: []string{"192.0.2.1", "198.51.100.0/24"}, AllowInsecureHTTP: true, LogLevel: "debug"}},
		{name: "flags over env and file", file: yamlFile,
			env:  map[string]string{"HERALD_DB": "/env.db", "HERALD_ADDR": "127.0.0.1:1"},
			args: []string{"--db", "/flag.db", "--max-page-size", "700", "--public-url", "https://cti.example.org"},
			want: Config{Addr: "127.0.0.1:1", DB: "/flag.db", MaxPageSize: 700, DefaultPageSize: 50, TrustedProxies: []string{"10.0.0.0/8"}, PublicBaseURL: "https://cti.example.org", LogLevel: "debug"}},
		{name: "unset flags do not override", file: "addr: 127.0.0.1:7000\n", args: []string{"--log-level", "warn"},
			want: Config{Addr: "127.0.0.1:7000", DB: "herald.db", LogLevel: "warn"}},
		{name: "tls from flags", args: []string{"--tls-cert", "c.pem", "--tls-key", "k.pem"},
			want: Config{Addr: "127.0.0.1:8080", DB: "herald.db", TLSCert: "c.pem", TLSKey: "k.pem", LogLevel: "info"}},
		{name: "metrics address from the file", file: "metrics_addr: 10.0.0.5:9464\n",
			want: Config{Addr: "127.0.0.1:8080", DB: "herald.db", LogLevel: "info", MetricsAddr: "10.0.0.5:9464"}},
		{name: "metrics address: env over file", file: "metrics_addr: 10.0.0.5:9464\n", env: map[string]string{"HERALD_METRICS_ADDR": "127.0.0.1:9100"},
			want: Config{Addr: "127.0.0.1:8080", DB: "herald.db", LogLevel: "info", MetricsAddr: "127.0.0.1:9100"}},
		{name: "metrics address: flag over env", env: map[string]string{"HERALD_METRICS_ADDR": "127.0.0.1:9100"}, args: []string{"--metrics-addr", "127.0.0.1:9200"},
			want: Config{Addr: "127.0.0.1:8080", DB: "herald.db", LogLevel: "info", MetricsAddr: "127.0.0.1:9200"}},
		// The default page size follows a smaller max down, as the server
		// does (one validation: taxii.Config.Validate).
		{name: "max page size alone", args: []string{"--max-page-size", "50"},
			want: Config{Addr: "127.0.0.1:8080", DB: "herald.db", MaxPageSize: 50, LogLevel: "info"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadConfig(t, tc.file, tc.env, tc.args...)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	tests := []struct {
		name string
		file string
		env  map[string]string
		args []string
		want string
	}{
		{name: "unknown key", file: "adress: 1.2.3.4:80\n", want: "adress"},
		{name: "wrong type", file: "addr: 127.0.0.1:1\nmax_page_size: many\n", want: "line 2"},
		{name: "bad env int", env: map[string]string{"HERALD_MAX_PAGE_SIZE": "ten"}, want: "HERALD_MAX_PAGE_SIZE"},
		{name: "bad env bool", env: map[string]string{"HERALD_ALLOW_INSECURE_HTTP": "perhaps"}, want: "HERALD_ALLOW_INSECURE_HTTP"},
		{name: "cert without key", args: []string{"--tls-cert", "c.pem"}, want: "tls_cert and tls_key"},
		{name: "bad addr", args: []string{"--addr", "localhost"}, want: "addr"},
		{name: "bad metrics addr", env: map[string]string{"HERALD_METRICS_ADDR": "9464"}, want: "metrics_addr"},
		{name: "default over max", args: []string{"--default-page-size", "10", "--max-page-size", "5"}, want: "default_page_size"},
		{name: "bad proxy", args: []string{"--trusted-proxies", "10.0.0.0/8,example.org"}, want: "example.org"},
		{name: "bad log level", file: "log_level: loud\n", want: "log_level"},
		{name: "proxy with a zone", args: []string{"--trusted-proxies", "fe80::1%eth0"}, want: "trusted_proxies"},
		{name: "negative max page size", args: []string{"--max-page-size", "-5"}, want: "max_page_size"},
		{name: "negative size", args: []string{"--max-content-length", "-1"}, want: "max_content_length"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := loadConfig(t, tc.file, tc.env, tc.args...)
			if err == nil {
				t.Fatal("load succeeded, want an error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not name %q", err, tc.want)
			}
		})
	}
}

func TestConfigMissingFileIsAnError(t *testing.T) {
	_, err := loadConfig(t, "", map[string]string{"HERALD_CONFIG": filepath.Join(t.TempDir(), "nope.yaml")})
	if err == nil || !strings.Contains(err.Error(), "nope.yaml") {
		t.Fatalf("err = %v, want one naming the missing file", err)
	}
}

func TestConfigEmptyFileKeepsDefaults(t *testing.T) {
	got, err := loadConfig(t, "\n# nothing here\n", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Addr != taxii.DefaultAddr || got.DB != DefaultDBPath {
		t.Errorf("got %+v, want the defaults", got)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("addr: 127.0.0.1:1\nmax_page_size: 3\n"))
	f.Add([]byte(`{"db":"x.db","trusted_proxies":["::1"]}`))
	f.Add([]byte("trusted_proxies: {a: b}\n"))
	f.Add([]byte("- - - [\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := DefaultConfig()
		if err := parseConfig(data, "fuzz", &cfg); err != nil {
			return
		}
		_ = cfg.Validate() // must not panic
	})
}
