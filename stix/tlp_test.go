package stix_test

import (
	"encoding/json"
	"testing"

	"github.com/heraldcti/herald/stix"
)

func TestTLPMarkingReturnsPublishedDefinitions(t *testing.T) {
	want := map[string]struct{ id, name string }{
		"clear":        {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR"},
		"green":        {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN"},
		"amber":        {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER"},
		"amber+strict": {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "TLP:AMBER+STRICT"},
		"red":          {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED"},
	}
	if len(stix.TLPLevels) != len(want) {
		t.Fatalf("TLPLevels = %v", stix.TLPLevels)
	}
	for _, level := range stix.TLPLevels {
		o, err := stix.TLPMarking(level)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Type, ID, Name, Created string
			SpecVersion             string                       `json:"spec_version"`
			Extensions              map[string]map[string]string `json:"extensions"`
		}
		if err := json.Unmarshal(o.JSON, &m); err != nil {
			t.Fatal(err)
		}
		w := want[level]
		if o.ID != w.id || m.ID != w.id || m.Name != w.name || m.Type != "marking-definition" || m.SpecVersion != "2.1" || m.Created != "2022-10-01T00:00:00.000Z" {
			t.Errorf("%s: %+v / %+v", level, o, m)
		}
		ext := m.Extensions[stix.TLP2ExtensionID]
		if ext["extension_type"] != "property-extension" || ext["tlp_2_0"] != level {
			t.Errorf("%s: extension = %v", level, ext)
		}
		if id, _ := stix.TLPMarkingID(level); id != w.id {
			t.Errorf("TLPMarkingID(%s) = %s", level, id)
		}
	}
	authorValidateAll(t, func() []stix.Object {
		var objs []stix.Object
		for _, l := range stix.TLPLevels {
			o, _ := stix.TLPMarking(l)
			objs = append(objs, o)
		}
		return objs
	}())
}

func TestTLPMarkingAcceptsCommonSpellings(t *testing.T) {
	for _, in := range []string{"TLP:AMBER+STRICT", "Amber+Strict", "tlp:amber+strict"} {
		o, err := stix.TLPMarking(in)
		if err != nil || o.ID != "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003" {
			t.Errorf("TLPMarking(%q) = %s, %v", in, o.ID, err)
		}
	}
	for _, bad := range []string{"", "white", "amber-strict", "TLP:"} {
		if _, err := stix.TLPMarking(bad); err == nil {
			t.Errorf("TLPMarking(%q) succeeded", bad)
		}
	}
}
