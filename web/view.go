package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/heraldcti/herald/store"
)

// obj is one stored object version decoded for display. Its JSON bytes are
// kept for the raw view; Props holds the decoded properties (numbers as
// json.Number).
type obj struct {
	ID        string
	Type      string
	DateAdded time.Time
	JSON      []byte
	Props     map[string]any
}

func decodeObj(r store.Record) (*obj, error) {
	d := json.NewDecoder(bytes.NewReader(r.JSON))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		return nil, fmt.Errorf("decode %s: %w", r.ID, err)
	}
	return &obj{ID: r.ID, Type: r.Type, DateAdded: r.DateAdded, JSON: r.JSON, Props: m}, nil
}

func (o *obj) str(key string) string {
	s, _ := o.Props[key].(string)
	return s
}

func (o *obj) strs(key string) []string {
	l, _ := o.Props[key].([]any)
	var out []string
	for _, x := range l {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// label is what people call the object: its name, else a type-specific
// property, else its id.
func (o *obj) label() string {
	for _, k := range []string{"name", "abstract", "value", "path", "pattern", "opinion", "key", "number", "body", "user_id", "subject"} {
		if s := strings.TrimSpace(o.str(k)); s != "" {
			return clip(s, 120)
		}
	}
	switch o.Type {
	case "relationship":
		return o.str("relationship_type") + " relationship"
	case "sighting":
		return "sighting"
	case "location":
		if c := o.str("country"); c != "" {
			return countryName(c)
		}
		for _, k := range []string{"city", "region"} {
			if s := o.str(k); s != "" {
				return s
			}
		}
	}
	return o.ID
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// objRef is a link to an object for a page: its label, and a URL when the
// object is in the collection (else only its id is shown).
type objRef struct {
	ID    string
	Type  string
	Label string
	URL   string
}

// refIndex finds the objects of a collection that a page mentions, by id,
// so links show names.
type refIndex struct {
	col  string
	objs map[string]*obj
}

func (ix *refIndex) ref(id string) objRef {
	if o, ok := ix.objs[id]; ok {
		return objRef{ID: id, Type: o.Type, Label: o.label(), URL: objectURL(ix.col, o)}
	}
	typ, _, _ := strings.Cut(id, "--")
	return objRef{ID: id, Type: typ, Label: id}
}

func objectURL(col string, o *obj) string {
	if o.Type == "report" {
		return advisoryURL(col, o.ID)
	}
	return Prefix + "/c/" + url.PathEscape(col) + "/o/" + url.PathEscape(o.ID)
}

func objectURLByID(col, id string) string {
	return Prefix + "/c/" + url.PathEscape(col) + "/o/" + url.PathEscape(id)
}

func advisoryURL(col, id string) string {
	return Prefix + "/c/" + url.PathEscape(col) + "/advisory/" + url.PathEscape(id)
}

func collectionURL(col string) string { return Prefix + "/c/" + url.PathEscape(col) }

// maxLookup bounds how many objects one page looks up by id.
const maxLookup = 5000

// lookup reads the latest version of each id found in the collection
// (missing ids are left out), in batches.
func (p *Pages) lookup(ctx context.Context, col string, ids []string) (map[string]*obj, error) {
	out := map[string]*obj{}
	uniq := map[string]bool{}
	var list []string
	for _, id := range ids {
		if id != "" && !uniq[id] && len(list) < maxLookup {
			uniq[id] = true
			list = append(list, id)
		}
	}
	for len(list) > 0 {
		n := min(len(list), 200)
		batch := list[:n]
		list = list[n:]
		q := store.Query{IDs: batch}
		for {
			pg, err := p.db.Objects(ctx, col, q)
			if err != nil {
				return nil, fmt.Errorf("look up objects in %s: %w", col, err)
			}
			for _, r := range pg.Records {
				o, err := decodeObj(r)
				if err != nil {
					continue // a stored object that is not a JSON object: shown as its id
				}
				out[o.ID] = o
			}
			if !pg.More {
				break
			}
			q.After = pg.Next
		}
	}
	return out, nil
}

// refsOf collects every id an object refers to: *_ref and *_refs
// properties anywhere in it (extensions included), marking references in
// granular markings, and extension definitions used as extension keys.
func refsOf(v any, key string, out *[]string) {
	switch x := v.(type) {
	case string:
		if (strings.HasSuffix(key, "_ref") || strings.HasSuffix(key, "_refs")) && strings.Contains(x, "--") {
			*out = append(*out, x)
		}
	case []any:
		for _, e := range x {
			refsOf(e, key, out)
		}
	case map[string]any:
		for k, e := range x {
			if key == "extensions" && strings.HasPrefix(k, "extension-definition--") {
				*out = append(*out, k)
			}
			refsOf(e, k, out)
		}
	}
}

// Values for the generic property view, rendered by the "value" template.
type value struct {
	Kind   string // text, long, time, ref, url, list, map, mono, plain
	Text   string
	Time   timeView
	Ref    objRef
	Items  []value
	Fields []field
}

type field struct {
	Key string
	Val value
}

type timeView struct {
	Exact string // as stored
	Human string
}

func showTime(s string) timeView {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return timeView{Exact: s, Human: s}
	}
	t = t.UTC()
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 {
		return timeView{Exact: s, Human: t.Format("2 Jan 2006")} // a date: no time of day
	}
	return timeView{Exact: s, Human: t.Format("2 Jan 2006, 15:04 UTC")}
}

func showTimeT(t time.Time) timeView {
	return timeView{Exact: t.UTC().Format(time.RFC3339Nano), Human: t.UTC().Format("2 Jan 2006, 15:04 UTC")}
}

var timeKeys = map[string]bool{"created": true, "modified": true, "valid_from": true, "valid_until": true,
	"first_seen": true, "last_seen": true, "published": true, "start_time": true, "end_time": true,
	"first_observed": true, "last_observed": true, "start": true, "stop": true, "date": true,
	"ctime": true, "mtime": true, "atime": true, "recovery_time": true}

func looksLikeTime(s string) bool {
	if len(s) < 20 || len(s) > 40 || s[4] != '-' || s[10] != 'T' || !strings.HasSuffix(s, "Z") {
		return false
	}
	_, err := time.Parse(time.RFC3339Nano, s)
	return err == nil
}

// webURL returns s when it is an absolute http(s) URL, the only links the
// pages make from object content; anything else ("javascript:", "data:")
// is shown as text.
func webURL(s string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", false
	}
	return u.String(), true
}

func (ix *refIndex) value(key string, v any) value {
	switch x := v.(type) {
	case string:
		switch {
		case (strings.HasSuffix(key, "_ref") || strings.HasSuffix(key, "_refs")) && strings.Contains(x, "--"):
			return value{Kind: "ref", Ref: ix.ref(x)}
		case timeKeys[key] || looksLikeTime(x):
			return value{Kind: "time", Time: showTime(x)}
		case key == "pattern" || key == "hashes" || strings.HasPrefix(key, "x509") || key == "schema" && !strings.HasPrefix(x, "http"):
			return value{Kind: "mono", Text: x}
		case key == "url" || key == "schema" || key == "href":
			if u, ok := webURL(x); ok {
				return value{Kind: "url", Text: u}
			}
			return value{Kind: "mono", Text: x}
		case strings.Contains(x, "\n") || len(x) > 200:
			return value{Kind: "long", Text: x}
		}
		return value{Kind: "text", Text: x}
	case []any:
		out := value{Kind: "list"}
		for _, e := range x {
			out.Items = append(out.Items, ix.value(key, e))
		}
		return out
	case map[string]any:
		out := value{Kind: "map"}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			kv := ix.value(k, x[k])
			if key == "extensions" && strings.HasPrefix(k, "extension-definition--") {
				r := ix.ref(k)
				k = r.Label
			}
			out.Fields = append(out.Fields, field{Key: k, Val: kv})
		}
		return out
	case json.Number:
		return value{Kind: "plain", Text: x.String()}
	case bool:
		if x {
			return value{Kind: "plain", Text: "true"}
		}
		return value{Kind: "plain", Text: "false"}
	case nil:
		return value{Kind: "plain", Text: "null"}
	}
	return value{Kind: "text", Text: fmt.Sprint(v)}
}

// extRef is an external reference laid out for reading.
type extRef struct {
	Source      string
	Description string
	URL         string // only http(s)
	RawURL      string // anything else, shown as text
	ExternalID  string
}

func externalRefs(o *obj) []extRef {
	l, _ := o.Props["external_references"].([]any)
	var out []extRef
	for _, x := range l {
		m, ok := x.(map[string]any)
		if !ok {
			continue
		}
		s := func(k string) string { v, _ := m[k].(string); return v }
		e := extRef{Source: s("source_name"), Description: s("description"), ExternalID: s("external_id")}
		if u, ok := webURL(s("url")); ok {
			e.URL = u
		} else {
			e.RawURL = s("url")
		}
		out = append(out, e)
	}
	return out
}

// marking is a marking shown as a label; TLP markings get their colour.
type marking struct {
	Label string
	Class string // tlp-clear, tlp-green, tlp-amber, tlp-red, or "other"
	Ref   objRef
}

var tlpMarkings = map[string][2]string{
	// TLP 2.0
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": {"TLP:CLEAR", "tlp-clear"},
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": {"TLP:GREEN", "tlp-green"},
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": {"TLP:AMBER", "tlp-amber"},
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": {"TLP:AMBER+STRICT", "tlp-amber"},
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": {"TLP:RED", "tlp-red"},
	// TLP 1.0, as defined in STIX 2.1 §7.2.1.4
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": {"TLP:WHITE", "tlp-clear"},
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": {"TLP:GREEN", "tlp-green"},
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": {"TLP:AMBER", "tlp-amber"},
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": {"TLP:RED", "tlp-red"},
}

func (ix *refIndex) markings(o *obj) []marking {
	var out []marking
	for _, id := range o.strs("object_marking_refs") {
		r := ix.ref(id)
		if t, ok := tlpMarkings[id]; ok {
			out = append(out, marking{Label: t[0], Class: t[1], Ref: r})
			continue
		}
		out = append(out, marking{Label: r.Label, Class: "other", Ref: r})
	}
	return out
}

// paragraphs splits a description into paragraphs at blank lines.
func paragraphs(s string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
