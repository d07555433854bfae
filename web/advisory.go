package web

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// The advisory page renders any report as a document: what it is, where it
// comes from, who did what, to whom, and what it cost, with a picture.

type advisoryData struct {
	Col           store.Collection
	ColURL        string
	Report        objRef
	Author        *objRef
	Published     *timeView
	Modified      *timeView
	Markings      []marking
	Sources       []extRef
	Description   []string
	Labels        []string
	Actors        []actorView
	Incidents     []incidentView
	Campaigns     []campaignView
	Organisations []identityView
	Patterns      []simpleView
	Indicators    []indicatorView
	Notes         []noteView
	Others        []simpleView
	Graph         *graphView
	ObjectURL     string
	DownloadURL   string
	Missing       int
	TotalLoss     string
}

func (d advisoryData) PageTitle() string { return d.Report.Label }

type actorView struct {
	Ref          objRef
	Kind         string
	Aliases      []string
	Types        []string
	Country      string
	Description  []string
	AttributedTo []objRef
	Attributed   []objRef
	Uses         []objRef
}

type incidentView struct {
	Ref         objRef
	Date        string
	Victims     []objRef
	Actors      []objRef
	Losses      []string
	Description []string
}

type campaignView struct {
	Ref         objRef
	FirstSeen   *timeView
	LastSeen    *timeView
	Actors      []objRef
	Uses        []objRef
	Related     []objRef
	Description []string
}

type identityView struct {
	Ref         objRef
	Class       string
	Sectors     []string
	Roles       []string
	Country     string
	Description []string
	Targeted    []objRef // incidents and campaigns that target it
}

type simpleView struct {
	Ref         objRef
	Kind        string
	Description []string
}

type indicatorView struct {
	Ref         objRef
	Pattern     string
	PatternType string
	ValidFrom   *timeView
	ValidUntil  *timeView
	Types       []string
	Description []string
}

type noteView struct {
	Ref      objRef
	Abstract string
	Content  []string
	Authors  []string
	About    []objRef
}

// maxReportRefs bounds the objects an advisory page renders.
const maxReportRefs = 2000

// advisoryModel gathers the report's objects and their relationships.
type advisoryModel struct {
	report *obj
	objs   map[string]*obj // the report's objects found in the collection
	ix     *refIndex
	out    map[string][]*obj // relationships by source
	in     map[string][]*obj // relationships by target
}

func (p *Pages) loadAdvisory(r *request) (store.Collection, *advisoryModel, error) {
	col, err := p.collectionFor(r)
	if err != nil {
		return col, nil, err
	}
	o, _, err := p.loadObject(r, col)
	if err != nil {
		return col, nil, err
	}
	if o.Type != "report" {
		return col, nil, notFoundErr()
	}
	refs := o.strs("object_refs")
	if len(refs) > maxReportRefs {
		refs = refs[:maxReportRefs]
	}
	ids := append([]string{}, refs...)
	refsOf(o.Props, "", &ids)
	objs, err := p.lookup(r.ctx, col.ID, ids)
	if err != nil {
		return col, nil, err
	}
	// Objects the report's objects name (victims' locations, impacts,
	// markings) are looked up too, one level down.
	var more []string
	for _, x := range objs {
		refsOf(x.Props, "", &more)
	}
	extra, err := p.lookup(r.ctx, col.ID, more)
	if err != nil {
		return col, nil, err
	}
	for id, x := range extra {
		if _, ok := objs[id]; !ok {
			objs[id] = x
		}
	}
	objs[o.ID] = o
	m := &advisoryModel{report: o, objs: objs, ix: &refIndex{col: col.ID, objs: objs}, out: map[string][]*obj{}, in: map[string][]*obj{}}
	for _, x := range objs {
		if x.Type == "relationship" {
			m.out[x.str("source_ref")] = append(m.out[x.str("source_ref")], x)
			m.in[x.str("target_ref")] = append(m.in[x.str("target_ref")], x)
		}
	}
	for _, l := range [](map[string][]*obj){m.out, m.in} {
		for _, rels := range l {
			sort.Slice(rels, func(i, j int) bool { return rels[i].ID < rels[j].ID })
		}
	}
	return col, m, nil
}

// related lists the objects that id points at (out) or that point at id
// (!out) with relationships of the given type, by label.
func (m *advisoryModel) related(id, relType string, out bool) []objRef {
	var res []objRef
	seen := map[string]bool{}
	src := m.in
	if out {
		src = m.out
	}
	for _, rel := range src[id] {
		if rel.str("relationship_type") != relType {
			continue
		}
		other := rel.str("source_ref")
		if out {
			other = rel.str("target_ref")
		}
		if !seen[other] {
			seen[other] = true
			res = append(res, m.ix.ref(other))
		}
	}
	sort.Slice(res, func(i, j int) bool { return res[i].Label < res[j].Label })
	return res
}

// country is the country of an object: its own country property or that
// of a location it is located at or originates from.
func (m *advisoryModel) country(o *obj) string {
	if c := o.str("country"); c != "" {
		return countryName(c)
	}
	for _, t := range []string{"located-at", "originates-from"} {
		for _, rel := range m.out[o.ID] {
			if rel.str("relationship_type") != t {
				continue
			}
			if loc, ok := m.objs[rel.str("target_ref")]; ok && loc.Type == "location" {
				return loc.label()
			}
		}
	}
	return ""
}

func (p *Pages) advisory(r *request) error {
	col, m, err := p.loadAdvisory(r)
	if err != nil {
		return err
	}
	o := m.report
	d := advisoryData{Col: col, ColURL: collectionURL(col.ID), Report: objRef{ID: o.ID, Type: o.Type, Label: o.label()},
		Markings: m.ix.markings(o), Sources: externalRefs(o), Description: paragraphs(o.str("description")),
		Labels: o.strs("labels"), ObjectURL: objectURLByID(col.ID, o.ID), DownloadURL: advisoryURL(col.ID, o.ID) + "/bundle"}
	if s := o.str("published"); s != "" {
		tv := showTime(s)
		d.Published = &tv
	}
	if s := o.str("modified"); s != "" && s != o.str("created") {
		tv := showTime(s)
		d.Modified = &tv
	}
	author := o.str("created_by_ref")
	if author != "" {
		a := m.ix.ref(author)
		d.Author = &a
	}
	refs := o.strs("object_refs")
	if len(refs) > maxReportRefs {
		refs = refs[:maxReportRefs]
	}
	var total float64
	totalCur, totalOK := "", true
	for _, id := range refs {
		x, ok := m.objs[id]
		if !ok {
			d.Missing++
			continue
		}
		ref := m.ix.ref(id)
		desc := paragraphs(x.str("description"))
		switch x.Type {
		case "threat-actor", "intrusion-set":
			a := actorView{Ref: ref, Kind: kindName(x.Type), Aliases: x.strs("aliases"), Description: desc,
				Country: m.country(x), AttributedTo: m.related(id, "attributed-to", true), Attributed: actorsOnly(m, m.related(id, "attributed-to", false)),
				Uses: m.related(id, "uses", true)}
			a.Types = append(x.strs("threat_actor_types"), x.strs("resource_level")...)
			d.Actors = append(d.Actors, a)
		case "incident":
			in := incidentView{Ref: ref, Victims: m.related(id, "targets", true), Actors: m.related(id, "attributed-to", true)}
			date, losses, sum, cur, exact := m.incidentFacts(x)
			in.Date, in.Losses = date, losses
			if exact && (totalCur == "" || totalCur == cur) && cur != "" {
				total += sum
				totalCur = cur
			} else if len(losses) > 0 {
				totalOK = false
			}
			for _, para := range desc {
				if (strings.HasPrefix(para, "Date: ") && date != "") || (strings.HasPrefix(para, "Loss: ") && len(losses) > 0) {
					continue // shown above, from the structured data
				}
				in.Description = append(in.Description, para)
			}
			d.Incidents = append(d.Incidents, in)
		case "campaign":
			c := campaignView{Ref: ref, Actors: m.related(id, "attributed-to", true), Uses: m.related(id, "uses", true),
				Related: m.related(id, "related-to", false), Description: desc}
			if s := x.str("first_seen"); s != "" {
				tv := showDay(s)
				c.FirstSeen = &tv
			}
			if s := x.str("last_seen"); s != "" {
				tv := showDay(s)
				c.LastSeen = &tv
			}
			d.Campaigns = append(d.Campaigns, c)
		case "identity":
			if id == author {
				continue
			}
			iv := identityView{Ref: ref, Class: x.str("identity_class"), Sectors: x.strs("sectors"), Roles: x.strs("roles"),
				Country: m.country(x), Description: desc, Targeted: m.related(id, "targets", false)}
			d.Organisations = append(d.Organisations, iv)
		case "attack-pattern":
			d.Patterns = append(d.Patterns, simpleView{Ref: ref, Kind: "attack pattern", Description: desc})
		case "indicator":
			iv := indicatorView{Ref: ref, Pattern: x.str("pattern"), PatternType: x.str("pattern_type"), Types: x.strs("indicator_types"), Description: desc}
			if s := x.str("valid_from"); s != "" {
				tv := showTime(s)
				iv.ValidFrom = &tv
			}
			if s := x.str("valid_until"); s != "" {
				tv := showTime(s)
				iv.ValidUntil = &tv
			}
			d.Indicators = append(d.Indicators, iv)
		case "note":
			nv := noteView{Ref: ref, Abstract: x.str("abstract"), Content: paragraphs(x.str("content")), Authors: x.strs("authors")}
			for _, a := range x.strs("object_refs") {
				nv.About = append(nv.About, m.ix.ref(a))
			}
			d.Notes = append(d.Notes, nv)
		case "relationship", "location", "marking-definition", "extension-definition", "impact", "sighting", "report":
			// Shown through the objects they connect or qualify.
		default:
			if stix.IsCyberObservableType(x.Type) {
				continue // shown through the indicators and observed data that use them
			}
			d.Others = append(d.Others, simpleView{Ref: ref, Kind: kindName(x.Type), Description: desc})
		}
	}
	if totalOK && total > 0 && len(d.Incidents) > 1 {
		d.TotalLoss = stix.ConvertMoney(total, totalCur)
	}
	d.Graph = layoutAdvisory(m, refs)
	return p.render(r, http.StatusOK, "advisory", d, crumb{col.Title, collectionURL(col.ID)}, crumb{d.Report.Label, ""})
}

func actorsOnly(m *advisoryModel, refs []objRef) []objRef {
	var out []objRef
	for _, r := range refs {
		if r.Type == "threat-actor" || r.Type == "intrusion-set" {
			out = append(out, r)
		}
	}
	return out
}

func kindName(typ string) string {
	switch typ {
	case "threat-actor":
		return "threat actor"
	case "intrusion-set":
		return "intrusion set"
	}
	return strings.ReplaceAll(typ, "-", " ")
}

// incidentFacts reads an incident's date (as precise as its impacts say)
// and losses. exact reports that every loss has one amount in one
// currency, summed in sum.
func (m *advisoryModel) incidentFacts(x *obj) (date string, losses []string, sum float64, cur string, exact bool) {
	exact = true
	var impacts []string
	if exts, ok := x.Props["extensions"].(map[string]any); ok {
		for _, e := range exts {
			if em, ok := e.(map[string]any); ok {
				if l, ok := em["impact_refs"].([]any); ok {
					for _, v := range l {
						if s, ok := v.(string); ok {
							impacts = append(impacts, s)
						}
					}
				}
			}
		}
	}
	for _, id := range impacts {
		imp, ok := m.objs[id]
		if !ok {
			continue
		}
		if date == "" {
			date = fidelityDate(imp.str("start_time"), imp.str("start_time_fidelity"))
		}
		if imp.str("impact_category") != "monetary" {
			continue
		}
		var mon struct {
			Currency  string   `json:"currency"`
			MinAmount *float64 `json:"min_amount"`
			MaxAmount *float64 `json:"max_amount"`
		}
		if exts, ok := imp.Props["extensions"].(map[string]any); ok {
			if b, err := json.Marshal(exts["monetary-ext"]); err == nil {
				_ = json.Unmarshal(b, &mon)
			}
		}
		switch {
		case mon.MinAmount != nil && mon.MaxAmount != nil && *mon.MinAmount == *mon.MaxAmount && mon.Currency != "":
			losses = append(losses, stix.ConvertMoney(*mon.MinAmount, mon.Currency))
			if cur != "" && cur != mon.Currency {
				exact = false
			}
			sum, cur = sum+*mon.MinAmount, mon.Currency
		case mon.MinAmount != nil && mon.MaxAmount != nil && mon.Currency != "":
			losses = append(losses, "between "+stix.ConvertMoney(*mon.MinAmount, mon.Currency)+" and "+stix.ConvertMoney(*mon.MaxAmount, mon.Currency))
			exact = false
		case mon.MinAmount != nil && mon.Currency != "":
			losses = append(losses, "at least "+stix.ConvertMoney(*mon.MinAmount, mon.Currency))
			exact = false
		default:
			// Known only in words (e.g. a lower bound): the impact's text.
			text := imp.str("description")
			if i := strings.Index(text, `": `); strings.HasPrefix(text, "Monetary loss of the incident") && i > 0 {
				// Herald's own wording: `Monetary loss of the incident "X":
				// more than US$N (kind). Free text.` Keep the amount.
				text = text[i+3:]
				if j := strings.Index(text, ". "); j > 0 {
					text = text[:j]
				}
				if j := strings.LastIndex(text, " ("); j > 0 && strings.HasSuffix(text, ")") {
					text = text[:j]
				}
				text = strings.TrimSuffix(text, ".")
			}
			if text != "" {
				losses = append(losses, text)
			}
			exact = false
		}
	}
	if date == "" {
		if s := x.str("first_seen"); s != "" {
			date = showDay(s).Human
		}
	}
	return date, losses, sum, cur, exact
}

// fidelityDate writes a timestamp as precisely as its fidelity says:
// "2024", "July 2024", "3 July 2024", else day and time.
func fidelityDate(s, fidelity string) string {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return ""
	}
	t = t.UTC()
	switch fidelity {
	case "year":
		return t.Format("2006")
	case "month":
		return t.Format("January 2006")
	case "day":
		return t.Format("2 January 2006")
	}
	return t.Format("2 January 2006, 15:04 UTC")
}

func showDay(s string) timeView {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return timeView{Exact: s, Human: s}
	}
	t = t.UTC()
	if next := t.Add(time.Millisecond); next.Day() == 1 && next.Hour() == 0 && next.Minute() == 0 && next.Second() == 0 && next.Nanosecond() == 0 {
		// The last millisecond of a month: a date known to the month.
		return timeView{Exact: s, Human: t.Format("January 2006")}
	}
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 && t.Day() == 1 {
		return timeView{Exact: s, Human: t.Format("January 2006")}
	}
	return timeView{Exact: s, Human: t.UTC().Format("2 January 2006")}
}
