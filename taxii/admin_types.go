package taxii

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/heraldcti/herald/store"
)

// The admin API's JSON bodies. They are exported so that `herald --server`
// speaks the same shapes the handlers read and write.

// AdminCollection is a collection as the admin API shows and takes it.
type AdminCollection struct {
	ID          string   `json:"id,omitempty"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	MediaTypes  []string `json:"media_types,omitempty"`
	PublicRead  bool     `json:"public_read"`
	// OnConflict is "keep", "replace" or "fail" (store.ConflictPolicy):
	// what a TAXII add request does with a version already stored with
	// other content. Empty on create means keep.
	OnConflict string `json:"on_conflict,omitempty"`
}

// AdminCollectionUpdate is the body of PATCH /admin/collections/{ref}:
// the fields present are changed, the others kept. An empty alias
// removes the alias.
type AdminCollectionUpdate struct {
	Title       *string   `json:"title,omitempty"`
	Description *string   `json:"description,omitempty"`
	Alias       *string   `json:"alias,omitempty"`
	MediaTypes  *[]string `json:"media_types,omitempty"`
	PublicRead  *bool     `json:"public_read,omitempty"`
	OnConflict  *string   `json:"on_conflict,omitempty"`
}

// Apply changes c by the fields present in u.
func (u AdminCollectionUpdate) Apply(c *store.Collection) {
	if u.Title != nil {
		c.Title = *u.Title
	}
	if u.Description != nil {
		c.Description = *u.Description
	}
	if u.Alias != nil {
		c.Alias = *u.Alias
	}
	if u.MediaTypes != nil {
		c.MediaTypes = *u.MediaTypes
	}
	if u.PublicRead != nil {
		c.PublicRead = *u.PublicRead
	}
	if u.OnConflict != nil {
		c.OnConflict = store.ConflictPolicy(*u.OnConflict)
	}
}

// AdminGrant is an account's access to one collection.
type AdminGrant struct {
	Read  bool `json:"read"`
	Write bool `json:"write"`
}

// AdminToken is a bearer token of an account. Token, the secret, is only
// present in the answer that creates it: the server keeps its SHA-256.
type AdminToken struct {
	ID      string    `json:"id"`
	Created time.Time `json:"created"`
	Token   string    `json:"token,omitempty"`
}

// AdminUser is an account as the admin API lists it; a POST to
// /admin/users also carries Password. Grants are keyed by collection id.
type AdminUser struct {
	Name     string                `json:"name"`
	Password string                `json:"password,omitempty"`
	Admin    bool                  `json:"admin"`
	Grants   map[string]AdminGrant `json:"grants"`
	Tokens   []AdminToken          `json:"tokens"`
}

// AdminPassword is the body of PUT /admin/users/{name}/password.
type AdminPassword struct {
	Password string `json:"password"`
}

// AdminProblem is one inconsistency reported by GET /admin/check (a
// store.CheckProblem).
type AdminProblem struct {
	Subject string `json:"subject"`
	Reason  string `json:"reason"`
	Detail  string `json:"detail,omitempty"`
}

// AdminCheck is the body of GET /admin/check.
type AdminCheck struct {
	Problems []AdminProblem `json:"problems"`
}

// MinPasswordLength is the shortest password Herald accepts for an
// account, through the admin API and the command line alike.
const MinPasswordLength = 8

// CheckAccountName reports what is wrong with an account name: it must be
// 1 to 64 characters without spaces, slashes, backslashes or colons, as it
// goes in admin API paths and in Basic credentials.
func CheckAccountName(name string) error {
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n/:\\") {
		return fmt.Errorf("invalid account name %q: 1 to 64 characters, no spaces, '/', '\\' or ':'", name)
	}
	return nil
}

// CheckPassword reports a password that is too short.
func CheckPassword(password string) error {
	if n := len([]rune(password)); n < MinPasswordLength {
		return fmt.Errorf("password too short: %d characters, at least %d needed", n, MinPasswordLength)
	}
	return nil
}

// APITokenPrefix starts every bearer token Herald issues, so that a token
// pasted into a log or a ticket is easy to recognise and to scan for.
const APITokenPrefix = "herald_"

// NewAPIToken makes a bearer token for an account: the secret to show the
// user once, and the record to store (a short public id and the hex
// SHA-256 of the whole secret, which is what store.AccountByToken looks up).
func NewAPIToken() (secret string, tok store.APIToken, err error) {
	var id [6]byte
	var key [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", store.APIToken{}, fmt.Errorf("new api token: %w", err)
	}
	if _, err := rand.Read(key[:]); err != nil {
		return "", store.APIToken{}, fmt.Errorf("new api token: %w", err)
	}
	tok.ID = hex.EncodeToString(id[:])
	secret = APITokenPrefix + tok.ID + "_" + base64.RawURLEncoding.EncodeToString(key[:])
	tok.SHA256 = tokenHash(secret)
	tok.Created = time.Now().UTC().Truncate(time.Second)
	return secret, tok, nil
}
