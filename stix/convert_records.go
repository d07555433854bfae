package stix

import (
	"fmt"
	"strings"

	"github.com/TcM1911/stix2"

	"github.com/heraldcti/herald/feed"
)

// convertSeen adds first_seen / last_seen options. A date known only to a
// year or a month is written as the start of the period for first_seen and
// the end of it for last_seen, so the STIX window never claims less than the
// sources say.
func convertSeen(first, last feed.Date) []stix2.STIXOption {
	var opts []stix2.STIXOption
	if !first.IsZero() {
		opts = append(opts, stix2.OptionFirstSeen(authorTS(first.Time)))
	}
	if !last.IsZero() {
		opts = append(opts, stix2.OptionLastSeen(authorTS(last.End())))
	}
	return opts
}

func (c *converter) actors() error {
	for _, x := range c.a.Actors {
		id := c.ids[x.ID]
		extra := []stix2.STIXOption{}
		if x.Description != "" {
			extra = append(extra, stix2.OptionDescription(x.Description))
		}
		if len(x.Aliases) > 0 {
			extra = append(extra, stix2.OptionAliases(x.Aliases))
		}
		if len(x.Motivations) > 0 {
			extra = append(extra, stix2.OptionPrimaryMotivation(x.Motivations[0]))
			if len(x.Motivations) > 1 {
				extra = append(extra, stix2.OptionSecondaryMotivations(x.Motivations[1:]))
			}
		}
		extra = append(extra, convertSeen(x.FirstSeen, x.LastSeen)...)
		extra, err := c.withRefs(extra, x.References)
		if err != nil {
			return fmt.Errorf("actor %s: %w", x.ID, err)
		}
		var obj any
		switch x.Kind {
		case feed.ActorThreatActor:
			if len(x.Types) > 0 {
				extra = append(extra, stix2.OptionTypes(x.Types))
			}
			if x.Sophistication != "" {
				extra = append(extra, stix2.OptionSophistication(x.Sophistication))
			}
			ta, err := stix2.NewThreatActor(x.Name, c.common.options(extra...)...)
			if err != nil {
				return fmt.Errorf("actor %s: %w", x.ID, err)
			}
			ta.ID = stix2.Identifier(id)
			obj = ta
		case feed.ActorIntrusionSet:
			is, err := stix2.NewIntrusionSet(x.Name, c.common.options(extra...)...)
			if err != nil {
				return fmt.Errorf("actor %s: %w", x.ID, err)
			}
			is.ID = stix2.Identifier(id)
			obj = is
		default:
			return fmt.Errorf("actor %s: unknown kind %q", x.ID, x.Kind)
		}
		if err := c.relateCountry("originates-from", id, x.Country); err != nil {
			return err
		}
		if err := c.emit(obj); err != nil {
			return fmt.Errorf("actor %s: %w", x.ID, err)
		}
		for _, t := range x.AttributedTo {
			dst, err := c.ref(t)
			if err != nil {
				return fmt.Errorf("actor %s: %w", x.ID, err)
			}
			// STIX 2.1 defines intrusion-set attributed-to threat-actor;
			// other actor pairs are only related.
			rel := "related-to"
			if x.Kind == feed.ActorIntrusionSet && c.kinds[t] == feed.ActorThreatActor {
				rel = "attributed-to"
			}
			if err := c.relate(rel, id, dst, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *converter) organisations() error {
	for _, x := range c.a.Organisations {
		id := c.ids[x.ID]
		class := x.Class
		if class == "" {
			class = stix2.IdentityClassOrganization
		}
		extra := []stix2.STIXOption{stix2.OptionClass(class)}
		if x.Description != "" {
			extra = append(extra, stix2.OptionDescription(x.Description))
		}
		if len(x.Sectors) > 0 {
			extra = append(extra, stix2.OptionSectors(x.Sectors))
		}
		if len(x.Roles) > 0 {
			extra = append(extra, stix2.OptionRoles(x.Roles))
		}
		extra, err := c.withRefs(extra, x.References)
		if err != nil {
			return fmt.Errorf("organisation %s: %w", x.ID, err)
		}
		ident, err := stix2.NewIdentity(x.Name, c.common.options(extra...)...)
		if err != nil {
			return fmt.Errorf("organisation %s: %w", x.ID, err)
		}
		ident.ID = stix2.Identifier(id)
		if err := c.relateCountry("located-at", id, x.Country); err != nil {
			return err
		}
		if err := c.emit(ident); err != nil {
			return fmt.Errorf("organisation %s: %w", x.ID, err)
		}
		if err := c.relateLocal("related-to", id, x.RelatedTo); err != nil {
			return fmt.Errorf("organisation %s: %w", x.ID, err)
		}
	}
	return nil
}

func (c *converter) attackPatterns() error {
	for _, x := range c.a.AttackPatterns {
		id := c.ids[x.ID]
		extra := []stix2.STIXOption{}
		if x.Description != "" {
			extra = append(extra, stix2.OptionDescription(x.Description))
		}
		var refs []*stix2.ExternalReference
		if x.Attack != "" {
			refs = append(refs, &stix2.ExternalReference{
				Name: "mitre-attack", ExternalID: x.Attack,
				URL: "https://attack.mitre.org/techniques/" + strings.ReplaceAll(x.Attack, ".", "/") + "/",
			})
		}
		if x.CAPEC != "" {
			refs = append(refs, &stix2.ExternalReference{
				Name: "capec", ExternalID: x.CAPEC,
				URL: "https://capec.mitre.org/data/definitions/" + strings.TrimPrefix(x.CAPEC, "CAPEC-") + ".html",
			})
		}
		srcRefs, err := c.externalRefs(x.References)
		if err != nil {
			return fmt.Errorf("attack pattern %s: %w", x.ID, err)
		}
		refs = append(refs, srcRefs...)
		if len(refs) > 0 {
			extra = append(extra, stix2.OptionExternalReferences(refs))
		}
		ap, err := stix2.NewAttackPattern(x.Name, c.common.options(extra...)...)
		if err != nil {
			return fmt.Errorf("attack pattern %s: %w", x.ID, err)
		}
		ap.ID = stix2.Identifier(id)
		if err := c.emit(ap); err != nil {
			return fmt.Errorf("attack pattern %s: %w", x.ID, err)
		}
		for _, u := range x.UsedBy {
			src, err := c.ref(u)
			if err != nil {
				return fmt.Errorf("attack pattern %s: %w", x.ID, err)
			}
			if err := c.relate("uses", src, id, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

func (c *converter) campaigns() error {
	for _, x := range c.a.Campaigns {
		id := c.ids[x.ID]
		extra := []stix2.STIXOption{}
		if x.Description != "" {
			extra = append(extra, stix2.OptionDescription(x.Description))
		}
		if len(x.Aliases) > 0 {
			extra = append(extra, stix2.OptionAliases(x.Aliases))
		}
		if x.Objective != "" {
			extra = append(extra, stix2.OptionObjective(x.Objective))
		}
		extra = append(extra, convertSeen(x.FirstSeen, x.LastSeen)...)
		extra, err := c.withRefs(extra, x.References)
		if err != nil {
			return fmt.Errorf("campaign %s: %w", x.ID, err)
		}
		cp, err := stix2.NewCampaign(x.Name, c.common.options(extra...)...)
		if err != nil {
			return fmt.Errorf("campaign %s: %w", x.ID, err)
		}
		cp.ID = stix2.Identifier(id)
		if err := c.emit(cp); err != nil {
			return fmt.Errorf("campaign %s: %w", x.ID, err)
		}
		for _, r := range []struct {
			rel     string
			targets []string
		}{{"attributed-to", x.AttributedTo}, {"targets", x.Targets}, {"uses", x.Uses}, {"associated-with", x.Incidents}} {
			if err := c.relateLocal(r.rel, id, r.targets); err != nil {
				return fmt.Errorf("campaign %s: %w", x.ID, err)
			}
		}
	}
	return nil
}

func (c *converter) indicators() error {
	for _, x := range c.a.Indicators {
		id := c.ids[x.ID]
		p := x.Pattern
		if p == "" {
			if x.Observable == nil {
				return fmt.Errorf("indicator %s: no pattern and no observable", x.ID)
			}
			var err error
			if p, err = IndicatorPattern(*x.Observable); err != nil {
				return fmt.Errorf("indicator %s: %w", x.ID, err)
			}
		}
		refs, err := c.externalRefs(x.References)
		if err != nil {
			return fmt.Errorf("indicator %s: %w", x.ID, err)
		}
		validFrom := x.ValidFrom
		if validFrom.IsZero() {
			validFrom = c.a.Published
		}
		f := indicatorFields{
			id: id, name: x.Name, description: x.Description, pattern: p,
			validFrom: validFrom.Time, types: x.Types, killChain: x.KillChain, labels: x.Labels, refs: refs,
		}
		if !x.ValidUntil.IsZero() {
			f.validUntil = x.ValidUntil.Time
		}
		o, err := indicatorBuild(c.common, f)
		if err != nil {
			return fmt.Errorf("indicator %s: %w", x.ID, err)
		}
		c.out = append(c.out, o)
		if x.Observable != nil {
			sco, err := indicatorSCO(*x.Observable, c.marking.ID)
			if err != nil {
				return fmt.Errorf("indicator %s: %w", x.ID, err)
			}
			if !c.relSeen["sco\x00"+sco.ID] {
				c.relSeen["sco\x00"+sco.ID] = true
				c.out = append(c.out, sco)
			}
			if err := c.relate("based-on", id, sco.ID, ""); err != nil {
				return err
			}
		}
		if err := c.relateLocal("indicates", id, x.Indicates); err != nil {
			return fmt.Errorf("indicator %s: %w", x.ID, err)
		}
	}
	return nil
}

func (c *converter) notes() error {
	for _, x := range c.a.Notes {
		id := c.ids[x.ID]
		var about []stix2.Identifier
		for _, l := range x.About {
			ref, err := c.ref(l)
			if err != nil {
				return fmt.Errorf("note %s: %w", x.ID, err)
			}
			about = append(about, stix2.Identifier(ref))
		}
		if len(about) == 0 {
			about = []stix2.Identifier{stix2.Identifier(c.reportID)}
		}
		extra := []stix2.STIXOption{}
		if x.Abstract != "" {
			extra = append(extra, stix2.OptionAbstract(x.Abstract))
		}
		if len(x.Authors) > 0 {
			extra = append(extra, stix2.OptionAuthors(x.Authors))
		}
		extra, err := c.withRefs(extra, x.References)
		if err != nil {
			return fmt.Errorf("note %s: %w", x.ID, err)
		}
		n, err := stix2.NewNote(x.Content, about, c.common.options(extra...)...)
		if err != nil {
			return fmt.Errorf("note %s: %w", x.ID, err)
		}
		n.ID = stix2.Identifier(id)
		if err := c.emit(n); err != nil {
			return fmt.Errorf("note %s: %w", x.ID, err)
		}
	}
	return nil
}
