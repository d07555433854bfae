package stix

import (
	"errors"

	"github.com/heraldcti/herald/stix/pattern"
)

// checkPattern parses a STIX pattern with stix/pattern and checks that
// every object type it names is a valid type name (custom SCO types are
// allowed, as the patterning language allows them).
func (s *vState) checkPattern(prop, p string) {
	parsed, err := pattern.Parse(p)
	if err != nil {
		var se *pattern.SyntaxError
		if errors.As(err, &se) {
			s.addf(prop, "invalid STIX pattern: %v", se)
		} else {
			s.addf(prop, "invalid STIX pattern: %v", err)
		}
		return
	}
	for _, t := range parsed.ObjectTypes() {
		if reason := vTypeNameProblem(t); reason != "" {
			s.addf(prop, "object type %q in the pattern is not a valid type name: %s", t, reason)
			continue
		}
		if k := vKindOf(t); k != vKindSCO && k != vKindUnknown {
			s.addf(prop, "object type %q in the pattern is a %s, not a cyber-observable", t, k)
		}
	}
}
