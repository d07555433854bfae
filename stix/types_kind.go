package stix

// IsCyberObservableType reports whether typ is one of the cyber-observable
// object types STIX 2.1 defines (artifact, file, ipv4-addr, …). Such objects
// may omit spec_version and are then STIX 2.1 content, since STIX 2.0 had
// no top-level cyber-observable objects; Validate handles them so.
func IsCyberObservableType(typ string) bool {
	return vKindOf(typ) == vKindSCO
}
