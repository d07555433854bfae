package stix_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/stix/pattern"
)

func TestIndicatorPatternQuotesAndNormalises(t *testing.T) {
	tests := []struct {
		kind, value, want string
	}{
		{feed.KindIPv4, "198.51.100.7", "[ipv4-addr:value = '198.51.100.7']"},
		{feed.KindIPv4, "203.0.113.0/24", "[ipv4-addr:value = '203.0.113.0/24']"},
		{feed.KindIPv6, "2001:DB8::7", "[ipv6-addr:value = '2001:db8::7']"},
		{feed.KindDomain, "Evil.Example", "[domain-name:value = 'evil.example']"},
		{feed.KindURL, `https://x.example/it's\here`, `[url:value = 'https://x.example/it\'s\\here']`},
		{feed.KindEmail, "o'brien@example.com", `[email-addr:value = 'o\'brien@example.com']`},
		{feed.KindMD5, "44D88612FEA8A8F36DE82E1278ABB02F", "[file:hashes.MD5 = '44d88612fea8a8f36de82e1278abb02f']"},
		{feed.KindSHA1, "3395856ce81f2b7382dee72602f798b642f14140", "[file:hashes.'SHA-1' = '3395856ce81f2b7382dee72602f798b642f14140']"},
		{feed.KindSHA256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "[file:hashes.'SHA-256' = '275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f']"},
		{feed.KindWallet, "bc1qexampleexample00", "[cryptocurrency-wallet:value = 'bc1qexampleexample00']"},
	}
	for _, tc := range tests {
		got, err := stix.IndicatorPattern(feed.Observable{Kind: tc.kind, Value: tc.value, Currency: "BTC"})
		if err != nil || got != tc.want {
			t.Errorf("IndicatorPattern(%s %q) = %s, %v; want %s", tc.kind, tc.value, got, err, tc.want)
			continue
		}
		if _, err := pattern.Parse(got); err != nil {
			t.Errorf("pattern %s does not parse: %v", got, err)
		}
	}
	for _, bad := range []feed.Observable{{Kind: feed.KindIPv4, Value: "1.2.3.400"}, {Kind: "mac", Value: "00:00"}, {Kind: feed.KindSHA256, Value: "abc"}} {
		if p, err := stix.IndicatorPattern(bad); err == nil {
			t.Errorf("IndicatorPattern(%+v) = %s, want error", bad, p)
		}
	}
}

func indicatorSpec() stix.IndicatorSpec {
	return stix.IndicatorSpec{
		Publisher:  stix.PublisherIdentityID("Example CERT"),
		TLP:        "green",
		Observable: &feed.Observable{Kind: feed.KindDomain, Value: "Evil.Example"},
		Name:       "Phishing domain",
		Types:      []string{"malicious-activity"},
		KillChain:  []feed.KillChainPhase{{Chain: "mitre-attack", Phase: "initial-access"}},
		ValidUntil: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Indicates:  "campaign--823f77e8-8e32-577c-86cf-c82fd3cc3820",
		At:         time.Date(2025, 5, 6, 7, 8, 9, 123456789, time.FixedZone("CEST", 2*3600)),
	}
}

func TestNewIndicatorBuildsIndicatorSCOAndRelationships(t *testing.T) {
	objs, err := stix.NewIndicator(indicatorSpec())
	if err != nil {
		t.Fatal(err)
	}
	authorValidateAll(t, objs)
	var types []string
	for _, o := range objs {
		types = append(types, o.Type)
	}
	if got, want := strings.Join(types, ","), "marking-definition,indicator,domain-name,relationship,relationship"; got != want {
		t.Fatalf("types = %s, want %s", got, want)
	}
	ind := objs[1]
	if ind.Created != "2025-05-06T05:08:09.123Z" || ind.Modified != ind.Created {
		t.Errorf("created/modified = %s/%s, want At in UTC truncated to ms", ind.Created, ind.Modified)
	}
	var m map[string]any
	if err := json.Unmarshal(ind.JSON, &m); err != nil {
		t.Fatal(err)
	}
	if m["pattern"] != "[domain-name:value = 'evil.example']" || m["pattern_type"] != "stix" || m["pattern_version"] != "2.1" ||
		m["valid_from"] != "2025-05-06T05:08:09.123Z" || m["valid_until"] != "2026-01-01T00:00:00.000Z" || m["name"] != "Phishing domain" {
		t.Errorf("indicator = %s", ind.JSON)
	}
	if objs[2].ID != stix.SCOID("domain-name", map[string]any{"value": "evil.example"}) {
		t.Errorf("SCO id = %s", objs[2].ID)
	}
	for i, want := range []string{`"relationship_type":"based-on"`, `"relationship_type":"indicates"`} {
		if !strings.Contains(string(objs[3+i].JSON), want) {
			t.Errorf("relationship %d = %s, want %s", i, objs[3+i].JSON, want)
		}
	}
	again, err := stix.NewIndicator(indicatorSpec())
	if err != nil || again[1].ID != ind.ID {
		t.Errorf("same publisher and pattern gave a new id %s (was %s), err %v", again[1].ID, ind.ID, err)
	}
}

func TestNewIndicatorWithWalletPublishesItsExtension(t *testing.T) {
	spec := indicatorSpec()
	spec.Observable = &feed.Observable{Kind: feed.KindWallet, Value: "bc1qexampleexample00", Currency: "BTC"}
	spec.Indicates = ""
	objs, err := stix.NewIndicator(spec)
	if err != nil {
		t.Fatal(err)
	}
	authorValidateAll(t, objs)
	ids := authorByID(objs)
	if _, ok := ids[stix.WalletExtensionID]; !ok {
		t.Error("wallet extension definition missing")
	}
	if _, ok := ids[stix.HeraldProjectIdentityID]; !ok {
		t.Error("Herald project identity missing")
	}
	wid := stix.SCOID("cryptocurrency-wallet", map[string]any{"value": "bc1qexampleexample00", "currency": "BTC"})
	if _, ok := ids[wid]; !ok {
		t.Errorf("wallet SCO %s missing", wid)
	}
}

func TestNewIndicatorWithPatternChecksIt(t *testing.T) {
	spec := indicatorSpec()
	spec.Observable = nil
	spec.Pattern = "[network-traffic:dst_port = 4444]"
	objs, err := stix.NewIndicator(spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 3 {
		t.Errorf("%d objects, want marking, indicator, indicates", len(objs))
	}
	authorValidateAll(t, objs)
}

func TestNewIndicatorRejectsBadSpecs(t *testing.T) {
	tests := []struct {
		name   string
		change func(*stix.IndicatorSpec)
	}{
		{"no time", func(s *stix.IndicatorSpec) { s.At = time.Time{} }},
		{"bad publisher", func(s *stix.IndicatorSpec) { s.Publisher = "Example CERT" }},
		{"bad tlp", func(s *stix.IndicatorSpec) { s.TLP = "white" }},
		{"pattern and observable", func(s *stix.IndicatorSpec) { s.Pattern = "[ipv4-addr:value = '1.2.3.4']" }},
		{"neither", func(s *stix.IndicatorSpec) { s.Observable = nil }},
		{"bad pattern", func(s *stix.IndicatorSpec) { s.Observable = nil; s.Pattern = "this is not a pattern" }},
		{"bad value", func(s *stix.IndicatorSpec) { s.Observable = &feed.Observable{Kind: feed.KindIPv4, Value: "1.2.3"} }},
		{"until before from", func(s *stix.IndicatorSpec) { s.ValidUntil = s.At.Add(-time.Hour) }},
		{"bad indicates", func(s *stix.IndicatorSpec) { s.Indicates = "lazarus" }},
		{"wallet without currency", func(s *stix.IndicatorSpec) {
			s.Observable = &feed.Observable{Kind: feed.KindWallet, Value: "bc1qexampleexample00"}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			spec := indicatorSpec()
			tc.change(&spec)
			if objs, err := stix.NewIndicator(spec); err == nil {
				t.Errorf("NewIndicator succeeded with %d objects", len(objs))
			}
		})
	}
}
