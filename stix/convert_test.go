package stix_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
)

// convertGoldenBytes writes objects as a JSON array, one object's exact
// bytes per line, so diffs show which object changed.
func convertGoldenBytes(objs []stix.Object) []byte {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, o := range objs {
		b.Write(o.JSON)
		if i < len(objs)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString("]\n")
	return b.Bytes()
}

func TestConvertMatchesGoldenFiles(t *testing.T) {
	builtin, err := feed.BuiltinAdvisory()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		adv  *feed.Advisory
	}{
		{"full", authorParse(t, "full.yaml")},
		{"builtin", builtin},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := convertGoldenBytes(authorConvert(t, tc.adv, stix.ConvertOptions{}))
			path := filepath.Join("testdata", "convert", tc.name+".golden.json")
			if authorUpdating() {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want := authorReadFile(t, path)
			if !bytes.Equal(got, want) {
				gl, wl := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
				for i := 0; i < len(gl) && i < len(wl); i++ {
					if gl[i] != wl[i] {
						t.Fatalf("%s line %d differs (run with -update if intended):\ngot:  %s\nwant: %s", path, i+1, gl[i], wl[i])
					}
				}
				t.Fatalf("%s: got %d lines, want %d (run with -update if intended)", path, len(gl), len(wl))
			}
			var arr []json.RawMessage
			if err := json.Unmarshal(got, &arr); err != nil {
				t.Fatalf("golden output is not a JSON array: %v", err)
			}
		})
	}
}

func TestConvertTwiceGivesIdenticalBytes(t *testing.T) {
	for _, name := range []string{"full.yaml"} {
		a := authorConvert(t, authorParse(t, name), stix.ConvertOptions{})
		b := authorConvert(t, authorParse(t, name), stix.ConvertOptions{})
		if !bytes.Equal(convertGoldenBytes(a), convertGoldenBytes(b)) {
			t.Errorf("%s: two conversions differ", name)
		}
	}
}

func TestConvertReimportOfUnchangedFileChangesNothing(t *testing.T) {
	first := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{})
	again := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{Previous: first})
	if !bytes.Equal(convertGoldenBytes(first), convertGoldenBytes(again)) {
		t.Error("re-import with the published objects as Previous changed bytes")
	}
}

// convertEdit parses full.yaml after applying text replacements.
func convertEdit(t *testing.T, repl ...string) *feed.Advisory {
	t.Helper()
	src := string(authorReadFile(t, filepath.Join("testdata", "convert", "full.yaml")))
	for i := 0; i+1 < len(repl); i += 2 {
		if !strings.Contains(src, repl[i]) {
			t.Fatalf("full.yaml does not contain %q", repl[i])
		}
		src = strings.Replace(src, repl[i], repl[i+1], 1)
	}
	a, err := feed.Parse(strings.NewReader(src), "edited.yaml")
	if err != nil {
		t.Fatalf("parse edited: %v", err)
	}
	return a
}

func TestConvertEditGivesNewVersionOnlyOfEditedObjects(t *testing.T) {
	v1 := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{})
	edited := convertEdit(t,
		"updated: 2025-03-04T12:30:00Z", "updated: 2025-03-10",
		"description: A fictional bank.", "description: A fictional bank in Frankfurt.")
	v2 := authorConvert(t, edited, stix.ConvertOptions{Previous: v1})
	old := authorByID(v1)
	bankID := stix.AuthorID("identity", "acme-2025-001", "bank")
	var changed []string
	for _, o := range v2 {
		p, ok := old[o.ID]
		if !ok {
			t.Errorf("new object %s after an edit", o.ID)
			continue
		}
		if bytes.Equal(p.JSON, o.JSON) {
			continue
		}
		changed = append(changed, o.ID)
		if o.Created != p.Created {
			t.Errorf("%s: created %s, published version had %s", o.ID, o.Created, p.Created)
		}
		if o.Modified != "2025-03-10T00:00:00.000Z" || o.Modified <= p.Modified {
			t.Errorf("%s: modified %s, want 2025-03-10T00:00:00.000Z (after %s)", o.ID, o.Modified, p.Modified)
		}
	}
	if len(changed) != 1 || changed[0] != bankID {
		t.Errorf("changed objects = %v, want only the bank identity %s", changed, bankID)
	}
	authorValidateAll(t, v2)
}

func TestConvertEditWithoutLaterUpdatedIsRefused(t *testing.T) {
	v1 := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{})
	edited := convertEdit(t, "description: A fictional bank.", "description: Changed.")
	_, err := stix.ConvertAdvisory(edited, stix.ConvertOptions{Previous: v1})
	if err == nil || !strings.Contains(err.Error(), "set advisory.updated to a later date") {
		t.Fatalf("err = %v, want a request to bump updated", err)
	}
}

func TestConvertRemovedRecordIsRevoked(t *testing.T) {
	v1 := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{})
	edited := convertEdit(t,
		"updated: 2025-03-04T12:30:00Z", "updated: 2025-03-11",
		"  - id: shell\n    name: Example Shell Ltd\n    class: organization\n    roles: [front company]\n    related_to: [spider]\n", "")
	v2 := authorConvert(t, edited, stix.ConvertOptions{Previous: v1})
	authorValidateAll(t, v2)
	shellID := stix.AuthorID("identity", "acme-2025-001", "shell")
	var revoked []string
	for _, o := range v2 {
		var m map[string]any
		if err := json.Unmarshal(o.JSON, &m); err != nil {
			t.Fatal(err)
		}
		if m["revoked"] == true {
			revoked = append(revoked, o.ID)
			if o.Modified != "2025-03-11T00:00:00.000Z" {
				t.Errorf("%s revoked at %s, want the advisory's updated", o.ID, o.Modified)
			}
		}
	}
	spiderID := stix.AuthorID("threat-actor", "acme-2025-001", "spider")
	relID := stix.AuthorID("relationship", "acme-2025-001", shellID+"\x00related-to\x00"+spiderID)
	want := []string{shellID, relID}
	sort.Strings(revoked)
	sort.Strings(want)
	if strings.Join(revoked, " ") != strings.Join(want, " ") {
		t.Errorf("revoked = %v, want the shell identity and its relationship %v", revoked, want)
	}
	// Re-importing the same edited file once more changes nothing and
	// revokes nothing twice.
	prev := append(append([]stix.Object{}, v1...), v2...)
	v3 := authorConvert(t, edited, stix.ConvertOptions{Previous: prev})
	for _, o := range v3 {
		if strings.Contains(string(o.JSON), `"revoked":true`) {
			t.Errorf("second import revoked %s again", o.ID)
		}
	}
}

func TestConvertRefusesDatesAfterNow(t *testing.T) {
	a := authorParse(t, "full.yaml")
	now := time.Date(2025, 3, 4, 12, 0, 0, 0, time.UTC) // before updated 12:30
	if _, err := stix.ConvertAdvisory(a, stix.ConvertOptions{Now: now}); err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Fatalf("err = %v, want future-date error", err)
	}
	if _, err := stix.ConvertAdvisory(a, stix.ConvertOptions{Now: now.Add(time.Hour)}); err != nil {
		t.Fatalf("err = %v with Now after updated", err)
	}
}

// convertRefs collects every *_ref and *_refs value of a JSON value.
func convertRefs(v any, key string, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			convertRefs(e, k, out)
		}
	case []any:
		for _, e := range x {
			convertRefs(e, key, out)
		}
	case string:
		if strings.HasSuffix(key, "_ref") || strings.HasSuffix(key, "_refs") {
			*out = append(*out, x)
		}
	}
}

func TestConvertEveryReferenceResolvesInsideTheOutput(t *testing.T) {
	// The OASIS identity that created the Incident Core and
	// Impact definitions is carried beside them. The only id the output
	// names without carrying is the creator of the TLP 2.0 definition
	// (CISA), which OASIS does not publish as an object.
	external := map[string]bool{
		"identity--b3bca3c2-1f3d-4b54-b44f-dac42c3a8f01": true,
	}
	builtin, err := feed.BuiltinAdvisory()
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range map[string]*feed.Advisory{"full.yaml": authorParse(t, "full.yaml"), "built-in advisory": builtin} {
		objs := authorConvert(t, a, stix.ConvertOptions{})
		ids := authorByID(objs)
		for _, o := range objs {
			var m map[string]any
			if err := json.Unmarshal(o.JSON, &m); err != nil {
				t.Fatal(err)
			}
			var refs []string
			convertRefs(m, "", &refs)
			for _, r := range refs {
				if _, ok := ids[r]; !ok && !external[r] {
					t.Errorf("%s: %s refers to %s, which is not in the output", name, o.ID, r)
				}
			}
		}
	}
}

func TestConvertMarksAndAttributesEveryObject(t *testing.T) {
	objs := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{})
	publisher := stix.PublisherIdentityID("Example CERT")
	amber, _ := stix.TLPMarkingID("amber")
	var report map[string]any
	for _, o := range objs {
		var m map[string]any
		if err := json.Unmarshal(o.JSON, &m); err != nil {
			t.Fatal(err)
		}
		if o.Type == "report" {
			report = m
		}
		if o.Type == "marking-definition" || o.Type == "extension-definition" || o.ID == stix.HeraldProjectIdentityID || o.ID == stix.OASISIdentityID {
			continue
		}
		marks, _ := m["object_marking_refs"].([]any)
		if len(marks) != 1 || marks[0] != amber {
			t.Errorf("%s: object_marking_refs = %v, want [%s]", o.ID, marks, amber)
		}
		if o.Modified == "" {
			continue // SCOs carry no created_by_ref
		}
		if m["created_by_ref"] != publisher {
			t.Errorf("%s: created_by_ref = %v, want %s", o.ID, m["created_by_ref"], publisher)
		}
		if o.Created != "2025-03-01T00:00:00.000Z" || o.Modified != "2025-03-04T12:30:00.000Z" {
			t.Errorf("%s: created/modified = %s/%s", o.ID, o.Created, o.Modified)
		}
	}
	refs, _ := report["object_refs"].([]any)
	if got, want := len(refs), len(objs)-1; got != want {
		t.Errorf("report lists %d objects, want every other object (%d)", got, want)
	}
	ext, _ := report["external_references"].([]any)
	if len(ext) != 2 {
		t.Errorf("report external_references = %v, want the two sources", ext)
	}
}

func TestConvertIncidentCarriesCoreExtensionImpactsAndRelationships(t *testing.T) {
	objs := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{})
	byID := authorByID(objs)
	incID := stix.AuthorID("incident", "acme-2025-001", "bank-breach")
	var inc struct {
		Description string
		Extensions  map[string]struct {
			ExtensionType       string   `json:"extension_type"`
			Determination       string   `json:"determination"`
			InvestigationStatus string   `json:"investigation_status"`
			IncidentTypes       []string `json:"incident_types"`
			ImpactRefs          []string `json:"impact_refs"`
		}
	}
	if err := json.Unmarshal(byID[incID].JSON, &inc); err != nil {
		t.Fatal(err)
	}
	core := inc.Extensions[stix.IncidentCoreExtensionID]
	if core.ExtensionType != "property-extension" || core.Determination != "confirmed" || core.InvestigationStatus != "open" || len(core.ImpactRefs) != 3 {
		t.Fatalf("incident core = %+v", core)
	}
	for _, want := range []string{"Date: 11 February 2025 (day precision).", "Loss: 1,250,000.5 EUR (response-and-recovery).", "Loss: 3.25 BTC (ransom-payment).", "Loss: more than US$10,000,000 (asset-and-fraud)."} {
		if !strings.Contains(inc.Description, want) {
			t.Errorf("incident description lacks %q:\n%s", want, inc.Description)
		}
	}
	type monetary struct {
		Variety   string   `json:"variety"`
		Currency  string   `json:"currency"`
		MinAmount *float64 `json:"min_amount"`
		MaxAmount *float64 `json:"max_amount"`
	}
	var imp struct {
		ImpactCategory    string                     `json:"impact_category"`
		StartTime         string                     `json:"start_time"`
		StartTimeFidelity string                     `json:"start_time_fidelity"`
		ImpactedRefs      []string                   `json:"impacted_refs"`
		Extensions        map[string]json.RawMessage `json:"extensions"`
	}
	if err := json.Unmarshal(byID[core.ImpactRefs[0]].JSON, &imp); err != nil {
		t.Fatal(err)
	}
	var mon monetary
	if err := json.Unmarshal(imp.Extensions["monetary-ext"], &mon); err != nil {
		t.Fatal(err)
	}
	if imp.ImpactCategory != "monetary" || imp.StartTime != "2025-02-11T00:00:00.000Z" || imp.StartTimeFidelity != "day" ||
		mon.Variety != "response-and-recovery" || mon.Currency != "EUR" || mon.MinAmount == nil || *mon.MinAmount != 1250000.5 || *mon.MaxAmount != 1250000.5 {
		t.Errorf("impact = %+v, monetary = %+v", imp, mon)
	}
	if string(imp.Extensions[stix.ImpactExtensionID]) != `{"extension_type":"new-sdo"}` {
		t.Errorf("impact new-sdo extension = %s", imp.Extensions[stix.ImpactExtensionID])
	}
	var lower struct {
		Extensions map[string]monetary `json:"extensions"`
	}
	if err := json.Unmarshal(byID[core.ImpactRefs[2]].JSON, &lower); err != nil {
		t.Fatal(err)
	}
	if m := lower.Extensions["monetary-ext"]; m.MinAmount != nil || m.MaxAmount != nil || m.Currency != "USD" {
		t.Errorf("lower-bound loss carries amounts: %+v", m)
	}
	wantRels := map[string]bool{
		"attributed-to " + stix.AuthorID("intrusion-set", "acme-2025-001", "web-crew"): false,
		"attributed-to " + stix.AuthorID("threat-actor", "acme-2025-001", "spider"):    false,
		"targets " + stix.AuthorID("identity", "acme-2025-001", "bank"):                false,
	}
	for _, o := range objs {
		if o.Type != "relationship" {
			continue
		}
		var r struct{ RelationshipType, SourceRef, TargetRef string }
		var raw map[string]string
		_ = json.Unmarshal(o.JSON, &raw)
		r.RelationshipType, r.SourceRef, r.TargetRef = raw["relationship_type"], raw["source_ref"], raw["target_ref"]
		if r.SourceRef == incID {
			key := r.RelationshipType + " " + r.TargetRef
			if _, ok := wantRels[key]; !ok {
				t.Errorf("unexpected incident relationship %s", key)
			}
			wantRels[key] = true
		}
	}
	for k, seen := range wantRels {
		if !seen {
			t.Errorf("missing incident relationship %s", k)
		}
	}
}

func TestConvertRejectsNilAndBadInput(t *testing.T) {
	if _, err := stix.ConvertAdvisory(nil, stix.ConvertOptions{}); err == nil {
		t.Error("nil advisory accepted")
	}
	a := authorParse(t, "full.yaml")
	a.TLP = "white"
	if _, err := stix.ConvertAdvisory(a, stix.ConvertOptions{}); err == nil {
		t.Error("unknown TLP accepted")
	}
	b := authorParse(t, "full.yaml")
	b.Updated = feed.Date{Time: b.Published.Time.Add(-time.Hour), Precision: feed.PrecisionTime}
	if _, err := stix.ConvertAdvisory(b, stix.ConvertOptions{}); err == nil {
		t.Error("updated before published accepted")
	}
}

func TestConvertKeepsFirstCreatedWhenPublishedChanges(t *testing.T) {
	v1 := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{})
	// With a real edit, the edited object keeps its first created.
	edited := convertEdit(t, "published: 2025-03-01", "published: 2025-02-01",
		"updated: 2025-03-04T12:30:00Z", "updated: 2025-03-12",
		"name: Example Web Crew", "name: Example Web Crew (EWC)")
	v3 := authorConvert(t, edited, stix.ConvertOptions{Previous: v1})
	id := stix.AuthorID("intrusion-set", "acme-2025-001", "web-crew")
	got := authorByID(v3)[id]
	if got.Created != "2025-03-01T00:00:00.000Z" || got.Modified != "2025-03-12T00:00:00.000Z" || !strings.Contains(string(got.JSON), `"created":"2025-03-01T00:00:00.000Z"`) {
		t.Errorf("edited object = %s", got.JSON)
	}
	// Objects whose only difference is created keep their published bytes.
	bank := stix.AuthorID("identity", "acme-2025-001", "bank")
	if !bytes.Equal(authorByID(v3)[bank].JSON, authorByID(v1)[bank].JSON) {
		t.Errorf("unchanged identity got new bytes:\n%s\n%s", authorByID(v3)[bank].JSON, authorByID(v1)[bank].JSON)
	}
	authorValidateAll(t, v3)
}

func TestConvertRefusesToReviveARevokedObject(t *testing.T) {
	v1 := authorConvert(t, authorParse(t, "full.yaml"), stix.ConvertOptions{})
	shellID := stix.AuthorID("identity", "acme-2025-001", "shell")
	old := authorByID(v1)[shellID]
	revoked, err := stix.Revoke(old, time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	edited := convertEdit(t, "updated: 2025-03-04T12:30:00Z", "updated: 2025-03-12")
	_, err = stix.ConvertAdvisory(edited, stix.ConvertOptions{Previous: append(v1, revoked)})
	if err == nil || !strings.Contains(err.Error(), "was revoked") {
		t.Fatalf("err = %v, want a revoked-object error", err)
	}
}
