package stix

// This file holds the type tables that Validate works from: which object
// types STIX 2.1 defines, what kind each is (SDO, SRO, SCO or meta object),
// the properties each defines with their value kinds, which are required
// in 2.1 and in 2.0, and which predefined extensions apply. Cross-property
// rules live in validate_sdo.go, validate_sco.go and validate_meta.go.

// vKind is the kind of a STIX object type.
type vKind uint8

const (
	vKindUnknown vKind = iota // custom or extension-defined type we cannot classify
	vKindSDO
	vKindSRO
	vKindSCO
	vKindMeta // language-content, marking-definition, extension-definition
)

func (k vKind) String() string {
	switch k {
	case vKindSDO:
		return "domain object"
	case vKindSRO:
		return "relationship object"
	case vKindSCO:
		return "cyber-observable object"
	case vKindMeta:
		return "meta object"
	}
	return "custom object"
}

// vValue is the kind of value a property holds.
type vValue uint8

const (
	vvString     vValue = iota + 1 // JSON string
	vvStringList                   // non-empty list of strings
	vvBool                         // true or false
	vvInt                          // integer, optionally within [min, max]
	vvNumber                       // any JSON number, optionally within [min, max]
	vvTimestamp                    // RFC 3339 timestamp in UTC ("Z")
	vvRef                          // identifier of one of refTypes
	vvRefList                      // non-empty list of identifiers of refTypes
	vvEnum                         // string from a closed vocabulary (enum)
	vvEnumList                     // non-empty list of strings from enum
	vvHashes                       // hashes dictionary
	vvDict                         // JSON object
	vvObjectList                   // non-empty list of JSON objects
	vvKillChains                   // list of kill-chain-phase
	vvExtRefs                      // list of external-reference
	vvGranular                     // list of granular-marking
	vvExtensions                   // extensions dictionary
	vvBinary                       // base64 string
	vvHex                          // hex string
	vvLang                         // RFC 5646 language tag
)

// Reference classes used in vProp.refTypes besides concrete type names.
const (
	vRefSDO    = "#sdo"    // a STIX domain object (or a custom type)
	vRefSCO    = "#sco"    // a cyber-observable object (or a custom type)
	vRefSDOSCO = "#sdosco" // an SDO or an SCO (or a custom type)
	vRefAny    = "#any"    // any identifier
)

// vProp describes one property.
type vProp struct {
	kind     vValue
	required bool // required in STIX 2.1
	refTypes []string
	enum     []string
	hasRange bool
	min, max float64
}

// vType describes one STIX 2.1 object type.
type vType struct {
	kind  vKind
	props map[string]vProp
	// in20 says the type existed in STIX 2.0; req20 lists the properties
	// STIX 2.0 required beyond the common ones.
	in20  bool
	req20 []string
	// exts are the predefined extensions (STIX 2.1 §6) the type may carry.
	exts []string
	// check applies the type's cross-property rules.
	check func(*vState)
}

func vpString() vProp                 { return vProp{kind: vvString} }
func vpStrings() vProp                { return vProp{kind: vvStringList} }
func vpBool() vProp                   { return vProp{kind: vvBool} }
func vpInt() vProp                    { return vProp{kind: vvInt} }
func vpTime() vProp                   { return vProp{kind: vvTimestamp} }
func vpDict() vProp                   { return vProp{kind: vvDict} }
func vpHashes() vProp                 { return vProp{kind: vvHashes} }
func vpHex() vProp                    { return vProp{kind: vvHex} }
func vpBinary() vProp                 { return vProp{kind: vvBinary} }
func vpObjects() vProp                { return vProp{kind: vvObjectList} }
func vpKillChains() vProp             { return vProp{kind: vvKillChains} }
func vpRef(types ...string) vProp     { return vProp{kind: vvRef, refTypes: types} }
func vpRefs(types ...string) vProp    { return vProp{kind: vvRefList, refTypes: types} }
func vpEnum(values ...string) vProp   { return vProp{kind: vvEnum, enum: values} }
func vpEnums(values ...string) vProp  { return vProp{kind: vvEnumList, enum: values} }
func vpIntRange(lo, hi float64) vProp { return vProp{kind: vvInt, hasRange: true, min: lo, max: hi} }
func vpNumRange(lo, hi float64) vProp { return vProp{kind: vvNumber, hasRange: true, min: lo, max: hi} }

// vReq marks a property as required in STIX 2.1.
func vReq(p vProp) vProp { p.required = true; return p }

// Common properties (STIX 2.1 §3.2), by kind.
var (
	vCommonSDO = map[string]vProp{
		"created_by_ref":      vpRef("identity"),
		"created":             vReq(vpTime()),
		"modified":            vReq(vpTime()),
		"revoked":             vpBool(),
		"labels":              vpStrings(),
		"confidence":          vpIntRange(0, 100),
		"lang":                {kind: vvLang},
		"external_references": {kind: vvExtRefs},
		"object_marking_refs": vpRefs("marking-definition"),
		"granular_markings":   {kind: vvGranular},
		"extensions":          {kind: vvExtensions},
	}
	vCommonSCO = map[string]vProp{
		"object_marking_refs": vpRefs("marking-definition"),
		"granular_markings":   {kind: vvGranular},
		"defanged":            vpBool(),
		"extensions":          {kind: vvExtensions},
	}
	// vCommonUnknown is used for custom types that do not say what they
	// are: every common property is checked when present, none required.
	vCommonUnknown = vOptional(vCommonSDO, vCommonSCO)
)

// vOptional merges property sets into one where nothing is required.
func vOptional(sets ...map[string]vProp) map[string]vProp {
	out := map[string]vProp{}
	for _, set := range sets {
		for name, p := range set {
			p.required = false
			out[name] = p
		}
	}
	return out
}

// vReserved are property names STIX 2.1 reserves (§3.1); objects must not
// use them.
var vReserved = map[string]bool{"severity": true, "action": true, "username": true, "phone_numbers": true}

// vTypes is the table of every object type STIX 2.1 defines.
var vTypes = map[string]*vType{
	// STIX Domain Objects (§4).
	"attack-pattern": {kind: vKindSDO, in20: true, req20: []string{"name"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "aliases": vpStrings(), "kill_chain_phases": vpKillChains(),
	}},
	"campaign": {kind: vKindSDO, in20: true, req20: []string{"name"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "aliases": vpStrings(),
		"first_seen": vpTime(), "last_seen": vpTime(), "objective": vpString(),
	}},
	"course-of-action": {kind: vKindSDO, in20: true, req20: []string{"name"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "action_type": vpString(), "os_execution_envs": vpStrings(),
		"action_bin": vpBinary(), "action_reference": vpDict(),
	}},
	"grouping": {kind: vKindSDO, props: map[string]vProp{
		"name": vpString(), "description": vpString(), "context": vReq(vpString()), "object_refs": vReq(vpRefs(vRefAny)),
	}},
	"identity": {kind: vKindSDO, in20: true, req20: []string{"name", "identity_class"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "roles": vpStrings(),
		"identity_class": vpString(), "sectors": vpStrings(), "contact_information": vpString(),
	}},
	"incident": {kind: vKindSDO, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "kill_chain_phases": vpKillChains(),
	}},
	"indicator": {kind: vKindSDO, in20: true, req20: []string{"labels", "pattern", "valid_from"}, props: map[string]vProp{
		"name": vpString(), "description": vpString(), "indicator_types": vpStrings(),
		"pattern": vReq(vpString()), "pattern_type": vReq(vpString()), "pattern_version": vpString(),
		"valid_from": vReq(vpTime()), "valid_until": vpTime(), "kill_chain_phases": vpKillChains(),
	}},
	"infrastructure": {kind: vKindSDO, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "infrastructure_types": vpStrings(), "aliases": vpStrings(),
		"kill_chain_phases": vpKillChains(), "first_seen": vpTime(), "last_seen": vpTime(),
	}},
	"intrusion-set": {kind: vKindSDO, in20: true, req20: []string{"name"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "aliases": vpStrings(), "first_seen": vpTime(), "last_seen": vpTime(),
		"goals": vpStrings(), "resource_level": vpString(), "primary_motivation": vpString(), "secondary_motivations": vpStrings(),
	}},
	"location": {kind: vKindSDO, props: map[string]vProp{
		"name": vpString(), "description": vpString(), "latitude": vpNumRange(-90, 90), "longitude": vpNumRange(-180, 180),
		"precision": vpNumRange(0, 1e308), "region": vpString(), "country": vpString(), "administrative_area": vpString(),
		"city": vpString(), "street_address": vpString(), "postal_code": vpString(),
	}},
	"malware": {kind: vKindSDO, in20: true, req20: []string{"name", "labels"}, props: map[string]vProp{
		"name": vpString(), "description": vpString(), "malware_types": vpStrings(), "is_family": vReq(vpBool()),
		"aliases": vpStrings(), "kill_chain_phases": vpKillChains(), "first_seen": vpTime(), "last_seen": vpTime(),
		"operating_system_refs": vpRefs("software"), "architecture_execution_envs": vpStrings(),
		"implementation_languages": vpStrings(), "capabilities": vpStrings(), "sample_refs": vpRefs("file", "artifact"),
	}},
	"malware-analysis": {kind: vKindSDO, props: map[string]vProp{
		"product": vReq(vpString()), "version": vpString(), "host_vm_ref": vpRef("software"),
		"operating_system_ref": vpRef("software"), "installed_software_refs": vpRefs("software"),
		"configuration_version": vpString(), "modules": vpStrings(), "analysis_engine_version": vpString(),
		"analysis_definition_version": vpString(), "submitted": vpTime(), "analysis_started": vpTime(),
		"analysis_ended": vpTime(), "result_name": vpString(), "result": vpString(),
		"analysis_sco_refs": vpRefs(vRefSCO), "sample_ref": vpRef("file", "network-traffic", "artifact"),
	}},
	"note": {kind: vKindSDO, props: map[string]vProp{
		"abstract": vpString(), "content": vReq(vpString()), "authors": vpStrings(), "object_refs": vReq(vpRefs(vRefAny)),
	}},
	"observed-data": {kind: vKindSDO, in20: true, req20: []string{"first_observed", "last_observed", "number_observed", "objects"}, props: map[string]vProp{
		"first_observed": vReq(vpTime()), "last_observed": vReq(vpTime()), "number_observed": vReq(vpIntRange(1, 999999999)),
		"objects": vpDict(), "object_refs": vpRefs(vRefSCO, "relationship"),
	}},
	"opinion": {kind: vKindSDO, props: map[string]vProp{
		"explanation": vpString(), "authors": vpStrings(),
		"opinion":     vReq(vpEnum("strongly-disagree", "disagree", "neutral", "agree", "strongly-agree")),
		"object_refs": vReq(vpRefs(vRefAny)),
	}},
	"report": {kind: vKindSDO, in20: true, req20: []string{"name", "published", "object_refs", "labels"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "report_types": vpStrings(),
		"published": vReq(vpTime()), "object_refs": vReq(vpRefs(vRefAny)),
	}},
	"threat-actor": {kind: vKindSDO, in20: true, req20: []string{"name", "labels"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "threat_actor_types": vpStrings(), "aliases": vpStrings(),
		"first_seen": vpTime(), "last_seen": vpTime(), "roles": vpStrings(), "goals": vpStrings(),
		"sophistication": vpString(), "resource_level": vpString(), "primary_motivation": vpString(),
		"secondary_motivations": vpStrings(), "personal_motivations": vpStrings(),
	}},
	"tool": {kind: vKindSDO, in20: true, req20: []string{"name", "labels"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(), "tool_types": vpStrings(), "aliases": vpStrings(),
		"kill_chain_phases": vpKillChains(), "tool_version": vpString(),
	}},
	"vulnerability": {kind: vKindSDO, in20: true, req20: []string{"name"}, props: map[string]vProp{
		"name": vReq(vpString()), "description": vpString(),
	}},

	// STIX Relationship Objects (§5).
	"relationship": {kind: vKindSRO, in20: true, req20: []string{"relationship_type", "source_ref", "target_ref"}, props: map[string]vProp{
		"relationship_type": vReq(vpString()), "description": vpString(),
		"source_ref": vReq(vpRef(vRefSDOSCO)), "target_ref": vReq(vpRef(vRefSDOSCO)),
		"start_time": vpTime(), "stop_time": vpTime(),
	}},
	"sighting": {kind: vKindSRO, in20: true, req20: []string{"sighting_of_ref"}, props: map[string]vProp{
		"description": vpString(), "first_seen": vpTime(), "last_seen": vpTime(), "count": vpIntRange(0, 999999999),
		"sighting_of_ref": vReq(vpRef(vRefSDO)), "observed_data_refs": vpRefs("observed-data"),
		"where_sighted_refs": vpRefs("identity", "location"), "summary": vpBool(),
	}},

	// STIX Cyber-observable Objects (§6).
	"artifact": {kind: vKindSCO, props: map[string]vProp{
		"mime_type": vpString(), "payload_bin": vpBinary(), "url": vpString(), "hashes": vpHashes(),
		"encryption_algorithm": vpEnum("AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated"),
		"decryption_key":       vpString(),
	}},
	"autonomous-system": {kind: vKindSCO, props: map[string]vProp{
		"number": vReq(vpIntRange(0, 4294967295)), "name": vpString(), "rir": vpString(),
	}},
	"directory": {kind: vKindSCO, props: map[string]vProp{
		"path": vReq(vpString()), "path_enc": vpString(), "ctime": vpTime(), "mtime": vpTime(), "atime": vpTime(),
		"contains_refs": vpRefs("file", "directory"),
	}},
	"domain-name": {kind: vKindSCO, props: map[string]vProp{
		"value": vReq(vpString()), "resolves_to_refs": vpRefs("ipv4-addr", "ipv6-addr", "domain-name"),
	}},
	"email-addr": {kind: vKindSCO, props: map[string]vProp{
		"value": vReq(vpString()), "display_name": vpString(), "belongs_to_ref": vpRef("user-account"),
	}},
	"email-message": {kind: vKindSCO, props: map[string]vProp{
		"is_multipart": vReq(vpBool()), "date": vpTime(), "content_type": vpString(),
		"from_ref": vpRef("email-addr"), "sender_ref": vpRef("email-addr"), "to_refs": vpRefs("email-addr"),
		"cc_refs": vpRefs("email-addr"), "bcc_refs": vpRefs("email-addr"), "message_id": vpString(),
		"subject": vpString(), "received_lines": vpStrings(), "additional_header_fields": vpDict(),
		"body": vpString(), "body_multipart": vpObjects(), "raw_email_ref": vpRef("artifact"),
	}},
	"file": {kind: vKindSCO, exts: []string{"archive-ext", "ntfs-ext", "pdf-ext", "raster-image-ext", "windows-pebinary-ext"}, props: map[string]vProp{
		"hashes": vpHashes(), "size": vpIntRange(0, 1<<63-1), "name": vpString(), "name_enc": vpString(),
		"magic_number_hex": vpHex(), "mime_type": vpString(), "ctime": vpTime(), "mtime": vpTime(), "atime": vpTime(),
		"parent_directory_ref": vpRef("directory"), "contains_refs": vpRefs(vRefSCO), "content_ref": vpRef("artifact"),
	}},
	"ipv4-addr": {kind: vKindSCO, props: map[string]vProp{
		"value": vReq(vpString()), "resolves_to_refs": vpRefs("mac-addr"), "belongs_to_refs": vpRefs("autonomous-system"),
	}},
	"ipv6-addr": {kind: vKindSCO, props: map[string]vProp{
		"value": vReq(vpString()), "resolves_to_refs": vpRefs("mac-addr"), "belongs_to_refs": vpRefs("autonomous-system"),
	}},
	"mac-addr": {kind: vKindSCO, props: map[string]vProp{
		"value": vReq(vpString()),
	}},
	"mutex": {kind: vKindSCO, props: map[string]vProp{
		"name": vReq(vpString()),
	}},
	"network-traffic": {kind: vKindSCO, exts: []string{"http-request-ext", "icmp-ext", "socket-ext", "tcp-ext"}, props: map[string]vProp{
		"start": vpTime(), "end": vpTime(), "is_active": vpBool(),
		"src_ref":  vpRef("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
		"dst_ref":  vpRef("ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"),
		"src_port": vpIntRange(0, 65535), "dst_port": vpIntRange(0, 65535), "protocols": vReq(vpStrings()),
		"src_byte_count": vpIntRange(0, 1<<63-1), "dst_byte_count": vpIntRange(0, 1<<63-1),
		"src_packets": vpIntRange(0, 1<<63-1), "dst_packets": vpIntRange(0, 1<<63-1), "ipfix": vpDict(),
		"src_payload_ref": vpRef("artifact"), "dst_payload_ref": vpRef("artifact"),
		"encapsulates_refs": vpRefs("network-traffic"), "encapsulated_by_ref": vpRef("network-traffic"),
	}},
	"process": {kind: vKindSCO, exts: []string{"windows-process-ext", "windows-service-ext"}, props: map[string]vProp{
		"is_hidden": vpBool(), "pid": vpInt(), "created_time": vpTime(), "cwd": vpString(), "command_line": vpString(),
		"environment_variables": vpDict(), "opened_connection_refs": vpRefs("network-traffic"),
		"creator_user_ref": vpRef("user-account"), "image_ref": vpRef("file"), "parent_ref": vpRef("process"),
		"child_refs": vpRefs("process"),
	}},
	"software": {kind: vKindSCO, props: map[string]vProp{
		"name": vReq(vpString()), "cpe": vpString(), "swid": vpString(), "languages": vpStrings(),
		"vendor": vpString(), "version": vpString(),
	}},
	"url": {kind: vKindSCO, props: map[string]vProp{
		"value": vReq(vpString()),
	}},
	"user-account": {kind: vKindSCO, exts: []string{"unix-account-ext"}, props: map[string]vProp{
		"user_id": vpString(), "credential": vpString(), "account_login": vpString(), "account_type": vpString(),
		"display_name": vpString(), "is_service_account": vpBool(), "is_privileged": vpBool(),
		"can_escalate_privs": vpBool(), "is_disabled": vpBool(), "account_created": vpTime(),
		"account_expires": vpTime(), "credential_last_changed": vpTime(), "account_first_login": vpTime(),
		"account_last_login": vpTime(),
	}},
	"windows-registry-key": {kind: vKindSCO, props: map[string]vProp{
		"key": vpString(), "values": vpObjects(), "modified_time": vpTime(),
		"creator_user_ref": vpRef("user-account"), "number_of_subkeys": vpIntRange(0, 1<<63-1),
	}},
	"x509-certificate": {kind: vKindSCO, props: map[string]vProp{
		"is_self_signed": vpBool(), "hashes": vpHashes(), "version": vpString(), "serial_number": vpString(),
		"signature_algorithm": vpString(), "issuer": vpString(), "validity_not_before": vpTime(),
		"validity_not_after": vpTime(), "subject": vpString(), "subject_public_key_algorithm": vpString(),
		"subject_public_key_modulus": vpString(), "subject_public_key_exponent": vpInt(),
		"x509_v3_extensions": vpDict(),
	}},

	// Meta objects (§7).
	"language-content": {kind: vKindMeta, props: map[string]vProp{
		"created_by_ref": vpRef("identity"), "created": vReq(vpTime()), "modified": vReq(vpTime()),
		"revoked": vpBool(), "labels": vpStrings(), "confidence": vpIntRange(0, 100),
		"external_references": {kind: vvExtRefs}, "object_marking_refs": vpRefs("marking-definition"),
		"granular_markings": {kind: vvGranular}, "extensions": {kind: vvExtensions},
		"object_ref": vReq(vpRef(vRefAny)), "object_modified": vpTime(), "contents": vReq(vpDict()),
	}},
	"marking-definition": {kind: vKindMeta, in20: true, req20: []string{"definition_type", "definition"}, props: map[string]vProp{
		"created_by_ref": vpRef("identity"), "created": vReq(vpTime()),
		"external_references": {kind: vvExtRefs}, "object_marking_refs": vpRefs("marking-definition"),
		"granular_markings": {kind: vvGranular}, "extensions": {kind: vvExtensions},
		"name": vpString(), "definition_type": vpString(), "definition": vpDict(),
	}},
	"extension-definition": {kind: vKindMeta, props: map[string]vProp{
		"created_by_ref": vReq(vpRef("identity")), "created": vReq(vpTime()), "modified": vReq(vpTime()),
		"revoked": vpBool(), "labels": vpStrings(), "external_references": {kind: vvExtRefs},
		"object_marking_refs": vpRefs("marking-definition"), "granular_markings": {kind: vvGranular},
		"name": vReq(vpString()), "description": vpString(), "schema": vReq(vpString()), "version": vReq(vpString()),
		"extension_types":      vReq(vpEnums(vExtensionTypes...)),
		"extension_properties": vpStrings(),
	}},
}

// The check functions are attached here rather than in the vTypes literal
// so that they may use vTypes without an initialization cycle.
func init() {
	vTypes["campaign"].check = vCheckFirstLastSeen
	vTypes["indicator"].check = vCheckIndicator
	vTypes["infrastructure"].check = vCheckFirstLastSeen
	vTypes["intrusion-set"].check = vCheckFirstLastSeen
	vTypes["location"].check = vCheckLocation
	vTypes["malware"].check = vCheckMalware
	vTypes["malware-analysis"].check = vCheckMalwareAnalysis
	vTypes["observed-data"].check = vCheckObservedData
	vTypes["threat-actor"].check = vCheckFirstLastSeen
	vTypes["relationship"].check = vCheckRelationship
	vTypes["sighting"].check = vCheckSighting
	vTypes["artifact"].check = vCheckArtifact
	vTypes["email-message"].check = vCheckEmailMessage
	vTypes["file"].check = vCheckFile
	vTypes["mac-addr"].check = vCheckMACAddr
	vTypes["ipv4-addr"].check = vCheckIPv4
	vTypes["ipv6-addr"].check = vCheckIPv6
	vTypes["network-traffic"].check = vCheckNetworkTraffic
	vTypes["process"].check = vCheckAtLeastOne
	vTypes["user-account"].check = vCheckAtLeastOne
	vTypes["windows-registry-key"].check = vCheckRegistryKey
	vTypes["x509-certificate"].check = vCheckAtLeastOne
	vTypes["language-content"].check = vCheckLanguageContent
	vTypes["marking-definition"].check = vCheckMarkingDefinition
	vTypes["extension-definition"].check = vCheckExtensionDefinition
}

// vPredefinedExtensions maps each predefined extension name to the
// properties it requires (STIX 2.1 §6).
var vPredefinedExtensions = map[string][]string{
	"archive-ext":          {"contains_refs"},
	"ntfs-ext":             nil,
	"pdf-ext":              nil,
	"raster-image-ext":     nil,
	"windows-pebinary-ext": {"pe_type"},
	"http-request-ext":     {"request_method", "request_value"},
	"icmp-ext":             {"icmp_type_hex", "icmp_code_hex"},
	"socket-ext":           {"address_family"},
	"tcp-ext":              nil,
	"windows-process-ext":  nil,
	"windows-service-ext":  nil,
	"unix-account-ext":     nil,
}

// vTypeProps returns the full property table for a type of kind k: the
// common properties of its kind merged with its own.
func vTypeProps(t *vType, k vKind) map[string]vProp {
	var common map[string]vProp
	switch k {
	case vKindSDO, vKindSRO:
		common = vCommonSDO
	case vKindSCO:
		common = vCommonSCO
	case vKindMeta:
		common = nil // meta types list all their properties
	default:
		common = vCommonUnknown
	}
	if t == nil {
		return common
	}
	out := make(map[string]vProp, len(common)+len(t.props))
	for k, p := range common {
		out[k] = p
	}
	for k, p := range t.props {
		out[k] = p
	}
	return out
}

// vMergedProps caches vTypeProps for the predefined types.
var vMergedProps = func() map[string]map[string]vProp {
	m := make(map[string]map[string]vProp, len(vTypes))
	for name, t := range vTypes {
		m[name] = vTypeProps(t, t.kind)
	}
	return m
}()
