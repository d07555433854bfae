package stix_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix"
)

// validateMutate loads a valid fixture and applies set: a nil value
// deletes the property, any other value replaces it.
func validateMutate(tb testing.TB, fixture string, set map[string]any) stix.Object {
	tb.Helper()
	m := validateFixture(tb, filepath.Join("testdata", "validate", "valid", fixture+".json"))
	for k, v := range set {
		if v == nil {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	return validateMarshal(tb, m)
}

// raw is a JSON value inserted verbatim by validateMutate.
func raw(s string) json.RawMessage { return json.RawMessage(s) }

func TestValidateRejects(t *testing.T) {
	long := strings.Repeat("a", 251)
	tests := []struct {
		name    string
		fixture string
		set     map[string]any
		prop    string // property the problem must name
		reason  string // substring of its reason
	}{
		// identifiers and type names
		{"id with upper-case UUID", "malware", map[string]any{"id": "malware--6513270E-269E-4D37-B2A7-4DE452E6B438"}, "id", "lowercase"},
		{"id with braces", "malware", map[string]any{"id": "malware--{6513270e-269e-4d37-b2a7-4de452e6b438}"}, "id", "36 characters"},
		{"id of another type", "malware", map[string]any{"id": "tool--6513270e-269e-4d37-b2a7-4de452e6b438"}, "id", "does not start"},
		{"id with nil UUID", "malware", map[string]any{"id": "malware--00000000-0000-0000-0000-000000000000"}, "id", "version"},
		{"id with wrong variant", "malware", map[string]any{"id": "malware--6513270e-269e-4d37-c2a7-4de452e6b438"}, "id", "variant"},
		{"id without separator", "malware", map[string]any{"id": "malware-6513270e-269e-4d37-b2a7-4de452e6b438"}, "id", "<type>--<UUID>"},
		{"id not a string", "malware", map[string]any{"id": 5}, "id", "must be a string"},
		{"type with capitals", "custom-x-mitre-tactic", map[string]any{"type": "X-Mitre-Tactic"}, "type", "lowercase letter"},
		{"type too short", "custom-x-mitre-tactic", map[string]any{"type": "xy"}, "type", "shorter than 3"},
		{"type too long", "custom-x-mitre-tactic", map[string]any{"type": long}, "type", "longer than 250"},
		{"type with double hyphen", "custom-x-mitre-tactic", map[string]any{"type": "x--tactic"}, "type", "double hyphen"},
		{"type with trailing hyphen", "custom-x-mitre-tactic", map[string]any{"type": "x-tactic-"}, "type", "end with a hyphen"},
		{"type with underscore", "custom-x-mitre-tactic", map[string]any{"type": "x_tactic"}, "type", "only a-z"},
		{"type not a string", "malware", map[string]any{"type": 7}, "type", "must be a string"},
		{"type bundle", "malware", map[string]any{"type": "bundle", "id": "bundle--6513270e-269e-4d37-b2a7-4de452e6b438"}, "type", "not a STIX object"},
		// spec_version
		{"unknown spec_version", "malware", map[string]any{"spec_version": "2.2"}, "spec_version", "not a supported"},
		{"numeric spec_version", "malware", map[string]any{"spec_version": 2.1}, "spec_version", "must be a string"},
		{"2.1-only type without spec_version", "grouping", map[string]any{"spec_version": nil}, "spec_version", "required"},
		{"2.1-only type claiming 2.0", "note", map[string]any{"spec_version": "2.0"}, "spec_version", "not a STIX 2.0 type"},
		{"SCO claiming 2.0", "url", map[string]any{"spec_version": "2.0"}, "spec_version", "no top-level cyber-observable"},
		// timestamps
		{"created with offset", "tool", map[string]any{"created": "2024-01-02T03:04:05.678+00:00"}, "created", `end in "Z"`},
		{"created with lower-case z", "tool", map[string]any{"created": "2024-01-02T03:04:05.678z"}, "created", "upper case"},
		{"created on February 30", "tool", map[string]any{"created": "2024-02-30T00:00:00.000Z"}, "created", "not a STIX timestamp"},
		{"created without milliseconds", "tool", map[string]any{"created": "2024-01-02T03:04:05Z"}, "created", "millisecond"},
		{"created a date only", "tool", map[string]any{"created": "2024-01-02"}, "created", "not a STIX timestamp"},
		{"modified before created", "tool", map[string]any{"modified": "2023-01-01T00:00:00.000Z"}, "modified", "before created"},
		{"created a number", "tool", map[string]any{"created": 5}, "created", "must be a string"},
		// common properties
		{"confidence above 100", "tool", map[string]any{"confidence": 101}, "confidence", "outside 0..100"},
		{"confidence negative", "tool", map[string]any{"confidence": -1}, "confidence", "outside 0..100"},
		{"confidence fractional", "tool", map[string]any{"confidence": 50.5}, "confidence", "integer"},
		{"confidence a string", "tool", map[string]any{"confidence": "50"}, "confidence", "must be an integer"},
		{"lang not a tag", "tool", map[string]any{"lang": "english!"}, "lang", "RFC 5646"},
		{"lang with empty subtag", "tool", map[string]any{"lang": "en--US"}, "lang", "RFC 5646"},
		{"lang with digits first", "tool", map[string]any{"lang": "12"}, "lang", "RFC 5646"},
		{"created_by_ref to malware", "tool", map[string]any{"created_by_ref": "malware--6513270e-269e-4d37-b2a7-4de452e6b438"}, "created_by_ref", "refers to a malware; want identity"},
		{"created_by_ref not an id", "tool", map[string]any{"created_by_ref": "ACME"}, "created_by_ref", "not a STIX identifier"},
		{"object_marking_refs to identity", "tool", map[string]any{"object_marking_refs": []string{"identity--f431f809-377b-45e0-aa1c-6a4751cae5ff"}}, "object_marking_refs[0]", "want marking-definition"},
		{"object_marking_refs empty", "tool", map[string]any{"object_marking_refs": []string{}}, "object_marking_refs", "empty list"},
		{"labels a string", "tool", map[string]any{"labels": "x"}, "labels", "must be a list"},
		{"labels with a number", "tool", map[string]any{"labels": []any{"x", 1}}, "labels[1]", "must be a string"},
		{"revoked a string", "tool", map[string]any{"revoked": "yes"}, "revoked", "boolean"},
		{"null property", "tool", map[string]any{"description": raw("null")}, "description", "must not be null"},
		{"reserved property", "tool", map[string]any{"severity": "high"}, "severity", "reserved"},
		{"custom property with capitals", "tool", map[string]any{"X_Acme": 1}, "X_Acme", "custom property name"},
		{"custom property too short", "tool", map[string]any{"xy": 1}, "xy", "shorter than 3"},
		{"custom property with hyphen", "tool", map[string]any{"x-acme": 1}, "x-acme", "only a-z, 0-9 and underscore"},
		{"external reference without source_name", "tool", map[string]any{"external_references": []any{map[string]any{"url": "https://x"}}}, "external_references[0].source_name", "required"},
		{"external reference with only source_name", "tool", map[string]any{"external_references": []any{map[string]any{"source_name": "x"}}}, "external_references[0]", "at least one"},
		{"cve reference with a bad id", "tool", map[string]any{"external_references": []any{map[string]any{"source_name": "cve", "external_id": "CVE-24-1"}}}, "external_references[0].external_id", "CVE"},
		{"capec reference with a bad id", "tool", map[string]any{"external_references": []any{map[string]any{"source_name": "capec", "external_id": "CAPEC-x"}}}, "external_references[0].external_id", "CAPEC"},
		{"kill chain phase without phase_name", "tool", map[string]any{"kill_chain_phases": []any{map[string]any{"kill_chain_name": "k"}}}, "kill_chain_phases[0].phase_name", "required"},
		{"granular marking with marking_ref and lang", "tool", map[string]any{"granular_markings": []any{map[string]any{"selectors": []string{"name"}, "lang": "en", "marking_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}}}, "granular_markings[0]", "exactly one"},
		{"granular marking without selectors", "tool", map[string]any{"granular_markings": []any{map[string]any{"lang": "en"}}}, "granular_markings[0].selectors", "required"},
		{"granular marking with neither", "tool", map[string]any{"granular_markings": []any{map[string]any{"selectors": []string{"name"}}}}, "granular_markings[0]", "marking_ref or lang"},
		// extensions
		{"empty extensions", "tool", map[string]any{"extensions": map[string]any{}}, "extensions", "at least one"},
		{"extension with an unknown key", "tool", map[string]any{"extensions": map[string]any{"acme": map[string]any{"a": 1}}}, "extensions.acme", "not an extension-definition id"},
		{"extension without extension_type", "tool", map[string]any{"extensions": map[string]any{"extension-definition--ef765651-680c-498d-9894-99799f2fa126": map[string]any{"a": 1}}}, "extensions.extension-definition--ef765651-680c-498d-9894-99799f2fa126.extension_type", "required"},
		{"extension with a bad extension_type", "tool", map[string]any{"extensions": map[string]any{"extension-definition--ef765651-680c-498d-9894-99799f2fa126": map[string]any{"extension_type": "new-thing"}}}, "extensions.extension-definition--ef765651-680c-498d-9894-99799f2fa126.extension_type", "not one of"},
		{"extension keyed by a bad id", "tool", map[string]any{"extensions": map[string]any{"extension-definition--EF765651-680c-498d-9894-99799f2fa126": map[string]any{"extension_type": "property-extension"}}}, "extensions.extension-definition--EF765651-680c-498d-9894-99799f2fa126", "lowercase"},
		{"new-sdo extension on a predefined type", "tool", map[string]any{"extensions": map[string]any{"extension-definition--ef765651-680c-498d-9894-99799f2fa126": map[string]any{"extension_type": "new-sdo"}}}, "extensions.extension-definition--ef765651-680c-498d-9894-99799f2fa126.extension_type", "predefined type"},
		{"file extension on a tool", "tool", map[string]any{"extensions": map[string]any{"ntfs-ext": map[string]any{"sid": "1"}}}, "extensions.ntfs-ext", "not a predefined extension of tool"},
		{"archive-ext without contains_refs", "file", map[string]any{"extensions": map[string]any{"archive-ext": map[string]any{"comment": "c"}}}, "extensions.archive-ext.contains_refs", "required"},
		{"socket-ext with a bad family", "network-traffic", map[string]any{"extensions": map[string]any{"socket-ext": map[string]any{"address_family": "AF_MARS"}}}, "extensions.socket-ext.address_family", "not one of"},
		{"custom type with new-sdo lacks created", "custom-impact", map[string]any{"created": nil}, "created", "required"},
		{"custom type with new-sdo lacks spec_version", "custom-impact", map[string]any{"spec_version": nil}, "spec_version", "required"},
		// SDO rules
		{"indicator valid_until equal to valid_from", "indicator", map[string]any{"valid_until": "2024-01-01T00:00:00Z"}, "valid_until", "later than valid_from"},
		{"indicator with a broken pattern", "indicator", map[string]any{"pattern": "[ipv4-addr:value = '1.2.3.4'"}, "pattern", "invalid STIX pattern"},
		{"indicator pattern that is not a pattern", "indicator", map[string]any{"pattern": "this is not a pattern"}, "pattern", "invalid STIX pattern"},
		{"indicator pattern on a domain object", "indicator", map[string]any{"pattern": "[malware:name = 'x']"}, "pattern", "not a cyber-observable"},
		{"STIX 2.0 indicator with a broken pattern", "stix20-indicator", map[string]any{"pattern": "[file:name = ]"}, "pattern", "invalid STIX pattern"},
		{"latitude out of range", "location-point", map[string]any{"latitude": 91}, "latitude", "outside -90..90"},
		{"longitude without latitude", "location-point", map[string]any{"latitude": nil}, "latitude", "required when longitude"},
		{"precision without coordinates", "location", map[string]any{"precision": 10}, "precision", "only allowed with latitude"},
		{"location with nothing", "location", map[string]any{"region": nil, "country": nil}, "", "needs region, country"},
		{"is_family a string", "malware", map[string]any{"is_family": "true"}, "is_family", "boolean"},
		{"malware family without name", "malware", map[string]any{"name": nil}, "name", "is_family is true"},
		{"malware sample_refs to url", "malware", map[string]any{"sample_refs": []string{"url--0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"}}, "sample_refs[0]", "want file or artifact"},
		{"malware last_seen before first_seen", "malware", map[string]any{"last_seen": "2020-01-01T00:00:00Z"}, "last_seen", "earlier than first_seen"},
		{"campaign last_seen before first_seen", "campaign", map[string]any{"last_seen": "2020-01-01T00:00:00Z"}, "last_seen", "earlier than first_seen"},
		{"malware-analysis without result", "malware-analysis", map[string]any{"result": nil}, "", "result or analysis_sco_refs"},
		{"observed-data with objects and object_refs", "observed-data", map[string]any{"objects": map[string]any{"0": map[string]any{"type": "file", "name": "a"}}}, "objects", "together with object_refs"},
		{"observed-data number_observed 0", "observed-data", map[string]any{"number_observed": 0}, "number_observed", "outside 1..999999999"},
		{"observed-data last before first", "observed-data", map[string]any{"last_observed": "2020-01-01T00:00:00.000Z"}, "last_observed", "earlier than first_observed"},
		{"opinion outside the enumeration", "opinion", map[string]any{"opinion": "maybe"}, "opinion", "not one of"},
		{"report object_refs to a bundle", "report", map[string]any{"object_refs": []string{"bundle--6513270e-269e-4d37-b2a7-4de452e6b438"}}, "object_refs[0]", "refers to a bundle"},
		{"grouping with empty object_refs", "grouping", map[string]any{"object_refs": []string{}}, "object_refs", "empty list"},
		{"relationship type in capitals", "relationship", map[string]any{"relationship_type": "Uses"}, "relationship_type", "only a-z"},
		{"relationship to a marking definition", "relationship", map[string]any{"target_ref": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"}, "target_ref", "want a domain or cyber-observable object"},
		{"relationship from a sighting", "relationship", map[string]any{"source_ref": "sighting--34098fce-860f-48ae-8e50-ebd3cc5e41da"}, "source_ref", "refers to a sighting"},
		{"relationship stop_time equal to start_time", "relationship", map[string]any{"stop_time": "2024-01-02T03:04:05.678Z"}, "stop_time", "later than start_time"},
		{"sighting of a relationship", "sighting", map[string]any{"sighting_of_ref": "relationship--34098fce-860f-48ae-8e50-ebd3cc5e41da"}, "sighting_of_ref", "want a domain object"},
		{"sighting where_sighted_refs to malware", "sighting", map[string]any{"where_sighted_refs": []string{"malware--6513270e-269e-4d37-b2a7-4de452e6b438"}}, "where_sighted_refs[0]", "want identity or location"},
		{"sighting count too large", "sighting", map[string]any{"count": 1000000000}, "count", "outside"},
		{"sighting observed_data_refs to a report", "sighting", map[string]any{"observed_data_refs": []string{"report--6513270e-269e-4d37-b2a7-4de452e6b438"}}, "observed_data_refs[0]", "want observed-data"},
		// SCO rules
		{"file with a negative size", "file", map[string]any{"size": -1}, "size", "outside"},
		{"file with a short MD5", "file", map[string]any{"hashes": map[string]any{"MD5": "abc"}}, "hashes.MD5", "32 hexadecimal"},
		{"file with no hashes in hashes", "file", map[string]any{"hashes": map[string]any{}}, "hashes", "at least one hash"},
		{"file with odd hex", "file", map[string]any{"magic_number_hex": "4d5"}, "magic_number_hex", "hexadecimal"},
		{"file without name or hashes", "file", map[string]any{"name": nil, "hashes": nil}, "", "hashes or name"},
		{"file parent_directory_ref to a file", "file", map[string]any{"parent_directory_ref": "file--7f1b103c-df15-42b0-aab4-77d26415479c"}, "parent_directory_ref", "want directory"},
		{"artifact payload not base64", "artifact", map[string]any{"payload_bin": "not base64!"}, "payload_bin", "base64"},
		{"artifact with payload and url", "artifact", map[string]any{"url": "https://example.com/a"}, "url", "together with payload_bin"},
		{"artifact decryption_key alone", "artifact", map[string]any{"encryption_algorithm": nil, "decryption_key": "k"}, "decryption_key", "only allowed with encryption_algorithm"},
		{"artifact encryption outside the enumeration", "artifact", map[string]any{"encryption_algorithm": "rot13"}, "encryption_algorithm", "not one of"},
		{"multipart email with body", "email-message-multipart", map[string]any{"body": "x"}, "body", "is_multipart is true"},
		{"single-part email with parts", "email-message", map[string]any{"body_multipart": []any{map[string]any{"body": "x"}}}, "body_multipart", "is_multipart is false"},
		{"MIME part with neither body", "email-message-multipart", map[string]any{"body_multipart": []any{map[string]any{"content_type": "text/plain"}}}, "body_multipart[0]", "body or body_raw_ref"},
		{"bad IPv4", "ipv4-addr", map[string]any{"value": "999.1.1.1"}, "value", "not an IPv4"},
		{"IPv6 in an ipv4-addr", "ipv4-addr", map[string]any{"value": "2001:db8::1"}, "value", "not an IPv4"},
		{"IPv4 in an ipv6-addr", "ipv6-addr", map[string]any{"value": "192.0.2.1"}, "value", "not an IPv6"},
		{"MAC in capitals", "mac-addr", map[string]any{"value": "00:00:5E:00:53:AF"}, "value", "lower-case"},
		{"MAC with dashes", "mac-addr", map[string]any{"value": "00-00-5e-00-53-af"}, "value", "colon-delimited"},
		{"port above 65535", "network-traffic", map[string]any{"dst_port": 70000}, "dst_port", "outside 0..65535"},
		{"active traffic with end", "network-traffic", map[string]any{"is_active": true}, "end", "is_active is true"},
		{"traffic without endpoints", "network-traffic", map[string]any{"src_ref": nil, "dst_ref": nil}, "", "src_ref or dst_ref"},
		{"traffic to a url", "network-traffic", map[string]any{"dst_ref": "url--0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"}, "dst_ref", "refers to a url"},
		{"process with nothing", "process", map[string]any{"pid": nil, "command_line": nil, "image_ref": nil, "opened_connection_refs": nil}, "", "at least one"},
		{"registry key abbreviated", "windows-registry-key", map[string]any{"key": `HKLM\Software`}, "key", "in full"},
		{"registry value type unknown", "windows-registry-key", map[string]any{"values": []any{map[string]any{"name": "v", "data_type": "REG_FOO"}}}, "values[0].data_type", "not one of"},
		{"autonomous system number a string", "autonomous-system", map[string]any{"number": "AS64496"}, "number", "integer"},
		{"x509 with nothing", "x509-certificate", map[string]any{"serial_number": nil, "issuer": nil, "validity_not_before": nil, "validity_not_after": nil}, "", "at least one"},
		{"SCO defanged a string", "url", map[string]any{"defanged": "no"}, "defanged", "boolean"},
		// meta objects
		{"language-content about a language-content", "language-content", map[string]any{"object_ref": "language-content--6513270e-269e-4d37-b2a7-4de452e6b438"}, "object_ref", "must not refer"},
		{"language-content with a bad language", "language-content", map[string]any{"contents": map[string]any{"german!": map[string]any{"name": "x"}}}, "contents.german!", "RFC 5646"},
		{"TLP marking with an unknown colour", "marking-definition", map[string]any{"definition": map[string]any{"tlp": "purple"}}, "definition.tlp", "not one of"},
		{"statement marking without statement", "marking-definition", map[string]any{"definition_type": "statement", "definition": map[string]any{"text": "x"}}, "definition.statement", "required"},
		{"marking with neither definition nor extension", "marking-definition-tlp2", map[string]any{"extensions": nil}, "", "definition_type and definition, or an extension"},
		{"extension_properties without toplevel", "extension-definition", map[string]any{"extension_properties": []string{"a_b"}}, "extension_properties", "toplevel-property-extension"},
		{"extension_types outside the enumeration", "extension-definition", map[string]any{"extension_types": []string{"new-thing"}}, "extension_types[0]", "not one of"},
		// STIX 2.0 content
		{"2.0 indicator without labels", "stix20-indicator", map[string]any{"labels": nil}, "labels", "required"},
		{"2.0 identity without identity_class", "stix20-identity", map[string]any{"identity_class": nil}, "identity_class", "required"},
		{"2.0 observed-data without objects", "stix20-observed-data", map[string]any{"objects": nil}, "objects", "required"},
		{"2.0 marking without definition", "stix20-marking-definition", map[string]any{"definition": nil}, "definition", "required"},
		{"2.0 object without modified", "stix20-identity", map[string]any{"modified": nil}, "modified", "required"},
		{"2.0 observed-data object without type", "stix20-observed-data", map[string]any{"objects": map[string]any{"0": map[string]any{"name": "a"}}}, "objects.0.type", "valid object type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := validateProblems(t, validateMutate(t, tc.fixture, tc.set))
			if ps == nil {
				t.Fatalf("accepted; want a problem on %q containing %q", tc.prop, tc.reason)
			}
			if !validateHas(ps, tc.prop, tc.reason) {
				t.Fatalf("problems %v; want one on %q containing %q", ps, tc.prop, tc.reason)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	tests := []struct {
		name    string
		fixture string
		set     map[string]any
	}{
		{"identity without identity_class (optional in 2.1)", "identity", map[string]any{"identity_class": nil}},
		{"leap second", "tool", map[string]any{"created": "2016-12-31T23:59:60.000Z", "modified": "2016-12-31T23:59:60.000Z"}},
		{"nanosecond timestamps", "tool", map[string]any{"created": "2024-01-02T03:04:05.123456789Z"}},
		{"custom properties of any JSON kind", "tool", map[string]any{"x_acme_list": []any{}, "x_acme_obj": map[string]any{"A-B": 1}, "acme_ref": "not an id"}},
		{"deprecated custom -ext extension", "tool", map[string]any{"extensions": map[string]any{"x-acme-ext": map[string]any{"a": 1}}}},
		{"lang with script and region", "tool", map[string]any{"lang": "zh-Hant-TW"}},
		{"private-use lang", "tool", map[string]any{"lang": "x-klingon"}},
		{"confidence 0", "tool", map[string]any{"confidence": 0}},
		{"integer written with exponent", "tool", map[string]any{"confidence": raw("1e1")}},
		{"reference to a custom type", "report", map[string]any{"object_refs": []string{"x-mitre-tactic--69da72d2-f550-41c5-ab9e-e8255707f28a"}}},
		{"custom SCO type in a pattern", "indicator", map[string]any{"pattern": "[x-acme-device:serial = 'A-1']"}},
		{"equator and prime meridian", "location-point", map[string]any{"latitude": 0, "longitude": 0}},
		{"empty strings", "tool", map[string]any{"description": ""}},
		{"unknown pattern_type is not parsed", "indicator", map[string]any{"pattern_type": "yara", "pattern": "rule x { condition: true }"}},
		{"CVE with a five-digit number", "vulnerability", map[string]any{"external_references": []any{map[string]any{"source_name": "cve", "external_id": "CVE-2024-12345"}}}},
		{"STIX 2.0 identity without millisecond timestamps", "stix20-identity", nil},
		{"2.1 SCO without spec_version", "url", map[string]any{"spec_version": nil}},
		{"SDO without spec_version is read as STIX 2.0", "attack-pattern", map[string]any{"spec_version": nil, "created": "2024-01-02T03:04:05Z"}},
		{"explicit STIX 2.0 identity", "stix20-identity", map[string]any{"spec_version": "2.0"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if ps := validateProblems(t, validateMutate(t, tc.fixture, tc.set)); ps != nil {
				t.Fatalf("rejected: %v", ps)
			}
		})
	}
}

func TestValidateRejectsMalformedObjects(t *testing.T) {
	good := validateMutate(t, "tool", nil)
	tests := []struct {
		name   string
		obj    stix.Object
		prop   string
		reason string
	}{
		{"not JSON", stix.Object{JSON: []byte(`{"type":`)}, "", "not valid JSON"},
		{"an array", stix.Object{JSON: []byte(`[1]`)}, "", "not a JSON object"},
		{"invalid UTF-8", stix.Object{Type: "tool", JSON: []byte("{\"type\":\"tool\",\"name\":\"\xff\"}")}, "", "UTF-8"},
		{"duplicate property", stix.Object{Type: "tool", JSON: []byte(`{"type":"tool","type":"tool"}`)}, "type", "duplicate"},
		{"lone high surrogate escape", stix.Object{Type: "tool", JSON: []byte(`{"type":"tool","name":"\ud800"}`)}, "", "surrogate"},
		{"lone low surrogate escape", stix.Object{Type: "tool", JSON: []byte(`{"type":"tool","name":"a\uDC00b"}`)}, "", "surrogate"},
		{"number beyond float64", stix.Object{Type: "tool", JSON: []byte(`{"type":"tool","x_n":1e999}`)}, "", "too large"},
		{"negative number beyond float64", stix.Object{Type: "tool", JSON: []byte(`{"type":"tool","x_n":[-` + strings.Repeat("9", 400) + `]}`)}, "", "too large"},
		{"reversed surrogate pair", stix.Object{Type: "tool", JSON: []byte(`{"type":"tool","name":"\udc00\ud800"}`)}, "", "surrogate"},
		{"no type", stix.Object{JSON: []byte(`{"id":"tool--6513270e-269e-4d37-b2a7-4de452e6b438"}`)}, "type", "required"},
		{"indexed ID differs from JSON", func() stix.Object { o := good; o.ID = "tool--6513270e-269e-4d37-b2a7-4de452e6b438"; return o }(), "id", "Object field"},
		{"indexed Modified differs from JSON", func() stix.Object { o := good; o.Modified = "2030-01-01T00:00:00.000Z"; return o }(), "modified", "Object field"},
		{"whitespace is fine but fields must match", stix.Object{JSON: []byte(" {\"type\" : \"tool\"} ")}, "type", "Object field"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := validateProblems(t, tc.obj)
			if !validateHas(ps, tc.prop, tc.reason) {
				t.Fatalf("problems %v; want one on %q containing %q", ps, tc.prop, tc.reason)
			}
		})
	}
}

func TestValidateErrorNamesTheObjectAndEveryProblem(t *testing.T) {
	o := validateMutate(t, "indicator", map[string]any{"confidence": 200, "valid_until": "2000-01-01T00:00:00Z", "lang": "??"})
	err := stix.Validate(o)
	ve, ok := err.(*stix.ValidationError)
	if !ok {
		t.Fatalf("Validate = %v, want *ValidationError", err)
	}
	if ve.ObjectID != o.ID {
		t.Errorf("ObjectID = %q, want %q", ve.ObjectID, o.ID)
	}
	if got := len(ve.Problems); got != 3 {
		t.Errorf("%d problems %v, want 3", got, ve.Problems)
	}
	msg := err.Error()
	for _, want := range []string{o.ID, "confidence:", "valid_until:", "lang:"} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() = %q, want it to contain %q", msg, want)
		}
	}
}

func TestValidateIntegerBoundsAreNamed(t *testing.T) {
	ps := validateProblems(t, validateMutate(t, "file", map[string]any{"size": raw("18446744073709551616")}))
	if !validateHas(ps, "size", "outside 0..2^63-1") {
		t.Fatalf("problems %v, want size outside 0..2^63-1", ps)
	}
}
