package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Revoke returns the revoked version of o: same id and created, modified set
// to at (truncated to milliseconds, UTC), "revoked": true, every other
// property byte for byte as it was. It works on the raw JSON, never through
// TcM1911/stix2, so it is safe for objects Herald did not author. Keys come
// out sorted.
//
// Errors: o is not a versioned object (SCOs and marking definitions cannot
// be revoked), o is already revoked, or at is not later than o's modified.
func Revoke(o Object, at time.Time) (Object, error) {
	if o.Modified == "" || o.Created == "" {
		return Object{}, fmt.Errorf("revoke %s: only versioned objects (with created and modified) can be revoked", o.ID)
	}
	if o.Type == "marking-definition" {
		return Object{}, fmt.Errorf("revoke %s: marking definitions are never versioned", o.ID)
	}
	props, err := revokeProps(o.JSON)
	if err != nil {
		return Object{}, fmt.Errorf("revoke %s: %w", o.ID, err)
	}
	if r, ok := props["revoked"]; ok && bytes.Equal(r, []byte("true")) {
		return Object{}, fmt.Errorf("revoke %s: already revoked", o.ID)
	}
	prev, err := time.Parse(time.RFC3339Nano, o.Modified)
	if err != nil {
		return Object{}, fmt.Errorf("revoke %s: modified %q: %w", o.ID, o.Modified, err)
	}
	at = authorMS(at)
	if !at.After(prev) {
		return Object{}, fmt.Errorf("revoke %s: revocation time %s is not later than modified %s", o.ID, authorTimestamp(at), o.Modified)
	}
	mod := authorTimestamp(at)
	props["modified"] = json.RawMessage(`"` + mod + `"`)
	props["revoked"] = json.RawMessage("true")
	b, err := json.Marshal(props)
	if err != nil {
		return Object{}, fmt.Errorf("revoke %s: %w", o.ID, err)
	}
	out := o
	out.Modified = mod
	out.JSON = b
	return out, nil
}

// revokeProps splits a JSON object into its properties, values untouched.
func revokeProps(b []byte) (map[string]json.RawMessage, error) {
	var props map[string]json.RawMessage
	if err := json.Unmarshal(b, &props); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	if props == nil {
		return nil, errors.New("not a JSON object")
	}
	return props, nil
}
