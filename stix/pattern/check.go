package pattern

import (
	"fmt"
	"net/netip"
	"regexp/syntax"
	"strings"
)

// Object type names (STIX 2.1 §2.9 "type" property): 3 to 250 characters
// a–z, 0–9 and '-', no leading or trailing '-', no "--".
const (
	minTypeLen = 3
	maxTypeLen = 250
)

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
	if s[0] == '-' || s[len(s)-1] == '-' {
		return bad("cannot start or end with '-'")
	}
	if strings.Contains(s, "--") {
		return bad("cannot contain \"--\"")
	}
	return ""
}

// checkOperand validates the string operand of LIKE, MATCHES, ISSUBSET and
// ISSUPERSET.
func checkOperand(op Operator, s string) string {
	switch op {
	case OpMatches:
		return checkRegex(s)
	case OpIsSubset, OpIsSuperset:
		if _, err := netip.ParsePrefix(s); err == nil {
			return ""
		}
		if _, err := netip.ParseAddr(s); err == nil {
			return ""
		}
		return fmt.Sprintf("%s needs an IP address or CIDR block, not %q", op, s)
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
