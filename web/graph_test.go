package web

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// synthModel builds an advisory model with a actors, n incidents and v
// victims with v/2 locations, random attribution and targeting (seeded),
// and labels of every length, including words longer than a line and
// wide characters.
func synthModel(seed uint64, a, n, v int) (*advisoryModel, []string) {
	r := rand.New(rand.NewPCG(seed, 1))
	words := []string{"North", "Korean", "state-backed", "group", "Lazarus", "heist", "breach", "exchange",
		"Supercalifragilisticexpialidocious-Incorporated-Holdings", "数字资产交易所", "WWWWWWWWWW", "x", "Ω"}
	label := func() string {
		k := 1 + r.IntN(12)
		var b []string
		for range k {
			b = append(b, words[r.IntN(len(words))])
		}
		return strings.Join(b, " ")
	}
	objs := map[string]*obj{}
	var refs []string
	mk := func(typ string, i int, props map[string]any) string {
		id := fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, i)
		props["name"] = label()
		objs[id] = &obj{ID: id, Type: typ, Props: props}
		refs = append(refs, id)
		return id
	}
	var actors, incs, victims, locs []string
	for i := range a {
		typ := "threat-actor"
		if i%2 == 1 {
			typ = "intrusion-set"
		}
		actors = append(actors, mk(typ, i, map[string]any{}))
	}
	for i := range n {
		typ := "incident"
		if i%4 == 3 {
			typ = "campaign"
		}
		incs = append(incs, mk(typ, 1000+i, map[string]any{}))
	}
	for i := range v {
		victims = append(victims, mk("identity", 2000+i, map[string]any{}))
	}
	for i := range v / 2 {
		locs = append(locs, mk("location", 3000+i, map[string]any{"country": "XX"}))
	}
	rel := 0
	relate := func(typ, src, dst string) {
		id := fmt.Sprintf("relationship--00000000-0000-4000-8000-%012d", 5000+rel)
		rel++
		objs[id] = &obj{ID: id, Type: "relationship", Props: map[string]any{"relationship_type": typ, "source_ref": src, "target_ref": dst}}
		refs = append(refs, id)
	}
	for _, in := range incs {
		for range 1 + r.IntN(2) {
			if len(actors) > 0 {
				relate("attributed-to", in, actors[r.IntN(len(actors))])
			}
		}
		if len(victims) > 0 && r.IntN(3) > 0 {
			relate("targets", in, victims[r.IntN(len(victims))])
		}
	}
	for _, vi := range victims {
		if len(locs) > 0 && r.IntN(2) == 0 {
			relate("located-at", vi, locs[r.IntN(len(locs))])
		}
	}
	for i := 1; i < len(actors); i += 2 {
		relate("attributed-to", actors[i], actors[i-1])
	}
	m := &advisoryModel{objs: objs, ix: &refIndex{col: "c", objs: objs}, out: map[string][]*obj{}, in: map[string][]*obj{}}
	for _, x := range objs {
		if x.Type == "relationship" {
			m.out[x.str("source_ref")] = append(m.out[x.str("source_ref")], x)
			m.in[x.str("target_ref")] = append(m.in[x.str("target_ref")], x)
		}
	}
	for _, l := range []map[string][]*obj{m.out, m.in} {
		for k := range l {
			rels := l[k]
			// The page sorts relationships by id; do the same.
			for i := 1; i < len(rels); i++ {
				for j := i; j > 0 && rels[j].ID < rels[j-1].ID; j-- {
					rels[j], rels[j-1] = rels[j-1], rels[j]
				}
			}
		}
	}
	return m, refs
}

// TestLayoutNoOverlapLabelsFit: for many random advisories, no two boxes
// overlap, every box lies inside the picture and below the column titles,
// every label line fits its box, column titles do not overlap, and edges
// only join neighbouring columns (so they run between columns, never
// through a box).
func TestLayoutNoOverlapLabelsFit(t *testing.T) {
	for seed := range uint64(200) {
		a, n, v := 1+int(seed%5), int(seed%17), int(seed%11)
		m, refs := synthModel(seed, a, n, v)
		g := layoutAdvisory(m, refs)
		if g == nil {
			t.Fatalf("seed %d: no picture", seed)
		}
		for i, p := range g.Nodes {
			if p.X < marginX || p.Y < headerH || p.X+p.W > g.W || p.Y+p.H > g.H {
				t.Errorf("seed %d: box %q (%d,%d %dx%d) outside the %dx%d picture", seed, p.Title, p.X, p.Y, p.W, p.H, g.W, g.H)
			}
			for _, q := range g.Nodes[i+1:] {
				if p.X < q.X+q.W && q.X < p.X+p.W && p.Y < q.Y+q.H && q.Y < p.Y+p.H {
					t.Errorf("seed %d: boxes %q and %q overlap", seed, p.Title, q.Title)
				}
			}
			if len(p.Lines) == 0 || len(p.Lines) > maxLines {
				t.Errorf("seed %d: %q has %d lines", seed, p.Title, len(p.Lines))
			}
			for _, l := range p.Lines {
				if w := textWidth(l.Text); float64(l.X)+w > float64(p.X+p.W-padX)+0.5 || l.X < p.X+padX {
					t.Errorf("seed %d: line %q (%.0fpx at x=%d) does not fit box x=%d w=%d", seed, l.Text, w, l.X, p.X, p.W)
				}
				if l.Y-fontPx < p.Y || l.Y > p.Y+p.H-padY/2 {
					t.Errorf("seed %d: line %q at y=%d outside box y=%d h=%d", seed, l.Text, l.Y, p.Y, p.H)
				}
				if utf8.RuneCountInString(l.Text) > maxLineChars {
					t.Errorf("seed %d: line %q longer than %d characters", seed, l.Text, maxLineChars)
				}
			}
		}
		for i, h := range g.Headers {
			if i+1 < len(g.Headers) && float64(h.X)+textWidth(h.Text) > float64(g.Headers[i+1].X) {
				t.Errorf("seed %d: column titles %q and %q overlap", seed, h.Text, g.Headers[i+1].Text)
			}
		}
		// Determinism: the same input gives the same picture.
		if g2 := layoutAdvisory(m, refs); !reflect.DeepEqual(g, g2) {
			t.Fatalf("seed %d: layout is not deterministic", seed)
		}
	}
}

func TestLayoutEdgesJoinNeighbouringColumns(t *testing.T) {
	m, refs := synthModel(7, 4, 12, 8)
	g := layoutAdvisory(m, refs)
	col := map[int]int{} // box right edge x → column
	lefts := map[int]int{}
	for _, n := range g.Nodes {
		col[n.X+n.W] = n.Col
		lefts[n.X] = n.Col
	}
	for _, e := range g.Edges {
		var x1, y1, x2, y2, a, b, c, d int
		if _, err := fmt.Sscanf(e.D, "M%d %d C%d %d %d %d %d %d", &x1, &y1, &a, &b, &c, &d, &x2, &y2); err != nil {
			t.Fatalf("edge %q: %v", e.D, err)
		}
		if strings.Contains(e.Class, "g-actor-link") {
			if lefts[x1] != 0 {
				t.Errorf("actor arc %q does not start at an actor", e.D)
			}
			continue
		}
		from, ok1 := col[x1]
		to, ok2 := lefts[x2+2]
		if !ok1 || !ok2 || to != from+1 {
			t.Errorf("edge %q joins columns %d and %d", e.D, from, to)
		}
	}
	if len(g.Edges) == 0 {
		t.Fatal("no edges")
	}
}

func TestWrap(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"WazirX breach", []string{"WazirX breach"}},
		{"", []string{"(unnamed)"}},
		{"North Korean cryptocurrency thefts in 2024", []string{"North Korean", "cryptocurrency thefts in", "2024"}},
		{strings.Repeat("a", 60), []string{strings.Repeat("a", 26), strings.Repeat("a", 26), strings.Repeat("a", 8)}},
		{strings.Repeat("word ", 40), []string{"word word word word word", "word word word word word", "word word word word word…"}},
	} {
		if got := wrap(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("wrap(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
