package pattern

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Limits on the input, so that hostile patterns cost bounded time and
// stack. Real indicators are far below both.
const (
	// MaxLength is the longest pattern Parse accepts, in bytes.
	MaxLength = 1 << 20
	// MaxDepth is the deepest nesting of brackets and parentheses Parse
	// accepts.
	MaxDepth = 100
)

// Parse parses a STIX 2.1 pattern (STIX 2.1 §9, grammar STIXPattern.g4).
//
// Besides the grammar it checks what the specification requires of the
// constants and operators: object types are valid STIX type names, integers
// fit in 64 bits, hex and base64 binaries are well formed, timestamps are
// RFC 3339 UTC with a real date, MATCHES takes a regular expression,
// ISSUBSET/ISSUPERSET take an IP address or CIDR block, WITHIN and REPEATS
// are positive, STOP is after START, and no expression repeats a qualifier
// kind.
//
// The error, when not nil, is a *SyntaxError.
func Parse(s string) (*Pattern, error) {
	p, err := parse(s)
	if err != nil {
		return nil, err
	}
	return p, nil
}

func parse(s string) (*Pattern, *SyntaxError) {
	if len(s) > MaxLength {
		return nil, newError(s, 0, "", "", fmt.Sprintf("pattern is %d bytes, longer than the limit of %d", len(s), MaxLength))
	}
	if !utf8.ValidString(s) {
		off := 0
		for off < len(s) {
			r, size := utf8.DecodeRuneInString(s[off:])
			if r == utf8.RuneError && size <= 1 {
				break
			}
			off += size
		}
		return nil, newError(s, off, "", "", "invalid UTF-8")
	}
	p := &parser{lx: lexer{src: s}}
	if err := p.advance(); err != nil {
		return nil, err
	}
	expr, err := p.observations(ObsFollowedBy, false)
	if err != nil {
		return nil, err
	}
	if p.tok.kind != tEOF {
		return nil, p.unexpected("AND, OR, FOLLOWEDBY, a qualifier or end of input")
	}
	return &Pattern{Expr: expr}, nil
}

// parser is a recursive-descent parser with one token of lookahead.
type parser struct {
	lx    lexer
	tok   token
	depth int
}

func (p *parser) advance() *SyntaxError {
	t, err := p.lx.next()
	if err != nil {
		return err
	}
	p.tok = t
	return nil
}

// unexpected reports that the current token is not what the grammar allows.
func (p *parser) unexpected(expected string) *SyntaxError {
	return newError(p.lx.src, p.tok.pos, expected, describe(p.tok.text), "")
}

// badLiteral reports a constant whose content literalValue rejected.
func (p *parser) badLiteral(t token, why string) *SyntaxError {
	return p.invalid(t, "invalid "+literalName(t.kind)+" "+describe(t.text)+": "+why)
}

// invalid reports a well-formed token whose content is wrong.
func (p *parser) invalid(t token, msg string) *SyntaxError {
	return newError(p.lx.src, t.pos, "", describe(t.text), msg)
}

func (p *parser) enter() *SyntaxError {
	p.depth++
	if p.depth > MaxDepth {
		return newError(p.lx.src, p.tok.pos, "", "", fmt.Sprintf("nesting deeper than %d levels", MaxDepth))
	}
	return nil
}

var obsOpToken = map[ObservationOp]tokenKind{ObsFollowedBy: tFOLLOWEDBY, ObsOr: tOR, ObsAnd: tAND}

// observations parses observation expressions joined by op or any operator
// binding tighter: FOLLOWEDBY < OR < AND < qualified unit.
func (p *parser) observations(op ObservationOp, inParen bool) (ObservationExpr, *SyntaxError) {
	operand := func() (ObservationExpr, *SyntaxError) {
		if op == ObsAnd {
			return p.observationUnit(inParen)
		}
		return p.observations(op+1, inParen)
	}
	first, err := operand()
	if err != nil {
		return nil, err
	}
	kw := obsOpToken[op]
	if p.tok.kind != kw {
		return first, nil
	}
	c := &CompoundObservation{Op: op, Operands: appendObservation(nil, first, op)}
	for p.tok.kind == kw {
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := operand()
		if err != nil {
			return nil, err
		}
		c.Operands = appendObservation(c.Operands, x, op)
	}
	return c, nil
}

// appendObservation adds x to the operands of an op node, splicing in the
// operands of an unqualified node with the same operator: AND, OR and
// FOLLOWEDBY are associative, so (A AND B) AND C is A AND B AND C.
func appendObservation(list []ObservationExpr, x ObservationExpr, op ObservationOp) []ObservationExpr {
	if c, ok := x.(*CompoundObservation); ok && c.Op == op && len(c.Qualifiers) == 0 {
		return append(list, c.Operands...)
	}
	return append(list, x)
}

// observationUnit parses "[ comparisons ]" or "( observations )", then any
// qualifiers.
func (p *parser) observationUnit(inParen bool) (ObservationExpr, *SyntaxError) {
	var expr ObservationExpr
	switch p.tok.kind {
	case tLBrack:
		if err := p.enter(); err != nil {
			return nil, err
		}
		obs := &Observation{Offset: p.tok.pos}
		if err := p.advance(); err != nil {
			return nil, err
		}
		cmp, err := p.comparisons(BoolOr, false)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRBrack {
			return nil, p.unexpected("AND, OR or ']'")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.depth--
		obs.Comparison = cmp
		expr = obs
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.observations(ObsFollowedBy, true)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("AND, OR, FOLLOWEDBY, a qualifier or ')'")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.depth--
		expr = inner
	default:
		return nil, p.unexpected("'[' or '(' starting an observation expression")
	}
	return expr, p.qualifiers(expr)
}

// qualifiers parses WITHIN, REPEATS and START/STOP qualifiers following an
// observation expression and appends them to it.
func (p *parser) qualifiers(expr ObservationExpr) *SyntaxError {
	for {
		start := p.tok
		var q Qualifier
		switch start.kind {
		case tWITHIN:
			if err := p.advance(); err != nil {
				return err
			}
			v, err := p.positiveNumber("a positive number of seconds", true)
			if err != nil {
				return err
			}
			if p.tok.kind != tSECONDS {
				return p.unexpected("SECONDS")
			}
			q = Qualifier{Kind: QualWithin, Seconds: v}
		case tREPEATS:
			if err := p.advance(); err != nil {
				return err
			}
			v, err := p.positiveNumber("a positive integer", false)
			if err != nil {
				return err
			}
			if p.tok.kind != tTIMES {
				return p.unexpected("TIMES")
			}
			q = Qualifier{Kind: QualRepeats, Times: v.Int}
		case tSTART:
			if err := p.advance(); err != nil {
				return err
			}
			startTok := p.tok
			begin, err := p.timestamp()
			if err != nil {
				return err
			}
			if p.tok.kind != tSTOP {
				return p.unexpected("STOP")
			}
			if err := p.advance(); err != nil {
				return err
			}
			stopTok := p.tok
			end, err := p.timestamp()
			if err != nil {
				return err
			}
			if !end.Time.After(begin.Time) {
				return p.invalid(stopTok, fmt.Sprintf("STOP %s is not after START %s", stopTok.text, startTok.text))
			}
			q = Qualifier{Kind: QualStartStop, Start: begin, Stop: end}
			// timestamp() has already moved past the STOP value.
			if err := attachQualifier(p, expr, q, start); err != nil {
				return err
			}
			continue
		default:
			return nil
		}
		if err := p.advance(); err != nil {
			return err
		}
		if err := attachQualifier(p, expr, q, start); err != nil {
			return err
		}
	}
}

func attachQualifier(p *parser, expr ObservationExpr, q Qualifier, at token) *SyntaxError {
	for _, old := range expr.Quals() {
		if old.Kind == q.Kind {
			return p.invalid(at, fmt.Sprintf("duplicate %s qualifier on the same observation expression", q.Kind))
		}
	}
	switch e := expr.(type) {
	case *Observation:
		e.Qualifiers = append(e.Qualifiers, q)
	case *CompoundObservation:
		e.Qualifiers = append(e.Qualifiers, q)
	}
	return nil
}

// positiveNumber parses the count of WITHIN (integer or float) or REPEATS
// (integer only); it must be greater than zero.
func (p *parser) positiveNumber(expected string, allowFloat bool) (Value, *SyntaxError) {
	t := p.tok
	if !(t.kind == tInt || allowFloat && t.kind == tFloat) || strings.HasPrefix(t.text, "-") {
		return Value{}, p.unexpected(expected)
	}
	v, msg := literalValue(t)
	if msg != "" {
		return Value{}, p.badLiteral(t, msg)
	}
	if v.Kind == KindInt && v.Int <= 0 || v.Kind == KindFloat && !(v.Float > 0) {
		return Value{}, newError(p.lx.src, t.pos, expected, describe(t.text), "")
	}
	return v, p.advance()
}

func (p *parser) timestamp() (Value, *SyntaxError) {
	t := p.tok
	if t.kind != tTimestamp {
		return Value{}, p.unexpected("a timestamp t'YYYY-MM-DDTHH:MM:SSZ'")
	}
	v, msg := literalValue(t)
	if msg != "" {
		return Value{}, p.badLiteral(t, msg)
	}
	return v, p.advance()
}

var boolOpToken = map[BoolOp]tokenKind{BoolOr: tOR, BoolAnd: tAND}

// comparisons parses comparison expressions joined by op or AND (which
// binds tighter than OR).
func (p *parser) comparisons(op BoolOp, inParen bool) (ComparisonExpr, *SyntaxError) {
	operand := func() (ComparisonExpr, *SyntaxError) {
		if op == BoolAnd {
			return p.comparisonUnit()
		}
		return p.comparisons(op+1, inParen)
	}
	first, err := operand()
	if err != nil {
		return nil, err
	}
	kw := boolOpToken[op]
	if p.tok.kind != kw {
		return first, nil
	}
	c := &CompoundComparison{Op: op, Operands: appendComparison(nil, first, op)}
	for p.tok.kind == kw {
		if err := p.advance(); err != nil {
			return nil, err
		}
		x, err := operand()
		if err != nil {
			return nil, err
		}
		c.Operands = appendComparison(c.Operands, x, op)
	}
	return c, nil
}

func appendComparison(list []ComparisonExpr, x ComparisonExpr, op BoolOp) []ComparisonExpr {
	if c, ok := x.(*CompoundComparison); ok && c.Op == op {
		return append(list, c.Operands...)
	}
	return append(list, x)
}

// comparisonUnit parses "( comparisons )", "EXISTS path" or
// "path [NOT] operator constant".
func (p *parser) comparisonUnit() (ComparisonExpr, *SyntaxError) {
	switch p.tok.kind {
	case tLParen:
		if err := p.enter(); err != nil {
			return nil, err
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		inner, err := p.comparisons(BoolOr, true)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRParen {
			return nil, p.unexpected("AND, OR or ')'")
		}
		if err := p.advance(); err != nil {
			return nil, err
		}
		p.depth--
		return inner, nil
	case tEXISTS:
		c := &Comparison{Op: OpExists, Offset: p.tok.pos}
		if err := p.advance(); err != nil {
			return nil, err
		}
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		c.Path = path
		return c, nil
	case tIdent:
		c := &Comparison{Offset: p.tok.pos}
		path, err := p.objectPath()
		if err != nil {
			return nil, err
		}
		c.Path = path
		return c, p.operatorAndValue(c)
	}
	return nil, p.unexpected("an object path, EXISTS or '('")
}

var operatorTokens = map[tokenKind]Operator{
	tEQ: OpEqual, tNEQ: OpNotEqual, tLT: OpLess, tLE: OpLessEqual, tGT: OpGreater,
	tGE: OpGreaterEqual, tIN: OpIn, tLIKE: OpLike, tMATCHES: OpMatches,
	tISSUBSET: OpIsSubset, tISSUPERSET: OpIsSuperset,
}

// operatorAndValue parses "[NOT] operator constant" after an object path.
func (p *parser) operatorAndValue(c *Comparison) *SyntaxError {
	if p.tok.kind == tNOT {
		c.Negated = true
		if err := p.advance(); err != nil {
			return err
		}
	}
	op, ok := operatorTokens[p.tok.kind]
	if !ok {
		if c.Negated {
			return p.unexpected("a comparison operator after NOT")
		}
		return p.unexpected("'.', '[' or a comparison operator")
	}
	c.Op = op
	if err := p.advance(); err != nil {
		return err
	}
	switch op {
	case OpIn:
		v, err := p.set()
		c.Value = v
		return err
	case OpLike, OpMatches, OpIsSubset, OpIsSuperset:
		t := p.tok
		if t.kind != tString {
			return p.unexpected(fmt.Sprintf("a string after %s", op))
		}
		if msg := checkOperand(op, t.str); msg != "" {
			return p.invalid(t, msg)
		}
		c.Value = Value{Kind: KindString, Str: t.str}
		return p.advance()
	case OpEqual, OpNotEqual:
		v, err := p.constant(true)
		c.Value = v
		return err
	default: // ordering
		v, err := p.constant(false)
		c.Value = v
		return err
	}
}

// constant parses one constant; booleans are allowed only for equality (the
// grammar's primitiveLiteral versus orderableLiteral).
func (p *parser) constant(allowBool bool) (Value, *SyntaxError) {
	t := p.tok
	switch t.kind {
	case tString, tInt, tFloat, tHex, tBinary, tTimestamp:
	case tTrue, tFalse:
		if !allowBool {
			return Value{}, p.unexpected("an orderable constant (string, number, hex, binary or timestamp)")
		}
	default:
		if allowBool {
			return Value{}, p.unexpected("a constant")
		}
		return Value{}, p.unexpected("an orderable constant (string, number, hex, binary or timestamp)")
	}
	v, msg := literalValue(t)
	if msg != "" {
		return Value{}, p.badLiteral(t, msg)
	}
	return v, p.advance()
}

// set parses "( constant, ... )", the right side of IN. The grammar admits
// the empty set.
func (p *parser) set() (Value, *SyntaxError) {
	if p.tok.kind != tLParen {
		return Value{}, p.unexpected("'(' starting a set of constants")
	}
	if err := p.advance(); err != nil {
		return Value{}, err
	}
	v := Value{Kind: KindSet, Set: []Value{}}
	if p.tok.kind == tRParen {
		return v, p.advance()
	}
	for {
		m, err := p.constant(true)
		if err != nil {
			return Value{}, err
		}
		v.Set = append(v.Set, m)
		switch p.tok.kind {
		case tComma:
			if err := p.advance(); err != nil {
				return Value{}, err
			}
		case tRParen:
			return v, p.advance()
		default:
			return Value{}, p.unexpected("',' or ')'")
		}
	}
}

// objectPath parses type:first(.key | .'key' | [n] | [*])*.
func (p *parser) objectPath() (ObjectPath, *SyntaxError) {
	t := p.tok
	if t.kind != tIdent {
		return ObjectPath{}, p.unexpected("an object path")
	}
	if msg := checkObjectType(t.text); msg != "" {
		return ObjectPath{}, p.invalid(t, msg)
	}
	path := ObjectPath{ObjectType: t.text}
	if err := p.advance(); err != nil {
		return ObjectPath{}, err
	}
	if p.tok.kind != tColon {
		return ObjectPath{}, p.unexpected("':' after the object type")
	}
	if err := p.advance(); err != nil {
		return ObjectPath{}, err
	}
	key, err := p.propertyKey()
	if err != nil {
		return ObjectPath{}, err
	}
	path.Steps = append(path.Steps, PathStep{Kind: StepKey, Key: key})
	for {
		switch p.tok.kind {
		case tDot:
			if err := p.advance(); err != nil {
				return ObjectPath{}, err
			}
			key, err := p.propertyKey()
			if err != nil {
				return ObjectPath{}, err
			}
			path.Steps = append(path.Steps, PathStep{Kind: StepKey, Key: key})
		case tLBrack:
			if err := p.advance(); err != nil {
				return ObjectPath{}, err
			}
			step := PathStep{Kind: StepAnyIndex}
			switch t := p.tok; t.kind {
			case tStar:
			case tInt:
				n, err := strconv.ParseInt(strings.TrimPrefix(t.text, "+"), 10, 64)
				if err != nil {
					return ObjectPath{}, p.invalid(t, "list index out of the 64-bit range")
				}
				step = PathStep{Kind: StepIndex, Index: n}
			default:
				return ObjectPath{}, p.unexpected("a list index or '*'")
			}
			if err := p.advance(); err != nil {
				return ObjectPath{}, err
			}
			if p.tok.kind != tRBrack {
				return ObjectPath{}, p.unexpected("']' closing the list index")
			}
			if err := p.advance(); err != nil {
				return ObjectPath{}, err
			}
			path.Steps = append(path.Steps, step)
		default:
			return path, nil
		}
	}
}

// propertyKey parses a property name or a quoted dictionary key.
func (p *parser) propertyKey() (string, *SyntaxError) {
	t := p.tok
	switch t.kind {
	case tString:
		return t.str, p.advance()
	case tIdent:
		if strings.Contains(t.text, "-") {
			return "", p.invalid(t, fmt.Sprintf("property names cannot contain '-'; quote the key: '%s'", t.text))
		}
		return t.text, p.advance()
	}
	if _, isKeyword := keywords[t.text]; isKeyword {
		return "", p.invalid(t, fmt.Sprintf("reserved word %s cannot be a bare property name; quote it: '%s'", t.text, t.text))
	}
	return "", p.unexpected("a property name or quoted key")
}
