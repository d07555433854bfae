package store

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/heraldcti/herald/stix"
)

// Bounds every backend enforces, so that a database copied from one
// backend to another always fits.
const (
	// MaxNameLen bounds collection titles and aliases, account names and
	// token ids, in bytes.
	MaxNameLen = 256
	// MaxKeyPart bounds object ids, types and versions, status ids and
	// Meta keys, in bytes.
	MaxKeyPart = 1024
	// MaxSpecVersionLen bounds spec_version strings, in bytes.
	MaxSpecVersionLen = 64
)

// ValidateCollection normalises c (trims the title and alias, fills in
// DefaultMediaType, and ConflictKeep for an empty OnConflict) and checks
// its fields: a title, names that are bounded UTF-8 without control
// characters, an alias that is not shaped like a collection id and can
// stand in a URL path segment, no empty media type, a known conflict
// policy. Errors wrap ErrBadParameter. Every backend calls it before it
// stores a collection.
func ValidateCollection(c *Collection) error {
	c.Title = strings.TrimSpace(c.Title)
	c.Alias = strings.TrimSpace(c.Alias)
	if c.Title == "" {
		return fmt.Errorf("collection title is empty: %w", ErrBadParameter)
	}
	if err := CheckName("collection title", c.Title); err != nil {
		return err
	}
	if c.Alias != "" {
		if err := CheckName("collection alias", c.Alias); err != nil {
			return err
		}
		if _, err := uuid.Parse(c.Alias); err == nil {
			return fmt.Errorf("collection alias %q looks like a collection id: %w", c.Alias, ErrBadParameter)
		}
		if strings.ContainsAny(c.Alias, "/?#% ") {
			return fmt.Errorf("collection alias %q contains a character not allowed in a URL path segment: %w", c.Alias, ErrBadParameter)
		}
	}
	if len(c.MediaTypes) == 0 {
		c.MediaTypes = []string{DefaultMediaType}
	}
	p, err := ParseConflictPolicy(string(c.OnConflict))
	if err != nil {
		return fmt.Errorf("collection %q: %w", c.Title, err)
	}
	c.OnConflict = p
	for _, m := range c.MediaTypes {
		if strings.TrimSpace(m) == "" {
			return fmt.Errorf("collection %q: empty media type: %w", c.Title, ErrBadParameter)
		}
	}
	return nil
}

// CheckName rejects names that are longer than MaxNameLen, not UTF-8 or
// hold control characters (ErrBadParameter, naming what).
func CheckName(what, s string) error {
	if len(s) > MaxNameLen {
		return fmt.Errorf("%s is longer than %d bytes: %w", what, MaxNameLen, ErrBadParameter)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%s %q is not UTF-8: %w", what, s, ErrBadParameter)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%s %q contains a control character: %w", what, s, ErrBadParameter)
		}
	}
	return nil
}

// ValidateAccount checks the fields an account must have: a name (no
// surrounding space, no ':', as CheckName), a password hash from
// HashPassword or none, tokens with unique, bounded ids and unique
// SHA-256 values in lower-case hex. Errors wrap ErrBadParameter. Grants
// and token uniqueness across accounts are the backend's to check against
// the database.
func ValidateAccount(a Account) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("account %q: %s: %w", a.Name, fmt.Sprintf(format, args...), ErrBadParameter)
	}
	if strings.TrimSpace(a.Name) != a.Name || a.Name == "" {
		return bad("name is empty or has leading or trailing space")
	}
	if err := CheckName("account name", a.Name); err != nil {
		return err
	}
	if strings.ContainsRune(a.Name, ':') {
		return bad("name contains ':' (not allowed in HTTP Basic credentials)")
	}
	if a.PasswordHash != "" {
		if _, err := parsePHC(a.PasswordHash); err != nil {
			return bad("password hash: %v", err)
		}
	}
	ids := make(map[string]bool, len(a.Tokens))
	hashes := make(map[string]bool, len(a.Tokens))
	for _, t := range a.Tokens {
		if err := ValidateToken(t); err != nil {
			return fmt.Errorf("account %q: %w", a.Name, err)
		}
		if ids[t.ID] {
			return bad("token id %q appears twice", t.ID)
		}
		if hashes[t.SHA256] {
			return bad("token %s: the same token appears twice", t.ID)
		}
		ids[t.ID], hashes[t.SHA256] = true, true
	}
	return nil
}

// ValidateToken checks one token: an id of 1 to MaxNameLen bytes and a
// SHA-256 of 64 lower-case hex digits. Errors wrap ErrBadParameter.
func ValidateToken(t APIToken) error {
	if t.ID == "" || len(t.ID) > MaxNameLen {
		return fmt.Errorf("token id %q is empty or too long: %w", t.ID, ErrBadParameter)
	}
	if !IsSHA256Hex(t.SHA256) {
		return fmt.Errorf("token %s: SHA256 is not 64 lower-case hex digits: %w", t.ID, ErrBadParameter)
	}
	return nil
}

// IsSHA256Hex reports whether s is 64 lower-case hex digits.
func IsSHA256Hex(s string) bool {
	if len(s) != 64 || strings.ToLower(s) != s {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// ValidatePasswordHash checks that hash is empty (no password login) or a
// hash from HashPassword with parameters in range. Errors wrap
// ErrBadParameter.
func ValidatePasswordHash(hash string) error {
	if hash == "" {
		return nil
	}
	if _, err := parsePHC(hash); err != nil {
		return fmt.Errorf("password hash: %v: %w", err, ErrBadParameter)
	}
	return nil
}

// ValidateObject checks what every backend relies on in the i-th object of
// a PutObjects call with this version (o.Version()): non-empty id and
// type, no NUL in the indexed strings, lengths within MaxKeyPart and
// MaxSpecVersionLen, bytes that are JSON. Errors wrap ErrBadParameter and
// name the object.
func ValidateObject(i int, o stix.Object, version string) error {
	name := o.ID
	if name == "" {
		name = fmt.Sprintf("#%d", i)
	}
	bad := func(format string, args ...any) error {
		return fmt.Errorf("object %s: %s: %w", name, fmt.Sprintf(format, args...), ErrBadParameter)
	}
	switch {
	case o.ID == "":
		return bad("empty id")
	case o.Type == "":
		return bad("empty type")
	case len(o.ID) > MaxKeyPart, len(o.Type) > MaxKeyPart, len(version) > MaxKeyPart:
		return bad("id, type or version longer than %d bytes", MaxKeyPart)
	case len(o.SpecVersion) > MaxSpecVersionLen:
		return bad("spec_version longer than %d bytes", MaxSpecVersionLen)
	case strings.IndexByte(o.ID, 0) >= 0 || strings.IndexByte(o.Type, 0) >= 0 ||
		strings.IndexByte(version, 0) >= 0 || strings.IndexByte(o.SpecVersion, 0) >= 0:
		return bad("NUL character in id, type, version or spec_version")
	case len(o.JSON) == 0 || !json.Valid(o.JSON):
		return bad("bytes are not valid JSON")
	}
	return nil
}

// ValidateStatus checks a status before it is stored: an id of 1 to
// MaxKeyPart bytes, status "complete" or "pending", a request time, no
// negative count. Errors wrap ErrBadParameter.
func ValidateStatus(s Status) error {
	switch {
	case s.ID == "" || len(s.ID) > MaxKeyPart:
		return fmt.Errorf("put status: bad id %q: %w", s.ID, ErrBadParameter)
	case s.Status != "complete" && s.Status != "pending":
		return fmt.Errorf("put status %s: status %q is not complete or pending: %w", s.ID, s.Status, ErrBadParameter)
	case s.RequestTime.IsZero():
		return fmt.Errorf("put status %s: zero request time: %w", s.ID, ErrBadParameter)
	case s.TotalCount < 0 || s.SuccessCount < 0 || s.FailureCount < 0 || s.PendingCount < 0:
		return fmt.Errorf("put status %s: negative count: %w", s.ID, ErrBadParameter)
	}
	return nil
}
