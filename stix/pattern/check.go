package pattern

import (
	"fmt"
	"net/netip"
	"regexp/syntax"
	"strings"
)

// Object type names (STIX 2.1 §3.1 and the requirements for extension and
// custom object types): 3 to 250 characters of a–z, 0–9 and '-', starting
// with a letter, not ending in '-', without "--".
const (
	minTypeLen = 3
	maxTypeLen = 250
)

// checkObjectType returns why s is not a valid object type name, or "".
func checkObjectType(s string) string {
	bad := func(why string) string { return fmt.Sprintf("invalid object type %q: %s", s, why) }
	if len(s) < minTypeLen || len(s) > maxTypeLen {
		return bad(fmt.Sprintf("must be %d to %d characters", minTypeLen, maxTypeLen))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || isDigit(c) || c == '-') {
			return bad("only a-z, 0-9 and '-' are allowed")
		}
	}
	if s[0] < 'a' || s[0] > 'z' {
		return bad("must start with a letter")
	}
	if s[len(s)-1] == '-' {
		return bad("cannot end with '-'")
	}
	if strings.Contains(s, "--") {
		return bad("cannot contain \"--\"")
	}
	return ""
}

// checkOperand validates the string operand of LIKE, MATCHES, ISSUBSET and
// ISSUPERSET compared with path.
func checkOperand(op Operator, path ObjectPath, s string) string {
	switch op {
	case OpMatches:
		return checkRegex(s)
	case OpIsSubset, OpIsSuperset:
		// STIX 2.1 §9.6.1: an address or CIDR block; for ipv4-addr:value
		// and ipv6-addr:value, of that address family. Other paths (such
		// as network-traffic:dst_ref.value) may dereference either family.
		var addr netip.Addr
		if p, err := netip.ParsePrefix(s); err == nil {
			addr = p.Addr()
		} else if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
			addr = a
		} else {
			return fmt.Sprintf("%s needs an IP address or CIDR block, not %q", op, s)
		}
		if len(path.Steps) == 1 && path.Steps[0].Key == "value" {
			switch {
			case path.ObjectType == "ipv4-addr" && !addr.Is4():
				return fmt.Sprintf("%s on ipv4-addr:value needs an IPv4 address or CIDR block, not %q", op, s)
			case path.ObjectType == "ipv6-addr" && !addr.Is6():
				return fmt.Sprintf("%s on ipv6-addr:value needs an IPv6 address or CIDR block, not %q", op, s)
			}
		}
	}
	// LIKE: any string is a valid SQL LIKE pattern ('%' and '_').
	return ""
}

// checkRegex approximates PCRE validation with Go's RE2 parser. STIX says
// MATCHES takes a PCRE regular expression; RE2 is a subset of PCRE, so a
// pattern RE2 rejects may still be valid PCRE. We therefore reject only
// errors that are errors in PCRE too (unbalanced parentheses or brackets,
// nothing to repeat, a trailing backslash, a bad character class range) and
// accept, unchecked, the PCRE-only constructs RE2 does not support:
// lookaround and atomic groups ("(?=", "(?!", "(?<=", "(?<!", "(?>"),
// backreferences and PCRE-only escapes ("\1", "\Z", "\h"…), possessive
// quantifiers ("a++") and repeat counts above RE2's 1000.
func checkRegex(s string) string {
	_, err := syntax.Parse(s, syntax.Perl)
	if err == nil {
		return ""
	}
	se, ok := err.(*syntax.Error)
	if !ok {
		return "invalid regular expression: " + err.Error()
	}
	switch se.Code {
	case syntax.ErrInvalidPerlOp, syntax.ErrInvalidEscape, syntax.ErrInvalidRepeatSize,
		syntax.ErrNestingDepth, syntax.ErrLarge:
		return ""
	case syntax.ErrInvalidNamedCapture:
		// RE2 reads "(?<" as a named group, so lookbehind lands here.
		if strings.HasPrefix(se.Expr, "(?<=") || strings.HasPrefix(se.Expr, "(?<!") {
			return ""
		}
	case syntax.ErrInvalidRepeatOp:
		// Possessive quantifiers (*+, ++, ?+, {n}+) are PCRE; "**" is not.
		if strings.HasSuffix(se.Expr, "+") {
			return ""
		}
	}
	return fmt.Sprintf("invalid regular expression: %s: `%s`", se.Code, se.Expr)
}

// hashLengths gives the hex length of each fixed-size algorithm of the STIX
// 2.1 hashing algorithm vocabulary (§10.7); §2.7 requires hash values to be
// in the algorithm's format. SSDEEP and TLSH values have no fixed length and
// are not checked, nor are custom algorithm names.
var hashLengths = map[string]int{
	"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, "SHA3-256": 64, "SHA3-512": 128,
}

// hashCheck returns a check for the constants compared with path by =, !=
// or IN when path names a hash, such as file:hashes.'SHA-256' or
// artifact:hashes.MD5: string values must be hex digits of the algorithm's
// length. It returns nil for other paths.
func hashCheck(path ObjectPath) func(Value) string {
	n := len(path.Steps)
	if n < 2 || path.Steps[n-1].Kind != StepKey || path.Steps[n-2].Kind != StepKey || path.Steps[n-2].Key != "hashes" {
		return nil
	}
	algo := path.Steps[n-1].Key
	want, ok := hashLengths[algo]
	if !ok {
		return nil
	}
	return func(v Value) string {
		if v.Kind != KindString {
			return ""
		}
		if len(v.Str) != want || checkHex(v.Str) != "" {
			return fmt.Sprintf("%s is not a valid %s hash: want %d hex digits", v, algo, want)
		}
		return ""
	}
}
