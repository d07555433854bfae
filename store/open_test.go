package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/heraldcti/herald/store"
)

func TestScheme(t *testing.T) {
	for dsn, want := range map[string]string{
		"herald.db":                        store.PathScheme,
		"/var/lib/herald/herald.db":        store.PathScheme,
		"./data/x.db":                      store.PathScheme,
		"postgres://u:p@db:5432/herald":    "postgres",
		"PostgreSQL://db/herald":           "postgresql",
		"weird dir://x":                    store.PathScheme, // a space: not a scheme
		"://nothing":                       store.PathScheme,
		"sqlite+file://x":                  "sqlite+file",
		`C:\Users\herald\herald.db`:        store.PathScheme,
		"relative/postgres://not-a-scheme": store.PathScheme,
	} {
		if got := store.Scheme(dsn); got != want {
			t.Errorf("Scheme(%q) = %q, want %q", dsn, got, want)
		}
		if got := store.IsPath(dsn); got != (want == store.PathScheme) {
			t.Errorf("IsPath(%q) = %v", dsn, got)
		}
	}
}

// TestOpenWithoutBackends: this test binary registers no backend, so Open
// says which one is missing, and never echoes a URL's password.
func TestOpenWithoutBackends(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		dsn, want string
	}{
		{"postgres://herald:s3cret@db.example/herald", "PostgreSQL support is not built into this binary yet"},
		{"postgresql://herald:s3cret@db.example/herald", "PostgreSQL support is not built into this binary yet"},
		{"mysql://herald:s3cret@db.example/herald", `unknown scheme "mysql"`},
		{"herald.db", "no file backend is registered"},
	} {
		s, err := store.Open(ctx, tc.dsn, nil)
		if s != nil || !errors.Is(err, store.ErrNotBuiltIn) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q) = %v, %v; want ErrNotBuiltIn saying %q", tc.dsn, s, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "s3cret") {
			t.Errorf("Open(%q): the error shows the password: %v", tc.dsn, err)
		}
	}
	if _, err := store.Open(ctx, "", nil); !errors.Is(err, store.ErrBadParameter) {
		t.Errorf("Open(\"\"): %v, want ErrBadParameter", err)
	}
}

// fakeStore is only ever returned, never used: Open hands the Opener's
// result back as is.
type fakeStore struct{ store.Store }

func TestRegister(t *testing.T) {
	var got string
	var gotOpts *store.Options
	store.Register("herald-test", func(_ context.Context, dsn string, opts *store.Options) (store.Store, error) {
		got, gotOpts = dsn, opts
		return fakeStore{}, nil
	})
	opts := &store.Options{MaxPageSize: 7}
	s, err := store.Open(context.Background(), "HERALD-TEST://x/y", opts)
	if err != nil || s != (fakeStore{}) || got != "HERALD-TEST://x/y" || gotOpts != opts {
		t.Errorf("Open through a registered scheme: %v, %v (dsn %q, opts %p)", s, err, got, gotOpts)
	}
	found := false
	for _, sc := range store.Schemes() {
		found = found || sc == "herald-test"
	}
	if !found {
		t.Errorf("Schemes() = %v, want herald-test in it", store.Schemes())
	}
	for name, fn := range map[string]func(){
		"twice": func() {
			store.Register("herald-test", func(context.Context, string, *store.Options) (store.Store, error) { return nil, nil })
		},
		"nil opener": func() { store.Register("herald-test-2", nil) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register %s did not panic", name)
				}
			}()
			fn()
		}()
	}
}

func TestOptionsWithDefaults(t *testing.T) {
	var nilOpts *store.Options
	o := nilOpts.WithDefaults()
	if o.LockTimeout != store.DefaultLockTimeout || o.MaxPageSize != store.DefaultMaxPageSize || o.Now == nil || o.NoSync {
		t.Errorf("defaults of nil Options: %+v", o)
	}
	o = (&store.Options{MaxPageSize: 5, NoSync: true}).WithDefaults()
	if o.MaxPageSize != 5 || !o.NoSync || o.LockTimeout != store.DefaultLockTimeout {
		t.Errorf("defaults keep set fields: %+v", o)
	}
}
