package pattern

import (
	"fmt"
	"strconv"
	"strings"
)

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
				n, err := strconv.ParseInt(t.text, 10, 64)
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
