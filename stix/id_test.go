package stix_test

import (
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/heraldcti/herald/stix"
)

func TestSCOIDMatchesPythonSTIX2(t *testing.T) {
	// The value python-stix2 (and the STIX 2.1 spec's object form) gives;
	// TcM1911/stix2 gives domain-name--220a2699-… from ["example.com"].
	got := stix.SCOID("domain-name", map[string]any{"value": "example.com"})
	if want := "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"; got != want {
		t.Errorf("SCOID = %s, want %s", got, want)
	}
}

func TestSCOIDHashesCanonicalJSON(t *testing.T) {
	ns := uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")
	tests := []struct {
		name      string
		props     map[string]any
		canonical string
	}{
		{"sorted keys, no spaces", map[string]any{"value": "a", "currency": "BTC"}, `{"currency":"BTC","value":"a"}`},
		{"nested map", map[string]any{"hashes": map[string]string{"SHA-256": "ab"}}, `{"hashes":{"SHA-256":"ab"}}`},
		{"minimal escaping, UTF-8 kept", map[string]any{"value": "<a&b>\"\\\u00e9\n\u0001"}, "{\"value\":\"<a&b>\\\"\\\\\u00e9\\n\\u0001\"}"},
		{"numbers and literals", map[string]any{"n": 1.5, "i": 10, "b": true, "z": nil, "e": 1e21, "l": []any{"x", 2}}, `{"b":true,"e":1e+21,"i":10,"l":["x",2],"n":1.5,"z":null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := "x--" + uuid.NewSHA1(ns, []byte(tc.canonical)).String()
			if got := stix.SCOID("x", tc.props); got != want {
				t.Errorf("SCOID = %s, want UUIDv5 of %s = %s", got, tc.canonical, want)
			}
		})
	}
}

func TestAuthorIDIsStableVersion5AndKeyed(t *testing.T) {
	a := stix.AuthorID("incident", "adv-1", "wazirx")
	if a != stix.AuthorID("incident", "adv-1", "wazirx") {
		t.Fatal("AuthorID is not deterministic")
	}
	u, err := uuid.Parse(strings.TrimPrefix(a, "incident--"))
	if err != nil || u.Version() != 5 {
		t.Fatalf("AuthorID %s: version %v, err %v", a, u.Version(), err)
	}
	others := []string{
		stix.AuthorID("incident", "adv-2", "wazirx"),
		stix.AuthorID("incident", "adv-1", "wazirx2"),
		stix.AuthorID("campaign", "adv-1", "wazirx"),
		stix.AuthorID("incident", "adv-1wazirx", ""),
	}
	for _, o := range others {
		if strings.TrimPrefix(o, "campaign--") == strings.TrimPrefix(a, "incident--") || o == a {
			t.Errorf("AuthorID collision: %s vs %s", o, a)
		}
	}
	if got, want := stix.HeraldNamespace.String(), "2cdfad4b-ae6d-5508-85c6-1fe95b3c507e"; got != want {
		t.Errorf("HeraldNamespace = %s, want %s: changing it changes every published id", got, want)
	}
}
