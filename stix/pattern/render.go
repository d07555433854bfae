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
		paren := len(e.Qualifiers) > 0 || nested
		if paren {
			b.WriteByte('(')
		}
		for i, x := range e.Operands {
			if i > 0 {
				b.WriteByte(' ')
				b.WriteString(e.Op.String())
				b.WriteByte(' ')
			}
			writeObservation(b, x, true)
		}
		if paren {
			b.WriteByte(')')
		}
		writeQualifiers(b, e.Qualifiers)
	}
}

func writeQualifiers(b *strings.Builder, qs []Qualifier) {
	for _, q := range qs {
		b.WriteByte(' ')
		b.WriteString(q.String())
	}
}

// String renders the qualifier, e.g. "WITHIN 300 SECONDS".
func (q Qualifier) String() string {
	switch q.Kind {
	case QualWithin:
		return "WITHIN " + q.Seconds.String() + " SECONDS"
	case QualRepeats:
		return "REPEATS " + strconv.FormatInt(q.Times, 10) + " TIMES"
	case QualStartStop:
		return "START " + q.Start.String() + " STOP " + q.Stop.String()
	}
	return ""
}

// writeComparison writes e; nested is true for an operand of a compound.
func writeComparison(b *strings.Builder, e ComparisonExpr, nested bool) {
	switch e := e.(type) {
	case *Comparison:
		b.WriteString(e.String())
	case *CompoundComparison:
		paren := nested
		if paren {
			b.WriteByte('(')
		}
		for i, x := range e.Operands {
			if i > 0 {
				b.WriteByte(' ')
				b.WriteString(e.Op.String())
				b.WriteByte(' ')
			}
			writeComparison(b, x, true)
		}
		if paren {
			b.WriteByte(')')
		}
	}
}

// String renders the comparison, e.g. "file:name NOT LIKE '%.exe'".
func (c *Comparison) String() string {
	if c.Op == OpExists {
		return "EXISTS " + c.Path.String()
	}
	var b strings.Builder
	b.WriteString(c.Path.String())
	if c.Negated {
		b.WriteString(" NOT")
	}
	b.WriteByte(' ')
	b.WriteString(c.Op.String())
	b.WriteByte(' ')
	b.WriteString(c.Value.String())
	return b.String()
}

// String renders the path, e.g. "file:hashes.'SHA-256'".
func (op ObjectPath) String() string {
	var b strings.Builder
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
				writeQuoted(&b, s.Key)
			}
		case StepIndex:
			b.WriteByte('[')
			b.WriteString(strconv.FormatInt(s.Index, 10))
			b.WriteByte(']')
		case StepAnyIndex:
			b.WriteString("[*]")
		}
	}
	return b.String()
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
	switch v.Kind {
	case KindString:
		var b strings.Builder
		writeQuoted(&b, v.Str)
		return b.String()
	case KindInt:
		return strconv.FormatInt(v.Int, 10)
	case KindFloat:
		s := strconv.FormatFloat(v.Float, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	case KindBool:
		return strconv.FormatBool(v.Bool)
	case KindHex:
		return "h'" + v.Str + "'"
	case KindBinary:
		return "b'" + v.Str + "'"
	case KindTimestamp:
		return "t'" + v.Str + "'"
	case KindSet:
		var b strings.Builder
		b.WriteByte('(')
		for i, m := range v.Set {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(m.String())
		}
		b.WriteByte(')')
		return b.String()
	}
	return ""
}

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
