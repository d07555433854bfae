package stix_test

import (
	"testing"

	"github.com/heraldcti/herald/stix"
)

func TestIsCyberObservableType(t *testing.T) {
	for typ, want := range map[string]bool{
		"file": true, "ipv4-addr": true, "x509-certificate": true, "windows-registry-key": true,
		"indicator": false, "relationship": false, "marking-definition": false,
		"x-acme-device": false, "": false,
	} {
		if got := stix.IsCyberObservableType(typ); got != want {
			t.Errorf("IsCyberObservableType(%q) = %v, want %v", typ, got, want)
		}
	}
}
