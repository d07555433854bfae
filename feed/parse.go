package feed

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxSize is the largest advisory file Parse accepts (1 MiB). Advisories are
// written by hand; anything larger is a mistake or an attack on the parser.
const MaxSize = 1 << 20

// maxDepth bounds the nesting of the YAML document.
const maxDepth = 16

var (
	reLocalID = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)
	reVocab   = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	reCountry = regexp.MustCompile(`^[A-Z]{2}$`)
	reAttack  = regexp.MustCompile(`^T[0-9]{4}(\.[0-9]{3})?$`)
	reCAPEC   = regexp.MustCompile(`^CAPEC-[0-9]{1,5}$`)
)

// ParseFile reads and parses the advisory at path.
func ParseFile(path string) (*Advisory, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open advisory: %w", err)
	}
	defer f.Close()
	return Parse(f, path)
}

// Parse reads one advisory from r. filename is used in error messages only.
//
// On failure the error is an ErrorList holding every problem found, each a
// *Error with file, line, column and field. Unknown fields, references to
// undefined local ids, duplicate ids and values of the wrong shape are all
// errors: nothing a maintainer wrote is ever silently dropped.
func Parse(r io.Reader, filename string) (*Advisory, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read advisory %s: %w", filename, err)
	}
	sink := &errorSink{file: filename}
	if len(data) > MaxSize {
		sink.add(0, 0, "", "file is larger than %d bytes", MaxSize)
		return nil, sink.result()
	}
	a := parse(data, filename, sink)
	if err := sink.result(); err != nil {
		return nil, err
	}
	return a, nil
}

func parse(data []byte, filename string, sink *errorSink) *Advisory {
	if line, col, b, found := notText(data); found {
		sink.add(line, col, "", "byte 0x%02x is not UTF-8 text: an advisory is a YAML text file (is this a binary or compressed file?)", b)
		return nil
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			sink.add(0, 0, "", "file is empty")
			return nil
		}
		line, msg := yamlErrorLine(err)
		sink.add(line, 1, "", "invalid YAML: %s", msg)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		sink.add(extra.Line, extra.Column, "", "one file holds one advisory: remove the second YAML document (---)")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if !checkTree(root, 0, sink) {
		return nil
	}
	p := &parser{decoder: decoder{errs: sink}, defs: map[string]def{}}
	a := &Advisory{File: filename}
	p.advisory(root, a)
	p.resolve()
	p.check(a)
	return a
}

// yamlErrorLine pulls the line number out of a yaml.v3 error message
// ("yaml: line 3: mapping values are not allowed in this context").
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	var line int
	if n, _ := fmt.Sscanf(msg, "line %d:", &line); n == 1 {
		if i := strings.Index(msg, ": "); i >= 0 {
			msg = msg[i+2:]
		}
		return line, msg
	}
	return 0, msg
}

// checkTree rejects aliases (which could expand exponentially) and deep
// nesting before anything is decoded.
func checkTree(n *yaml.Node, depth int, sink *errorSink) bool {
	if depth > maxDepth {
		sink.add(n.Line, n.Column, "", "nesting deeper than %d levels", maxDepth)
		return false
	}
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		sink.add(n.Line, n.Column, "", "YAML anchors and aliases (&, *) are not supported in advisories")
		return false
	}
	if n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		sink.add(n.Line, n.Column, "", "custom YAML tags (%s) are not supported", n.Tag)
		return false
	}
	for _, c := range n.Content {
		if !checkTree(c, depth+1, sink) {
			return false
		}
	}
	return true
}

// Record kinds, for reference checks.
const (
	recSource       = "source"
	recActor        = "actor"
	recOrganisation = "organisation"
	recIncident     = "incident"
	recCampaign     = "campaign"
	recAttack       = "attack pattern"
	recNote         = "note"
	recIndicator    = "indicator"
)

type def struct {
	kind string
	line int
}

type pendingRef struct {
	id    string
	kinds []string
	node  *yaml.Node
	path  string
}

type parser struct {
	decoder
	defs       map[string]def
	refs       []pendingRef
	untilNodes map[int]*yaml.Node // indicator index -> its valid_until node

	indicatorCount int
}

// localID decodes a record's id and registers it.
func (p *parser) localID(dst *string, kind string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		var s string
		p.str(&s)(v, path)
		if s == "" {
			return
		}
		if !reLocalID.MatchString(s) {
			p.errAt(v, path, "%q is not a valid id: use lower-case letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters", s)
			return
		}
		if prev, dup := p.defs[s]; dup {
			p.errAt(v, path, "duplicate id %q (already used by the %s at line %d)", s, prev.kind, prev.line)
			return
		}
		p.defs[s] = def{kind: kind, line: v.Line}
		*dst = s
	}
}

// refList decodes a list of local ids that must name records of the given
// kinds; they are checked once the whole file is read.
func (p *parser) refList(dst *[]string, kinds ...string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		seen := map[string]bool{}
		p.list(v, path, func(n *yaml.Node, ip string) {
			var s string
			p.str(&s)(n, ip)
			if s == "" {
				return
			}
			if seen[s] {
				p.errAt(n, ip, "%q is listed twice", s)
				return
			}
			seen[s] = true
			*dst = append(*dst, s)
			p.refs = append(p.refs, pendingRef{id: s, kinds: kinds, node: n, path: ip})
		})
	}
}

// resolve checks every reference against the defined ids.
func (p *parser) resolve() {
	for _, r := range p.refs {
		d, ok := p.defs[r.id]
		if !ok {
			msg := fmt.Sprintf("%q is not defined in this file (define it as one of: %s)", r.id, strings.Join(r.kinds, ", "))
			if s := p.closestID(r.id, r.kinds); s != "" {
				msg = fmt.Sprintf("%q is not defined in this file (did you mean %q?)", r.id, s)
			}
			p.errAt(r.node, r.path, "%s", msg)
			continue
		}
		match := false
		for _, k := range r.kinds {
			match = match || k == d.kind
		}
		if !match {
			p.errAt(r.node, r.path, "%q is %s %s (line %d), but this must refer to: %s", r.id, article(d.kind), d.kind, d.line, strings.Join(r.kinds, ", "))
		}
	}
}

// article is "an" before a vowel, else "a".
func article(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an"
	}
	return "a"
}

// closestID returns the defined id of one of the kinds closest to a
// mistyped one (at most two edits away), or "". Ties go to the id that sorts
// first, so the message is stable.
func (p *parser) closestID(id string, kinds []string) string {
	best, bestDist := "", 3
	for cand, d := range p.defs {
		match := false
		for _, k := range kinds {
			match = match || k == d.kind
		}
		if !match {
			continue
		}
		if dd := editDistance(id, cand); dd < bestDist || (dd == bestDist && best != "" && cand < best) {
			best, bestDist = cand, dd
		}
	}
	return best
}

// country decodes an ISO 3166-1 alpha-2 code.
func (p *parser) country(dst *string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		var s string
		p.str(&s)(v, path)
		if s == "" {
			return
		}
		if !reCountry.MatchString(s) {
			p.errAt(v, path, "%q is not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. KP)", s)
			return
		}
		*dst = s
	}
}

// matching decodes a text value that must match re.
func (p *parser) matching(dst *string, re *regexp.Regexp, what string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		var s string
		p.str(&s)(v, path)
		if s == "" {
			return
		}
		if !re.MatchString(s) {
			p.errAt(v, path, "%q is not %s", s, what)
			return
		}
		*dst = s
	}
}

// records decodes a top-level list of records.
func (p *parser) records(item func(n *yaml.Node, path string)) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		p.list(v, path, item)
	}
}

func (p *parser) advisory(root *yaml.Node, a *Advisory) {
	p.mapping(root, "", []field{
		{name: "advisory", required: true, set: func(v *yaml.Node, path string) { p.meta(v, path, a) }},
		{name: "sources", set: p.records(func(n *yaml.Node, path string) {
			var s Source
			p.mapping(n, path, []field{
				{name: "id", required: true, set: p.localID(&s.ID, recSource)},
				{name: "title", required: true, set: p.str(&s.Title)},
				{name: "publisher", required: true, set: p.str(&s.Publisher)},
				{name: "url", set: p.url(&s.URL)},
				{name: "description", set: p.str(&s.Description)},
			})
			a.Sources = append(a.Sources, s)
		})},
		{name: "actors", set: p.records(func(n *yaml.Node, path string) { a.Actors = append(a.Actors, p.actor(n, path)) })},
		{name: "organisations", set: p.records(func(n *yaml.Node, path string) {
			a.Organisations = append(a.Organisations, p.organisation(n, path))
		})},
		{name: "incidents", set: p.records(func(n *yaml.Node, path string) { a.Incidents = append(a.Incidents, p.incident(n, path)) })},
		{name: "campaigns", set: p.records(func(n *yaml.Node, path string) { a.Campaigns = append(a.Campaigns, p.campaign(n, path)) })},
		{name: "attack_patterns", set: p.records(func(n *yaml.Node, path string) {
			a.AttackPatterns = append(a.AttackPatterns, p.attackPattern(n, path))
		})},
		{name: "notes", set: p.records(func(n *yaml.Node, path string) { a.Notes = append(a.Notes, p.note(n, path)) })},
		{name: "indicators", set: p.records(func(n *yaml.Node, path string) { a.Indicators = append(a.Indicators, p.indicator(n, path)) })},
	})
}

func (p *parser) meta(v *yaml.Node, path string, a *Advisory) {
	var updatedNode, publishedNode *yaml.Node
	p.mapping(v, path, []field{
		{name: "id", required: true, set: p.matching(&a.ID, reLocalID, "a valid advisory id (lower-case letters, digits, '.', '_', '-'; at most 64 characters)")},
		{name: "title", required: true, set: p.str(&a.Title)},
		{name: "description", required: true, set: p.str(&a.Description)},
		{name: "published", required: true, set: func(n *yaml.Node, fp string) { publishedNode = n; p.date(&a.Published)(n, fp) }},
		{name: "updated", set: func(n *yaml.Node, fp string) { updatedNode = n; p.date(&a.Updated)(n, fp) }},
		{name: "tlp", required: true, set: p.oneOf(&a.TLP, TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed)},
		{name: "publisher", required: true, set: func(n *yaml.Node, fp string) {
			p.mapping(n, fp, []field{
				{name: "name", required: true, set: p.str(&a.Publisher.Name)},
				{name: "description", set: p.str(&a.Publisher.Description)},
				{name: "contact", set: p.str(&a.Publisher.Contact)},
			})
		}},
		{name: "labels", set: p.strs(&a.Labels)},
	})
	if publishedNode != nil && !a.Published.IsZero() && a.Published.Precision < PrecisionDay {
		p.errAt(publishedNode, join(path, "published"), "the advisory's own dates need at least a day (YYYY-MM-DD)")
	}
	if updatedNode != nil && !a.Updated.IsZero() {
		if a.Updated.Precision < PrecisionDay {
			p.errAt(updatedNode, join(path, "updated"), "the advisory's own dates need at least a day (YYYY-MM-DD)")
		} else if !a.Published.IsZero() && a.Updated.Time.Before(a.Published.Time) {
			p.errAt(updatedNode, join(path, "updated"), "updated (%s) is before published (%s)", a.Updated, a.Published)
		}
	}
	if a.Updated.IsZero() {
		a.Updated = a.Published
	}
}

func (p *parser) url(dst *string) func(*yaml.Node, string) {
	return func(v *yaml.Node, path string) {
		var s string
		p.str(&s)(v, path)
		if s == "" {
			return
		}
		if _, err := NormalizeObservable(KindURL, s); err != nil {
			p.errAt(v, path, "%v", err)
			return
		}
		*dst = s
	}
}

// seenPair checks that first_seen is not after last_seen.
func (p *parser) seenPair(first, last Date, lastNode *yaml.Node, path string) {
	if lastNode != nil && !first.IsZero() && !last.IsZero() && last.End().Before(first.Time) {
		p.errAt(lastNode, join(path, "last_seen"), "last_seen (%s) is before first_seen (%s)", last, first)
	}
}

func (p *parser) actor(n *yaml.Node, path string) Actor {
	var a Actor
	var lastNode, sophNode, typesNode *yaml.Node
	p.mapping(n, path, []field{
		{name: "id", required: true, set: p.localID(&a.ID, recActor)},
		{name: "kind", required: true, set: p.oneOf(&a.Kind, ActorThreatActor, ActorIntrusionSet)},
		{name: "name", required: true, set: p.str(&a.Name)},
		{name: "aliases", set: p.strs(&a.Aliases)},
		{name: "types", set: func(v *yaml.Node, fp string) { typesNode = v; p.vocabs(&a.Types)(v, fp) }},
		{name: "country", set: p.country(&a.Country)},
		{name: "motivations", set: p.vocabs(&a.Motivations)},
		{name: "sophistication", set: func(v *yaml.Node, fp string) { sophNode = v; p.vocab(&a.Sophistication)(v, fp) }},
		{name: "description", set: p.str(&a.Description)},
		{name: "first_seen", set: p.date(&a.FirstSeen)},
		{name: "last_seen", set: func(v *yaml.Node, fp string) { lastNode = v; p.date(&a.LastSeen)(v, fp) }},
		{name: "attributed_to", set: p.refList(&a.AttributedTo, recActor)},
		{name: "references", set: p.refList(&a.References, recSource)},
	})
	if a.Kind == ActorIntrusionSet {
		if sophNode != nil {
			p.errAt(sophNode, join(path, "sophistication"), "only threat actors have a sophistication in STIX; use kind: threat-actor or remove it")
		}
		if typesNode != nil {
			p.errAt(typesNode, join(path, "types"), "only threat actors have types in STIX; use kind: threat-actor or remove it")
		}
	}
	p.seenPair(a.FirstSeen, a.LastSeen, lastNode, path)
	return a
}

func (p *parser) organisation(n *yaml.Node, path string) Organisation {
	var o Organisation
	p.mapping(n, path, []field{
		{name: "id", required: true, set: p.localID(&o.ID, recOrganisation)},
		{name: "name", required: true, set: p.str(&o.Name)},
		{name: "class", set: p.oneOf(&o.Class, "individual", "group", "system", "organization", "class", "unknown")},
		{name: "sectors", set: p.vocabs(&o.Sectors)},
		{name: "country", set: p.country(&o.Country)},
		{name: "roles", set: p.strs(&o.Roles)},
		{name: "description", set: p.str(&o.Description)},
		{name: "related_to", set: p.refList(&o.RelatedTo, recActor, recCampaign)},
		{name: "references", set: p.refList(&o.References, recSource)},
	})
	if o.Class == "" {
		o.Class = "organization"
	}
	return o
}

func (p *parser) incident(n *yaml.Node, path string) Incident {
	var in Incident
	p.mapping(n, path, []field{
		{name: "id", required: true, set: p.localID(&in.ID, recIncident)},
		{name: "name", required: true, set: p.str(&in.Name)},
		{name: "date", set: p.date(&in.Date)},
		{name: "victims", set: p.refList(&in.Victims, recOrganisation)},
		{name: "attributed_to", set: p.refList(&in.AttributedTo, recActor)},
		{name: "losses", set: func(v *yaml.Node, fp string) {
			p.list(v, fp, func(ln *yaml.Node, lp string) { in.Losses = append(in.Losses, p.loss(ln, lp)) })
		}},
		{name: "types", set: p.vocabs(&in.Types)},
		{name: "determination", set: p.oneOf(&in.Determination, "blocked", "confirmed", "failed-attempt", "false-positive", "suspected")},
		{name: "investigation_status", set: p.oneOf(&in.InvestigationStatus, "closed", "new", "open")},
		{name: "description", set: p.str(&in.Description)},
		{name: "references", set: p.refList(&in.References, recSource)},
	})
	if in.Determination == "" {
		in.Determination = "confirmed"
	}
	if in.InvestigationStatus == "" {
		in.InvestigationStatus = "closed"
	}
	return in
}

func (p *parser) loss(n *yaml.Node, path string) Loss {
	var l Loss
	p.mapping(n, path, []field{
		{name: "amount", required: true, set: p.amount(&l.Amount)},
		{name: "currency", required: true, set: func(v *yaml.Node, fp string) {
			var s string
			p.str(&s)(v, fp)
			if s == "" {
				return
			}
			if err := CheckCurrency(s); err != nil {
				p.errAt(v, fp, "%v", err)
				return
			}
			l.Currency = s
		}},
		{name: "kind", set: p.vocab(&l.Kind)},
		{name: "at_least", set: p.boolean(&l.AtLeast)},
		{name: "description", set: p.str(&l.Description)},
	})
	if l.Kind == "" {
		l.Kind = "asset-and-fraud"
	}
	return l
}

func (p *parser) campaign(n *yaml.Node, path string) Campaign {
	var c Campaign
	var lastNode *yaml.Node
	p.mapping(n, path, []field{
		{name: "id", required: true, set: p.localID(&c.ID, recCampaign)},
		{name: "name", required: true, set: p.str(&c.Name)},
		{name: "aliases", set: p.strs(&c.Aliases)},
		{name: "objective", set: p.str(&c.Objective)},
		{name: "description", set: p.str(&c.Description)},
		{name: "first_seen", set: p.date(&c.FirstSeen)},
		{name: "last_seen", set: func(v *yaml.Node, fp string) { lastNode = v; p.date(&c.LastSeen)(v, fp) }},
		{name: "attributed_to", set: p.refList(&c.AttributedTo, recActor)},
		{name: "targets", set: p.refList(&c.Targets, recOrganisation)},
		{name: "uses", set: p.refList(&c.Uses, recAttack)},
		{name: "incidents", set: p.refList(&c.Incidents, recIncident)},
		{name: "references", set: p.refList(&c.References, recSource)},
	})
	p.seenPair(c.FirstSeen, c.LastSeen, lastNode, path)
	return c
}

func (p *parser) attackPattern(n *yaml.Node, path string) AttackPattern {
	var ap AttackPattern
	p.mapping(n, path, []field{
		{name: "id", required: true, set: p.localID(&ap.ID, recAttack)},
		{name: "name", required: true, set: p.str(&ap.Name)},
		{name: "description", set: p.str(&ap.Description)},
		{name: "attack_id", set: p.matching(&ap.Attack, reAttack, "an ATT&CK technique id (T1566 or T1566.001)")},
		{name: "capec_id", set: p.matching(&ap.CAPEC, reCAPEC, "a CAPEC id (CAPEC-98)")},
		{name: "used_by", set: p.refList(&ap.UsedBy, recActor, recCampaign)},
		{name: "references", set: p.refList(&ap.References, recSource)},
	})
	return ap
}

func (p *parser) note(n *yaml.Node, path string) Note {
	var nt Note
	p.mapping(n, path, []field{
		{name: "id", required: true, set: p.localID(&nt.ID, recNote)},
		{name: "abstract", set: p.str(&nt.Abstract)},
		{name: "content", required: true, set: p.str(&nt.Content)},
		{name: "authors", set: p.strs(&nt.Authors)},
		{name: "about", set: p.refList(&nt.About, recActor, recOrganisation, recIncident, recCampaign, recAttack, recIndicator)},
		{name: "references", set: p.refList(&nt.References, recSource)},
	})
	return nt
}

func (p *parser) indicator(n *yaml.Node, path string) Indicator {
	var in Indicator
	var kinds []string
	var kindNode, untilNode *yaml.Node
	shorthand := func(kind string) field {
		return field{name: kind, set: func(v *yaml.Node, fp string) {
			kinds = append(kinds, kind)
			kindNode = v
			var s string
			p.str(&s)(v, fp)
			if s == "" {
				return
			}
			norm, err := NormalizeObservable(kind, s)
			if err != nil {
				p.errAt(v, fp, "%v", err)
				return
			}
			in.Observable = &Observable{Kind: kind, Value: norm}
		}}
	}
	fields := []field{
		{name: "id", required: true, set: p.localID(&in.ID, recIndicator)},
		{name: "name", set: p.str(&in.Name)},
		{name: "description", set: p.str(&in.Description)},
		{name: "pattern", set: func(v *yaml.Node, fp string) {
			kinds = append(kinds, "pattern")
			kindNode = v
			p.str(&in.Pattern)(v, fp)
		}},
		{name: "valid_from", set: p.date(&in.ValidFrom)},
		{name: "valid_until", set: func(v *yaml.Node, fp string) { untilNode = v; p.date(&in.ValidUntil)(v, fp) }},
		{name: "types", set: p.vocabs(&in.Types)},
		{name: "kill_chain_phases", set: func(v *yaml.Node, fp string) {
			p.list(v, fp, func(kn *yaml.Node, kp string) {
				var k KillChainPhase
				p.mapping(kn, kp, []field{
					{name: "chain", required: true, set: p.vocab(&k.Chain)},
					{name: "phase", required: true, set: p.vocab(&k.Phase)},
				})
				in.KillChain = append(in.KillChain, k)
			})
		}},
		{name: "labels", set: p.strs(&in.Labels)},
		{name: "indicates", set: p.refList(&in.Indicates, recActor, recCampaign, recAttack)},
		{name: "references", set: p.refList(&in.References, recSource)},
	}
	for _, k := range ObservableKinds {
		if k == KindWallet {
			continue
		}
		fields = append(fields, shorthand(k))
	}
	fields = append(fields, field{name: KindWallet, set: func(v *yaml.Node, fp string) {
		kinds = append(kinds, KindWallet)
		kindNode = v
		var addr, cur string
		p.mapping(v, fp, []field{
			{name: "address", required: true, set: p.str(&addr)},
			{name: "currency", required: true, set: p.str(&cur)},
		})
		if addr == "" || cur == "" {
			return
		}
		norm, err := NormalizeObservable(KindWallet, addr)
		if err != nil {
			p.errAt(v, join(fp, "address"), "%v", err)
			return
		}
		if err := CheckCurrency(cur); err != nil {
			p.errAt(v, join(fp, "currency"), "%v", err)
			return
		}
		in.Observable = &Observable{Kind: KindWallet, Value: norm, Currency: cur}
	}})
	p.mapping(n, path, fields)
	switch {
	case len(kinds) == 0 && n.Kind == yaml.MappingNode:
		p.errAt(n, join(path, "pattern"), "give a STIX pattern or one shorthand value (%s)", strings.Join(ObservableKinds, ", "))
	case len(kinds) > 1:
		p.errAt(kindNode, path, "give exactly one of pattern, %s; found %s", strings.Join(ObservableKinds, ", "), strings.Join(kinds, " and "))
	}
	if untilNode != nil {
		if p.untilNodes == nil {
			p.untilNodes = map[int]*yaml.Node{}
		}
		p.untilNodes[p.indicatorCount] = untilNode
	}
	p.indicatorCount++
	return in
}

// check runs the whole-file rules that need every record read: defaults
// that depend on the advisory's dates, and the checks that follow from them.
func (p *parser) check(a *Advisory) {
	for i := range a.Indicators {
		in := &a.Indicators[i]
		if in.ValidFrom.IsZero() {
			in.ValidFrom = a.Published
		}
		n := p.untilNodes[i]
		if n != nil && !in.ValidUntil.IsZero() && !in.ValidFrom.IsZero() && !in.ValidUntil.Time.After(in.ValidFrom.Time) {
			p.errAt(n, index("indicators", i)+".valid_until", "valid_until (%s) must be after valid_from (%s)", in.ValidUntil, in.ValidFrom)
		}
	}
}
