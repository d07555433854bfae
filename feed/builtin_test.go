package feed_test

import (
	"bytes"
	"testing"

	"github.com/heraldcti/herald/feed"
)

func TestBuiltinAdvisoryParsesAndCarriesOnlySourcedDates(t *testing.T) {
	a, err := feed.BuiltinAdvisory()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := a.ID, "dprk-crypto-2024"; got != want {
		t.Errorf("ID = %q, want %q", got, want)
	}
	if len(a.Indicators) != 0 {
		t.Errorf("%d indicators; the sources give none", len(a.Indicators))
	}
	dated := map[string]string{}
	for _, in := range a.Incidents {
		if !in.Date.IsZero() {
			dated[in.ID] = in.Date.String()
		}
	}
	want := map[string]string{"wazirx-breach": "2024-07", "dprk-thefts-2024": "2024"}
	if len(dated) != len(want) {
		t.Errorf("dated incidents = %v, want %v", dated, want)
	}
	for id, d := range want {
		if dated[id] != d {
			t.Errorf("incident %s date = %q, want %q", id, dated[id], d)
		}
	}
	if got := len(a.Sources); got != 2 {
		t.Errorf("%d sources, want 2", got)
	}
}

func TestBuiltinReturnsACopy(t *testing.T) {
	b := feed.Builtin()
	b[0] ^= 0xff
	if bytes.Equal(b, feed.Builtin()) {
		t.Error("Builtin returned shared bytes")
	}
}
