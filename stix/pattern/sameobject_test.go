package pattern_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix/pattern"
)

// TestAndNeedsOneObject checks STIX 2.1 §9.5: inside one observation
// expression, AND may only join comparisons that one object can satisfy;
// comparisons on different object types must be joined by OR.
func TestAndNeedsOneObject(t *testing.T) {
	tests := []struct {
		src    string
		offset int // -1 when valid
	}{
		{"[abc:x = 1 AND abc:y = 2]", -1},
		{"[abc:x = 1 OR def:y = 2]", -1},
		{"[(abc:x = 1 AND abc:y = 2) OR (def:x = 1 AND def:y = 2)]", -1},
		{"[(abc:x = 1 OR def:y = 2) AND abc:z = 3]", -1},
		{"[(abc:x = 1 OR def:y = 2) AND (abc:z = 3 OR ghi:w = 4)]", -1},
		{"[abc:x = 1] AND [def:y = 2]", -1},
		{"[abc:x = 1 AND def:y = 2]", 15},
		{"[abc:x = 1 AND abc:y = 2 AND def:z = 3]", 29},
		{"[(abc:x = 1 OR def:y = 2) AND ghi:z = 3]", 30},
		{"[(abc:x = 1 OR def:y = 2) AND (ghi:z = 3 OR jkl:w = 4)]", 31},
		{"[(abc:x = 1 OR def:y = 2) AND abc:z = 3 AND def:w = 4]", 44},
		{"[abc:x = 1 OR (def:y = 2 AND EXISTS ghi:z)]", 29},
		{"[abc:x = 1] AND [def:y = 2 AND abc:z = 3]", 31},
	}
	for _, tc := range tests {
		_, err := pattern.Parse(tc.src)
		if tc.offset < 0 {
			if err != nil {
				t.Errorf("Parse(%q): %v", tc.src, err)
			}
			continue
		}
		var se *pattern.SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want a §9.5 error", tc.src, err)
			continue
		}
		if se.Offset != tc.offset || !strings.Contains(se.Msg, "§9.5") {
			t.Errorf("Parse(%q) = offset %d %q, want offset %d and a §9.5 message", tc.src, se.Offset, se.Msg, tc.offset)
		}
	}
}
