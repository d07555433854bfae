package taxii

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/store"
)

// The admin API: collections, accounts, bearer tokens, consistency check
// and hot backup, for admin accounts only (Basic or Bearer). `herald
// --server` uses it for everything that is not TAXII. Bodies are JSON in
// both directions (the shapes in admin_types.go); errors are TAXII error
// resources, like everywhere else on the server.
//
//	GET    /admin/collections
//	POST   /admin/collections                  {title, description, alias, public_read, on_conflict}
//	PATCH  /admin/collections/{ref}            the fields given change; ref: id, title or alias
//	DELETE /admin/collections/{ref}
//	GET    /admin/users
//	POST   /admin/users                        {name, password, admin}
//	PUT    /admin/users/{name}/password        {password}
//	DELETE /admin/users/{name}
//	PUT    /admin/users/{name}/grants/{ref}    {read, write}; both false removes the grant
//	POST   /admin/users/{name}/tokens          -> {id, created, token}; the token is shown once
//	DELETE /admin/users/{name}/tokens/{id}
//	GET    /admin/check                        -> {problems: [...]}
//	GET    /admin/backup                       -> a consistent bbolt file

// maxAdminBody bounds admin request bodies: they are a few small fields.
const maxAdminBody = 64 << 10

// Route names of the admin API, for logs and metrics.
const (
	rAdminCollections = "admin_collections"
	rAdminCollection  = "admin_collection"
	rAdminUsers       = "admin_users"
	rAdminUser        = "admin_user"
	rAdminPassword    = "admin_password"
	rAdminGrant       = "admin_grant"
	rAdminTokens      = "admin_tokens"
	rAdminToken       = "admin_token"
	rAdminCheck       = "admin_check"
	rAdminBackup      = "admin_backup"
)

func init() { routeHooks = append(routeHooks, (*Server).registerAdmin) }

// registerAdmin adds the admin routes.
func (s *Server) registerAdmin(e *echo.Echo) {
	a := &adminAPI{s: s, db: s.db}
	add := func(method, path, name string, h echo.HandlerFunc) {
		e.Add(method, path, chain(h, s.named(name), sameOrigin, s.authenticate, s.requireAdmin))
	}
	add(http.MethodGet, "/admin/collections", rAdminCollections, a.listCollections)
	add(http.MethodPost, "/admin/collections", rAdminCollections, a.createCollection)
	add(http.MethodPatch, "/admin/collections/:ref", rAdminCollection, a.updateCollection)
	add(http.MethodDelete, "/admin/collections/:ref", rAdminCollection, a.deleteCollection)
	add(http.MethodGet, "/admin/users", rAdminUsers, a.listUsers)
	add(http.MethodPost, "/admin/users", rAdminUsers, a.createUser)
	add(http.MethodDelete, "/admin/users/:name", rAdminUser, a.deleteUser)
	add(http.MethodPut, "/admin/users/:name/password", rAdminPassword, a.setPassword)
	add(http.MethodPut, "/admin/users/:name/grants/:ref", rAdminGrant, a.setGrant)
	add(http.MethodPost, "/admin/users/:name/tokens", rAdminTokens, a.createToken)
	add(http.MethodDelete, "/admin/users/:name/tokens/:id", rAdminToken, a.deleteToken)
	add(http.MethodGet, "/admin/check", rAdminCheck, a.check)
	add(http.MethodGet, "/admin/backup", rAdminBackup, a.backup)
}

// sameOrigin refuses admin requests that a browser marks as coming from
// another site (Sec-Fetch-Site cross-site or same-site, or an Origin whose
// host is not the request's Host) with 403: the admin API is for herald
// and scripts, never for pages on other sites (CSRF).
func sameOrigin(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		switch strings.ToLower(r.Header.Get("Sec-Fetch-Site")) {
		case "cross-site", "same-site":
			return errorf(http.StatusForbidden, "the admin API refuses requests from other sites (Sec-Fetch-Site: %s)", r.Header.Get("Sec-Fetch-Site"))
		}
		if o := r.Header.Get("Origin"); o != "" {
			u, err := url.Parse(o)
			if o == "null" || err != nil || !strings.EqualFold(u.Host, r.Host) {
				return errorf(http.StatusForbidden, "the admin API refuses requests from other origins (Origin: %.100s)", o)
			}
		}
		return next(c)
	}
}

// adminAPI holds the admin handlers.
type adminAPI struct {
	s  *Server
	db store.Store
}

// readJSON decodes a bounded JSON body into v, refusing unknown fields and
// trailing data, so a typo ("pasword") is an error, not a silent default.
func readJSON(c echo.Context, v any) error {
	req := c.Request()
	// A body without Content-Type (or with a form or text type) is what a
	// browser sends cross-site without a preflight: refuse it (CSRF).
	ct := req.Header.Get(echo.HeaderContentType)
	if mt, _, _ := strings.Cut(ct, ";"); !strings.EqualFold(strings.TrimSpace(mt), "application/json") {
		if ct == "" {
			return errorf(http.StatusUnsupportedMediaType, "the admin API takes Content-Type: application/json; the request has none")
		}
		return errorf(http.StatusUnsupportedMediaType, "the admin API takes application/json, not %q", ct)
	}
	if err := refuseContentEncoding(req); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), req.Body, maxAdminBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errorf(http.StatusRequestEntityTooLarge, "the request body exceeds %d bytes", maxAdminBody)
		}
		return badRequest("read the request body: %v", err)
	}
	if !utf8.Valid(body) {
		return badRequest("the request body is not valid UTF-8")
	}
	if key, ok := duplicateKey(body); ok {
		return badRequest("the request body has the member %q twice", key)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return badRequest("the request body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return badRequest("the request body has data after the JSON value")
	}
	return nil
}

// sendJSON writes v as application/json (the admin API is not TAXII, so
// it replaces the TAXII Content-Type that observe sets by default).
func sendJSON(c echo.Context, status int, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	return c.Blob(status, echo.MIMEApplicationJSON, data)
}

func toAdminCollection(c store.Collection) AdminCollection {
	return AdminCollection{ID: c.ID, Title: c.Title, Description: c.Description, Alias: c.Alias,
		MediaTypes: c.MediaTypes, PublicRead: c.PublicRead, OnConflict: string(c.OnConflict)}
}

func toAdminUser(a store.Account) AdminUser {
	u := AdminUser{Name: a.Name, Admin: a.Admin, Grants: map[string]AdminGrant{}, Tokens: []AdminToken{}}
	for id, g := range a.Grants {
		u.Grants[id] = AdminGrant{Read: g.Read, Write: g.Write}
	}
	for _, t := range a.Tokens {
		u.Tokens = append(u.Tokens, AdminToken{ID: t.ID, Created: t.Created})
	}
	return u
}

func (a *adminAPI) listCollections(c echo.Context) error {
	cs, err := a.db.Collections(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]AdminCollection, len(cs))
	for i, col := range cs {
		out[i] = toAdminCollection(col)
	}
	return sendJSON(c, http.StatusOK, out)
}

func (a *adminAPI) createCollection(c echo.Context) error {
	var in AdminCollection
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.ID != "" {
		return badRequest("the server assigns collection ids; leave id out")
	}
	if strings.TrimSpace(in.Title) == "" {
		return badRequest("title is required")
	}
	col, err := a.db.CreateCollection(c.Request().Context(), store.Collection{
		Title: in.Title, Description: in.Description, Alias: in.Alias, MediaTypes: in.MediaTypes, PublicRead: in.PublicRead,
		OnConflict: store.ConflictPolicy(in.OnConflict),
	})
	if err != nil {
		return describe(err, "collection %q", in.Title)
	}
	a.s.logFor(c).Info("admin: collection created", "collection", col.ID, "title", col.Title)
	return sendJSON(c, http.StatusCreated, toAdminCollection(col))
}

func (a *adminAPI) updateCollection(c echo.Context) error {
	ctx := c.Request().Context()
	ref := c.Param("ref")
	var in AdminCollectionUpdate
	if err := readJSON(c, &in); err != nil {
		return err
	}
	col, err := a.db.Collection(ctx, ref)
	if err != nil {
		return describe(err, "collection %q", ref)
	}
	in.Apply(&col)
	col, err = a.db.UpdateCollection(ctx, col)
	if err != nil {
		return describe(err, "collection %q", ref)
	}
	a.s.logFor(c).Info("admin: collection updated", "collection", col.ID, "title", col.Title, "on_conflict", string(col.OnConflict))
	return sendJSON(c, http.StatusOK, toAdminCollection(col))
}

func (a *adminAPI) deleteCollection(c echo.Context) error {
	ctx := c.Request().Context()
	ref := c.Param("ref")
	col, err := a.db.Collection(ctx, ref)
	if err != nil {
		return describe(err, "collection %q", ref)
	}
	if err := a.db.DeleteCollection(ctx, col.ID); err != nil {
		return describe(err, "collection %q", ref)
	}
	a.s.logFor(c).Info("admin: collection deleted", "collection", col.ID, "title", col.Title)
	return c.NoContent(http.StatusNoContent)
}

func (a *adminAPI) listUsers(c echo.Context) error {
	as, err := a.db.Accounts(c.Request().Context())
	if err != nil {
		return err
	}
	out := make([]AdminUser, len(as))
	for i, acc := range as {
		out[i] = toAdminUser(acc)
	}
	return sendJSON(c, http.StatusOK, out)
}

func (a *adminAPI) createUser(c echo.Context) error {
	var in AdminUser
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if err := validAccountName(in.Name); err != nil {
		return err
	}
	if len(in.Grants) > 0 || len(in.Tokens) > 0 {
		return badRequest("set grants with PUT /admin/users/{name}/grants/{collection} and tokens with POST /admin/users/{name}/tokens")
	}
	if err := validPassword(in.Password); err != nil {
		return err
	}
	hash, err := store.HashPassword(in.Password)
	if err != nil {
		return err
	}
	acc := store.Account{Name: in.Name, PasswordHash: hash, Admin: in.Admin}
	if err := a.db.CreateAccount(c.Request().Context(), acc); err != nil {
		return describe(err, "account %q", in.Name)
	}
	a.s.logFor(c).Info("admin: account created", "account", in.Name, "admin", in.Admin)
	return sendJSON(c, http.StatusCreated, toAdminUser(acc))
}

// changed runs one account change of the store (a single transaction)
// and drops cached credentials, so a new password, a removed grant or a
// revoked token counts at once.
func (a *adminAPI) changed(name string, err error) error {
	if err != nil {
		return describe(err, "account %q", name)
	}
	a.s.forgetCredentials()
	return nil
}

func (a *adminAPI) deleteUser(c echo.Context) error {
	name := c.Param("name")
	if err := a.changed(name, a.db.DeleteAccount(c.Request().Context(), name)); err != nil {
		return err
	}
	a.s.logFor(c).Info("admin: account deleted", "account", name)
	return c.NoContent(http.StatusNoContent)
}

func (a *adminAPI) setPassword(c echo.Context) error {
	var in AdminPassword
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if err := validPassword(in.Password); err != nil {
		return err
	}
	name := c.Param("name")
	hash, err := store.HashPassword(in.Password)
	if err != nil {
		return err
	}
	if err := a.changed(name, a.db.SetPasswordHash(c.Request().Context(), name, hash)); err != nil {
		return err
	}
	a.s.logFor(c).Info("admin: password changed", "account", name)
	return c.NoContent(http.StatusNoContent)
}

func (a *adminAPI) setGrant(c echo.Context) error {
	var in AdminGrant
	if err := readJSON(c, &in); err != nil {
		return err
	}
	ref := c.Param("ref")
	col, err := a.db.Collection(c.Request().Context(), ref)
	if err != nil {
		return describe(err, "collection %q", ref)
	}
	name := c.Param("name")
	g := store.Grant{Read: in.Read, Write: in.Write}
	if err := a.changed(name, a.db.SetGrant(c.Request().Context(), name, col.ID, g)); err != nil {
		return err
	}
	a.s.logFor(c).Info("admin: grant set", "account", name, "collection", col.ID, "read", in.Read, "write", in.Write)
	return c.NoContent(http.StatusNoContent)
}

func (a *adminAPI) createToken(c echo.Context) error {
	if c.Request().ContentLength != 0 {
		var in struct{}
		if err := readJSON(c, &in); err != nil {
			return err
		}
	}
	name := c.Param("name")
	secret, tok, err := NewAPIToken()
	if err != nil {
		return err
	}
	if err := a.changed(name, a.db.AddToken(c.Request().Context(), name, tok)); err != nil {
		return err
	}
	a.s.logFor(c).Info("admin: token created", "account", name, "token_id", tok.ID)
	return sendJSON(c, http.StatusCreated, AdminToken{ID: tok.ID, Created: tok.Created, Token: secret})
}

func (a *adminAPI) deleteToken(c echo.Context) error {
	name, id := c.Param("name"), c.Param("id")
	if err := a.db.DeleteToken(c.Request().Context(), name, id); err != nil {
		return describe(err, "token %q of account %q", id, name)
	}
	a.s.forgetCredentials()
	a.s.logFor(c).Info("admin: token deleted", "account", name, "token_id", id)
	return c.NoContent(http.StatusNoContent)
}

func (a *adminAPI) check(c echo.Context) error {
	problems, err := a.db.Check(c.Request().Context())
	if err != nil {
		return err
	}
	out := AdminCheck{Problems: make([]AdminProblem, len(problems))}
	for i, p := range problems {
		out.Problems[i] = AdminProblem{Subject: p.Subject, Reason: p.Reason, Detail: p.Detail}
	}
	return sendJSON(c, http.StatusOK, out)
}

// backup streams a consistent copy of the database, taken in one read
// transaction while the server keeps serving and writing.
func (a *adminAPI) backup(c echo.Context) error {
	resp := c.Response()
	resp.Header().Set(echo.HeaderContentType, "application/octet-stream")
	resp.Header().Set(echo.HeaderContentDisposition, `attachment; filename="herald-backup.db"`)
	resp.WriteHeader(http.StatusOK)
	n, err := a.db.Backup(c.Request().Context(), resp)
	if err != nil {
		// The status is sent; a broken stream is all the client can see.
		// herald backup writes to a temporary file and keeps nothing then.
		return fmt.Errorf("admin backup after %d bytes: %w", n, err)
	}
	a.s.logFor(c).Info("admin: backup streamed", "bytes", n)
	return nil
}

// describe turns a store error into a client error that names the
// resource, keeping the status of the store's error table.
func describe(err error, format string, args ...any) error {
	what := fmt.Sprintf(format, args...)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return &apiError{Status: http.StatusNotFound, Description: what + " does not exist", Err: err}
	case errors.Is(err, store.ErrLastAdmin):
		return &apiError{Status: http.StatusConflict, Description: what + " is the last admin account; create another admin first", Err: err}
	case errors.Is(err, store.ErrExists):
		return &apiError{Status: http.StatusConflict, Description: what + ": the name, title or alias is already taken", Err: err}
	case errors.Is(err, store.ErrBadParameter):
		return &apiError{Status: http.StatusBadRequest, Description: what + ": " + strings.TrimPrefix(err.Error(), "store: "), Err: err}
	}
	return err
}

// validAccountName is CheckAccountName as a 400.
func validAccountName(name string) error {
	if err := CheckAccountName(name); err != nil {
		return badRequest("%v", err)
	}
	return nil
}

// validPassword is CheckPassword as a 400.
func validPassword(p string) error {
	if err := CheckPassword(p); err != nil {
		return badRequest("%v", err)
	}
	return nil
}
