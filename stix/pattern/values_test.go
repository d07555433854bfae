package pattern_test

import (
	"testing"
	"time"

	"github.com/heraldcti/herald/stix/pattern"
)

// TestConstants checks how each constant kind is decoded into a Value.
func TestConstants(t *testing.T) {
	tests := []struct {
		lit  string
		want string // value() rendering from helpers_test.go
	}{
		{`'plain'`, `string("plain")`},
		{`'it\'s'`, `string("it's")`},
		{`'C:\\Windows'`, `string("C:\\Windows")`},
		{`'multi` + "\n" + `line'`, `string("multi\nline")`},
		{`''`, `string("")`},
		{`42`, `int(42)`},
		{`-42`, `int(-42)`},
		{`9223372036854775807`, `int(9223372036854775807)`},
		{`-9223372036854775808`, `int(-9223372036854775808)`},
		{`1.5`, `float(1.5)`},
		{`-.5`, `float(-0.5)`},
		{`true`, `bool(true)`},
		{`false`, `bool(false)`},
		{`h'DEADbeef'`, `hex(deadbeef)`},
		{`h''`, `hex()`},
		{`b'dGhpcyBpcyBhIHRlc3Q='`, `binary(dGhpcyBpcyBhIHRlc3Q=)`},
		{`t'2016-06-01T01:30:00.123Z'`, `timestamp(2016-06-01T01:30:00.123Z)`},
		{`t'2016-12-31T23:59:60Z'`, `timestamp(2017-01-01T00:00:00Z)`},
	}
	for _, tc := range tests {
		p := mustParse(t, "[abc:x = "+tc.lit+"]")
		c := p.Comparisons()[0]
		if got := value(c.Value); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.lit, got, tc.want)
		}
	}
}

func TestQualifierValues(t *testing.T) {
	p := mustParse(t, "[abc:x = 1] REPEATS 3 TIMES WITHIN 2.5 SECONDS START t'2016-06-01T00:00:00Z' STOP t'2016-06-02T00:00:00.5Z'")
	qs := p.Expr.Quals()
	if len(qs) != 3 {
		t.Fatalf("%d qualifiers, want 3", len(qs))
	}
	if qs[0].Kind != pattern.QualRepeats || qs[0].Times != 3 {
		t.Errorf("first qualifier = %+v, want REPEATS 3", qs[0])
	}
	if qs[1].Kind != pattern.QualWithin || qs[1].Seconds.Kind != pattern.KindFloat || qs[1].Seconds.Float != 2.5 {
		t.Errorf("second qualifier = %+v, want WITHIN 2.5", qs[1])
	}
	start := time.Date(2016, 6, 1, 0, 0, 0, 0, time.UTC)
	stop := time.Date(2016, 6, 2, 0, 0, 0, 5e8, time.UTC)
	if qs[2].Kind != pattern.QualStartStop || !qs[2].Start.Time.Equal(start) || !qs[2].Stop.Time.Equal(stop) {
		t.Errorf("third qualifier = %+v, want START %v STOP %v", qs[2], start, stop)
	}
	want := []string{"REPEATS 3 TIMES", "WITHIN 2.5 SECONDS", "START t'2016-06-01T00:00:00Z' STOP t'2016-06-02T00:00:00.5Z'"}
	for i, q := range qs {
		if got := q.String(); got != want[i] {
			t.Errorf("qualifier %d String() = %q, want %q", i, got, want[i])
		}
	}
}

func TestOperatorsAndNegation(t *testing.T) {
	tests := []struct {
		src     string
		op      pattern.Operator
		negated bool
	}{
		{"[abc:x = 1]", pattern.OpEqual, false},
		{"[abc:x == 1]", pattern.OpEqual, false},
		{"[abc:x NOT = 1]", pattern.OpEqual, true},
		{"[abc:x != 1]", pattern.OpNotEqual, false},
		{"[abc:x <> 1]", pattern.OpNotEqual, false},
		{"[abc:x < 1]", pattern.OpLess, false},
		{"[abc:x <= 1]", pattern.OpLessEqual, false},
		{"[abc:x > 1]", pattern.OpGreater, false},
		{"[abc:x NOT >= 1]", pattern.OpGreaterEqual, true},
		{"[abc:x IN (1)]", pattern.OpIn, false},
		{"[abc:x NOT IN (1)]", pattern.OpIn, true},
		{"[abc:x LIKE 'a%']", pattern.OpLike, false},
		{"[abc:x NOT LIKE 'a_']", pattern.OpLike, true},
		{"[abc:x MATCHES 'a+']", pattern.OpMatches, false},
		{"[abc:x ISSUBSET '10.0.0.0/8']", pattern.OpIsSubset, false},
		{"[abc:x NOT ISSUPERSET '::1']", pattern.OpIsSuperset, true},
		{"[EXISTS abc:x]", pattern.OpExists, false},
	}
	for _, tc := range tests {
		c := mustParse(t, tc.src).Comparisons()[0]
		if c.Op != tc.op || c.Negated != tc.negated {
			t.Errorf("%s: op %v negated %v, want %v %v", tc.src, c.Op, c.Negated, tc.op, tc.negated)
		}
	}
}

// TestRegexApproximation documents how MATCHES operands are checked: RE2
// syntax errors that are errors in PCRE too are rejected; PCRE-only
// constructs RE2 cannot parse are accepted unchecked.
func TestRegexApproximation(t *testing.T) {
	accepted := []string{
		`^Final Report.+\.exe$`,
		`(?i)powershell(\.exe)?\s+-enc`,
		`foo(?=bar)`,         // lookahead
		`(?<!x)y`,            // lookbehind
		`(a)\1`,              // backreference
		`a++b`,               // possessive quantifier
		`\Aabc\Z`,            // \Z
		`(?>atomic)`,         // atomic group
		`x{1,5000}`,          // repeat count above RE2's limit
		`(?<name>x)\k<name>`, // named group and PCRE named backreference
	}
	rejected := []string{
		`(unclosed`,
		`unopened)`,
		`[unclosed`,
		`*nothing`,
		`a**`,
		`[z-a]`,
		`trailing\`,
	}
	for _, re := range accepted {
		src := "[abc:x MATCHES '" + escape(re) + "']"
		if _, err := pattern.Parse(src); err != nil {
			t.Errorf("MATCHES %s rejected: %v", re, err)
		}
	}
	for _, re := range rejected {
		src := "[abc:x MATCHES '" + escape(re) + "']"
		if _, err := pattern.Parse(src); err == nil {
			t.Errorf("MATCHES %s accepted, want an invalid regular expression error", re)
		}
	}
}

// TestSubsetOperands checks the operands of ISSUBSET and ISSUPERSET: an
// address or CIDR block, of the path's family for ipv4-addr and ipv6-addr.
func TestSubsetOperands(t *testing.T) {
	tests := []struct {
		path, operand string
		ok            bool
	}{
		{"ipv4-addr:value", "198.51.100.0/24", true},
		{"ipv4-addr:value", "198.51.100.1", true},
		{"ipv4-addr:value", "10.1.2.3/8", true},
		{"ipv6-addr:value", "2001:db8::/32", true},
		{"ipv6-addr:value", "2001:0db8:dead:beef:0000:0000:0000:0000/64", true},
		{"ipv6-addr:value", "::1", true},
		{"network-traffic:dst_ref.value", "198.51.100.0/24", true},
		{"network-traffic:dst_ref.value", "2001:db8::/32", true},
		{"ipv4-addr:value", "2001:db8::/32", false},
		{"ipv6-addr:value", "198.51.100.0/24", false},
		{"ipv4-addr:value", "", false},
		{"ipv4-addr:value", "example.com", false},
		{"ipv4-addr:value", "198.51.100.0/33", false},
		{"ipv4-addr:value", "198.51.100", false},
		{"ipv4-addr:value", "300.1.1.1", false},
		{"ipv6-addr:value", "2001:db8::/129", false},
		{"ipv4-addr:value", "010.0.0.1", false},
		{"ipv6-addr:value", "fe80::1%eth0", false},
	}
	for _, tc := range tests {
		for _, op := range []string{"ISSUBSET", "NOT ISSUPERSET"} {
			src := "[" + tc.path + " " + op + " '" + tc.operand + "']"
			_, err := pattern.Parse(src)
			if tc.ok && err != nil {
				t.Errorf("%s: %v", src, err)
			}
			if !tc.ok && err == nil {
				t.Errorf("%s accepted", src)
			}
		}
	}
}

// escape writes s as the body of a pattern string literal.
func escape(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}
