package pattern

import "sort"

// ObjectTypes returns the SCO types the pattern refers to, sorted and
// without duplicates, e.g. ["domain-name", "network-traffic"].
func (p *Pattern) ObjectTypes() []string {
	seen := map[string]bool{}
	var types []string
	for _, c := range p.Comparisons() {
		if t := c.Path.ObjectType; !seen[t] {
			seen[t] = true
			types = append(types, t)
		}
	}
	sort.Strings(types)
	return types
}

// Paths returns the object paths the pattern tests, rendered canonically
// (e.g. "file:hashes.'SHA-256'"), without duplicates, in order of first
// appearance.
func (p *Pattern) Paths() []string {
	seen := map[string]bool{}
	var paths []string
	for _, c := range p.Comparisons() {
		if s := c.Path.String(); !seen[s] {
			seen[s] = true
			paths = append(paths, s)
		}
	}
	return paths
}

// Comparisons returns every comparison of the pattern in source order.
func (p *Pattern) Comparisons() []*Comparison {
	var out []*Comparison
	if p == nil || p.Expr == nil {
		return nil
	}
	walkObservation(p.Expr, func(c *Comparison) { out = append(out, c) })
	return out
}

func walkObservation(e ObservationExpr, fn func(*Comparison)) {
	switch e := e.(type) {
	case *Observation:
		walkComparison(e.Comparison, fn)
	case *CompoundObservation:
		for _, x := range e.Operands {
			walkObservation(x, fn)
		}
	}
}

func walkComparison(e ComparisonExpr, fn func(*Comparison)) {
	switch e := e.(type) {
	case *Comparison:
		fn(e)
	case *CompoundComparison:
		for _, x := range e.Operands {
			walkComparison(x, fn)
		}
	}
}
