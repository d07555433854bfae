package feed

import (
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	reHex         = regexp.MustCompile(`^[0-9a-fA-F]+$`)
	reDomainLabel = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)
	reWallet      = regexp.MustCompile(`^[A-Za-z0-9]{8,128}$`)
	reCurrency    = regexp.MustCompile(`^[A-Z][A-Z0-9]{1,9}$`)
)

// NormalizeObservable checks a shorthand value of the given kind and returns
// it in canonical form (lower-case domains and hashes, IP prefixes in
// canonical notation). The stix package uses it too, for `herald indicator
// add`, so both doors accept exactly the same values.
func NormalizeObservable(kind, value string) (string, error) {
	if value == "" {
		return "", errors.New("value is empty")
	}
	if strings.TrimSpace(value) != value {
		return "", errors.New("value has leading or trailing white space")
	}
	if !utf8.ValidString(value) {
		return "", errors.New("value is not valid UTF-8")
	}
	if i := strings.IndexFunc(value, unicode.IsControl); i >= 0 {
		return "", fmt.Errorf("value %q has a control character at byte %d", value, i)
	}
	switch kind {
	case KindIPv4, KindIPv6:
		return normalizeIP(kind, value)
	case KindDomain:
		return normalizeDomain(value)
	case KindURL:
		return normalizeURL(value)
	case KindEmail:
		a, err := mail.ParseAddress(value)
		if err != nil || a.Address != value || a.Name != "" {
			return "", fmt.Errorf("%q is not a bare e-mail address (user@example.com)", value)
		}
		at := strings.LastIndexByte(value, '@')
		if _, err := normalizeDomain(strings.ToLower(value[at+1:])); err != nil {
			return "", fmt.Errorf("%q: domain part: %w", value, err)
		}
		return value, nil
	case KindMD5, KindSHA1, KindSHA256:
		want := map[string]int{KindMD5: 32, KindSHA1: 40, KindSHA256: 64}[kind]
		if len(value) != want || !reHex.MatchString(value) {
			return "", fmt.Errorf("%s must be %d hexadecimal digits, got %q (%d characters)", kind, want, value, len(value))
		}
		return strings.ToLower(value), nil
	case KindWallet:
		if !reWallet.MatchString(value) {
			return "", fmt.Errorf("%q is not a wallet address: 8 to 128 letters and digits", value)
		}
		return value, nil
	}
	return "", fmt.Errorf("unknown observable kind %q", kind)
}

// CheckCurrency checks a currency code: ISO 4217 (USD) or a cryptocurrency
// ticker (BTC, USDT), upper case.
func CheckCurrency(code string) error {
	if !reCurrency.MatchString(code) {
		return fmt.Errorf("%q is not a currency code: write it in upper case, e.g. USD or BTC", code)
	}
	return nil
}

func normalizeIP(kind, value string) (string, error) {
	want4 := kind == KindIPv4
	if strings.Contains(value, "/") {
		p, err := netip.ParsePrefix(value)
		if err != nil {
			return "", fmt.Errorf("%q is not a valid %s CIDR block: %w", value, kind, err)
		}
		if p.Addr().Is4() != want4 || p.Addr().Is4In6() {
			return "", fmt.Errorf("%q is not an %s CIDR block", value, kind)
		}
		if p.Masked() != p {
			return "", fmt.Errorf("%q has host bits set; the network is %s", value, p.Masked())
		}
		return p.String(), nil
	}
	a, err := netip.ParseAddr(value)
	if err != nil {
		return "", fmt.Errorf("%q is not a valid %s address", value, kind)
	}
	if a.Zone() != "" {
		return "", fmt.Errorf("%q has a zone, which STIX cannot carry", value)
	}
	if a.Is4() != want4 || a.Is4In6() {
		return "", fmt.Errorf("%q is not an %s address", value, kind)
	}
	return a.String(), nil
}

func normalizeDomain(value string) (string, error) {
	d := strings.ToLower(strings.TrimSuffix(value, "."))
	if len(d) > 253 {
		return "", fmt.Errorf("domain %q is longer than 253 characters", value)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return "", fmt.Errorf("domain %q has no dot; write the full name, e.g. example.com", value)
	}
	for _, l := range labels {
		if !reDomainLabel.MatchString(l) {
			return "", fmt.Errorf("domain %q has an invalid label %q (letters, digits and inner hyphens; IDNs in xn-- form)", value, l)
		}
	}
	return d, nil
}

func normalizeURL(value string) (string, error) {
	if strings.ContainsAny(value, " \t\r\n") {
		return "", fmt.Errorf("url %q contains white space", value)
	}
	u, err := url.Parse(value)
	if err != nil {
		return "", fmt.Errorf("url %q: %w", value, err)
	}
	if u.Scheme == "" || u.Host == "" {
		return "", fmt.Errorf("url %q must be absolute, with a scheme and a host", value)
	}
	return value, nil
}
