package feed_test

import (
	"testing"

	"github.com/heraldcti/herald/feed"
)

func TestNormalizeObservableAcceptsAndCanonicalises(t *testing.T) {
	tests := []struct{ kind, in, want string }{
		{feed.KindIPv4, "198.51.100.7", "198.51.100.7"},
		{feed.KindIPv4, "203.0.113.0/24", "203.0.113.0/24"},
		{feed.KindIPv6, "2001:DB8:0:0::7", "2001:db8::7"},
		{feed.KindIPv6, "2001:db8::/32", "2001:db8::/32"},
		{feed.KindDomain, "Login.Example.COM.", "login.example.com"},
		{feed.KindDomain, "xn--bcher-kva.example", "xn--bcher-kva.example"},
		{feed.KindURL, "https://example.com/a?b='c'", "https://example.com/a?b='c'"},
		{feed.KindEmail, "billing@example.net", "billing@example.net"},
		{feed.KindMD5, "44D88612FEA8A8F36DE82E1278ABB02F", "44d88612fea8a8f36de82e1278abb02f"},
		{feed.KindSHA1, "3395856ce81f2b7382dee72602f798b642f14140", "3395856ce81f2b7382dee72602f798b642f14140"},
		{feed.KindSHA256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f", "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"},
		{feed.KindWallet, "0xAbC0000000000000000000000000000000000001", "0xAbC0000000000000000000000000000000000001"},
	}
	for _, tc := range tests {
		got, err := feed.NormalizeObservable(tc.kind, tc.in)
		if err != nil || got != tc.want {
			t.Errorf("NormalizeObservable(%s, %q) = %q, %v; want %q", tc.kind, tc.in, got, err, tc.want)
		}
	}
}

func TestNormalizeObservableRejects(t *testing.T) {
	tests := []struct{ kind, in string }{
		{feed.KindIPv4, "2001:db8::1"},
		{feed.KindIPv4, "1.2.3"},
		{feed.KindIPv4, "10.0.0.1/8"}, // host bits set
		{feed.KindIPv4, " 1.2.3.4"},
		{feed.KindIPv6, "198.51.100.7"},
		{feed.KindIPv6, "::ffff:1.2.3.4"},
		{feed.KindIPv6, "fe80::1%eth0"},
		{feed.KindDomain, "localhost"},
		{feed.KindDomain, "bad_name.example"},
		{feed.KindDomain, "-a.example"},
		{feed.KindDomain, "bücher.example"},
		{feed.KindURL, "example.com/path"},
		{feed.KindURL, "https://exa mple.com/"},
		{feed.KindEmail, "Bob <bob@example.com>"},
		{feed.KindEmail, "bob@"},
		{feed.KindMD5, "44d88612fea8a8f36de82e1278abb02"},
		{feed.KindSHA1, "zz95856ce81f2b7382dee72602f798b642f14140"},
		{feed.KindSHA256, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0"},
		{feed.KindWallet, "short"},
		{feed.KindWallet, "bc1q'; DROP"},
		{"ipv5", "1.2.3.4"},
		{feed.KindDomain, ""},
		{feed.KindURL, "A://\xed"},
		{feed.KindURL, "https://a.example/\x00"},
	}
	for _, tc := range tests {
		if got, err := feed.NormalizeObservable(tc.kind, tc.in); err == nil {
			t.Errorf("NormalizeObservable(%s, %q) = %q, want error", tc.kind, tc.in, got)
		}
	}
}

func TestCheckCurrency(t *testing.T) {
	for _, ok := range []string{"USD", "EUR", "BTC", "USDT", "ETH2"} {
		if err := feed.CheckCurrency(ok); err != nil {
			t.Errorf("CheckCurrency(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "usd", "U", "US$", "2BTC", "TOOLONGCODE1"} {
		if err := feed.CheckCurrency(bad); err == nil {
			t.Errorf("CheckCurrency(%q) succeeded", bad)
		}
	}
}
