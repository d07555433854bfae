package stix

import (
	"fmt"
	"strings"
)

// TLP 2.0 marking definitions exactly as OASIS publishes them in
// oasis-open/cti-stix-common-objects (objects/marking-definition/ and
// extension-definition-specifications/tlp-2.0/examples/), white space
// removed, key order kept. TcM1911/stix2 cannot represent them (it requires
// definition_type), so they are constants.
const (
	tlpClearJSON       = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487","created":"2022-10-01T00:00:00.000Z","name":"TLP:CLEAR","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"clear"}}}`
	tlpGreenJSON       = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb","created":"2022-10-01T00:00:00.000Z","name":"TLP:GREEN","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"green"}}}`
	tlpAmberJSON       = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber"}}}`
	tlpAmberStrictJSON = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003","created":"2022-10-01T00:00:00.000Z","name":"TLP:AMBER+STRICT","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"amber+strict"}}}`
	tlpRedJSON         = `{"type":"marking-definition","spec_version":"2.1","id":"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1","created":"2022-10-01T00:00:00.000Z","name":"TLP:RED","extensions":{"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d":{"extension_type":"property-extension","tlp_2_0":"red"}}}`
)

// TLPLevels are the TLP 2.0 levels in increasing order of restriction, as
// TLPMarking accepts them.
var TLPLevels = []string{"clear", "green", "amber", "amber+strict", "red"}

var tlpByLevel = map[string]string{
	"clear":        tlpClearJSON,
	"green":        tlpGreenJSON,
	"amber":        tlpAmberJSON,
	"amber+strict": tlpAmberStrictJSON,
	"red":          tlpRedJSON,
}

// tlpIDs are the marking-definition ids of the TLP 2.0 levels.
var tlpIDs = map[string]string{
	"clear":        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	"green":        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	"amber":        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	"amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	"red":          "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

// TLPMarking returns the OASIS TLP 2.0 marking definition of a level
// ("clear", "green", "amber", "amber+strict" or "red"; case-insensitive,
// "TLP:" prefix allowed) with its exact published JSON.
func TLPMarking(level string) (Object, error) {
	l := strings.ToLower(strings.TrimPrefix(strings.ToUpper(level), "TLP:"))
	raw, ok := tlpByLevel[l]
	if !ok {
		return Object{}, fmt.Errorf("unknown TLP 2.0 level %q (want one of %s)", level, strings.Join(TLPLevels, ", "))
	}
	return Object{
		Type:        "marking-definition",
		ID:          tlpIDs[l],
		SpecVersion: "2.1",
		Created:     "2022-10-01T00:00:00.000Z",
		JSON:        []byte(raw),
	}, nil
}

// TLPMarkingID returns the marking-definition id of a TLP 2.0 level.
func TLPMarkingID(level string) (string, error) {
	o, err := TLPMarking(level)
	return o.ID, err
}
