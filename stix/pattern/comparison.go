package pattern

import (
	"fmt"
)

var boolOpToken = map[BoolOp]tokenKind{BoolOr: tOR, BoolAnd: tAND}

// comparisons parses comparison expressions joined by op or AND (which
// binds tighter than OR).
func (p *parser) comparisons(op BoolOp) (ComparisonExpr, *SyntaxError) {
	operand := func() (ComparisonExpr, *SyntaxError) {
		if op == BoolAnd {
			return p.comparisonUnit()
		}
		return p.comparisons(op + 1)
	}
	return chain(p, boolOpToken[op], operand,
		func(list []ComparisonExpr, x ComparisonExpr) []ComparisonExpr { return appendComparison(list, x, op) },
		func(operands []ComparisonExpr) ComparisonExpr { return &CompoundComparison{Op: op, Operands: operands} })
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
		inner, err := p.comparisons(BoolOr)
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
		v, err := p.set(hashCheck(c.Path))
		c.Value = v
		return err
	case OpLike, OpMatches, OpIsSubset, OpIsSuperset:
		t := p.tok
		if t.kind != tString {
			return p.unexpected(fmt.Sprintf("a string after %s", op))
		}
		if msg := checkOperand(op, c.Path, t.str); msg != "" {
			return p.invalid(t, msg)
		}
		c.Value = Value{Kind: KindString, Str: t.str}
		return p.advance()
	case OpEqual, OpNotEqual:
		v, err := p.constant(true, hashCheck(c.Path))
		c.Value = v
		return err
	default: // ordering
		v, err := p.constant(false, nil)
		c.Value = v
		return err
	}
}

// constant parses one constant; booleans are allowed only for equality (the
// grammar's primitiveLiteral versus orderableLiteral). check, when not nil,
// validates the value against the object path it is compared with.
func (p *parser) constant(allowBool bool, check func(Value) string) (Value, *SyntaxError) {
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
	if check != nil {
		if msg := check(v); msg != "" {
			return Value{}, p.invalid(t, msg)
		}
	}
	return v, p.advance()
}

// set parses "( constant, ... )", the right side of IN. The grammar admits
// the empty set. Members must share one data type (integers and floats
// count as one, numbers).
func (p *parser) set(check func(Value) string) (Value, *SyntaxError) {
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
		t := p.tok
		m, err := p.constant(true, check)
		if err != nil {
			return Value{}, err
		}
		if len(v.Set) > 0 && !sameKind(v.Set[0], m) {
			return Value{}, p.invalid(t, fmt.Sprintf("IN set mixes %s and %s constants; STIX 2.1 §9.6.1 requires one data type", v.Set[0].Kind, m.Kind))
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

// sameKind reports whether two set members have the same data type for IN;
// integers and floats are both numbers.
func sameKind(a, b Value) bool {
	num := func(k ValueKind) bool { return k == KindInt || k == KindFloat }
	return a.Kind == b.Kind || num(a.Kind) && num(b.Kind)
}
