package stix

import (
	"encoding/json"
	"fmt"
)

// Extension-definition ids Herald uses.
const (
	// IncidentCoreExtensionID is the OASIS Incident Core extension of the
	// incident SDO (Incident Extension Suite 2.0).
	IncidentCoreExtensionID = "extension-definition--ef765651-680c-498d-9894-99799f2fa126"
	// ImpactExtensionID is the OASIS impact SDO (a new-sdo extension of the
	// same suite); its "monetary" sub-extension carries money losses.
	ImpactExtensionID = "extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9"
	// TLP2ExtensionID is the OASIS TLP 2.0 property extension used by the
	// TLP 2.0 marking definitions.
	TLP2ExtensionID = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
	// WalletExtensionID is Herald's new-sco extension that defines the
	// cryptocurrency-wallet SCO (OASIS publishes none; see WalletExtension).
	WalletExtensionID = "extension-definition--bcc85764-1b04-52a8-92a2-9b3332f6ebf9"
	// OASISIdentityID is the OASIS Open identity that created the Incident
	// Core and Impact extension definitions.
	OASISIdentityID = "identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a"
	// HeraldProjectIdentityID is the identity that authors Herald's own
	// extension definitions.
	HeraldProjectIdentityID = "identity--8d7a139a-018b-5105-b226-e181af92c429"
)

// The published extension-definition objects, as raw JSON with white space
// removed and key order kept, pinned to these revisions of
// oasis-open/cti-stix-common-objects:
//
//   - objects/extension-definition/extension-definition--ef765651-….json at
//     commit 61730920a8e5725f3cda63bb12618a9509edbdb0: Incident Core 2.0.0,
//     modified 2023-07-11T00:56:00.000Z, whose schema is the specification
//     in extension-definition-specifications/incident-ef7 (the continuation
//     of incident-core).
//   - objects/extension-definition/extension-definition--7cc33dd6-….json at
//     commit b1d32c85c67a3033e4134bb6f0cffc742763b239 (Impact 1.0.0).
//   - objects/extension-definition/extension-definition--60a3c5c5-….json at
//     commit 2f22a22ba7e32824d0167e75722aad32f979fec7 (TLP 2.0 1.0.0).
//
// The properties Herald writes follow "Incident Extension Suite.adoc" in
// extension-definition-specifications/incident-ef7 at commit
// 0a73272784f3afd74552070b8e930b879f74be6f: on the incident,
// determination (incident-determination-enum: blocked, confirmed,
// failed-attempt, false-positive, suspected), investigation_status
// (incident-investigation-ov: closed, new, open), incident_types and
// impact_refs; on each impact, impact_category "monetary", start_time with
// start_time_fidelity, impacted_refs, and the Monetary Impact Extension
// under the key "monetary-ext" (variety from monetary-impact-type-ov,
// currency, min_amount, max_amount). Earlier drafts (incident-core at
// commit 0922f6dd) named that key "monetary", which is not a valid
// extensions key under STIX 2.1 §7.3; the "-ext" form is.
const (
	incidentCoreExtensionJSON = `{"id":"extension-definition--ef765651-680c-498d-9894-99799f2fa126","type":"extension-definition","spec_version":"2.1","name":"Incident Core Extension","description":"A core extension of the Incident object to allow core details of the Incident to be shared while tracking major details tied to the incident's timeline.  Multiple Incidents can be tied together via relationships if a higher degree of fidelity is needed across phases.","created":"2020-10-19T20:51:00.000Z","modified":"2023-07-11T00:56:00.000Z","created_by_ref":"identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a","schema":"https://github.com/oasis-open/cti-stix-common-objects/tree/main/extension-definition-specifications/incident-ef7","version":"2.0.0","extension_types":["property-extension"]}`
	impactExtensionJSON       = `{"id":"extension-definition--7cc33dd6-f6a1-489b-98ea-522d351d71b9","type":"extension-definition","spec_version":"2.1","name":"Impact Extension","description":"Impact SDOs store the impacts of incidents or activities while allowing tracking how these changed over time.","created":"2023-05-16T21:01:53.607242Z","modified":"2023-05-16T21:01:53.607242Z","created_by_ref":"identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a","schema":"https://github.com/oasis-open/cti-stix-common-objects/tree/main/extension-definition-specifications/incident-core/impact","version":"1.0.0","extension_types":["new-sdo"]}`
	tlp2ExtensionJSON         = `{"id":"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d","type":"extension-definition","spec_version":"2.1","name":"TLP 2.0","description":"This defines TLP 2.0 as a STIX extension","created":"2022-10-01T00:00:00.000Z","modified":"2022-10-01T00:00:00.000Z","created_by_ref":"identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01","schema":"https://github.com/oasis-open/cti-stix-common-objects/tree/master/extension-definition-specifications/tlp-2.0","version":"1.0.0","extension_types":["property-extension"]}`
)

// oasisIdentityJSON is the identity that created the Incident Core and
// Impact extension definitions, exactly as OASIS publishes it (white space
// removed, key order kept): objects/identity/identity--8ce3f695-….json of
// oasis-open/cti-stix-common-objects at commit
// 5e6d562ff5135696dfd0fa88ec0a6e60fb494e9b (modified 2023-06-20).
const oasisIdentityJSON = `{"type":"identity","spec_version":"2.1","id":"identity--8ce3f695-d5a4-4dc8-9e93-a65af453a31a","created":"2021-03-13T20:09:20.8889Z","modified":"2023-06-20T10:00:00.000Z","name":"OASIS Open","description":"OASIS is a global community of experts who drive the creation and adoption of open standards promoting interoperability, innovation, and freedom of choice.","roles":["Standards Developing Organization (SDO)"],"identity_class":"organization","sectors":["non-profit"],"contact_information":"info@oasis-open.org"}`

// OASISIdentity returns the OASIS Open identity (see oasisIdentityJSON), so
// a feed that carries the Incident Core and Impact definitions also
// carries the object their created_by_ref names.
func OASISIdentity() Object { return rawObject(oasisIdentityJSON) }

// Herald's own objects for the cryptocurrency-wallet SCO. OASIS
// cti-stix-common-objects defines no wallet SCO, so Herald publishes one:
//
//	{"type": "cryptocurrency-wallet", "spec_version": "2.1",
//	 "id": "cryptocurrency-wallet--<UUIDv5>", "value": "<address>",
//	 "currency": "<code, e.g. BTC>",
//	 "extensions": {"<WalletExtensionID>": {"extension_type": "new-sco"}}}
//
// The id is computed as for any SCO (SCOID) from value and currency. The
// type name and the value property match OpenCTI's Cryptocurrency-Wallet
// observable, so OpenCTI maps it without configuration.
const (
	heraldProjectIdentityJSON = `{"type":"identity","spec_version":"2.1","id":"identity--8d7a139a-018b-5105-b226-e181af92c429","created_by_ref":"identity--8d7a139a-018b-5105-b226-e181af92c429","created":"2026-11-21T00:00:00.000Z","modified":"2026-11-21T00:00:00.000Z","name":"Herald project","description":"The authors of Herald, a STIX 2.1 / TAXII 2.1 feed publisher (github.com/heraldcti/herald), and of its extension definitions.","identity_class":"organization"}`
	walletExtensionJSON       = `{"type":"extension-definition","spec_version":"2.1","id":"extension-definition--bcc85764-1b04-52a8-92a2-9b3332f6ebf9","created_by_ref":"identity--8d7a139a-018b-5105-b226-e181af92c429","created":"2026-11-21T00:00:00.000Z","modified":"2026-11-21T00:00:00.000Z","name":"cryptocurrency-wallet","description":"A cryptocurrency wallet address as a STIX cyber-observable object.","schema":"cryptocurrency-wallet SCO. Required: type (\"cryptocurrency-wallet\"), spec_version (\"2.1\"), id, value (string: the wallet address as the currency writes it, case preserved), extensions (holding this extension-definition id with extension_type \"new-sco\"). Optional: currency (string: upper-case currency code, e.g. BTC, ETH, USDT). Id-contributing properties: value, currency. Pattern path: cryptocurrency-wallet:value.","version":"1.0.0","extension_types":["new-sco"]}`
)

// ExtensionDefinitions returns the extension-definition objects Herald's
// conversions refer to, with their exact published JSON, so a feed is
// self-contained: the OASIS Incident Core, Impact and TLP 2.0 definitions
// and Herald's cryptocurrency-wallet definition.
func ExtensionDefinitions() []Object {
	return []Object{
		rawObject(incidentCoreExtensionJSON),
		rawObject(impactExtensionJSON),
		rawObject(tlp2ExtensionJSON),
		rawObject(walletExtensionJSON),
	}
}

// HeraldProjectIdentity returns the identity that created Herald's own
// extension definitions.
func HeraldProjectIdentity() Object { return rawObject(heraldProjectIdentityJSON) }

// extensionByID returns one of the objects above by id.
func extensionByID(id string) Object {
	for _, o := range ExtensionDefinitions() {
		if o.ID == id {
			return o
		}
	}
	panic("stix: unknown built-in extension " + id)
}

// rawObject indexes a constant JSON object. The constants are tested, so a
// failure here is a programming error.
func rawObject(raw string) Object {
	o, err := indexJSON([]byte(raw))
	if err != nil {
		panic(fmt.Sprintf("stix: built-in object: %v", err))
	}
	return o
}

// indexJSON fills an Object from compact JSON bytes.
func indexJSON(b []byte) (Object, error) {
	var head struct {
		Type        string `json:"type"`
		ID          string `json:"id"`
		SpecVersion string `json:"spec_version"`
		Created     string `json:"created"`
		Modified    string `json:"modified"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return Object{}, fmt.Errorf("index object: %w", err)
	}
	if head.Type == "" || head.ID == "" {
		return Object{}, fmt.Errorf("index object: missing type or id")
	}
	return Object{Type: head.Type, ID: head.ID, SpecVersion: head.SpecVersion, Created: head.Created, Modified: head.Modified, JSON: b}, nil
}
