package stix_test

import (
	"strings"
	"testing"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/stix/pattern"
)

// FuzzIndicatorPattern checks that whatever value a shorthand accepts, the
// pattern built from it parses, and that quoting round-trips the value.
func FuzzIndicatorPattern(f *testing.F) {
	seeds := [][2]string{
		{feed.KindURL, "https://x.example/it's\\here"},
		{feed.KindURL, "http://a.example/'%27\\'"},
		{feed.KindEmail, "o'brien@example.com"},
		{feed.KindDomain, "Evil.Example"},
		{feed.KindIPv6, "2001:db8::/32"},
		{feed.KindSHA256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
		{feed.KindWallet, "bc1qexampleexample00"},
		{feed.KindURL, "A://\xed"}, // found by this fuzzer: invalid UTF-8 made an unparsable pattern
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, kind, value string) {
		p, err := stix.IndicatorPattern(feed.Observable{Kind: kind, Value: value, Currency: "BTC"})
		if err != nil {
			return
		}
		parsed, err := pattern.Parse(p)
		if err != nil {
			t.Fatalf("IndicatorPattern(%s, %q) = %s, which does not parse: %v", kind, value, p, err)
		}
		cs := parsed.Comparisons()
		if len(cs) != 1 {
			t.Fatalf("%s: %d comparisons", p, len(cs))
		}
		norm, _ := feed.NormalizeObservable(kind, value)
		if !strings.Contains(p, strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(norm)) {
			t.Fatalf("%s does not carry the escaped value %q", p, norm)
		}
	})
}
