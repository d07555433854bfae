package stix

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/TcM1911/stix2"

	"github.com/heraldcti/herald/feed"
)

// convertIncidentCore is the Incident Core extension (2.0) of an incident.
type convertIncidentCore struct {
	ExtensionType       string   `json:"extension_type"`
	Determination       string   `json:"determination"`
	InvestigationStatus string   `json:"investigation_status"`
	IncidentTypes       []string `json:"incident_types,omitempty"`
	ImpactRefs          []string `json:"impact_refs,omitempty"`
}

// convertMonetary is the "monetary-ext" sub-extension of an impact. Amounts are
// written together with the currency, or not at all (for a loss known only
// as a lower bound), as the impact schema requires.
type convertMonetary struct {
	Variety   string   `json:"variety"`
	Currency  string   `json:"currency,omitempty"`
	MinAmount *float64 `json:"min_amount,omitempty"`
	MaxAmount *float64 `json:"max_amount,omitempty"`
}

// ConvertMoney writes an amount for people: "US$235,000,000" for USD,
// "12.5 BTC" for anything else.
func ConvertMoney(amount float64, currency string) string {
	s := strconv.FormatFloat(amount, 'f', -1, 64)
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	n := b.String()
	if hasFrac {
		n += "." + frac
	}
	if currency == "USD" {
		return "US$" + n
	}
	return n + " " + currency
}

// convertLossText states a loss in words, e.g. "more than US$659,000,000
// (asset-and-fraud)".
func convertLossText(l feed.Loss) string {
	s := ConvertMoney(l.Amount, l.Currency) + " (" + l.Kind + ")"
	if l.AtLeast {
		s = "more than " + s
	}
	return s
}

// convertIncidentDescription is the incident's own text followed by its
// date and every loss, so that consumers that ignore extensions still see
// them.
func convertIncidentDescription(in feed.Incident) string {
	var parts []string
	if in.Description != "" {
		parts = append(parts, strings.TrimSpace(in.Description))
	}
	if !in.Date.IsZero() {
		parts = append(parts, fmt.Sprintf("Date: %s (%s precision).", in.Date.Human(), in.Date.Precision))
	}
	for _, l := range in.Losses {
		parts = append(parts, "Loss: "+convertLossText(l)+".")
	}
	return strings.Join(parts, "\n\n")
}

func (c *converter) incidents() error {
	for _, x := range c.a.Incidents {
		id := c.ids[x.ID]
		var victims []string
		for _, v := range x.Victims {
			ref, err := c.ref(v)
			if err != nil {
				return fmt.Errorf("incident %s: %w", x.ID, err)
			}
			victims = append(victims, ref)
		}
		var impactRefs []string
		for i, l := range x.Losses {
			imp, err := c.impact(x, i, l, victims)
			if err != nil {
				return fmt.Errorf("incident %s: loss %d: %w", x.ID, i, err)
			}
			c.out = append(c.out, imp)
			impactRefs = append(impactRefs, imp.ID)
		}
		ext := &convertIncidentCore{
			ExtensionType:       "property-extension",
			Determination:       x.Determination,
			InvestigationStatus: x.InvestigationStatus,
			IncidentTypes:       x.Types,
			ImpactRefs:          impactRefs,
		}
		if ext.Determination == "" {
			ext.Determination = "confirmed"
		}
		if ext.InvestigationStatus == "" {
			ext.InvestigationStatus = "closed"
		}
		extra := []stix2.STIXOption{stix2.OptionExtension(IncidentCoreExtensionID, ext)}
		if d := convertIncidentDescription(x); d != "" {
			extra = append(extra, stix2.OptionDescription(d))
		}
		extra, err := c.withRefs(extra, x.References)
		if err != nil {
			return fmt.Errorf("incident %s: %w", x.ID, err)
		}
		inc, err := stix2.NewIncident(x.Name, c.common.options(extra...)...)
		if err != nil {
			return fmt.Errorf("incident %s: %w", x.ID, err)
		}
		inc.ID = stix2.Identifier(id)
		if err := c.emit(inc); err != nil {
			return fmt.Errorf("incident %s: %w", x.ID, err)
		}
		if err := c.relateLocal("attributed-to", id, x.AttributedTo); err != nil {
			return fmt.Errorf("incident %s: %w", x.ID, err)
		}
		for _, v := range victims {
			if err := c.relate("targets", id, v, ""); err != nil {
				return err
			}
		}
	}
	return nil
}

// impact builds the impact SDO of one monetary loss.
func (c *converter) impact(in feed.Incident, i int, l feed.Loss, victims []string) (Object, error) {
	if err := feed.CheckCurrency(l.Currency); err != nil {
		return Object{}, err
	}
	if !(l.Amount > 0) {
		return Object{}, fmt.Errorf("amount %v is not positive", l.Amount)
	}
	kind := l.Kind
	if kind == "" {
		kind = "asset-and-fraud"
	}
	mon := convertMonetary{Variety: kind, Currency: l.Currency}
	if !l.AtLeast {
		amount := l.Amount
		mon.MinAmount, mon.MaxAmount = &amount, &amount
	}
	desc := fmt.Sprintf("Monetary loss of the incident %q: %s.", in.Name, convertLossText(l))
	if l.Description != "" {
		desc += " " + strings.TrimSpace(l.Description)
	}
	m := map[string]any{
		"type":                "impact",
		"spec_version":        "2.1",
		"id":                  AuthorID("impact", c.a.ID, in.ID+"/loss/"+strconv.Itoa(i)),
		"created":             authorTimestamp(c.common.created),
		"modified":            authorTimestamp(c.common.modified),
		"created_by_ref":      string(c.common.createdBy),
		"object_marking_refs": []string{string(c.common.marking)},
		"impact_category":     "monetary",
		"description":         desc,
		"extensions": map[string]any{
			ImpactExtensionID: map[string]string{"extension_type": "new-sdo"},
			"monetary-ext":    mon,
		},
	}
	if !in.Date.IsZero() {
		m["start_time"] = authorTimestamp(in.Date.Time)
		m["start_time_fidelity"] = in.Date.Precision.String()
	}
	if len(victims) > 0 {
		m["impacted_refs"] = victims
	}
	return authorMarshal(m)
}
