package stix

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/TcM1911/stix2"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix/pattern"
)

// indicatorPath maps a shorthand kind to its SCO type and pattern path.
var indicatorPath = map[string]struct{ scoType, path string }{
	feed.KindIPv4:   {"ipv4-addr", "ipv4-addr:value"},
	feed.KindIPv6:   {"ipv6-addr", "ipv6-addr:value"},
	feed.KindDomain: {"domain-name", "domain-name:value"},
	feed.KindURL:    {"url", "url:value"},
	feed.KindEmail:  {"email-addr", "email-addr:value"},
	feed.KindMD5:    {"file", "file:hashes.MD5"},
	feed.KindSHA1:   {"file", "file:hashes.'SHA-1'"},
	feed.KindSHA256: {"file", "file:hashes.'SHA-256'"},
	feed.KindWallet: {"cryptocurrency-wallet", "cryptocurrency-wallet:value"},
}

var hashKey = map[string]string{feed.KindMD5: "MD5", feed.KindSHA1: "SHA-1", feed.KindSHA256: "SHA-256"}

// indicatorQuote writes s as a STIX pattern string literal: in single
// quotes, with backslash and quote escaped (STIX 2.1 §9.3).
func indicatorQuote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `'`, `\'`)
	return "'" + r.Replace(s) + "'"
}

// IndicatorPattern returns the STIX pattern that matches a shorthand
// observable, e.g. [file:hashes.'SHA-256' = '…']. The value is checked and
// normalised first (feed.NormalizeObservable).
func IndicatorPattern(o feed.Observable) (string, error) {
	p, ok := indicatorPath[o.Kind]
	if !ok {
		return "", fmt.Errorf("unknown observable kind %q", o.Kind)
	}
	v, err := feed.NormalizeObservable(o.Kind, o.Value)
	if err != nil {
		return "", err
	}
	return "[" + p.path + " = " + indicatorQuote(v) + "]", nil
}

// indicatorSCO builds the cyber-observable object a shorthand value
// describes, with its STIX 2.1 deterministic id.
func indicatorSCO(o feed.Observable, marking string) (Object, error) {
	p, ok := indicatorPath[o.Kind]
	if !ok {
		return Object{}, fmt.Errorf("unknown observable kind %q", o.Kind)
	}
	v, err := feed.NormalizeObservable(o.Kind, o.Value)
	if err != nil {
		return Object{}, err
	}
	idProps := map[string]any{}
	m := map[string]any{"type": p.scoType, "spec_version": "2.1", "object_marking_refs": []string{marking}}
	switch o.Kind {
	case feed.KindMD5, feed.KindSHA1, feed.KindSHA256:
		h := map[string]string{hashKey[o.Kind]: v}
		idProps["hashes"] = h
		m["hashes"] = h
	case feed.KindWallet:
		if err := feed.CheckCurrency(o.Currency); err != nil {
			return Object{}, fmt.Errorf("wallet: %w", err)
		}
		idProps["value"], idProps["currency"] = v, o.Currency
		m["value"], m["currency"] = v, o.Currency
		m["extensions"] = map[string]any{WalletExtensionID: map[string]string{"extension_type": "new-sco"}}
	default:
		idProps["value"] = v
		m["value"] = v
	}
	m["id"] = SCOID(p.scoType, idProps)
	return authorMarshal(m)
}

// indicatorCheckPattern parses a STIX pattern with stix/pattern.
func indicatorCheckPattern(p string) error {
	if _, err := pattern.Parse(p); err != nil {
		return fmt.Errorf("pattern %q: %w", p, err)
	}
	return nil
}

// indicatorFields are the properties of an indicator, shared by advisory
// conversion and NewIndicator.
type indicatorFields struct {
	id          string
	name        string
	description string
	pattern     string
	validFrom   time.Time
	validUntil  time.Time
	types       []string
	killChain   []feed.KillChainPhase
	labels      []string
	refs        []*stix2.ExternalReference
}

// indicatorBuild authors the indicator SDO.
func indicatorBuild(c authorCommon, f indicatorFields) (Object, error) {
	if err := indicatorCheckPattern(f.pattern); err != nil {
		return Object{}, err
	}
	if !f.validUntil.IsZero() && !authorMS(f.validUntil).After(authorMS(f.validFrom)) {
		return Object{}, fmt.Errorf("valid_until %s is not after valid_from %s", authorTimestamp(f.validUntil), authorTimestamp(f.validFrom))
	}
	extra := []stix2.STIXOption{stix2.OptionPatternVersion("2.1")}
	if f.name != "" {
		extra = append(extra, stix2.OptionName(f.name))
	}
	if f.description != "" {
		extra = append(extra, stix2.OptionDescription(f.description))
	}
	if !f.validUntil.IsZero() {
		extra = append(extra, stix2.OptionValidUntil(authorTS(f.validUntil)))
	}
	if len(f.types) > 0 {
		extra = append(extra, stix2.OptionTypes(f.types))
	}
	if len(f.labels) > 0 {
		extra = append(extra, stix2.OptionLabels(f.labels))
	}
	if len(f.killChain) > 0 {
		phases := make([]*stix2.KillChainPhase, 0, len(f.killChain))
		for _, k := range f.killChain {
			kp, err := stix2.NewKillChainPhase(k.Chain, k.Phase)
			if err != nil {
				return Object{}, fmt.Errorf("kill chain phase %s/%s: %w", k.Chain, k.Phase, err)
			}
			phases = append(phases, kp)
		}
		extra = append(extra, stix2.OptionKillChainPhase(phases))
	}
	if len(f.refs) > 0 {
		extra = append(extra, stix2.OptionExternalReferences(f.refs))
	}
	ind, err := stix2.NewIndicator(f.pattern, stix2.PatternTypeSTIX, authorTS(f.validFrom), c.options(extra...)...)
	if err != nil {
		return Object{}, fmt.Errorf("indicator: %w", err)
	}
	ind.ID = stix2.Identifier(f.id)
	return authorMarshal(ind)
}

// IndicatorSpec describes one indicator for `herald indicator add`.
type IndicatorSpec struct {
	// Publisher is the id of the identity the indicator is created_by_ref
	// (see PublisherIdentityID). Required.
	Publisher string
	// TLP is the TLP 2.0 level (clear, green, amber, amber+strict, red).
	// Required.
	TLP string
	// Pattern is a STIX 2.1 pattern; or leave it empty and set Observable.
	Pattern string
	// Observable is a typed shorthand value (feed.KindIPv4, …); its pattern
	// is built with proper quoting, and its SCO and a based-on relationship
	// are returned too.
	Observable *feed.Observable
	// Name, Description, Types (indicator-type-ov), KillChain and Labels are
	// optional.
	Name        string
	Description string
	Types       []string
	KillChain   []feed.KillChainPhase
	Labels      []string
	// ValidFrom defaults to At; ValidUntil is optional and must be later.
	ValidFrom  time.Time
	ValidUntil time.Time
	// Indicates is the optional id of the threat actor, campaign, malware,
	// attack pattern … the indicator indicates.
	Indicates string
	// At is the created and modified time (truncated to milliseconds). The
	// caller reads the clock once and passes it; NewIndicator never does.
	At time.Time
}

// NewIndicator builds an indicator and what goes with it, in this order:
// the TLP marking definition, the indicator, then (for a shorthand value)
// the SCO and an indicator based-on SCO relationship, then (with Indicates)
// an indicates relationship; for a wallet also Herald's wallet extension
// definition and its author identity.
//
// The indicator id is derived from the publisher and the pattern, so adding
// the same pattern again gives a new version of the same indicator, never a
// duplicate.
func NewIndicator(spec IndicatorSpec) ([]Object, error) {
	if spec.At.IsZero() {
		return nil, errors.New("new indicator: At (created/modified time) is required")
	}
	if !strings.HasPrefix(spec.Publisher, "identity--") {
		return nil, fmt.Errorf("new indicator: publisher %q is not an identity id", spec.Publisher)
	}
	marking, err := TLPMarking(spec.TLP)
	if err != nil {
		return nil, fmt.Errorf("new indicator: %w", err)
	}
	p := spec.Pattern
	switch {
	case p != "" && spec.Observable != nil:
		return nil, errors.New("new indicator: give a pattern or an observable, not both")
	case p == "" && spec.Observable == nil:
		return nil, errors.New("new indicator: give a pattern or an observable")
	case p == "":
		if p, err = IndicatorPattern(*spec.Observable); err != nil {
			return nil, fmt.Errorf("new indicator: %w", err)
		}
	}
	if spec.Indicates != "" && !strings.Contains(spec.Indicates, "--") {
		return nil, fmt.Errorf("new indicator: indicates %q is not a STIX id", spec.Indicates)
	}
	c := authorCommon{createdBy: stix2.Identifier(spec.Publisher), marking: stix2.Identifier(marking.ID), created: spec.At, modified: spec.At}
	validFrom := spec.ValidFrom
	if validFrom.IsZero() {
		validFrom = spec.At
	}
	id := AuthorID("indicator", "", spec.Publisher+"\x00"+p)
	ind, err := indicatorBuild(c, indicatorFields{
		id: id, name: spec.Name, description: spec.Description, pattern: p,
		validFrom: validFrom, validUntil: spec.ValidUntil, types: spec.Types, killChain: spec.KillChain, labels: spec.Labels,
	})
	if err != nil {
		return nil, fmt.Errorf("new indicator: %w", err)
	}
	out := []Object{marking, ind}
	if spec.Observable != nil {
		sco, err := indicatorSCO(*spec.Observable, marking.ID)
		if err != nil {
			return nil, fmt.Errorf("new indicator: %w", err)
		}
		rel, err := authorRelationship(c, AuthorID("relationship", "", id+"\x00based-on\x00"+sco.ID), "based-on", id, sco.ID, "")
		if err != nil {
			return nil, fmt.Errorf("new indicator: %w", err)
		}
		out = append(out, sco, rel)
		if spec.Observable.Kind == feed.KindWallet {
			out = append(out, HeraldProjectIdentity(), extensionByID(WalletExtensionID))
		}
	}
	if spec.Indicates != "" {
		rel, err := authorRelationship(c, AuthorID("relationship", "", id+"\x00indicates\x00"+spec.Indicates), "indicates", id, spec.Indicates, "")
		if err != nil {
			return nil, fmt.Errorf("new indicator: %w", err)
		}
		out = append(out, rel)
	}
	return out, nil
}
