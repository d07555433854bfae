package pattern

import (
	"fmt"
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

// Parse parses a STIX 2.1 pattern (STIX 2.1 §9, grammar STIXPattern.g4)
// and applies the checks the specification adds to the grammar (see
// "Checks beyond the grammar" in the package documentation). It is safe to
// call concurrently.
//
// The error, when not nil, is a *SyntaxError giving the position, what was
// expected and what was found.
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
	expr, err := p.observations(ObsFollowedBy)
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
func (p *parser) observations(op ObservationOp) (ObservationExpr, *SyntaxError) {
	operand := func() (ObservationExpr, *SyntaxError) {
		if op == ObsAnd {
			return p.observationUnit()
		}
		return p.observations(op + 1)
	}
	return chain(p, obsOpToken[op], operand,
		func(list []ObservationExpr, x ObservationExpr) []ObservationExpr {
			return appendObservation(list, x, op)
		},
		func(operands []ObservationExpr) ObservationExpr {
			return &CompoundObservation{Op: op, Operands: operands}
		})
}

// chain parses operand (kw operand)*, the shape of every binary operator
// level of the grammar. A single operand is returned as it is; two or more
// become one node (build) whose operands are collected with add, which
// splices in nested nodes of the same operator.
func chain[E any](p *parser, kw tokenKind, operand func() (E, *SyntaxError), add func([]E, E) []E, build func([]E) E) (E, *SyntaxError) {
	var zero E
	first, err := operand()
	if err != nil {
		return zero, err
	}
	if p.tok.kind != kw {
		return first, nil
	}
	operands := add(nil, first)
	for p.tok.kind == kw {
		if err := p.advance(); err != nil {
			return zero, err
		}
		x, err := operand()
		if err != nil {
			return zero, err
		}
		operands = add(operands, x)
	}
	return build(operands), nil
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
func (p *parser) observationUnit() (ObservationExpr, *SyntaxError) {
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
		cmp, err := p.comparisons(BoolOr)
		if err != nil {
			return nil, err
		}
		if p.tok.kind != tRBrack {
			return nil, p.unexpected("AND, OR or ']'")
		}
		if types, bad, with := checkSameObject(cmp); bad != nil {
			return nil, newError(p.lx.src, bad.Offset, "", describe(bad.Path.String()), sameObjectError(types, with))
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
		inner, err := p.observations(ObsFollowedBy)
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
