package taxii_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/taxii"
)

// adminReq sends a JSON admin request as user (Basic, with the shared
// test password) or, when token is set, with that bearer token.
func (e *env) admin(method, path, user string, body any) resp {
	e.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			e.t.Fatal(err)
		}
	}
	r := req{method: method, path: path, user: user, body: b, noTAXII: true,
		header: map[string]string{"Accept": "application/json"}}
	if body != nil {
		r.header["Content-Type"] = "application/json"
	}
	return e.do(r)
}

// basic sends a GET with explicit Basic credentials.
func (e *env) basic(path, user, pass string) resp {
	e.t.Helper()
	hr, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	hr.Header.Set("Accept", taxii.MediaTypeTAXII)
	hr.SetBasicAuth(user, pass)
	return e.send(hr)
}

// bearer sends a GET with a bearer token.
func (e *env) bearer(path, token string) resp {
	e.t.Helper()
	hr, err := http.NewRequest(http.MethodGet, e.base+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("Authorization", "Bearer "+token)
	return e.send(hr)
}

func TestAdminAPIIsForAdminAccountsOnly(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/admin/collections", "/admin/users", "/admin/check", "/admin/backup"} {
		t.Run(path, func(t *testing.T) {
			r := e.admin(http.MethodGet, path, "", nil)
			wantError(t, r, http.StatusUnauthorized)
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			wantError(t, e.admin(http.MethodGet, path, userRW, nil), http.StatusForbidden)
			wantStatus(t, e.admin(http.MethodGet, path, userAdmin, nil), http.StatusOK)
		})
	}
	wantError(t, e.admin(http.MethodPost, "/admin/users", userReader, taxii.AdminUser{Name: "x", Password: "long enough password"}), http.StatusForbidden)
	if _, err := e.db.Account(context.Background(), "x"); err == nil {
		t.Error("a non-admin created an account")
	}
}

var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAdminCollectionsCreateListDelete(t *testing.T) {
	e := newEnv(t)
	r := e.admin(http.MethodPost, "/admin/collections", userAdmin, taxii.AdminCollection{Title: "Partners", Alias: "partners", Description: "d", PublicRead: true})
	wantStatus(t, r, http.StatusCreated)
	var created taxii.AdminCollection
	if err := json.Unmarshal(r.body, &created); err != nil {
		t.Fatal(err)
	}
	if !uuid4.MatchString(created.ID) || created.Title != "Partners" || created.Alias != "partners" || !created.PublicRead {
		t.Fatalf("created %+v", created)
	}

	for name, tc := range map[string]struct {
		body   string
		status int
		want   string
	}{
		"duplicate title": {`{"title":"Partners"}`, http.StatusConflict, "Partners"},
		"duplicate alias": {`{"title":"Other","alias":"partners"}`, http.StatusConflict, "already taken"},
		"empty title":     {`{"title":" "}`, http.StatusBadRequest, "title"},
		"unknown field":   {`{"title":"X","public":true}`, http.StatusBadRequest, "public"},
		"id given":        {`{"id":"` + created.ID + `","title":"Y"}`, http.StatusBadRequest, "id"},
		"not JSON":        {`title=x`, http.StatusBadRequest, "JSON"},
		"two JSON values": {`{"title":"A"}{"title":"B"}`, http.StatusBadRequest, "after the JSON"},
		"alias is a UUID": {`{"title":"Z","alias":"` + created.ID + `"}`, http.StatusBadRequest, "alias"},
	} {
		t.Run(name, func(t *testing.T) {
			r := e.do(req{method: http.MethodPost, path: "/admin/collections", user: userAdmin, body: []byte(tc.body), noTAXII: true,
				header: map[string]string{"Content-Type": "application/json"}})
			m := wantError(t, r, tc.status)
			if d, _ := m["description"].(string); !strings.Contains(d, tc.want) {
				t.Errorf("description %q does not mention %q", d, tc.want)
			}
		})
	}

	var list []taxii.AdminCollection
	r = e.admin(http.MethodGet, "/admin/collections", userAdmin, nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	json.Unmarshal(r.body, &list)
	if len(list) != 3 {
		t.Fatalf("%d collections listed, want 3: %s", len(list), r.body)
	}

	// Objects go with the collection.
	if _, err := e.db.PutObjects(context.Background(), created.ID, nil); err != nil {
		t.Fatal(err)
	}
	wantStatus(t, e.admin(http.MethodDelete, "/admin/collections/partners", userAdmin, nil), http.StatusNoContent)
	wantError(t, e.admin(http.MethodDelete, "/admin/collections/partners", userAdmin, nil), http.StatusNotFound)
	if _, err := e.db.Collection(context.Background(), created.ID); err == nil {
		t.Error("collection still stored after DELETE")
	}
	// By title, with a space (escaped in the path).
	wantStatus(t, e.admin(http.MethodDelete, "/admin/collections/Public%20advisories", userAdmin, nil), http.StatusNoContent)
}

func TestAdminUsersPasswordsGrantsAndDeletionApplyAtOnce(t *testing.T) {
	e := newEnv(t)
	const pw1, pw2 = "first password", "second password"
	wantStatus(t, e.admin(http.MethodPost, "/admin/users", userAdmin, taxii.AdminUser{Name: "carol", Password: pw1}), http.StatusCreated)
	wantError(t, e.admin(http.MethodPost, "/admin/users", userAdmin, taxii.AdminUser{Name: "carol", Password: pw1}), http.StatusConflict)
	wantError(t, e.admin(http.MethodPost, "/admin/users", userAdmin, taxii.AdminUser{Name: "dave", Password: "short"}), http.StatusBadRequest)
	wantError(t, e.admin(http.MethodPost, "/admin/users", userAdmin, taxii.AdminUser{Name: "bad/name", Password: pw1}), http.StatusBadRequest)

	priv := "/herald/collections/" + e.priv.ID + "/"
	wantStatus(t, e.basic("/herald/collections/", "carol", pw1), http.StatusOK)
	wantError(t, e.basic(priv, "carol", pw1), http.StatusNotFound) // no grant: invisible

	wantStatus(t, e.admin(http.MethodPut, "/admin/users/carol/grants/private", userAdmin, taxii.AdminGrant{Read: true}), http.StatusNoContent)
	wantStatus(t, e.basic(priv, "carol", pw1), http.StatusOK)
	wantError(t, e.admin(http.MethodPut, "/admin/users/carol/grants/nope", userAdmin, taxii.AdminGrant{Read: true}), http.StatusNotFound)
	wantError(t, e.admin(http.MethodPut, "/admin/users/nobody-here/grants/private", userAdmin, taxii.AdminGrant{Read: true}), http.StatusNotFound)

	var users []taxii.AdminUser
	r := e.admin(http.MethodGet, "/admin/users", userAdmin, nil)
	json.Unmarshal(r.body, &users)
	var carol *taxii.AdminUser
	for i := range users {
		if users[i].Name == "carol" {
			carol = &users[i]
		}
	}
	if carol == nil || !carol.Grants[e.priv.ID].Read || carol.Grants[e.priv.ID].Write || carol.Admin {
		t.Fatalf("carol listed as %+v", carol)
	}
	if bytes.Contains(r.body, []byte("argon2")) || bytes.Contains(r.body, []byte("password")) {
		t.Fatalf("the user list leaks password hashes: %s", r.body)
	}

	wantStatus(t, e.admin(http.MethodPut, "/admin/users/carol/password", userAdmin, taxii.AdminPassword{Password: pw2}), http.StatusNoContent)
	wantError(t, e.basic(priv, "carol", pw1), http.StatusUnauthorized) // the cached old password is gone
	wantStatus(t, e.basic(priv, "carol", pw2), http.StatusOK)

	// Removing the grant (both false) hides the collection again.
	wantStatus(t, e.admin(http.MethodPut, "/admin/users/carol/grants/private", userAdmin, taxii.AdminGrant{}), http.StatusNoContent)
	wantError(t, e.basic(priv, "carol", pw2), http.StatusNotFound)

	wantStatus(t, e.admin(http.MethodDelete, "/admin/users/carol", userAdmin, nil), http.StatusNoContent)
	wantError(t, e.basic("/herald/collections/", "carol", pw2), http.StatusUnauthorized)
	wantError(t, e.admin(http.MethodDelete, "/admin/users/carol", userAdmin, nil), http.StatusNotFound)

	// The last admin cannot be removed.
	m := wantError(t, e.admin(http.MethodDelete, "/admin/users/admin", userAdmin, nil), http.StatusConflict)
	if d, _ := m["description"].(string); !strings.Contains(d, "last admin") {
		t.Errorf("description %q", d)
	}
}

func TestAdminTokensAuthenticateUntilDeleted(t *testing.T) {
	e := newEnv(t)
	r := e.admin(http.MethodPost, "/admin/users/admin/tokens", userAdmin, nil)
	wantStatus(t, r, http.StatusCreated)
	var tok taxii.AdminToken
	json.Unmarshal(r.body, &tok)
	if !strings.HasPrefix(tok.Token, taxii.APITokenPrefix+tok.ID+"_") || len(tok.Token) < 40 {
		t.Fatalf("token %+v", tok)
	}
	wantStatus(t, e.bearer("/admin/users", tok.Token), http.StatusOK)

	acc, err := e.db.Account(context.Background(), userAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if len(acc.Tokens) != 1 || acc.Tokens[0].SHA256 == "" || strings.Contains(acc.Tokens[0].SHA256, tok.Token) {
		t.Fatalf("stored tokens %+v", acc.Tokens)
	}

	wantError(t, e.admin(http.MethodDelete, "/admin/users/admin/tokens/nope", userAdmin, nil), http.StatusNotFound)
	wantStatus(t, e.admin(http.MethodDelete, "/admin/users/admin/tokens/"+tok.ID, userAdmin, nil), http.StatusNoContent)
	wantError(t, e.bearer("/admin/users", tok.Token), http.StatusUnauthorized)
}

func TestNewAPITokensAreUniqueAndHashed(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		secret, tok, err := taxii.NewAPIToken()
		if err != nil {
			t.Fatal(err)
		}
		if seen[secret] || seen[tok.ID] {
			t.Fatalf("repeated token or id: %s", secret)
		}
		seen[secret], seen[tok.ID] = true, true
		if tok.SHA256 != sha256hex(secret) || tok.Created.IsZero() {
			t.Fatalf("token record %+v does not hash %q", tok, secret)
		}
	}
}

func TestAdminBodyLimitsAndMediaType(t *testing.T) {
	e := newEnv(t)
	big := `{"title":"` + strings.Repeat("x", 70<<10) + `"}`
	wantError(t, e.do(req{method: http.MethodPost, path: "/admin/collections", user: userAdmin, body: []byte(big), noTAXII: true,
		header: map[string]string{"Content-Type": "application/json"}}), http.StatusRequestEntityTooLarge)
	wantError(t, e.do(req{method: http.MethodPost, path: "/admin/collections", user: userAdmin, body: []byte(`{"title":"x"}`), noTAXII: true,
		header: map[string]string{"Content-Type": "text/plain"}}), http.StatusUnsupportedMediaType)
	if cs, _ := e.db.Collections(context.Background()); len(cs) != 2 {
		t.Errorf("%d collections after refused requests, want 2", len(cs))
	}
}

func TestAdminCheckAndBackup(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.db.PutObjects(ctx, e.priv.ID, []stix.Object{indicator(1, ""), indicator(2, "")}); err != nil {
		t.Fatal(err)
	}
	r := e.admin(http.MethodGet, "/admin/check", userAdmin, nil)
	wantStatus(t, r, http.StatusOK)
	if got := strings.TrimSpace(string(r.body)); got != `{"problems":[]}` {
		t.Errorf("check = %s, want no problems", got)
	}

	r = e.admin(http.MethodGet, "/admin/backup", userAdmin, nil)
	wantStatus(t, r, http.StatusOK)
	if ct := r.Header.Get("Content-Type"); ct != "application/octet-stream" {
		t.Errorf("backup Content-Type %q", ct)
	}
	path := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(path, r.body, 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatalf("the backup does not open: %v", err)
	}
	defer copyDB.Close()
	if n, err := copyDB.CountVersions(ctx, e.priv.ID); err != nil || n != 2 {
		t.Errorf("backup holds %d versions (%v), want 2", n, err)
	}
	if as, err := copyDB.Accounts(ctx); err != nil || len(as) != 5 {
		t.Errorf("backup holds %d accounts (%v), want 5", len(as), err)
	}
	if problems, err := copyDB.Check(ctx); err != nil || len(problems) != 0 {
		t.Errorf("backup check: %v %v", problems, err)
	}
}

// TestAdminLastTwoAdminsRemovedAtOnce: two admin requests at the same
// moment each delete one of the last two admin accounts. The store checks
// the rule in the deleting transaction, so at most one succeeds and an
// admin account is always left (the other request gets 409, or 401 when
// its own account was the one deleted before it was authenticated).
func TestAdminLastTwoAdminsRemovedAtOnce(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for round := range 5 {
		other := fmt.Sprintf("admin%d", round)
		if err := e.db.CreateAccount(ctx, store.Account{Name: other, PasswordHash: passwordHash(), Admin: true}); err != nil {
			t.Fatal(err)
		}
		// Round 0 deletes the fixture's admin or the new one; later rounds
		// work on the survivor and a new one.
		admins := adminNames(t, e)
		if len(admins) != 2 {
			t.Fatalf("round %d starts with admins %v, want two", round, admins)
		}
		start := make(chan struct{})
		codes := make([]int, 2)
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Each admin deletes the other one.
				hr, err := http.NewRequest(http.MethodDelete, e.base+"/admin/users/"+admins[1-i], nil)
				if err != nil {
					errs[i] = err
					return
				}
				hr.SetBasicAuth(admins[i], password)
				hr.Header.Set("Accept", "application/json")
				<-start
				res, err := http.DefaultClient.Do(hr)
				if err != nil {
					errs[i] = err
					return
				}
				res.Body.Close()
				codes[i] = res.StatusCode
			}()
		}
		close(start)
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		deleted := 0
		for i, code := range codes {
			switch code {
			case http.StatusNoContent:
				deleted++
			case http.StatusConflict, http.StatusUnauthorized:
			default:
				t.Errorf("round %d: %s deleting %s: status %d", round, admins[i], admins[1-i], code)
			}
		}
		if left := adminNames(t, e); deleted != 1 || len(left) != 1 {
			t.Fatalf("round %d: statuses %v, admins left %v; want exactly one deletion and one admin left", round, codes, left)
		}
	}
}

// adminNames lists the admin accounts in the store.
func adminNames(t *testing.T, e *env) []string {
	t.Helper()
	list, err := e.db.Accounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range list {
		if a.Admin {
			out = append(out, a.Name)
		}
	}
	return out
}
