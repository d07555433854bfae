package postgres_test

import (
	"testing"

	"github.com/heraldcti/herald/internal/pgtest"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/postgres"
	"github.com/heraldcti/herald/store/storetest"
)

// TestConformance runs the store conformance suite against PostgreSQL.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts *store.Options) store.Store {
		db, err := postgres.Open(ctx, pgtest.NewDB(t), opts)
		if err != nil {
			t.Fatal(err)
		}
		return db
	})
}
