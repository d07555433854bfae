package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// IndicatorCommand adds indicators and revokes objects.
type IndicatorCommand struct {
	m *Main
	// now is the clock, read once per command; tests set it.
	now func() time.Time
}

const indicatorUsage = `Usage:
	herald indicator add [--collection C] (--pattern P | --ipv4 A | --ipv6 A | --domain D | --url U
	                     | --email E | --md5 H | --sha1 H | --sha256 H) [--name N] [--description D]
	                     [--indicator-type T,...] [--valid-from TS] [--valid-until TS] [--tlp LEVEL]
	                     [--kill-chain-phase CHAIN:PHASE]... [--label L,...] [--indicates ID]
	herald indicator revoke [--collection C] ID

add publishes an indicator created by the publisher identity, marked with
a TLP 2.0 level (default clear). Give a STIX 2.1 pattern (checked by the
pattern parser) or one shorthand value, from which the pattern, the
cyber-observable object and a based-on relationship are made. --indicates
adds an "indicates" relationship to an object that must already be in the
collection. Adding the same pattern again publishes a new version of the
same indicator. The indicator's id is printed on stdout. Invalid input
exits 1 with a message naming the problem, and nothing is written.

revoke publishes a new version of the object (same id, later modified)
with "revoked": true. Consumers then drop it.

The default collection is the built-in public one ("advisories"), or
HERALD_COLLECTION.

Examples:
	herald indicator add --ipv4 198.51.100.7 --name "C2 server" --indicator-type malicious-activity
	herald indicator add --sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --tlp amber
	herald indicator add --pattern "[domain-name:value = 'evil.example']" --valid-until 2026-12-31T00:00:00Z \
	    --kill-chain-phase mitre-attack:command-and-control --indicates threat-actor--6d1f...
	herald indicator revoke indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f
`

// Run dispatches to add or revoke.
func (c *IndicatorCommand) Run(ctx context.Context, args []string) error {
	if c.now == nil {
		c.now = time.Now
	}
	return dispatch(ctx, c.m, "indicator", indicatorUsage, []verb{
		{[]string{"add"}, c.add},
		{[]string{"revoke"}, c.revoke},
	}, args)
}

// shorthandKinds are the shorthand flags, named after feed's kinds.
var shorthandKinds = []struct{ flag, kind, what string }{
	{"ipv4", feed.KindIPv4, "an IPv4 `address` or CIDR"},
	{"ipv6", feed.KindIPv6, "an IPv6 `address` or CIDR"},
	{"domain", feed.KindDomain, "a domain `name`"},
	{"url", feed.KindURL, "a `URL`"},
	{"email", feed.KindEmail, "an email `address`"},
	{"md5", feed.KindMD5, "an MD5 `hash` of a file"},
	{"sha1", feed.KindSHA1, "a SHA-1 `hash` of a file"},
	{"sha256", feed.KindSHA256, "a SHA-256 `hash` of a file"},
}

// killChainFlag parses repeated --kill-chain-phase chain:phase values.
type killChainFlag []feed.KillChainPhase

func (k *killChainFlag) String() string {
	parts := make([]string, len(*k))
	for i, p := range *k {
		parts[i] = p.Chain + ":" + p.Phase
	}
	return strings.Join(parts, ",")
}

func (k *killChainFlag) Set(v string) error {
	chain, phase, ok := strings.Cut(v, ":")
	if !ok || strings.TrimSpace(chain) == "" || strings.TrimSpace(phase) == "" {
		return fmt.Errorf("%q: want CHAIN:PHASE, e.g. mitre-attack:initial-access", v)
	}
	*k = append(*k, feed.KillChainPhase{Chain: strings.TrimSpace(chain), Phase: strings.TrimSpace(phase)})
	return nil
}

func (c *IndicatorCommand) add(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("indicator add", indicatorUsage)
	coll := fs.String("collection", defaultCollection(c.m), "the collection (`id, title or alias`)")
	pattern := fs.String("pattern", "", "a STIX 2.1 `pattern`, e.g. \"[ipv4-addr:value = '198.51.100.7']\"")
	shorthand := make([]string, len(shorthandKinds))
	for i, k := range shorthandKinds {
		fs.StringVar(&shorthand[i], k.flag, "", k.what)
	}
	var spec stix.IndicatorSpec
	fs.StringVar(&spec.Name, "name", "", "the indicator's `name`")
	fs.StringVar(&spec.Description, "description", "", "a `description`")
	var types, labels listFlag
	fs.Var(&types, "indicator-type", "indicator-type-ov `values` (comma list or repeated), e.g. malicious-activity")
	fs.Var(&labels, "label", "`labels` (comma list or repeated)")
	var kill killChainFlag
	fs.Var(&kill, "kill-chain-phase", "a kill chain phase `CHAIN:PHASE` (repeatable)")
	validFrom := fs.String("valid-from", "", "RFC 3339 `timestamp` from which it is valid (default: now)")
	validUntil := fs.String("valid-until", "", "RFC 3339 `timestamp` after which it is no longer valid")
	fs.StringVar(&spec.TLP, "tlp", "clear", "TLP 2.0 `level`: clear, green, amber, amber+strict, red")
	fs.StringVar(&spec.Indicates, "indicates", "", "the `id` of an object in the collection that this indicates")
	if _, err := parseN(fs, args, 0, "indicator add takes no arguments (give the value with a flag)"); err != nil {
		return err
	}

	// Check everything before touching the database.
	var given []string
	if *pattern != "" {
		given = append(given, "--pattern")
		spec.Pattern = *pattern
	}
	for i, v := range shorthand {
		if v != "" {
			given = append(given, "--"+shorthandKinds[i].flag)
			spec.Observable = &feed.Observable{Kind: shorthandKinds[i].kind, Value: v}
		}
	}
	switch {
	case len(given) == 0:
		return usagef("indicator add: give --pattern or one of --ipv4, --ipv6, --domain, --url, --email, --md5, --sha1, --sha256")
	case len(given) > 1:
		return usagef("indicator add: give only one of %s", strings.Join(given, ", "))
	}
	spec.Types, spec.Labels, spec.KillChain = types, labels, kill
	var err error
	if spec.ValidFrom, err = parseTimeFlag("--valid-from", *validFrom); err != nil {
		return err
	}
	if spec.ValidUntil, err = parseTimeFlag("--valid-until", *validUntil); err != nil {
		return err
	}
	spec.At = c.now()
	pub, err := publisherObjects()
	if err != nil {
		return err
	}
	spec.Publisher = pub[len(pub)-1].ID
	objs, err := stix.NewIndicator(spec)
	if err != nil {
		return fmt.Errorf("indicator add: %w", err)
	}
	objs = dedupeObjects(append(pub, objs...))
	for _, o := range objs {
		if err := stix.Validate(o); err != nil {
			return fmt.Errorf("indicator add: %w", err)
		}
	}

	return data.withCollection(ctx, c.m, true, *coll, func(b backend, col store.Collection) error {
		return c.publish(ctx, b, col, objs, spec.Indicates)
	})
}

// publish writes an indicator and its companions in one transaction (one
// add request remotely), after checking that what it indicates exists,
// and prints the indicator's id.
func (c *IndicatorCommand) publish(ctx context.Context, b backend, col store.Collection, objs []stix.Object, indicates string) error {
	if indicates != "" {
		if _, err := b.Latest(ctx, col, indicates); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("indicator add: --indicates %s: no such object in collection %q; nothing written", indicates, col.Title)
			}
			return err
		}
	}
	res, err := b.PutObjects(ctx, col, objs, store.ConflictKeep)
	if err != nil {
		return fmt.Errorf("indicator add: %w", err)
	}
	indicatorID := ""
	for i, r := range res {
		if r.Outcome == outRejected || r.Outcome == outConflict {
			return fmt.Errorf("indicator add: %s: %s", r.ID, r.Reason)
		}
		if objs[i].Type == "indicator" {
			indicatorID = r.ID
			what := "added"
			if r.Outcome == outNewVersion {
				what = "published a new version of"
			} else if r.Outcome == outUnchanged {
				what = "already had"
			}
			fmt.Fprintf(c.m.Stderr, "%s indicator %s (modified %s) in %q\n", what, r.ID, r.Version, col.Title)
		}
	}
	fmt.Fprintln(c.m.Stdout, indicatorID)
	return nil
}

// dedupeObjects drops repeated ids (the TLP marking may come twice),
// keeping the first.
func dedupeObjects(objs []stix.Object) []stix.Object {
	seen := map[string]bool{}
	out := objs[:0]
	for _, o := range objs {
		if !seen[o.ID] {
			seen[o.ID] = true
			out = append(out, o)
		}
	}
	return out
}

// parseTimeFlag parses an optional RFC 3339 timestamp flag.
func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, usagef("%s %q: want an RFC 3339 timestamp such as 2025-01-31T00:00:00Z", name, v)
	}
	return t, nil
}

func (c *IndicatorCommand) revoke(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("indicator revoke", indicatorUsage)
	coll := fs.String("collection", defaultCollection(c.m), "the collection (`id, title or alias`)")
	pos, err := parseN(fs, args, 1, "indicator revoke takes one object id")
	if err != nil {
		return err
	}
	id := pos[0]
	if !strings.Contains(id, "--") {
		return usagef("indicator revoke: %q is not a STIX id (type--uuid)", id)
	}
	return data.withCollection(ctx, c.m, false, *coll, func(b backend, col store.Collection) error {
		latest, err := b.Latest(ctx, col, id)
		if err != nil {
			return fmt.Errorf("indicator revoke: %w", err)
		}
		revoked, err := stix.Revoke(latest, c.now())
		if err != nil {
			return fmt.Errorf("indicator revoke: %w", err)
		}
		res, err := b.PutObjects(ctx, col, []stix.Object{revoked}, store.ConflictKeep)
		if err != nil {
			return fmt.Errorf("indicator revoke: %w", err)
		}
		if len(res) == 1 && (res[0].Outcome == outRejected || res[0].Outcome == outConflict) {
			return fmt.Errorf("indicator revoke: %s: %s", id, res[0].Reason)
		}
		fmt.Fprintf(c.m.Stderr, "revoked %s (new version %s) in %q\n", id, revoked.Modified, col.Title)
		return nil
	})
}
