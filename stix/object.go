package stix

import (
	"crypto/sha256"
	"encoding/hex"
)

// Object is one STIX object version as Herald keeps it: the exact JSON bytes
// it arrived with (whitespace compacted, never re-encoded) plus the fields
// that the store indexes, as the strings found in the JSON.
//
// Object is the value type shared by decode (stix), storage (store) and
// serving (taxii). It must stay a plain value: no methods that need a
// database, an HTTP request or the TcM1911/stix2 types.
type Object struct {
	Type        string // "indicator", "x-mitre-tactic", ...
	ID          string // "indicator--<uuid>"
	SpecVersion string // "2.1", "2.0"; "" when the JSON carries none
	Created     string // as found in the JSON; "" when absent (SCOs)
	Modified    string // as found in the JSON; "" when absent
	JSON        []byte // compact JSON of the whole object
}

// Version is the object's TAXII version string: modified, else created,
// else a stable content hash of the bytes for unversioned objects (SCOs),
// as TAXII 2.1 §3.4.1 asks ("a consistent version value").
func (o Object) Version() string {
	if o.Modified != "" {
		return o.Modified
	}
	if o.Created != "" {
		return o.Created
	}
	return ContentVersion(o.JSON)
}

// ContentVersionPrefix marks a version string derived from content rather
// than from a timestamp.
const ContentVersionPrefix = "sha256:"

// ContentVersion is the version given to an object that carries neither
// modified nor created: "sha256:" and the first 16 bytes of the SHA-256 of
// its compact JSON, hex-encoded.
func ContentVersion(compactJSON []byte) string {
	sum := sha256.Sum256(compactJSON)
	return ContentVersionPrefix + hex.EncodeToString(sum[:16])
}

// EffectiveSpecVersion is the spec version an object is handled under: the
// spec_version it states; else "2.1" for a cyber-observable object (top-level
// SCOs exist only since STIX 2.1, where their spec_version is optional and
// defaults to 2.1); else "2.0" (STIX 2.1 §3.1: SDOs and SROs without
// spec_version are STIX 2.0 content).
func (o Object) EffectiveSpecVersion() string {
	if o.SpecVersion != "" {
		return o.SpecVersion
	}
	if IsCyberObservableType(o.Type) {
		return "2.1"
	}
	return "2.0"
}
