package pattern

import (
	"fmt"
	"strings"
)

// qualifiers parses the WITHIN, REPEATS and START/STOP qualifiers following
// an observation expression and appends them to it, in order.
func (p *parser) qualifiers(expr ObservationExpr) *SyntaxError {
	for {
		at := p.tok
		var q Qualifier
		var err *SyntaxError
		switch at.kind {
		case tWITHIN:
			q, err = p.within()
		case tREPEATS:
			q, err = p.repeats()
		case tSTART:
			q, err = p.startStop()
		default:
			return nil
		}
		if err != nil {
			return err
		}
		for _, old := range expr.Quals() {
			if old.Kind == q.Kind {
				return p.invalid(at, fmt.Sprintf("duplicate %s qualifier on the same observation expression (STIX 2.1 §9.5.1)", q.Kind))
			}
		}
		switch e := expr.(type) {
		case *Observation:
			e.Qualifiers = append(e.Qualifiers, q)
		case *CompoundObservation:
			e.Qualifiers = append(e.Qualifiers, q)
		}
	}
}

// within parses "WITHIN n SECONDS"; n is a positive integer or float.
func (p *parser) within() (Qualifier, *SyntaxError) {
	if err := p.advance(); err != nil {
		return Qualifier{}, err
	}
	v, err := p.positiveNumber("a positive number of seconds", true)
	if err != nil {
		return Qualifier{}, err
	}
	return Qualifier{Kind: QualWithin, Seconds: v}, p.keyword(tSECONDS, "SECONDS")
}

// repeats parses "REPEATS n TIMES"; n is a positive integer.
func (p *parser) repeats() (Qualifier, *SyntaxError) {
	if err := p.advance(); err != nil {
		return Qualifier{}, err
	}
	v, err := p.positiveNumber("a positive integer", false)
	if err != nil {
		return Qualifier{}, err
	}
	return Qualifier{Kind: QualRepeats, Times: v.Int}, p.keyword(tTIMES, "TIMES")
}

// startStop parses "START t'…' STOP t'…'"; STOP must be after START.
func (p *parser) startStop() (Qualifier, *SyntaxError) {
	if err := p.advance(); err != nil {
		return Qualifier{}, err
	}
	startTok := p.tok
	start, err := p.timestamp()
	if err != nil {
		return Qualifier{}, err
	}
	if err := p.keyword(tSTOP, "STOP"); err != nil {
		return Qualifier{}, err
	}
	stopTok := p.tok
	stop, err := p.timestamp()
	if err != nil {
		return Qualifier{}, err
	}
	if !stop.Time.After(start.Time) {
		return Qualifier{}, p.invalid(stopTok, fmt.Sprintf("STOP %s is not after START %s", stopTok.text, startTok.text))
	}
	return Qualifier{Kind: QualStartStop, Start: start, Stop: stop}, nil
}

// keyword consumes the keyword token k or reports that name was expected.
func (p *parser) keyword(k tokenKind, name string) *SyntaxError {
	if p.tok.kind != k {
		return p.unexpected(name)
	}
	return p.advance()
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
		return Value{}, p.unexpected(expected)
	}
	return v, p.advance()
}

// timestamp parses a timestamp constant.
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
