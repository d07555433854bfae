package stix_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix"
)

// TestConvertBuiltinCarriesEveryFact checks that every name and figure the
// built-in advisory states (the list below) reaches the STIX output, as text
// a consumer sees.
func TestConvertBuiltinCarriesEveryFact(t *testing.T) {
	objs := authorBuiltin(t)
	var all strings.Builder
	for _, o := range objs {
		// Decode so that escaped characters (\u0026, \") compare as text.
		var v any
		if err := json.Unmarshal(o.JSON, &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		all.WriteString(strings.NewReplacer(`\"`, `"`, `\u0026`, `&`, `\u003c`, `<`, `\u003e`, `>`).Replace(string(b)))
		all.WriteByte('\n')
	}
	text := all.String()
	facts := []string{
		// sources
		"North Korea's $659M Crypto Heist: Global Financial Threat Escalates", "Tylt Editorial Team",
		"North Korea stole $659M in crypto last year: US government", "NewsBytes", "What's the story",
		// the statement
		"January 2025", "United States", "Japan", "Republic of Korea", "South Korea", "DPRK", "North Korea",
		"more than US$659 million", "2024", "blockchain technology", "September 2024", "social engineering",
		"integrity and stability of the international financial system", "review the related advisories",
		// attribution
		"Lazarus Group", "North Korean state-backed hacking group", "July 2024 WazirX", "first time",
		// heists
		"WazirX", "India's largest Bitcoin exchange", "US$235,000,000",
		"DMM Bitcoin", "US$308,000,000", "Upbit", "US$50,000,000",
		"Rain Management", "US$16,130,000", "Radiant Capital",
		// other figures
		"Chainalysis", "December 2024", "US$1.34 billion", "47 attacks", "US$1.1 billion", "2022",
		// IT workers
		"IT warriors", "remote IT workers", "US-based laptop farms", "hide their true identities", "hundreds of US and global companies",
		"US State Department", "US$5 million", "Yanbian Silverstar", "Volasys Silverstar", "six years", "US$88 million",
	}
	for _, f := range facts {
		if !strings.Contains(text, f) {
			t.Errorf("built-in STIX output lacks %q", f)
		}
	}
}

// TestConvertBuiltinLossesAreStructured checks the amount of every heist in
// its impact object, and that only WazirX and the 2024 total carry a date.
func TestConvertBuiltinLossesAreStructured(t *testing.T) {
	objs := authorBuiltin(t)
	type impact struct {
		Description       string `json:"description"`
		StartTime         string `json:"start_time"`
		StartTimeFidelity string `json:"start_time_fidelity"`
		Extensions        struct {
			Monetary struct {
				Variety   string   `json:"variety"`
				Currency  string   `json:"currency"`
				MinAmount *float64 `json:"min_amount"`
				MaxAmount *float64 `json:"max_amount"`
			} `json:"monetary-ext"`
		} `json:"extensions"`
	}
	got := map[string]impact{}
	for _, o := range objs {
		if o.Type != "impact" {
			continue
		}
		var im impact
		if err := json.Unmarshal(o.JSON, &im); err != nil {
			t.Fatal(err)
		}
		got[o.ID] = im
	}
	want := []struct {
		incident string
		amount   float64 // 0: lower bound only
		start    string
		fidelity string
	}{
		{"dprk-thefts-2024", 0, "2024-01-01T00:00:00.000Z", "year"},
		{"wazirx-breach", 235000000, "2024-07-01T00:00:00.000Z", "month"},
		{"dmm-bitcoin-heist", 308000000, "", ""},
		{"upbit-heist", 50000000, "", ""},
		{"rain-management-heist", 16130000, "", ""},
		{"radiant-capital-heist", 50000000, "", ""},
	}
	if len(got) != len(want) {
		t.Errorf("%d impacts, want %d", len(got), len(want))
	}
	for _, w := range want {
		id := stix.AuthorID("impact", "dprk-crypto-2024", w.incident+"/loss/0")
		im, ok := got[id]
		if !ok {
			t.Errorf("no impact for %s", w.incident)
			continue
		}
		m := im.Extensions.Monetary
		if m.Currency != "USD" || m.Variety != "asset-and-fraud" {
			t.Errorf("%s: monetary = %+v", w.incident, m)
		}
		switch {
		case w.amount == 0 && (m.MinAmount != nil || m.MaxAmount != nil || !strings.Contains(im.Description, "more than US$659,000,000")):
			t.Errorf("%s: lower bound written as %+v, %q", w.incident, m, im.Description)
		case w.amount != 0 && (m.MinAmount == nil || *m.MinAmount != w.amount || *m.MaxAmount != w.amount):
			t.Errorf("%s: amount = %+v, want %v", w.incident, m, w.amount)
		}
		if im.StartTime != w.start || im.StartTimeFidelity != w.fidelity {
			t.Errorf("%s: start %q (%q), want %q (%q)", w.incident, im.StartTime, im.StartTimeFidelity, w.start, w.fidelity)
		}
	}
	for _, o := range objs {
		if o.Type == "indicator" || strings.HasSuffix(o.Type, "-addr") || o.Type == "file" || o.Type == "cryptocurrency-wallet" {
			t.Errorf("built-in output has %s; the sources give no indicators", o.ID)
		}
	}
}
