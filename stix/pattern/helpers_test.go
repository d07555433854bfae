package pattern_test

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix/pattern"
)

// corpusLine is one non-comment line of a testdata corpus.
type corpusLine struct {
	line int
	text string
}

// readCorpus returns the non-blank lines of a testdata file that do not
// start with '#'.
func readCorpus(tb testing.TB, name string) []corpusLine {
	tb.Helper()
	f, err := os.Open(name)
	if err != nil {
		tb.Fatalf("open corpus: %v", err)
	}
	defer f.Close()
	var out []corpusLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		t := sc.Text()
		if strings.TrimSpace(t) == "" || strings.HasPrefix(t, "#") {
			continue
		}
		out = append(out, corpusLine{line: n, text: t})
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("read %s: %v", name, err)
	}
	if len(out) == 0 {
		tb.Fatalf("%s: empty corpus", name)
	}
	return out
}

// dump renders the tree of a pattern, one node per line, for golden files
// and for comparing trees. Offsets are included only when withOffsets is set,
// so that trees of differently formatted sources can be compared.
func dump(p *pattern.Pattern, withOffsets bool) string {
	var b strings.Builder
	var obs func(e pattern.ObservationExpr, depth int)
	var cmp func(e pattern.ComparisonExpr, depth int)
	indent := func(d int) { b.WriteString(strings.Repeat("  ", d)) }
	quals := func(qs []pattern.Qualifier) string {
		if len(qs) == 0 {
			return ""
		}
		parts := make([]string, len(qs))
		for i, q := range qs {
			switch q.Kind {
			case pattern.QualWithin:
				parts[i] = fmt.Sprintf("WITHIN(%s %s)", q.Seconds.Kind, q.Seconds)
			case pattern.QualRepeats:
				parts[i] = fmt.Sprintf("REPEATS(%d)", q.Times)
			case pattern.QualStartStop:
				parts[i] = fmt.Sprintf("START(%s) STOP(%s)", q.Start.Time.Format("2006-01-02T15:04:05.999999999Z07:00"), q.Stop.Time.Format("2006-01-02T15:04:05.999999999Z07:00"))
			}
		}
		return " qualifiers=[" + strings.Join(parts, ", ") + "]"
	}
	obs = func(e pattern.ObservationExpr, depth int) {
		indent(depth)
		switch e := e.(type) {
		case *pattern.Observation:
			b.WriteString("observation")
			if withOffsets {
				fmt.Fprintf(&b, " @%d", e.Offset)
			}
			b.WriteString(quals(e.Qualifiers) + "\n")
			cmp(e.Comparison, depth+1)
		case *pattern.CompoundObservation:
			b.WriteString(e.Op.String() + quals(e.Qualifiers) + "\n")
			for _, x := range e.Operands {
				obs(x, depth+1)
			}
		default:
			fmt.Fprintf(&b, "?? %T\n", e)
		}
	}
	cmp = func(e pattern.ComparisonExpr, depth int) {
		indent(depth)
		switch e := e.(type) {
		case *pattern.Comparison:
			b.WriteString("comparison")
			if withOffsets {
				fmt.Fprintf(&b, " @%d", e.Offset)
			}
			fmt.Fprintf(&b, " type=%s path=%s", e.Path.ObjectType, steps(e.Path))
			if e.Negated {
				b.WriteString(" NOT")
			}
			fmt.Fprintf(&b, " op(%s)", e.Op)
			if e.Op != pattern.OpExists {
				fmt.Fprintf(&b, " value=%s", value(e.Value))
			}
			b.WriteByte('\n')
		case *pattern.CompoundComparison:
			b.WriteString(e.Op.String() + "\n")
			for _, x := range e.Operands {
				cmp(x, depth+1)
			}
		default:
			fmt.Fprintf(&b, "?? %T\n", e)
		}
	}
	obs(p.Expr, 0)
	return b.String()
}

// steps renders path steps unambiguously: keys quoted with %q, indexes in
// brackets.
func steps(p pattern.ObjectPath) string {
	var parts []string
	for _, s := range p.Steps {
		switch s.Kind {
		case pattern.StepKey:
			parts = append(parts, fmt.Sprintf("%q", s.Key))
		case pattern.StepIndex:
			parts = append(parts, fmt.Sprintf("[%d]", s.Index))
		case pattern.StepAnyIndex:
			parts = append(parts, "[*]")
		}
	}
	return strings.Join(parts, "/")
}

// value renders a constant with its kind and decoded content.
func value(v pattern.Value) string {
	switch v.Kind {
	case pattern.KindString:
		return fmt.Sprintf("string(%q)", v.Str)
	case pattern.KindInt:
		return fmt.Sprintf("int(%d)", v.Int)
	case pattern.KindFloat:
		return fmt.Sprintf("float(%g)", v.Float)
	case pattern.KindBool:
		return fmt.Sprintf("bool(%t)", v.Bool)
	case pattern.KindHex:
		return fmt.Sprintf("hex(%s)", v.Str)
	case pattern.KindBinary:
		return fmt.Sprintf("binary(%s)", v.Str)
	case pattern.KindTimestamp:
		return fmt.Sprintf("timestamp(%s)", v.Time.Format("2006-01-02T15:04:05.999999999Z07:00"))
	case pattern.KindSet:
		parts := make([]string, len(v.Set))
		for i, m := range v.Set {
			parts[i] = value(m)
		}
		return "set(" + strings.Join(parts, ", ") + ")"
	}
	return fmt.Sprintf("?kind(%d)", v.Kind)
}

// mustParse parses s or fails the test.
func mustParse(tb testing.TB, s string) *pattern.Pattern {
	tb.Helper()
	p, err := pattern.Parse(s)
	if err != nil {
		tb.Fatalf("Parse(%q): %v", s, err)
	}
	return p
}
