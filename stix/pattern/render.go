package pattern

import (
	"strconv"
	"strings"
)

// String renders the pattern canonically: single spaces, "=" and "!=" for
// "==" and "<>", no comments, strings re-escaped, property keys quoted only
// when they are not plain identifiers, hex digits in lower case and numbers
// in their shortest form. Chains of one operator are written flat; a
// compound nested in a compound with another operator is always
// parenthesised, so neither readers nor other tools need to know that AND
// binds tighter than OR and OR tighter than FOLLOWEDBY. Parentheses that
// group nothing are dropped. Parse accepts the result and renders it
// identically again.
func (p *Pattern) String() string {
	if p == nil || p.Expr == nil {
		return ""
	}
	var b strings.Builder
	writeObservation(&b, p.Expr, false)
	return b.String()
}

// writeObservation writes e; nested is true for an operand of a compound.
func writeObservation(b *strings.Builder, e ObservationExpr, nested bool) {
	switch e := e.(type) {
	case *Observation:
		b.WriteByte('[')
		writeComparison(b, e.Comparison, false)
		b.WriteByte(']')
		writeQualifiers(b, e.Qualifiers)
	case *CompoundObservation:
		writeOperands(b, e.Op.String(), len(e.Qualifiers) > 0 || nested, e.Operands, writeObservation)
		writeQualifiers(b, e.Qualifiers)
	}
}

func writeQualifiers(b *strings.Builder, qs []Qualifier) {
	for _, q := range qs {
		b.WriteByte(' ')
		writeQualifier(b, q)
	}
}

// String renders the qualifier, e.g. "WITHIN 300 SECONDS".
func (q Qualifier) String() string {
	var b strings.Builder
	writeQualifier(&b, q)
	return b.String()
}

func writeQualifier(b *strings.Builder, q Qualifier) {
	switch q.Kind {
	case QualWithin:
		b.WriteString("WITHIN ")
		writeValue(b, q.Seconds)
		b.WriteString(" SECONDS")
	case QualRepeats:
		b.WriteString("REPEATS ")
		b.WriteString(strconv.FormatInt(q.Times, 10))
		b.WriteString(" TIMES")
	case QualStartStop:
		b.WriteString("START ")
		writeValue(b, q.Start)
		b.WriteString(" STOP ")
		writeValue(b, q.Stop)
	}
}

// writeComparison writes e; nested is true for an operand of a compound.
func writeComparison(b *strings.Builder, e ComparisonExpr, nested bool) {
	switch e := e.(type) {
	case *Comparison:
		writeTest(b, e)
	case *CompoundComparison:
		writeOperands(b, e.Op.String(), nested, e.Operands, writeComparison)
	}
}

// writeOperands writes the operands of a compound expression joined by
// op, each written as nested, the whole in parentheses when paren.
func writeOperands[E any](b *strings.Builder, op string, paren bool, operands []E, write func(*strings.Builder, E, bool)) {
	if paren {
		b.WriteByte('(')
	}
	for i, x := range operands {
		if i > 0 {
			b.WriteByte(' ')
			b.WriteString(op)
			b.WriteByte(' ')
		}
		write(b, x, true)
	}
	if paren {
		b.WriteByte(')')
	}
}

// String renders the comparison, e.g. "file:name NOT LIKE '%.exe'".
func (c *Comparison) String() string {
	var b strings.Builder
	writeTest(&b, c)
	return b.String()
}

func writeTest(b *strings.Builder, c *Comparison) {
	if c.Op == OpExists {
		b.WriteString("EXISTS ")
		writePath(b, c.Path)
		return
	}
	writePath(b, c.Path)
	if c.Negated {
		b.WriteString(" NOT")
	}
	b.WriteByte(' ')
	b.WriteString(c.Op.String())
	b.WriteByte(' ')
	writeValue(b, c.Value)
}

// String renders the path, e.g. "file:hashes.'SHA-256'".
func (op ObjectPath) String() string {
	var b strings.Builder
	writePath(&b, op)
	return b.String()
}

func writePath(b *strings.Builder, op ObjectPath) {
	b.WriteString(op.ObjectType)
	b.WriteByte(':')
	for i, s := range op.Steps {
		switch s.Kind {
		case StepKey:
			if i > 0 {
				b.WriteByte('.')
			}
			if isPlainKey(s.Key) {
				b.WriteString(s.Key)
			} else {
				writeQuoted(b, s.Key)
			}
		case StepIndex:
			b.WriteByte('[')
			b.WriteString(strconv.FormatInt(s.Index, 10))
			b.WriteByte(']')
		case StepAnyIndex:
			b.WriteString("[*]")
		}
	}
}

// isPlainKey reports whether a key can be written without quotes: an
// identifier without '-' that is not a reserved word.
func isPlainKey(k string) bool {
	if k == "" || !isIdentStart(k[0]) {
		return false
	}
	for i := 1; i < len(k); i++ {
		if c := k[i]; !isIdentStart(c) && !isDigit(c) {
			return false
		}
	}
	_, reserved := keywords[k]
	return !reserved
}

// String renders the constant as it would appear in a pattern.
func (v Value) String() string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v Value) {
	switch v.Kind {
	case KindString:
		writeQuoted(b, v.Str)
	case KindInt:
		b.WriteString(strconv.FormatInt(v.Int, 10))
	case KindFloat:
		s := strconv.FormatFloat(v.Float, 'f', -1, 64)
		b.WriteString(s)
		if !strings.Contains(s, ".") {
			b.WriteString(".0")
		}
	case KindBool:
		b.WriteString(strconv.FormatBool(v.Bool))
	case KindHex, KindBinary, KindTimestamp:
		b.WriteString(valuePrefix[v.Kind])
		b.WriteString(v.Str)
		b.WriteByte('\'')
	case KindSet:
		b.WriteByte('(')
		for i, m := range v.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			writeValue(b, m)
		}
		b.WriteByte(')')
	}
}

var valuePrefix = map[ValueKind]string{KindHex: "h'", KindBinary: "b'", KindTimestamp: "t'"}

// writeQuoted writes s as a pattern string literal, escaping ' and \.
func writeQuoted(b *strings.Builder, s string) {
	b.WriteByte('\'')
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\'' || c == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('\'')
}
