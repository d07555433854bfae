package store_test

import (
	"strings"
	"testing"

	"github.com/heraldcti/herald/store"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"herald.db", "herald.db"},
		{"/var/lib/herald/herald.db", "/var/lib/herald/herald.db"},
		{"postgres://herald:s3cret@db.example.org:5432/herald?sslmode=verify-full", "postgres://herald:xxxxx@db.example.org:5432/herald?sslmode=verify-full"},
		{"postgresql://herald@db/herald", "postgresql://herald@db/herald"},
		{"postgres://db/herald?password=s3cret&sslmode=require", "postgres://db/herald?password=xxxxx&sslmode=require"},
		{"postgres://herald:s3cret@db/%zz", "postgres://…"},
	} {
		got := store.Redact(tc.in)
		if got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if strings.Contains(got, "s3cret") {
			t.Errorf("Redact(%q) keeps the password", tc.in)
		}
	}
}
