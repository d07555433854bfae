package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"
)

// convertReconcile applies the versioning rules of ConvertOptions.Previous
// to a fresh conversion:
//
//   - an object whose content (everything but modified) equals its
//     published version is replaced by the published bytes;
//   - a changed object keeps the published created and must have a modified
//     strictly later than the published one;
//   - an object the previous report listed, authored by the same
//     publisher, that the advisory no longer produces is revoked at the
//     advisory's updated time.
//
// Without previous objects the conversion is returned as is.
func convertReconcile(c *converter, previous []Object) ([]Object, error) {
	out := c.out
	if len(previous) == 0 {
		return out, nil
	}
	prev := convertLatest(previous)
	var errs []error
	produced := make(map[string]bool, len(out))
	for i, o := range out {
		produced[o.ID] = true
		p, ok := prev[o.ID]
		if !ok || bytes.Equal(p.JSON, o.JSON) || o.Modified == "" {
			continue
		}
		if convertIsRevoked(p) {
			errs = append(errs, fmt.Errorf("%s was revoked on %s; a revoked object cannot get a new version (give the record a new id)", o.ID, p.Modified))
			continue
		}
		next := o
		if p.Created != "" && p.Created != o.Created {
			patched, err := convertSetString(o, "created", p.Created)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			next = patched
		}
		same, err := convertSameContent(next, p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if same {
			out[i] = p
			continue
		}
		later, err := convertLater(next.Modified, p.Modified)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", o.ID, err))
			continue
		}
		if !later {
			errs = append(errs, fmt.Errorf("%s changed, but its new modified %s is not later than the published version's %s: set advisory.updated to a later date (an RFC 3339 time for a second edit on the same day)", o.ID, next.Modified, p.Modified))
			continue
		}
		out[i] = next
	}
	revoked, err := convertRevocations(c, prev, produced)
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return append(out, revoked...), nil
}

// convertRevocations revokes what the previous report listed and the new
// conversion no longer produces.
func convertRevocations(c *converter, prev map[string]Object, produced map[string]bool) ([]Object, error) {
	rep, ok := prev[c.reportID]
	if !ok {
		return nil, nil
	}
	var head struct {
		CreatedBy  string   `json:"created_by_ref"`
		ObjectRefs []string `json:"object_refs"`
	}
	if err := json.Unmarshal(rep.JSON, &head); err != nil {
		return nil, fmt.Errorf("previous report %s: %w", rep.ID, err)
	}
	var out []Object
	var errs []error
	for _, ref := range head.ObjectRefs {
		p, ok := prev[ref]
		if produced[ref] || !ok || p.Modified == "" || ref == head.CreatedBy || convertIsRevoked(p) {
			continue
		}
		var by struct {
			CreatedBy string `json:"created_by_ref"`
		}
		if err := json.Unmarshal(p.JSON, &by); err != nil || by.CreatedBy != head.CreatedBy {
			continue // not ours to revoke
		}
		r, err := Revoke(p, c.common.modified)
		if err != nil {
			errs = append(errs, fmt.Errorf("%w (set advisory.updated to a later date or time)", err))
			continue
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// convertLatest indexes objects by id, keeping the latest modified.
func convertLatest(objs []Object) map[string]Object {
	m := make(map[string]Object, len(objs))
	for _, o := range objs {
		cur, ok := m[o.ID]
		if !ok {
			m[o.ID] = o
			continue
		}
		if later, err := convertLater(o.Modified, cur.Modified); err == nil && later {
			m[o.ID] = o
		}
	}
	return m
}

// convertLater reports whether timestamp a is strictly after b.
func convertLater(a, b string) (bool, error) {
	ta, err := time.Parse(time.RFC3339Nano, a)
	if err != nil {
		return false, fmt.Errorf("modified %q: %w", a, err)
	}
	tb, err := time.Parse(time.RFC3339Nano, b)
	if err != nil {
		return false, fmt.Errorf("modified %q: %w", b, err)
	}
	return ta.After(tb), nil
}

func convertIsRevoked(o Object) bool {
	var r struct {
		Revoked bool `json:"revoked"`
	}
	return json.Unmarshal(o.JSON, &r) == nil && r.Revoked
}

// convertSameContent compares two versions of an object, ignoring modified.
func convertSameContent(a, b Object) (bool, error) {
	var ma, mb map[string]any
	da := json.NewDecoder(bytes.NewReader(a.JSON))
	da.UseNumber()
	if err := da.Decode(&ma); err != nil {
		return false, fmt.Errorf("%s: %w", a.ID, err)
	}
	db := json.NewDecoder(bytes.NewReader(b.JSON))
	db.UseNumber()
	if err := db.Decode(&mb); err != nil {
		return false, fmt.Errorf("published %s: %w", b.ID, err)
	}
	delete(ma, "modified")
	delete(mb, "modified")
	return reflect.DeepEqual(ma, mb), nil
}

// convertSetString sets one top-level string property in an object's JSON.
func convertSetString(o Object, key, value string) (Object, error) {
	props, err := revokeProps(o.JSON)
	if err != nil {
		return Object{}, fmt.Errorf("%s: %w", o.ID, err)
	}
	v, err := json.Marshal(value)
	if err != nil {
		return Object{}, err
	}
	props[key] = v
	b, err := json.Marshal(props)
	if err != nil {
		return Object{}, fmt.Errorf("%s: %w", o.ID, err)
	}
	return indexJSON(b)
}
