package stix_test

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// validateRequired states, for each valid fixture in testdata/validate/valid
// named after a STIX 2.1 type, what deleting each property must produce:
// a problem on the named property ("" for an object-level problem such as
// "file needs hashes or name"). Properties not listed must be deletable
// without making the object invalid. spec_version is tested separately
// (without it, content is STIX 2.0). This table is written from the STIX
// 2.1 specification, independently of the validator's own tables.
var validateRequired = map[string]map[string]string{
	"attack-pattern":          sdoReq("name"),
	"campaign":                sdoReq("name"),
	"course-of-action":        sdoReq("name"),
	"grouping":                sdoReq("context", "object_refs"),
	"identity":                sdoReq("name"), // identity_class is optional in 2.1
	"incident":                sdoReq("name"),
	"indicator":               sdoReq("pattern", "pattern_type", "valid_from"),
	"infrastructure":          sdoReq("name"),
	"intrusion-set":           sdoReq("name"),
	"location":                sdoReq(), // region and country: either is enough
	"location-point":          with(sdoReq(), "latitude", "", "longitude", ""),
	"malware":                 sdoReq("is_family", "name"), // name: is_family is true
	"malware-analysis":        with(sdoReq("product"), "result", ""),
	"note":                    sdoReq("content", "object_refs"),
	"observed-data":           sdoReq("first_observed", "last_observed", "number_observed", "object_refs"),
	"opinion":                 sdoReq("opinion", "object_refs"),
	"report":                  sdoReq("name", "published", "object_refs"),
	"threat-actor":            sdoReq("name"),
	"tool":                    sdoReq("name"),
	"vulnerability":           sdoReq("name"),
	"relationship":            sdoReq("relationship_type", "source_ref", "target_ref"),
	"sighting":                sdoReq("sighting_of_ref"),
	"artifact":                with(scoReq(), "payload_bin", ""),
	"artifact-url":            with(scoReq(), "url", "", "hashes", "hashes"),
	"autonomous-system":       scoReq("number"),
	"directory":               scoReq("path"),
	"domain-name":             scoReq("value"),
	"email-addr":              scoReq("value"),
	"email-message":           scoReq("is_multipart"),
	"email-message-multipart": scoReq("is_multipart"),
	"file":                    scoReq(),
	"ipv4-addr":               scoReq("value"),
	"ipv6-addr":               scoReq("value"),
	"mac-addr":                scoReq("value"),
	"mutex":                   scoReq("name"),
	"network-traffic":         scoReq("protocols"),
	"process":                 scoReq(),
	"software":                scoReq("name"),
	"url":                     scoReq("value"),
	"user-account":            scoReq(),
	"windows-registry-key":    scoReq(),
	"x509-certificate":        scoReq(),
	"language-content":        sdoReq("object_ref", "contents"),
	"marking-definition":      {"type": "type", "id": "id", "created": "created", "definition_type": "definition_type", "definition": "definition"},
	"marking-definition-tlp2": {"type": "type", "id": "id", "created": "created", "extensions": ""},
	"extension-definition":    sdoReq("created_by_ref", "name", "schema", "version", "extension_types"),
}

func sdoReq(props ...string) map[string]string {
	m := map[string]string{"type": "type", "id": "id", "created": "created", "modified": "modified"}
	for _, p := range props {
		m[p] = p
	}
	return m
}

func scoReq(props ...string) map[string]string {
	m := map[string]string{"type": "type", "id": "id"}
	for _, p := range props {
		m[p] = p
	}
	return m
}

// with adds property/expected-problem pairs to m.
func with(m map[string]string, kv ...string) map[string]string {
	for i := 0; i < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

func TestValidateAcceptsEveryValidFixture(t *testing.T) {
	for _, path := range validateFixtureNames(t, filepath.Join("testdata", "validate", "valid")) {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			o := validateMarshal(t, validateFixture(t, path))
			if ps := validateProblems(t, o); ps != nil {
				t.Errorf("valid fixture rejected: %v", ps)
			}
		})
	}
}

func TestValidateHasAFixtureForEverySTIX21Type(t *testing.T) {
	types := []string{
		"attack-pattern", "campaign", "course-of-action", "grouping", "identity", "incident", "indicator",
		"infrastructure", "intrusion-set", "location", "malware", "malware-analysis", "note", "observed-data",
		"opinion", "report", "threat-actor", "tool", "vulnerability", "relationship", "sighting",
		"artifact", "autonomous-system", "directory", "domain-name", "email-addr", "email-message", "file",
		"ipv4-addr", "ipv6-addr", "mac-addr", "mutex", "network-traffic", "process", "software", "url",
		"user-account", "windows-registry-key", "x509-certificate",
		"language-content", "marking-definition", "extension-definition",
	}
	for _, typ := range types {
		if _, ok := validateRequired[typ]; !ok {
			t.Errorf("no required-property table entry for %s", typ)
		}
		m := validateFixture(t, filepath.Join("testdata", "validate", "valid", typ+".json"))
		if m["type"] != typ {
			t.Errorf("fixture %s.json has type %v", typ, m["type"])
		}
	}
}

// TestValidateReportsEachDeletedRequiredProperty deletes every property of
// every valid fixture in turn: a required one must be reported on the
// expected property; any other deletion must leave the object valid.
func TestValidateReportsEachDeletedRequiredProperty(t *testing.T) {
	names := make([]string, 0, len(validateRequired))
	for n := range validateRequired {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		want := validateRequired[name]
		path := filepath.Join("testdata", "validate", "valid", name+".json")
		base := validateFixture(t, path)
		for _, req := range sortedKeys(want) {
			if _, ok := base[req]; !ok {
				t.Errorf("%s: fixture lacks required property %s", name, req)
			}
		}
		for _, prop := range sortedKeys(base) {
			if prop == "spec_version" {
				continue
			}
			t.Run(name+"/without_"+prop, func(t *testing.T) {
				m := validateFixture(t, path)
				delete(m, prop)
				ps := validateProblems(t, validateMarshal(t, m))
				wantProp, required := want[prop]
				switch {
				case required && ps == nil:
					t.Fatalf("deleting %s was accepted", prop)
				case required && !validateHas(ps, wantProp, ""):
					t.Fatalf("deleting %s: problems %v, want one on %q", prop, ps, wantProp)
				case !required && ps != nil:
					t.Fatalf("deleting optional %s made the object invalid: %v", prop, ps)
				}
			})
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
