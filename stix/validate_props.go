package stix

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// checkValue checks one property value against its description.
func (s *vState) checkValue(path string, p vProp, val []byte) {
	switch p.kind {
	case vvString:
		s.str(path, val)
	case vvStringList:
		s.list(path, val, func(ip string, v []byte) { s.str(ip, v) })
	case vvBool:
		if string(val) != "true" && string(val) != "false" {
			s.addf(path, "must be a boolean, got %s", jsonKind(val))
		}
	case vvInt, vvNumber:
		s.number(path, p, val)
	case vvTimestamp:
		if v, ok := s.str(path, val); ok {
			if reason := vTimestampProblem(v); reason != "" {
				s.addf(path, "%q is not a STIX timestamp: %s", v, reason)
			}
		}
	case vvRef:
		if v, ok := s.str(path, val); ok {
			s.ref(path, v, p.refTypes)
		}
	case vvRefList:
		s.list(path, val, func(ip string, v []byte) {
			if id, ok := s.str(ip, v); ok {
				s.ref(ip, id, p.refTypes)
			}
		})
	case vvEnum:
		s.enum(path, p.enum, val)
	case vvEnumList:
		s.list(path, val, func(ip string, v []byte) { s.enum(ip, p.enum, v) })
	case vvHashes:
		s.hashes(path, val)
	case vvDict:
		if len(val) == 0 || val[0] != '{' {
			s.addf(path, "must be a JSON object (a dictionary), got %s", jsonKind(val))
		}
	case vvObjectList:
		s.list(path, val, func(ip string, v []byte) { s.object(ip, v) })
	case vvKillChains:
		s.list(path, val, s.killChainPhase)
	case vvExtRefs:
		s.list(path, val, s.externalReference)
	case vvGranular:
		s.list(path, val, s.granularMarking)
	case vvExtensions:
		s.extensions(path, val)
	case vvBinary:
		if v, ok := s.str(path, val); ok {
			if _, err := base64.StdEncoding.DecodeString(v); err != nil {
				s.addf(path, "not valid base64 (RFC 4648 §4)")
			}
		}
	case vvHex:
		if v, ok := s.str(path, val); ok {
			if _, err := hex.DecodeString(v); err != nil {
				s.addf(path, "not an even number of hexadecimal digits")
			}
		}
	case vvLang:
		if v, ok := s.str(path, val); ok {
			if reason := vLangProblem(v); reason != "" {
				s.addf(path, "%q is not an RFC 5646 language tag: %s", v, reason)
			}
		}
	}
}

// str checks that val is a JSON string and returns it.
func (s *vState) str(path string, val []byte) (string, bool) {
	v, ok := decodeString(val)
	if !ok {
		s.addf(path, "must be a string, got %s", jsonKind(val))
	}
	return v, ok
}

// object checks that val is a JSON object.
func (s *vState) object(path string, val []byte) bool {
	if len(val) == 0 || val[0] != '{' {
		s.addf(path, "must be a JSON object, got %s", jsonKind(val))
		return false
	}
	return true
}

// list checks that val is a non-empty JSON array and calls each on every
// element with the element's path.
func (s *vState) list(path string, val []byte, each func(path string, v []byte)) {
	if len(val) == 0 || val[0] != '[' {
		s.addf(path, "must be a list, got %s", jsonKind(val))
		return
	}
	if string(val) == "[]" {
		s.addf(path, "must not be an empty list (omit the property instead)")
		return
	}
	decodeElements(val, func(i int, v []byte) bool {
		each(path+"["+strconv.Itoa(i)+"]", v)
		return true
	})
}

// number checks an integer or number and its range.
func (s *vState) number(path string, p vProp, val []byte) {
	if len(val) == 0 || (val[0] != '-' && (val[0] < '0' || val[0] > '9')) {
		want := "a number"
		if p.kind == vvInt {
			want = "an integer"
		}
		s.addf(path, "must be %s, got %s", want, jsonKind(val))
		return
	}
	f, err := strconv.ParseFloat(string(val), 64)
	if err != nil {
		s.addf(path, "%s is out of range", val)
		return
	}
	if p.kind == vvInt {
		if strings.ContainsAny(string(val), ".eE") && f != float64(int64(f)) {
			s.addf(path, "must be an integer, got %s", val)
			return
		}
	}
	if p.hasRange && (f < p.min || f > p.max) {
		s.addf(path, "%s is outside %s..%s", val, vFormatBound(p.min), vFormatBound(p.max))
	}
}

func vFormatBound(f float64) string {
	switch {
	case f >= 1e300:
		return "∞"
	case f >= 9e18:
		return "2^63-1"
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}

// enum checks a closed-vocabulary string.
func (s *vState) enum(path string, values []string, val []byte) {
	v, ok := s.str(path, val)
	if !ok {
		return
	}
	for _, e := range values {
		if v == e {
			return
		}
	}
	s.addf(path, "%q is not one of %s", v, strings.Join(values, ", "))
}

// ref checks an identifier and the type it refers to.
func (s *vState) ref(path, id string, allowed []string) {
	if reason := vIdentifierProblem(id); reason != "" {
		s.addf(path, "%q is not a STIX identifier: %s", id, reason)
		return
	}
	typ := id[:strings.Index(id, "--")]
	if !vRefAllowed(typ, allowed) {
		s.addf(path, "%q refers to a %s; want %s", id, typ, vRefDescription(allowed))
	}
}

// vKindOf returns the kind of a type name (vKindUnknown for custom types).
func vKindOf(typ string) vKind {
	if t := vTypes[typ]; t != nil {
		return t.kind
	}
	return vKindUnknown
}

// vRefAllowed reports whether a reference to an object of type typ fits
// one of the allowed types or classes. Custom types fit every class, since
// they may be extension-defined objects of that class; bundles fit none.
func vRefAllowed(typ string, allowed []string) bool {
	k := vKindOf(typ)
	for _, a := range allowed {
		if a == typ {
			return true
		}
		if typ == "bundle" {
			continue
		}
		switch a {
		case vRefAny:
			return true
		case vRefSDO:
			if k == vKindSDO || k == vKindUnknown {
				return true
			}
		case vRefSCO:
			if k == vKindSCO || k == vKindUnknown {
				return true
			}
		case vRefSDOSCO:
			if k == vKindSDO || k == vKindSCO || k == vKindUnknown {
				return true
			}
		}
	}
	return false
}

func vRefDescription(allowed []string) string {
	names := make([]string, len(allowed))
	for i, a := range allowed {
		switch a {
		case vRefSDO:
			names[i] = "a domain object"
		case vRefSCO:
			names[i] = "a cyber-observable object"
		case vRefSDOSCO:
			names[i] = "a domain or cyber-observable object"
		case vRefAny:
			names[i] = "any object"
		default:
			names[i] = a
		}
	}
	return strings.Join(names, " or ")
}

// hashes checks a hashes dictionary (STIX 2.1 §2.7).
func (s *vState) hashes(path string, val []byte) {
	if !s.object(path, val) {
		return
	}
	if string(val) == "{}" {
		s.addf(path, "must have at least one hash")
		return
	}
	_ = decodeMembers(val, func(alg string, v []byte) bool {
		ip := path + "." + alg
		h, ok := s.str(ip, v)
		if !ok {
			return true
		}
		if len(alg) > 250 {
			s.addf(ip, "hash algorithm name longer than 250 characters")
		}
		if n, known := vHashHexLen[alg]; known && (len(h) != n || !vIsHex(h)) {
			s.addf(ip, "%q is not a %s hash (%d hexadecimal digits)", h, alg, n)
		}
		return true
	})
}

func vIsHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// members returns the members of a JSON object value as a map.
func vMembers(val []byte) map[string][]byte {
	m := make(map[string][]byte)
	_ = decodeMembers(val, func(k string, v []byte) bool { m[k] = v; return true })
	return m
}

// killChainPhase checks one kill-chain-phase (STIX 2.1 §2.8).
func (s *vState) killChainPhase(path string, val []byte) {
	if !s.object(path, val) {
		return
	}
	m := vMembers(val)
	for _, k := range []string{"kill_chain_name", "phase_name"} {
		if v, ok := m[k]; !ok {
			s.addf(path+"."+k, "required property missing")
		} else {
			s.str(path+"."+k, v)
		}
	}
}

// externalReference checks one external-reference (STIX 2.1 §2.5).
func (s *vState) externalReference(path string, val []byte) {
	if !s.object(path, val) {
		return
	}
	m := vMembers(val)
	src, hasSrc := m["source_name"]
	if !hasSrc {
		s.addf(path+".source_name", "required property missing")
	}
	name, _ := s.str(path+".source_name", orEmptyString(src))
	for _, k := range []string{"description", "url", "external_id"} {
		if v, ok := m[k]; ok {
			s.str(path+"."+k, v)
		}
	}
	if _, ok := m["hashes"]; ok {
		s.hashes(path+".hashes", m["hashes"])
	}
	if !s.anyOf(m, "description", "url", "external_id") {
		s.addf(path, "needs at least one of description, url or external_id")
	}
	if name == "cve" || name == "capec" {
		extID, _ := decodeString(m["external_id"])
		if !vExternalIDOK(name, extID) {
			s.addf(path+".external_id", "%q is not a valid %s identifier", extID, strings.ToUpper(name))
		}
	}
}

// orEmptyString stands in a JSON "" for a missing value.
func orEmptyString(v []byte) []byte {
	if v == nil {
		return []byte(`""`)
	}
	return v
}

func (s *vState) anyOf(m map[string][]byte, names ...string) bool {
	for _, n := range names {
		if _, ok := m[n]; ok {
			return true
		}
	}
	return false
}

// vExternalIDOK checks CVE-YYYY-NNNN(N…) and CAPEC-N identifiers.
func vExternalIDOK(source, id string) bool {
	digits := func(s string) bool {
		if s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	if source == "capec" {
		return strings.HasPrefix(id, "CAPEC-") && digits(id[6:])
	}
	parts := strings.Split(id, "-")
	if len(parts) != 3 || parts[0] != "CVE" || len(parts[1]) != 4 || !digits(parts[1]) || !digits(parts[2]) || len(parts[2]) < 4 {
		return false
	}
	return len(parts[2]) == 4 || parts[2][0] != '0'
}

// granularMarking checks one granular-marking (STIX 2.1 §7.2.3).
func (s *vState) granularMarking(path string, val []byte) {
	if !s.object(path, val) {
		return
	}
	m := vMembers(val)
	if sel, ok := m["selectors"]; !ok {
		s.addf(path+".selectors", "required property missing")
	} else {
		s.list(path+".selectors", sel, func(ip string, v []byte) { s.str(ip, v) })
	}
	ref, hasRef := m["marking_ref"]
	lang, hasLang := m["lang"]
	switch {
	case hasRef && hasLang:
		s.addf(path, "has both marking_ref and lang; want exactly one")
	case !hasRef && !hasLang && s.spec == "2.0":
		s.addf(path+".marking_ref", "required property missing")
	case !hasRef && !hasLang:
		s.addf(path, "needs marking_ref or lang")
	case hasRef:
		if id, ok := s.str(path+".marking_ref", ref); ok {
			s.ref(path+".marking_ref", id, []string{"marking-definition"})
		}
	default:
		s.checkValue(path+".lang", vProp{kind: vvLang}, lang)
	}
}

// timeOf parses a timestamp member; ok is false when absent or invalid
// (invalid ones are reported by checkValue).
func (s *vState) timeOf(name string) (time.Time, bool) {
	v, ok := decodeString(s.members[name])
	if !ok {
		return time.Time{}, false
	}
	return vParseTimestamp(v)
}

// timeOrder reports a problem when both timestamps are present and later is
// before earlier (or not after it, when strict).
func (s *vState) timeOrder(earlier, later string, strict bool) {
	a, okA := s.timeOf(earlier)
	b, okB := s.timeOf(later)
	if !okA || !okB {
		return
	}
	if strict && !b.After(a) {
		s.addf(later, "must be later than %s", earlier)
	} else if !strict && b.Before(a) {
		s.addf(later, "must not be earlier than %s", earlier)
	}
}
