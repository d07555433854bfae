package stix

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"
)

// Problem is one reason an object is invalid. Property is a path into the
// object ("created", "external_references[1].source_name",
// "extensions.extension-definition--….extension_type"), or "" for the
// object as a whole.
type Problem struct {
	Property string
	Reason   string
}

// String is "property: reason", or the reason alone for the whole object.
func (p Problem) String() string {
	if p.Property == "" {
		return p.Reason
	}
	return p.Property + ": " + p.Reason
}

// ValidationError lists every problem Validate found in one object.
// ObjectID is the object's id when it has a string one, else "".
type ValidationError struct {
	ObjectID string
	Problems []Problem
}

// Error names the object and lists every problem.
func (e *ValidationError) Error() string {
	var b strings.Builder
	b.WriteString("stix: invalid object")
	if e.ObjectID != "" {
		b.WriteString(" ")
		b.WriteString(e.ObjectID)
	}
	for i, p := range e.Problems {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Validate checks one object against STIX 2.1 (or STIX 2.0, for objects
// that say spec_version "2.0" or carry none, as STIX 2.1 §3.1 asks) and
// returns nil or a *ValidationError listing every problem found.
//
// It checks the JSON itself (one UTF-8 object, no duplicate or null
// properties), that the indexed fields of o match the JSON, the common
// properties of the object's kind, the properties of every type STIX 2.1
// defines (required ones, value kinds, references and their target types,
// closed vocabularies) with each type's cross-property rules, extensions,
// custom property names, and for indicators with pattern_type "stix" the
// pattern syntax. Unknown object types and custom properties that are well
// formed are accepted as they are. The README section on validation has
// the full list.
func Validate(o Object) error {
	s := vState{obj: o}
	s.run()
	if len(s.problems) == 0 {
		return nil
	}
	sort.SliceStable(s.problems, func(i, j int) bool { return s.problems[i].Property < s.problems[j].Property })
	return &ValidationError{ObjectID: s.id, Problems: s.problems}
}

// vState is the working state of one Validate call.
type vState struct {
	obj      Object
	problems []Problem
	members  map[string][]byte // last value of each member
	order    []string          // member names in order, without duplicates
	typ, id  string
	spec     string // "2.1" or "2.0": the rules applied
	kind     vKind
	t        *vType // nil for unknown types
	props    map[string]vProp
}

func (s *vState) addf(prop, format string, args ...any) {
	s.problems = append(s.problems, Problem{Property: prop, Reason: fmt.Sprintf(format, args...)})
}

func (s *vState) has(name string) bool { _, ok := s.members[name]; return ok }

func (s *vState) run() {
	b := s.obj.JSON
	if !json.Valid(b) {
		s.addf("", "not valid JSON")
		return
	}
	if !utf8.Valid(b) {
		s.addf("", "not valid UTF-8")
	}
	if hasUnpairedSurrogate(b) {
		s.addf("", "a string has an unpaired UTF-16 surrogate escape (not I-JSON)")
	}
	if hasHugeNumber(b) {
		s.addf("", "a number is too large for a 64-bit float (not I-JSON)")
	}
	s.members = make(map[string][]byte)
	err := decodeMembers(vCompact(b), func(key string, val []byte) bool {
		if _, dup := s.members[key]; dup {
			s.addf(key, "duplicate property")
		} else {
			s.order = append(s.order, key)
		}
		s.members[key] = val
		return true
	})
	if err != nil {
		s.addf("", "not a JSON object")
		return
	}
	if !s.checkTypeAndID() {
		return
	}
	s.checkIndexedFields()
	s.decideVersion()
	s.checkMembers()
	s.checkRequired()
	s.checkCommon()
	if s.t != nil && s.t.check != nil {
		s.t.check(s)
	}
}

// vCompact returns b compacted, or b itself when it already is (the
// decoder's objects are).
func vCompact(b []byte) []byte {
	if !vHasSpace(b) {
		return b
	}
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

// vHasSpace reports whether b has JSON whitespace outside strings.
func vHasSpace(b []byte) bool {
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '"':
			i = jsonStringEnd(b, i)
		case ' ', '\t', '\n', '\r':
			return true
		}
	}
	return false
}

// checkTypeAndID checks type and id; it returns false when the object
// cannot be checked further (no usable type).
func (s *vState) checkTypeAndID() bool {
	rawType, ok := s.members["type"]
	if !ok {
		s.addf("type", "required property missing")
	} else if typ, isStr := decodeString(rawType); !isStr {
		s.addf("type", "must be a string, got %s", jsonKind(rawType))
	} else if reason := vTypeNameProblem(typ); reason != "" {
		s.addf("type", "%q is not a valid type name: %s", typ, reason)
	} else {
		s.typ = typ
	}
	if rawID, ok := s.members["id"]; !ok {
		s.addf("id", "required property missing")
	} else if id, isStr := decodeString(rawID); !isStr {
		s.addf("id", "must be a string, got %s", jsonKind(rawID))
	} else {
		s.id = id
		if reason := vIdentifierProblem(id); reason != "" {
			s.addf("id", "%q is not a STIX identifier: %s", id, reason)
		} else if s.typ != "" && !strings.HasPrefix(id, s.typ+"--") {
			s.addf("id", "%q does not start with the object's type %q", id, s.typ+"--")
		}
	}
	switch s.typ {
	case "":
		return false
	case "bundle":
		s.addf("type", "a bundle is not a STIX object; decode it to get its objects")
		return false
	case "action":
		s.addf("type", `"action" is a reserved type name`)
		return false
	}
	return true
}

// checkIndexedFields checks that the fields of the Object match its JSON.
func (s *vState) checkIndexedFields() {
	fields := []struct {
		name string
		got  string
	}{
		{"type", s.obj.Type}, {"id", s.obj.ID}, {"spec_version", s.obj.SpecVersion},
		{"created", s.obj.Created}, {"modified", s.obj.Modified},
	}
	for _, f := range fields {
		want, _ := decodeString(s.members[f.name])
		if f.got != want {
			s.addf(f.name, "Object field is %q but the JSON has %q", f.got, want)
		}
	}
}

// decideVersion picks the rules (2.1 or 2.0) and the object's kind.
func (s *vState) decideVersion() {
	s.t = vTypes[s.typ]
	s.kind = vKindUnknown
	if s.t != nil {
		s.kind = s.t.kind
	} else {
		s.kind = s.extensionKind()
	}
	raw, present := s.members["spec_version"]
	sv, isStr := decodeString(raw)
	switch {
	case present && !isStr:
		s.addf("spec_version", "must be a string, got %s", jsonKind(raw))
		s.spec = "2.1"
	case present && sv == "2.1":
		s.spec = "2.1"
	case present && sv == "2.0":
		s.spec = "2.0"
	case present:
		s.addf("spec_version", "%q is not a supported STIX version (2.0 or 2.1)", sv)
		s.spec = "2.1"
	case s.kind == vKindSCO:
		s.spec = "2.1" // optional for SCOs; they exist only in 2.1
	case s.t != nil && !s.t.in20, s.t == nil && (s.kind == vKindSDO || s.kind == vKindSRO):
		// A 2.1-only type (or an extension-defined SDO/SRO) without
		// spec_version cannot be 2.0 content.
		s.addf("spec_version", "required property missing (%s is a STIX 2.1 %s)", s.typ, s.kind)
		s.spec = "2.1"
	default:
		s.spec = "2.0" // STIX 2.1 §3.1: no spec_version means 2.0
	}
	if s.spec == "2.0" && s.kind == vKindSCO {
		s.addf("spec_version", "STIX 2.0 has no top-level cyber-observable objects; %s needs spec_version 2.1", s.typ)
		s.spec = "2.1"
	}
	if s.spec == "2.0" && s.t != nil && !s.t.in20 {
		s.addf("spec_version", "%s is not a STIX 2.0 type", s.typ)
		s.spec = "2.1"
	}
	if s.t != nil {
		s.props = vMergedProps[s.typ]
	} else {
		s.props = vTypeProps(nil, s.kind)
	}
}

// extensionKind classifies an unknown type from its extensions: an
// extension-definition entry with extension_type new-sdo, new-sco or
// new-sro makes it that kind (STIX 2.1 §7.3).
func (s *vState) extensionKind() vKind {
	kind := vKindUnknown
	_ = decodeMembers(s.members["extensions"], func(key string, val []byte) bool {
		if !strings.HasPrefix(key, "extension-definition--") {
			return true
		}
		_ = decodeMembers(val, func(k string, v []byte) bool {
			if k != "extension_type" {
				return true
			}
			switch et, _ := decodeString(v); et {
			case "new-sdo":
				kind = vKindSDO
			case "new-sco":
				kind = vKindSCO
			case "new-sro":
				kind = vKindSRO
			}
			return false
		})
		return kind == vKindUnknown
	})
	return kind
}

// checkMembers checks every member against the property table, and custom
// property names.
func (s *vState) checkMembers() {
	for _, name := range s.order {
		val := s.members[name]
		switch name {
		case "type", "id", "spec_version":
			continue
		}
		if string(val) == "null" {
			s.addf(name, "must not be null (omit the property instead)")
			continue
		}
		if vReserved[name] {
			s.addf(name, "reserved property name in STIX 2.1")
			continue
		}
		if p, ok := s.props[name]; ok {
			s.checkValue(name, p, val)
			continue
		}
		if reason := vCustomNameProblem(name); reason != "" {
			s.addf(name, "not a property of %s and not a valid custom property name: %s", s.typ, reason)
		}
		// Well-formed custom properties are accepted as they are.
	}
}

// checkRequired reports missing required properties for the version.
func (s *vState) checkRequired() {
	var req []string
	if s.spec == "2.0" {
		if s.kind == vKindSDO || s.kind == vKindSRO {
			req = append(req, "created", "modified")
		}
		if s.t != nil {
			if s.typ == "marking-definition" {
				req = append(req, "created")
			}
			req = append(req, s.t.req20...)
		}
	} else {
		for name, p := range s.props {
			if p.required {
				req = append(req, name)
			}
		}
		sort.Strings(req)
	}
	for _, name := range req {
		if !s.has(name) {
			s.addf(name, "required property missing")
		}
	}
}

// checkCommon applies the rules shared by all kinds: timestamps in order.
func (s *vState) checkCommon() {
	created, okC := s.timeOf("created")
	modified, okM := s.timeOf("modified")
	if okC && okM && modified.Before(created) {
		s.addf("modified", "is before created")
	}
	if s.spec == "2.1" && s.kind != vKindSCO {
		for _, name := range []string{"created", "modified"} {
			if v, ok := decodeString(s.members[name]); ok && vTimestampProblem(v) == "" && !vMillis(v) {
				s.addf(name, "%q must be precise to at least the millisecond in STIX 2.1 (e.g. .000Z)", v)
			}
		}
	}
}
