package pattern

import (
	"fmt"
	"sort"
	"strings"
)

// checkSameObject enforces STIX 2.1 §9.5: within one observation
// expression, "all operands of AND MUST be satisfiable with the same
// object"; comparisons on different object types must be joined by OR.
//
// An expression can be satisfied by objects of the types in its set: a
// comparison by its own object type, an OR by any type of its operands,
// an AND only by types every operand allows. An AND whose set becomes empty
// is an error, reported at the first comparison of the operand that
// emptied it: bad is that comparison, types the operand's types and with
// the types of the operands before it.
func checkSameObject(e ComparisonExpr) (types []string, bad *Comparison, with []string) {
	if first := firstComparison(e); first != nil && allOfType(e, first.Path.ObjectType) {
		return nil, nil, nil // the common case: one object type throughout
	}
	return satisfiable(e)
}

// allOfType reports whether every comparison in e is on object type t.
func allOfType(e ComparisonExpr, t string) bool {
	switch e := e.(type) {
	case *Comparison:
		return e.Path.ObjectType == t
	case *CompoundComparison:
		for _, x := range e.Operands {
			if !allOfType(x, t) {
				return false
			}
		}
	}
	return true
}

// satisfiable computes the set of object types that can satisfy e; see
// checkSameObject.
func satisfiable(e ComparisonExpr) (types []string, bad *Comparison, with []string) {
	switch e := e.(type) {
	case *Comparison:
		return []string{e.Path.ObjectType}, nil, nil
	case *CompoundComparison:
		var acc []string
		for i, x := range e.Operands {
			ts, bad, with := satisfiable(x)
			if bad != nil {
				return ts, bad, with
			}
			switch {
			case i == 0:
				acc = ts
			case e.Op == BoolOr:
				acc = union(acc, ts)
			default:
				common := intersect(acc, ts)
				if len(common) == 0 {
					return ts, firstComparison(x), acc
				}
				acc = common
			}
		}
		return acc, nil, nil
	}
	return nil, nil, nil
}

// sameObjectError describes a checkSameObject failure.
func sameObjectError(types, with []string) string {
	return fmt.Sprintf("AND joins %s with %s, which no single object can satisfy; "+
		"join them with OR or put them in separate [ ] observation expressions (STIX 2.1 §9.5)",
		strings.Join(types, " or "), strings.Join(with, " or "))
}

func firstComparison(e ComparisonExpr) *Comparison {
	for {
		switch x := e.(type) {
		case *Comparison:
			return x
		case *CompoundComparison:
			e = x.Operands[0]
		default:
			return nil
		}
	}
}

// union and intersect work on small sorted sets of type names.
func union(a, b []string) []string {
	out := append(append([]string{}, a...), b...)
	sort.Strings(out)
	n := 0
	for i, s := range out {
		if i == 0 || s != out[n-1] {
			out[n] = s
			n++
		}
	}
	return out[:n]
}

func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		for _, t := range b {
			if s == t {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
