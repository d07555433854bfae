package stix_test

import (
	"encoding/json"
	"testing"

	"github.com/heraldcti/herald/stix"
)

func TestExtensionDefinitionsArePinnedAndValid(t *testing.T) {
	want := map[string]struct{ name, version, modified, extType string }{
		stix.IncidentCoreExtensionID: {"Incident Core Extension", "2.0.0", "2023-07-11T00:56:00.000Z", "property-extension"},
		stix.ImpactExtensionID:       {"Impact Extension", "1.0.0", "2023-05-16T21:01:53.607242Z", "new-sdo"},
		stix.TLP2ExtensionID:         {"TLP 2.0", "1.0.0", "2022-10-01T00:00:00.000Z", "property-extension"},
		stix.WalletExtensionID:       {"cryptocurrency-wallet", "1.0.0", "2026-11-21T00:00:00.000Z", "new-sco"},
	}
	objs := stix.ExtensionDefinitions()
	if len(objs) != len(want) {
		t.Fatalf("%d extension definitions, want %d", len(objs), len(want))
	}
	for _, o := range objs {
		var m struct {
			Name, Version, Modified string
			CreatedBy               string   `json:"created_by_ref"`
			ExtensionTypes          []string `json:"extension_types"`
		}
		if err := json.Unmarshal(o.JSON, &m); err != nil {
			t.Fatal(err)
		}
		w, ok := want[o.ID]
		if !ok || m.Name != w.name || m.Version != w.version || m.Modified != w.modified || o.Modified != w.modified ||
			len(m.ExtensionTypes) != 1 || m.ExtensionTypes[0] != w.extType || m.CreatedBy == "" {
			t.Errorf("%s: %+v", o.ID, m)
		}
	}
	authorValidateAll(t, append(objs, stix.HeraldProjectIdentity(), stix.OASISIdentity()))
}
