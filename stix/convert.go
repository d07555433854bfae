package stix

import (
	"errors"
	"fmt"
	"time"

	"github.com/TcM1911/stix2"

	"github.com/heraldcti/herald/feed"
)

// ConvertOptions tunes ConvertAdvisory.
type ConvertOptions struct {
	// Previous holds the objects already published (any superset will do,
	// for example the latest version of every object in the collection).
	// With it, ConvertAdvisory:
	//   - returns the previous bytes unchanged for every object whose content
	//     did not change, so re-importing an edited file only adds new
	//     versions of what was edited;
	//   - keeps each object's created as first published;
	//   - fails when an object changed but advisory.updated is not later than
	//     its published modified (bump updated), or when it was revoked;
	//   - appends a revoked version (at advisory.updated) of every object the
	//     previous version of the advisory's report listed and the advisory
	//     no longer produces.
	Previous []Object
	// Now, when set, is the time of the import: an advisory whose published
	// or updated date lies after it is refused, so consumers never see a
	// modified in the future. It is only compared, never written.
	Now time.Time
}

// ConvertAdvisory turns a parsed advisory into STIX 2.1 objects. The result
// depends only on the advisory and opts: the same input always gives the
// same bytes. Objects come in this order, so that every object follows those
// it refers to (except a note about the whole advisory, which refers to the
// report), with revocations, if any, after the report:
//
//	TLP marking, extension definitions, publisher identity, locations,
//	actors, organisations, attack patterns, campaigns, incidents and their
//	impacts, indicators and their SCOs, notes, relationships, report.
//
// Every SDO and SRO is created_by_ref the publisher identity, carries the
// advisory's TLP 2.0 marking, has created = advisory.published and
// modified = advisory.updated (see ConvertOptions.Previous for re-imports).
// Ids are AuthorID(type, advisory id, local id); relationships use the key
// "<source id>\x00<type>\x00<target id>", locations "country/<CC>", impacts
// "<incident id>/loss/<n>"; the report has the empty key and the publisher
// identity PublisherIdentityID. SCOs get their STIX 2.1 ids (SCOID).
func ConvertAdvisory(a *feed.Advisory, opts ConvertOptions) ([]Object, error) {
	if a == nil {
		return nil, errors.New("convert advisory: nil advisory")
	}
	if !opts.Now.IsZero() {
		for _, d := range []struct {
			name string
			date feed.Date
		}{{"published", a.Published}, {"updated", a.Updated}} {
			if d.date.Time.After(opts.Now) {
				return nil, fmt.Errorf("convert advisory %s: %s %s is in the future", a.ID, d.name, d.date)
			}
		}
	}
	c, err := newConverter(a)
	if err != nil {
		return nil, fmt.Errorf("convert advisory %s: %w", a.ID, err)
	}
	if err := c.run(); err != nil {
		return nil, fmt.Errorf("convert advisory %s: %w", a.ID, err)
	}
	out, err := convertReconcile(c, opts.Previous)
	if err != nil {
		return nil, fmt.Errorf("convert advisory %s: %w", a.ID, err)
	}
	return out, nil
}

// PublisherIdentityID is the id of a publisher's identity: derived from its
// name only, so every advisory of one publisher shares it.
func PublisherIdentityID(name string) string {
	return AuthorID("identity", "", "publisher\x00"+name)
}

// converter holds the state of one conversion.
type converter struct {
	a        *feed.Advisory
	common   authorCommon
	marking  Object
	ids      map[string]string // local id -> STIX id
	kinds    map[string]string // local id -> STIX type
	sources  map[string]feed.Source
	out      []Object
	rels     []Object
	relSeen  map[string]bool
	reportID string
	locIDs   map[string]string // country -> location id
}

func newConverter(a *feed.Advisory) (*converter, error) {
	marking, err := TLPMarking(a.TLP)
	if err != nil {
		return nil, err
	}
	if a.Published.IsZero() {
		return nil, errors.New("published date missing")
	}
	updated := a.Updated
	if updated.IsZero() {
		updated = a.Published
	}
	if updated.Time.Before(a.Published.Time) {
		return nil, fmt.Errorf("updated %s is before published %s", updated, a.Published)
	}
	c := &converter{
		a: a,
		common: authorCommon{
			createdBy: stix2.Identifier(PublisherIdentityID(a.Publisher.Name)),
			marking:   stix2.Identifier(marking.ID),
			created:   a.Published.Time,
			modified:  updated.Time,
		},
		marking:  marking,
		ids:      map[string]string{},
		kinds:    map[string]string{},
		sources:  map[string]feed.Source{},
		relSeen:  map[string]bool{},
		reportID: AuthorID("report", a.ID, ""),
		locIDs:   map[string]string{},
	}
	for _, s := range a.Sources {
		c.sources[s.ID] = s
	}
	c.assignIDs()
	return c, nil
}

// assignIDs gives every record its STIX id before any object is built, so
// records can refer to records defined later in the file.
func (c *converter) assignIDs() {
	set := func(local, typ string) {
		c.ids[local] = AuthorID(typ, c.a.ID, local)
		c.kinds[local] = typ
	}
	for _, x := range c.a.Actors {
		set(x.ID, x.Kind)
	}
	for _, x := range c.a.Organisations {
		set(x.ID, "identity")
	}
	for _, x := range c.a.Incidents {
		set(x.ID, "incident")
	}
	for _, x := range c.a.Campaigns {
		set(x.ID, "campaign")
	}
	for _, x := range c.a.AttackPatterns {
		set(x.ID, "attack-pattern")
	}
	for _, x := range c.a.Notes {
		set(x.ID, "note")
	}
	for _, x := range c.a.Indicators {
		set(x.ID, "indicator")
	}
}

// ref returns the STIX id of a local id; feed.Parse guarantees it exists.
func (c *converter) ref(local string) (string, error) {
	id, ok := c.ids[local]
	if !ok {
		return "", fmt.Errorf("reference to undefined record %q", local)
	}
	return id, nil
}

// relate queues a relationship between two STIX ids, once.
func (c *converter) relate(relType, src, dst, description string) error {
	key := src + "\x00" + relType + "\x00" + dst
	if c.relSeen[key] {
		return nil
	}
	c.relSeen[key] = true
	rel, err := authorRelationship(c.common, AuthorID("relationship", c.a.ID, key), relType, src, dst, description)
	if err != nil {
		return err
	}
	c.rels = append(c.rels, rel)
	return nil
}

// relateCountry relates a STIX id to the location of a country (made
// once per country), when the country is given.
func (c *converter) relateCountry(relType, src, country string) error {
	if country == "" {
		return nil
	}
	loc, err := c.location(country)
	if err != nil {
		return err
	}
	return c.relate(relType, src, loc, "")
}

// emit marshals an authored stix2 object and appends it to the output.
func (c *converter) emit(v any) error {
	o, err := authorMarshal(v)
	if err != nil {
		return err
	}
	c.out = append(c.out, o)
	return nil
}

// withRefs appends to extra the external references of the given source
// ids, when there are any.
func (c *converter) withRefs(extra []stix2.STIXOption, sources []string) ([]stix2.STIXOption, error) {
	refs, err := c.externalRefs(sources)
	if err != nil {
		return nil, err
	}
	if len(refs) > 0 {
		extra = append(extra, stix2.OptionExternalReferences(refs))
	}
	return extra, nil
}

// relateLocal relates a STIX id to each of a list of local ids.
func (c *converter) relateLocal(relType, src string, targets []string) error {
	for _, t := range targets {
		dst, err := c.ref(t)
		if err != nil {
			return err
		}
		if err := c.relate(relType, src, dst, ""); err != nil {
			return err
		}
	}
	return nil
}

// externalRefs turns source ids into external references.
func (c *converter) externalRefs(ids []string) ([]*stix2.ExternalReference, error) {
	var refs []*stix2.ExternalReference
	for _, id := range ids {
		s, ok := c.sources[id]
		if !ok {
			return nil, fmt.Errorf("reference to undefined source %q", id)
		}
		refs = append(refs, convertSourceRef(s))
	}
	return refs, nil
}

func convertSourceRef(s feed.Source) *stix2.ExternalReference {
	desc := s.Title
	if s.Description != "" {
		desc += " — " + s.Description
	}
	return &stix2.ExternalReference{Name: s.Publisher, Description: desc, URL: s.URL}
}

// location returns the id of the country's location object, creating it
// the first time.
func (c *converter) location(country string) (string, error) {
	if id, ok := c.locIDs[country]; ok {
		return id, nil
	}
	loc, err := stix2.NewLocation("", country, 0, 0, c.common.options()...)
	if err != nil {
		return "", fmt.Errorf("location %s: %w", country, err)
	}
	id := AuthorID("location", c.a.ID, "country/"+country)
	loc.ID = stix2.Identifier(id)
	if err := c.emit(loc); err != nil {
		return "", fmt.Errorf("location %s: %w", country, err)
	}
	c.locIDs[country] = id
	return id, nil
}

func (c *converter) run() error {
	c.out = append(c.out, c.marking)
	c.out = append(c.out, extensionByID(TLP2ExtensionID))
	if len(c.a.Incidents) > 0 {
		c.out = append(c.out, OASISIdentity(), extensionByID(IncidentCoreExtensionID), extensionByID(ImpactExtensionID))
	}
	for _, ind := range c.a.Indicators {
		if ind.Observable != nil && ind.Observable.Kind == feed.KindWallet {
			c.out = append(c.out, HeraldProjectIdentity(), extensionByID(WalletExtensionID))
			break
		}
	}
	if err := c.publisher(); err != nil {
		return err
	}
	steps := []func() error{c.actors, c.organisations, c.attackPatterns, c.campaigns, c.incidents, c.indicators, c.notes}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	c.out = append(c.out, c.rels...)
	return c.report()
}

func (c *converter) publisher() error {
	p := c.a.Publisher
	extra := []stix2.STIXOption{stix2.OptionClass(stix2.IdentityClassOrganization)}
	if p.Description != "" {
		extra = append(extra, stix2.OptionDescription(p.Description))
	}
	if p.Contact != "" {
		extra = append(extra, stix2.OptionContactInformation(p.Contact))
	}
	id, err := stix2.NewIdentity(p.Name, c.common.options(extra...)...)
	if err != nil {
		return fmt.Errorf("publisher identity: %w", err)
	}
	id.ID = c.common.createdBy
	if err := c.emit(id); err != nil {
		return fmt.Errorf("publisher identity: %w", err)
	}
	return nil
}

// report builds the report that lists everything the advisory publishes.
func (c *converter) report() error {
	refs := make([]stix2.Identifier, 0, len(c.out))
	for _, o := range c.out {
		refs = append(refs, stix2.Identifier(o.ID))
	}
	extra := []stix2.STIXOption{
		stix2.OptionDescription(c.a.Description),
		stix2.OptionTypes([]string{"threat-report"}),
	}
	if len(c.a.Labels) > 0 {
		extra = append(extra, stix2.OptionLabels(c.a.Labels))
	}
	if len(c.a.Sources) > 0 {
		var srcRefs []*stix2.ExternalReference
		for _, s := range c.a.Sources {
			srcRefs = append(srcRefs, convertSourceRef(s))
		}
		extra = append(extra, stix2.OptionExternalReferences(srcRefs))
	}
	r, err := stix2.NewReport(c.a.Title, authorTS(c.a.Published.Time), refs, c.common.options(extra...)...)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	r.ID = stix2.Identifier(c.reportID)
	if err := c.emit(r); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}
