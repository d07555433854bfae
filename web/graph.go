package web

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The advisory picture: a layered drawing, read left to right, of who did
// what to whom. Column 0 holds the actors (threat actors, intrusion sets),
// column 1 what they are held responsible for (incidents, campaigns),
// column 2 the victims those target, column 3 where the victims are.
// Edges only join neighbouring columns, so they run through the gaps
// between columns and never cross a box; attribution between two actors is
// an arc to the left of column 0. Boxes are as wide as their column's
// longest line (wrapped at maxLineChars) and stacked with a gap, so no two
// overlap. Everything is computed here; the template only writes it out.

const (
	fontPx       = 13   // label font size (CSS .g-node text)
	charPx       = 7.6  // a generous average advance of one character at fontPx, sans-serif
	widePx       = 13.0 // advance of a wide (CJK) character
	lineH        = 17   // line height
	padX, padY   = 10, 8
	maxLineChars = 26
	maxLines     = 3
	colGap       = 70 // horizontal gap between columns, where edges run
	rowGap       = 14 // vertical gap between boxes
	marginX      = 40 // left margin, for actor-to-actor arcs
	headerH      = 30
	marginY      = 10
	minBoxW      = 90
)

var graphColumns = []struct{ Title, Class string }{
	{"Actors", "g-actor"},
	{"Incidents and campaigns", "g-incident"},
	{"Targets", "g-victim"},
	{"Locations", "g-location"},
}

type graphView struct {
	W, H    int
	Headers []graphText
	Nodes   []graphNode
	Edges   []graphEdge
	Summary string // the picture in words, for screen readers
}

type graphText struct {
	X, Y int
	Text string
}

type graphNode struct {
	ID     string
	URL    string
	Class  string
	Col    int
	X, Y   int
	W, H   int
	Lines  []graphText
	Title  string // full label (tooltip)
	weight float64
}

type graphEdge struct {
	D     string
	Class string
	Title string
}

// textWidth estimates the rendered width of s at fontPx in pixels, on the
// generous side.
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r > 0x2E80 && (unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)):
			w += widePx
		case r == 'm' || r == 'w' || r == 'M' || r == 'W' || r == '@':
			w += 11
		case unicode.IsUpper(r):
			w += 9
		default:
			w += charPx
		}
	}
	return w
}

// wrap breaks a label into at most maxLines lines of at most maxLineChars
// characters, at spaces when it can; an overlong rest ends with "…".
func wrap(s string) []string {
	words := strings.Fields(s)
	var lines []string
	cur := ""
	for i := 0; i < len(words); i++ {
		w := words[i]
		for utf8.RuneCountInString(w) > maxLineChars {
			if cur != "" {
				lines = append(lines, cur)
				cur = ""
			}
			r := []rune(w)
			lines = append(lines, string(r[:maxLineChars]))
			w = string(r[maxLineChars:])
		}
		switch {
		case cur == "":
			cur = w
		case utf8.RuneCountInString(cur)+1+utf8.RuneCountInString(w) <= maxLineChars:
			cur += " " + w
		default:
			lines = append(lines, cur)
			cur = w
		}
	}
	if cur != "" {
		lines = append(lines, cur)
	}
	if len(lines) > maxLines {
		last := []rune(lines[maxLines-1])
		if len(last) >= maxLineChars {
			last = last[:maxLineChars-1]
		}
		lines = append(lines[:maxLines-1], string(last)+"…")
	}
	if len(lines) == 0 {
		lines = []string{"(unnamed)"}
	}
	return lines
}

type graphEdgeIn struct {
	from, to string
	kind     string // attributed-to, targets, located-at
}

// layoutAdvisory builds the picture from the report's objects, in the
// report's order (refs) so the result is deterministic.
func layoutAdvisory(m *advisoryModel, refs []string) *graphView {
	col := map[string]int{}
	var cols [4][]*graphNode
	add := func(id string, c int) {
		if _, ok := col[id]; ok {
			return
		}
		r := m.ix.ref(id)
		col[id] = c
		cols[c] = append(cols[c], &graphNode{ID: id, URL: r.URL, Class: graphColumns[c].Class, Col: c, Title: r.Label})
	}
	var edges []graphEdgeIn
	for _, id := range refs {
		x, ok := m.objs[id]
		if !ok {
			continue
		}
		switch x.Type {
		case "threat-actor", "intrusion-set":
			add(id, 0)
		}
	}
	for _, id := range refs {
		x, ok := m.objs[id]
		if !ok || (x.Type != "incident" && x.Type != "campaign") {
			continue
		}
		add(id, 1)
		for _, a := range m.out[id] {
			if a.str("relationship_type") == "attributed-to" {
				if c, ok := col[a.str("target_ref")]; ok && c == 0 {
					edges = append(edges, graphEdgeIn{a.str("target_ref"), id, "attributed-to"})
				}
			}
		}
	}
	for _, n := range cols[1] {
		for _, t := range m.out[n.ID] {
			if t.str("relationship_type") != "targets" {
				continue
			}
			v := t.str("target_ref")
			if _, ok := m.objs[v]; !ok {
				continue
			}
			if c, ok := col[v]; ok && c != 2 {
				continue
			}
			add(v, 2)
			edges = append(edges, graphEdgeIn{n.ID, v, "targets"})
		}
	}
	for _, n := range cols[2] {
		for _, t := range m.out[n.ID] {
			if t.str("relationship_type") != "located-at" {
				continue
			}
			l := t.str("target_ref")
			if _, ok := m.objs[l]; !ok {
				continue
			}
			if c, ok := col[l]; ok && c != 3 {
				continue
			}
			add(l, 3)
			edges = append(edges, graphEdgeIn{n.ID, l, "located-at"})
		}
	}
	// Attribution between actors: arcs left of column 0.
	var arcs []graphEdgeIn
	for _, n := range cols[0] {
		for _, a := range m.out[n.ID] {
			if a.str("relationship_type") == "attributed-to" {
				if c, ok := col[a.str("target_ref")]; ok && c == 0 && a.str("target_ref") != n.ID {
					arcs = append(arcs, graphEdgeIn{n.ID, a.str("target_ref"), "actor-attributed-to"})
				}
			}
		}
	}
	if len(cols[0])+len(cols[1]) == 0 {
		return nil
	}
	return layout(cols, edges, arcs)
}

// layout places the columns' nodes and draws the edges.
func layout(cols [4][]*graphNode, edges, arcs []graphEdgeIn) *graphView {
	byID := map[string]*graphNode{}
	for c := range cols {
		for _, n := range cols[c] {
			byID[n.ID] = n
		}
	}
	// Order: column 0 by label; each next column by the mean position of
	// its neighbours in the previous one (fewer crossings), then label.
	sort.SliceStable(cols[0], func(i, j int) bool { return cols[0][i].Title < cols[0][j].Title })
	for c := 1; c < len(cols); c++ {
		pos := map[string]int{}
		for i, n := range cols[c-1] {
			pos[n.ID] = i
		}
		for _, n := range cols[c] {
			sum, k := 0, 0
			for _, e := range edges {
				if e.to == n.ID {
					if i, ok := pos[e.from]; ok {
						sum += i
						k++
					}
				}
			}
			n.weight = 1e9
			if k > 0 {
				n.weight = float64(sum) / float64(k)
			}
		}
		sort.SliceStable(cols[c], func(i, j int) bool {
			a, b := cols[c][i], cols[c][j]
			if a.weight != b.weight {
				return a.weight < b.weight
			}
			return a.Title < b.Title
		})
	}

	g := &graphView{}
	x := marginX
	maxH := 0
	var colW [4]int
	used := 0
	for c := range cols {
		if len(cols[c]) == 0 {
			continue
		}
		used++
		w := max(minBoxW, int(textWidth(graphColumns[c].Title)+0.999))
		for _, n := range cols[c] {
			for _, l := range wrap(n.Title) {
				w = max(w, int(textWidth(l)+0.999)+2*padX)
			}
		}
		colW[c] = w
		h := 0
		for i, n := range cols[c] {
			lines := wrap(n.Title)
			n.W, n.H = w, len(lines)*lineH+2*padY
			if i > 0 {
				h += rowGap
			}
			h += n.H
		}
		maxH = max(maxH, h)
	}
	for c := range cols {
		if len(cols[c]) == 0 {
			continue
		}
		h := 0
		for i, n := range cols[c] {
			if i > 0 {
				h += rowGap
			}
			h += n.H
		}
		y := headerH + marginY + (maxH-h)/2
		g.Headers = append(g.Headers, graphText{X: x, Y: headerH - 10, Text: graphColumns[c].Title})
		for _, n := range cols[c] {
			n.X, n.Y = x, y
			for i, l := range wrap(n.Title) {
				n.Lines = append(n.Lines, graphText{X: x + padX, Y: y + padY + i*lineH + fontPx, Text: l})
			}
			y += n.H + rowGap
			g.Nodes = append(g.Nodes, *n)
		}
		x += colW[c] + colGap
	}
	g.W = x - colGap + marginX/2
	g.H = headerH + marginY + maxH + marginY
	for _, e := range edges {
		a, b := byID[e.from], byID[e.to]
		if a == nil || b == nil {
			continue
		}
		x1, y1 := a.X+a.W, a.Y+a.H/2
		x2, y2 := b.X, b.Y+b.H/2
		mx := (x1 + x2) / 2
		g.Edges = append(g.Edges, graphEdge{
			D:     fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, mx, y1, mx, y2, x2-2, y2),
			Class: "g-edge g-" + e.kind, Title: edgeTitle(a.Title, e.kind, b.Title),
		})
	}
	for _, e := range arcs {
		a, b := byID[e.from], byID[e.to]
		if a == nil || b == nil {
			continue
		}
		x1, y1 := a.X, a.Y+a.H/2
		x2, y2 := b.X, b.Y+b.H/2
		bulge := a.X - marginX + 6
		g.Edges = append(g.Edges, graphEdge{
			D:     fmt.Sprintf("M%d %d C%d %d %d %d %d %d", x1, y1, bulge, y1, bulge, y2, x2-2, y2),
			Class: "g-edge g-actor-link", Title: a.Title + " is attributed to " + b.Title,
		})
	}
	g.Summary = summary(cols, edges, arcs, byID)
	return g
}

func edgeTitle(a, kind, b string) string {
	switch kind {
	case "attributed-to":
		return b + " is attributed to " + a
	case "targets":
		return a + " targeted " + b
	case "located-at":
		return b + " is where " + a + " is"
	}
	return a + " — " + b
}

// summary says in words what the picture shows.
func summary(cols [4][]*graphNode, edges, arcs []graphEdgeIn, byID map[string]*graphNode) string {
	var parts []string
	for _, e := range append(append([]graphEdgeIn{}, arcs...), edges...) {
		a, b := byID[e.from], byID[e.to]
		if a == nil || b == nil {
			continue
		}
		switch e.kind {
		case "actor-attributed-to":
			parts = append(parts, a.Title+" is attributed to "+b.Title)
		default:
			parts = append(parts, edgeTitle(a.Title, e.kind, b.Title))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + "."
}
