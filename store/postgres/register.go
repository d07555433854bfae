package postgres

import (
	"context"

	"github.com/heraldcti/herald/store"
)

var (
	_ store.Store  = (*DB)(nil)
	_ store.Dumper = (*DB)(nil)
	_ store.Loader = (*DB)(nil)
)

// PostgreSQL serves every --db value that is a postgres:// or
// postgresql:// URL.
func init() {
	open := func(ctx context.Context, dsn string, opts *store.Options) (store.Store, error) {
		db, err := Open(ctx, dsn, opts)
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	store.Register("postgres", open)
	store.Register("postgresql", open)
}
