package postgres_test

import (
	"errors"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// TestNonTextArguments: names that PostgreSQL text cannot hold (invalid
// UTF-8, NUL) are a client's mistake or a miss, never a database error.
func TestNonTextArguments(t *testing.T) {
	db := openPG(t, nil)
	c, err := db.CreateCollection(ctx, store.Collection{Title: "c"})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, store.Account{Name: "a"}); err != nil {
		t.Fatal(err)
	}
	sentinel := func(err error) bool {
		return errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBadParameter)
	}
	for _, bad := range []string{"\xff", "a\x00b"} {
		checks := map[string]error{}
		_, checks["Collection"] = db.Collection(ctx, bad)
		checks["DeleteCollection"] = db.DeleteCollection(ctx, bad)
		_, checks["UpdateCollection"] = db.UpdateCollection(ctx, store.Collection{ID: bad, Title: "t"})
		_, checks["CreateCollection description"] = db.CreateCollection(ctx, store.Collection{Title: "d", Description: bad})
		_, checks["PutObjects collection"] = db.PutObjects(ctx, bad, []stix.Object{makeObject("indicator--x", "indicator", 0, 0)})
		_, checks["PutObjects id"] = db.PutObjects(ctx, c.ID, []stix.Object{makeObject("indicator--"+bad, "indicator", 0, 0)})
		_, checks["Objects collection"] = db.Objects(ctx, bad, store.Query{})
		_, checks["Objects id"] = db.Objects(ctx, c.ID, store.Query{IDs: []string{bad}})
		_, checks["Objects type"] = db.Objects(ctx, c.ID, store.Query{Types: []string{bad}})
		_, checks["Objects version"] = db.Objects(ctx, c.ID, store.Query{Versions: []string{bad}})
		_, checks["ObjectVersions"] = db.ObjectVersions(ctx, c.ID, bad, store.Query{})
		_, checks["LastDateAdded"] = db.LastDateAdded(ctx, bad)
		_, checks["CountVersions"] = db.CountVersions(ctx, bad)
		_, checks["DeleteObject"] = db.DeleteObject(ctx, c.ID, bad, nil, nil)
		_, checks["Status"] = db.Status(ctx, bad)
		_, checks["Account"] = db.Account(ctx, bad)
		_, checks["AccountByToken"] = db.AccountByToken(ctx, bad)
		checks["DeleteAccount"] = db.DeleteAccount(ctx, bad)
		checks["SetAdmin"] = db.SetAdmin(ctx, bad, true)
		checks["SetGrant"] = db.SetGrant(ctx, "a", bad, store.Grant{Read: true})
		checks["DeleteToken"] = db.DeleteToken(ctx, "a", bad)
		checks["SetMeta"] = db.SetMeta(ctx, bad, []byte("v"))
		for name, err := range checks {
			if !sentinel(err) {
				t.Errorf("%s(%q): %v, want a not-found or bad-parameter error", name, bad, err)
			}
		}
		if ok, err := db.ObjectExists(ctx, c.ID, bad); ok || err != nil {
			t.Errorf("ObjectExists(%q) = %v, %v", bad, ok, err)
		}
		if v, err := db.Meta(ctx, bad); v != nil || err != nil {
			t.Errorf("Meta(%q) = %q, %v", bad, v, err)
		}
	}
}
