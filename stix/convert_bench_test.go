package stix_test

import (
	"testing"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
)

// BenchmarkConvertBuiltin converts the parsed built-in advisory (64 objects).
func BenchmarkConvertBuiltin(b *testing.B) {
	a, err := feed.BuiltinAdvisory()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stix.ConvertAdvisory(a, stix.ConvertOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkConvertReimport converts the built-in advisory against its own
// published objects: the re-import path, where every object is compared.
func BenchmarkConvertReimport(b *testing.B) {
	a, err := feed.BuiltinAdvisory()
	if err != nil {
		b.Fatal(err)
	}
	prev, err := stix.ConvertAdvisory(a, stix.ConvertOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stix.ConvertAdvisory(a, stix.ConvertOptions{Previous: prev}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNewIndicator builds one shorthand indicator with its SCO.
func BenchmarkNewIndicator(b *testing.B) {
	spec := stix.IndicatorSpec{
		Publisher:  stix.PublisherIdentityID("Example CERT"),
		TLP:        "green",
		Observable: &feed.Observable{Kind: feed.KindIPv4, Value: "198.51.100.7"},
		At:         time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC),
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := stix.NewIndicator(spec); err != nil {
			b.Fatal(err)
		}
	}
}
