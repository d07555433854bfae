package taxii_test

import (
	"errors"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"

	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/taxii"
)

func TestParseProxy(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":          "10.0.0.0/8",
		"10.1.2.3/8":          "10.0.0.0/8", // host bits dropped
		"192.0.2.7":           "192.0.2.7/32",
		"::1":                 "::1/128",
		"2001:db8::/32":       "2001:db8::/32",
		"::ffff:192.0.2.7":    "192.0.2.7/32", // IPv4-mapped reads as IPv4
		"::ffff:10.0.0.0/104": "10.0.0.0/8",
	} {
		got, err := taxii.ParseProxy(in)
		if err != nil || got != netip.MustParsePrefix(want) {
			t.Errorf("ParseProxy(%q) = %v, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "example.org", "10.0.0.0/33", "fe80::1%eth0", "10.0.0.1/", "::ffff:10.0.0.0/90"} {
		if got, err := taxii.ParseProxy(in); err == nil {
			t.Errorf("ParseProxy(%q) = %v, want an error", in, got)
		}
	}
}

// TestConfigValidateIsNewServer: Validate refuses exactly what NewServer
// refuses (it is the same check), and names the fields involved.
func TestConfigValidateIsNewServer(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "herald.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, tc := range map[string]struct {
		cfg    taxii.Config
		fields []string // nil: valid
	}{
		"zero":                   {taxii.Config{}, nil},
		"max page below default": {taxii.Config{MaxPageSize: 50}, nil}, // the default page follows the max down
		"default over max":       {taxii.Config{DefaultPageSize: 60, MaxPageSize: 50}, []string{"DefaultPageSize", "MaxPageSize"}},
		"negative max page":      {taxii.Config{MaxPageSize: -1}, []string{"MaxPageSize"}},
		"negative default page":  {taxii.Config{DefaultPageSize: -1}, []string{"DefaultPageSize"}},
		"bad addr":               {taxii.Config{Addr: "localhost"}, []string{"Addr"}},
		"cert without key":       {taxii.Config{TLSCertFile: "c.pem"}, []string{"TLSCertFile", "TLSKeyFile"}},
		"bad proxy":              {taxii.Config{TrustedProxies: []string{"10.0.0.0/8", "fe80::1%eth0"}}, []string{"TrustedProxies"}},
		"negative body size":     {taxii.Config{MaxContentLength: -1}, []string{"MaxContentLength"}},
		"relative base url":      {taxii.Config{PublicBaseURL: "example.org"}, []string{"PublicBaseURL"}},
		"reserved api root":      {taxii.Config{APIRoot: "admin"}, []string{"APIRoot"}},
	} {
		err := tc.cfg.Validate()
		_, serr := taxii.NewServer(db, tc.cfg)
		if (err == nil) != (serr == nil) {
			t.Errorf("%s: Validate %v, NewServer %v: they disagree", name, err, serr)
		}
		var ce *taxii.ConfigError
		switch {
		case tc.fields == nil && err != nil:
			t.Errorf("%s: Validate = %v, want nil", name, err)
		case tc.fields != nil && (!errors.As(err, &ce) || !slices.Equal(ce.Fields, tc.fields)):
			t.Errorf("%s: Validate = %#v, want a ConfigError for %v", name, err, tc.fields)
		}
	}
}
