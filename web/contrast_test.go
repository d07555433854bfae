package web

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestContrastMeetsWCAGAA reads the colour variables of the stylesheet, for
// the light and the dark scheme, and checks that every pair of text and
// background the pages use has a contrast ratio of at least 4.5:1 (WCAG 2
// AA for normal text), as WCAG computes it.
func TestContrastMeetsWCAGAA(t *testing.T) {
	css := string(mustCSS(t))
	i := strings.Index(css, "@media (prefers-color-scheme: dark)")
	if i < 0 {
		t.Fatal("no dark scheme in the stylesheet")
	}
	light := cssVars(css[:i])
	dark := cssVars(css[i:])
	pairs := [][2]string{
		{"fg", "bg"}, {"muted", "bg"}, {"link", "bg"}, {"visited", "bg"}, {"accent", "bg"},
		{"fg", "soft"}, {"muted", "soft"}, {"problem", "problem-bg"}, {"private", "bg"},
		{"fg", "actor"}, {"fg", "incident"}, {"fg", "victim"}, {"fg", "location"},
		{"bg", "accent"}, // the submit button: background-coloured text on the accent
	}
	for name, vars := range map[string]map[string]string{"light": light, "dark": dark} {
		vars["private"] = vars["problem"]
		for _, p := range pairs {
			a, b := vars[p[0]], vars[p[1]]
			if a == "" || b == "" {
				t.Errorf("%s: no colour for %s or %s", name, p[0], p[1])
				continue
			}
			if r := contrast(a, b); r < 4.5 {
				t.Errorf("%s: %s (%s) on %s (%s) has contrast %.2f:1, want 4.5:1", name, p[0], a, p[1], b, r)
			}
		}
	}
	// TLP labels: coloured text on black.
	for _, c := range []string{"#ffffff", "#33ff00", "#ffc000", "#ff2b2b"} {
		if r := contrast(c, "#000000"); r < 4.5 {
			t.Errorf("TLP colour %s on black: %.2f:1", c, r)
		}
	}
}

func mustCSS(t *testing.T) []byte {
	t.Helper()
	b, err := staticFS.ReadFile("static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var cssVar = regexp.MustCompile(`--([a-z-]+):\s*(#[0-9a-fA-F]{6})`)

func cssVars(s string) map[string]string {
	out := map[string]string{}
	for _, m := range cssVar.FindAllStringSubmatch(s, -1) {
		if _, ok := out[m[1]]; !ok {
			out[m[1]] = strings.ToLower(m[2])
		}
	}
	return out
}

// contrast is the WCAG 2 contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

func luminance(hex string) float64 {
	ch := func(i int) float64 {
		v, _ := strconv.ParseUint(hex[1+2*i:3+2*i], 16, 8)
		c := float64(v) / 255
		if c <= 0.03928 {
			return c / 12.92
		}
		return math.Pow((c+0.055)/1.055, 2.4)
	}
	return 0.2126*ch(0) + 0.7152*ch(1) + 0.0722*ch(2)
}
