package postgres_test

import (
	"strings"
	"testing"

	"github.com/heraldcti/herald/internal/pgtest"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/postgres"
)

// TestCheckFindsDamage: Check reports each kind of damage made behind
// Herald's back with SQL, naming what is wrong.
func TestCheckFindsDamage(t *testing.T) {
	db, err := postgres.Open(ctx, pgtest.NewDB(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.CreateCollection(ctx, store.Collection{Title: "c", Alias: "alias"})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, c.ID, 30)
	if problems, err := db.Check(ctx); err != nil || len(problems) > 0 {
		t.Fatalf("Check of a healthy database: %v %v", problems, err)
	}
	for _, damage := range []struct{ sql, want string }{
		{"UPDATE collections SET version_count = version_count + 1", "version counter"},
		{"UPDATE collections SET high_water = 0", "high water"},
		{"DELETE FROM collection_names WHERE name = 'alias'", "names"},
		{"UPDATE versions SET is_last = NOT is_last WHERE da = (SELECT min(da) FROM versions)", "last mark"},
		{"UPDATE versions SET is_first = NOT is_first WHERE da = (SELECT max(da) FROM versions)", "first mark"},
		{"UPDATE versions SET ver_key = '\\x00'::bytea WHERE da = (SELECT min(da) FROM versions)", "version key"},
		{"UPDATE versions SET spec_key = '\\x00'::bytea WHERE da = (SELECT max(da) FROM versions)", "spec key"},
		{"UPDATE herald_settings SET value = '\\x00'::bytea WHERE name = 'token_secret'", "token secret"},
		{"INSERT INTO statuses VALUES ('s1', 1, '{'::bytea)", "decode status"},
	} {
		if _, err := db.Pool().Exec(ctx, damage.sql); err != nil {
			t.Fatalf("%s: %v", damage.sql, err)
		}
		problems, err := db.Check(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range problems {
			if strings.Contains(p.Reason, damage.want) || strings.Contains(p.Detail, damage.want) {
				found = true
				if p.Subject == "" {
					t.Errorf("problem without a subject: %+v", p)
				}
			}
		}
		if !found {
			t.Errorf("after %s: no problem mentions %q: %v", damage.sql, damage.want, problems)
		}
	}
}
