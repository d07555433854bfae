package feed_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/feed"
)

// minimal is the smallest valid advisory; tests append records to it.
const minimal = `advisory:
  id: t-1
  title: Test
  description: A test advisory.
  published: 2025-01-02
  tlp: green
  publisher:
    name: Test CERT
`

func mustParse(t *testing.T, src string) *feed.Advisory {
	t.Helper()
	a, err := feed.Parse(strings.NewReader(src), "t.yaml")
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return a
}

func TestParseMinimalDefaultsUpdatedToPublished(t *testing.T) {
	a := mustParse(t, minimal)
	if got, want := a.Updated, a.Published; got != want {
		t.Errorf("Updated = %v, want %v", got, want)
	}
	if got, want := a.Published.Time, time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Published = %v, want %v", got, want)
	}
	if a.File != "t.yaml" || a.ID != "t-1" || a.TLP != "green" || a.Publisher.Name != "Test CERT" {
		t.Errorf("metadata = %+v", a)
	}
}

func TestParseRecordsKeepEveryValue(t *testing.T) {
	src := minimal + `
sources:
  - id: s1
    title: Report
    publisher: Someone
    url: https://example.org/r
actors:
  - id: ta
    kind: threat-actor
    name: Actor
    aliases: [A1, A2]
    types: [crime-syndicate]
    country: RU
    motivations: [financial-gain, notoriety]
    sophistication: expert
    first_seen: 2019
    last_seen: 2024-05
    references: [s1]
  - id: is
    kind: intrusion-set
    name: Set
    attributed_to: [ta]
organisations:
  - id: victim
    name: Victim Inc
    sectors: [technology]
    country: FR
    roles: [victim]
incidents:
  - id: inc
    name: Breach
    date: 2024-07
    victims: [victim]
    attributed_to: [is]
    losses:
      - amount: 235_000_000
        currency: USD
      - amount: 1.5
        currency: BTC
        kind: ransom-payment
        at_least: true
indicators:
  - id: i1
    domain: Evil.Example.COM
  - id: i2
    sha256: 275A021BBFB6489E54D471899F7DB9D1663FC695EC2FE2A2C4538AABF651FD0F
    valid_from: 2025-01-01T10:00:00.123456+02:00
  - id: i3
    wallet: {address: bc1qexampleexample00, currency: BTC}
`
	a := mustParse(t, src)
	ta := a.Actors[0]
	if ta.Kind != feed.ActorThreatActor || len(ta.Aliases) != 2 || ta.Country != "RU" || ta.Motivations[1] != "notoriety" || ta.Sophistication != "expert" {
		t.Errorf("actor = %+v", ta)
	}
	if got, want := ta.FirstSeen.Precision, feed.PrecisionYear; got != want {
		t.Errorf("first_seen precision = %v, want %v", got, want)
	}
	if got, want := ta.LastSeen.String(), "2024-05"; got != want {
		t.Errorf("last_seen = %q, want %q", got, want)
	}
	inc := a.Incidents[0]
	if got, want := inc.Date.Human(), "July 2024"; got != want {
		t.Errorf("incident date = %q, want %q", got, want)
	}
	if inc.Determination != "confirmed" || inc.InvestigationStatus != "closed" {
		t.Errorf("incident defaults = %q %q", inc.Determination, inc.InvestigationStatus)
	}
	if got := inc.Losses[0]; got.Amount != 235000000 || got.Currency != "USD" || got.Kind != "asset-and-fraud" || got.AtLeast {
		t.Errorf("loss 0 = %+v", got)
	}
	if got := inc.Losses[1]; got.Amount != 1.5 || got.Kind != "ransom-payment" || !got.AtLeast {
		t.Errorf("loss 1 = %+v", got)
	}
	if got, want := a.Indicators[0].Observable.Value, "evil.example.com"; got != want {
		t.Errorf("domain = %q, want %q (normalised)", got, want)
	}
	if got, want := a.Indicators[0].ValidFrom, a.Published; got != want {
		t.Errorf("valid_from default = %v, want published %v", got, want)
	}
	i2 := a.Indicators[1]
	if got, want := i2.Observable.Value, "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f"; got != want {
		t.Errorf("sha256 = %q, want lower case %q", got, want)
	}
	if got, want := i2.ValidFrom.Time, time.Date(2025, 1, 1, 8, 0, 0, 123000000, time.UTC); !got.Equal(want) {
		t.Errorf("valid_from = %v, want %v (UTC, ms)", got, want)
	}
	if got := a.Indicators[2].Observable; got.Kind != feed.KindWallet || got.Currency != "BTC" {
		t.Errorf("wallet = %+v", got)
	}
}

func TestParseErrorsNameFileLineColumnField(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "unknown field with suggestion",
			src:  strings.Replace(minimal, "  title: Test", "  titel: Test", 1),
			want: []string{
				`t.yaml:2:3: advisory.title: missing required field "title"`,
				`t.yaml:3:3: advisory.titel: unknown field "titel" (did you mean "title"?)`,
			},
		},
		{
			name: "undefined and wrong-kind references, duplicate id",
			src: minimal + `actors:
  - id: a1
    kind: threat-actor
    name: A
incidents:
  - id: a1
    name: I
    attributed_to: [nobody, a1, a2]
    victims: [a1]
`,
			want: []string{
				`t.yaml:14:9: incidents[0].id: duplicate id "a1" (already used by the actor at line 10)`,
				`t.yaml:16:21: incidents[0].attributed_to[0]: "nobody" is not defined in this file (define it as one of: actor)`,
				`t.yaml:16:33: incidents[0].attributed_to[2]: "a2" is not defined in this file (did you mean "a1"?)`,
				`t.yaml:17:15: incidents[0].victims[0]: "a1" is an actor (line 10), but this must refer to: organisation`,
			},
		},
		{
			name: "bad values",
			src: minimal + `incidents:
  - id: i
    name: I
    date: 2024-13
    losses:
      - amount: -5
        currency: usd
indicators:
  - id: x
    ipv4: 999.1.1.1
  - id: y
    md5: abc
  - id: z
    domain: a.example
    url: https://a.example/
`,
			want: []string{
				`t.yaml:12:11: incidents[0].date: "2024-13" is not a valid year-month (YYYY-MM)`,
				`t.yaml:14:17: incidents[0].losses[0].amount: must be greater than zero, got -5`,
				`t.yaml:15:19: incidents[0].losses[0].currency: "usd" is not a currency code: write it in upper case, e.g. USD or BTC`,
				`t.yaml:18:11: indicators[0].ipv4: "999.1.1.1" is not a valid ipv4 address`,
				`t.yaml:20:10: indicators[1].md5: md5 must be 32 hexadecimal digits, got "abc" (3 characters)`,
				`t.yaml:23:10: indicators[2]: give exactly one of pattern, ipv4, ipv6, domain, url, email, md5, sha1, sha256, wallet; found domain and url`,
			},
		},
		{
			name: "wrong shapes and duplicate keys",
			src: minimal + `  tlp: red
actors: {id: x}
`,
			want: []string{
				`t.yaml:9:3: advisory.tlp: duplicate key (first given at line 6)`,
				`t.yaml:10:9: actors: must be a list (lines starting with "- "), got a mapping`,
			},
		},
		{
			name: "missing advisory and bad tlp",
			src: `advisory:
  id: Not Valid
  title: x
  description: y
  published: 2025
  tlp: purple
  publisher: {name: P}
`,
			want: []string{
				`t.yaml:2:7: advisory.id: "Not Valid" is not a valid advisory id (lower-case letters, digits, '.', '_', '-'; at most 64 characters)`,
				`t.yaml:5:14: advisory.published: the advisory's own dates need at least a day (YYYY-MM-DD)`,
				`t.yaml:6:8: advisory.tlp: "purple" is not one of clear, green, amber, amber+strict, red`,
			},
		},
		{
			name: "values of the wrong kind",
			src: minimal + `actors:
  - id: [a]
    kind: threat-actor
    name: {x: 1}
    country: kp
    aliases: A
    first_seen: [2020]
incidents:
  - id: i
    name: I
    losses:
      - amount: lots
        currency: USD
        at_least: "yes"
        amout: 5
`,
			want: []string{
				`t.yaml:10:9: actors[0].id: must be text, got a list`,
				`t.yaml:12:11: actors[0].name: must be text, got a mapping`,
				`t.yaml:13:14: actors[0].country: "kp" is not an ISO 3166-1 alpha-2 country code (two upper-case letters, e.g. KP)`,
				`t.yaml:14:14: actors[0].aliases: must be a list (lines starting with "- "), got the value "A"`,
				`t.yaml:15:17: actors[0].first_seen: must be a date, got a list`,
				`t.yaml:20:17: incidents[0].losses[0].amount: "lots" is not a number (write digits, optionally with _ between them: 235_000_000)`,
				`t.yaml:22:19: incidents[0].losses[0].at_least: must be true or false, got the value "yes"`,
				`t.yaml:23:9: incidents[0].losses[0].amout: unknown field "amout" (did you mean "amount"?)`,
			},
		},
		{
			name: "aliases are refused",
			src:  minimal + "sources:\n  - &s {id: s, title: t, publisher: p}\n  - *s\n",
			want: []string{`t.yaml:10:5: YAML anchors and aliases (&, *) are not supported in advisories`},
		},
		{
			name: "binary data is named with its place",
			src:  "advisory:\n  id: a\x00b\n",
			want: []string{`t.yaml:2:8: byte 0x00 is not UTF-8 text: an advisory is a YAML text file (is this a binary or compressed file?)`},
		},
		{
			name: "invalid UTF-8 after multi-byte characters",
			src:  "advisory:\n  title: éé\xff\n",
			want: []string{`t.yaml:2:12: byte 0xff is not UTF-8 text: an advisory is a YAML text file (is this a binary or compressed file?)`},
		},
		{
			name: "gzip magic",
			src:  "\x1f\x8b\x08\x00",
			want: []string{`t.yaml:1:2: byte 0x8b is not UTF-8 text: an advisory is a YAML text file (is this a binary or compressed file?)`},
		},
		{
			name: "syntax error",
			src:  "advisory:\n  id: [\n",
			want: []string{`t.yaml:2:1: invalid YAML: did not find expected node content`},
		},
		{
			name: "intrusion sets have no sophistication",
			src: minimal + `actors:
  - id: s
    kind: intrusion-set
    name: S
    sophistication: expert
    last_seen: 2020
    first_seen: 2021-02-03
`,
			want: []string{
				`t.yaml:13:21: actors[0].sophistication: only threat actors have a sophistication in STIX; use kind: threat-actor or remove it`,
				`t.yaml:14:16: actors[0].last_seen: last_seen (2020) is before first_seen (2021-02-03)`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := feed.Parse(strings.NewReader(tc.src), "t.yaml")
			var list feed.ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("err = %v (%T), want feed.ErrorList", err, err)
			}
			var got []string
			for _, e := range list {
				got = append(got, e.Error())
			}
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			var one *feed.Error
			if !errors.As(err, &one) || one.File != "t.yaml" {
				t.Errorf("errors.As(*feed.Error) = %v", one)
			}
		})
	}
}

func TestParseRejectsOversizedInput(t *testing.T) {
	big := minimal + "# " + strings.Repeat("x", feed.MaxSize) + "\n"
	_, err := feed.Parse(strings.NewReader(big), "big.yaml")
	if err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want size error", err)
	}
}

func TestParseRejectsSecondDocument(t *testing.T) {
	_, err := feed.Parse(strings.NewReader(minimal+"---\n"+minimal), "two.yaml")
	if err == nil || !strings.Contains(err.Error(), "one file holds one advisory") {
		t.Fatalf("err = %v", err)
	}
}

func TestParseCapsErrorCount(t *testing.T) {
	var b strings.Builder
	b.WriteString(minimal + "sources:\n")
	for range feed.MaxErrors + 20 {
		b.WriteString("  - {id: s, title: t, publisher: p, bogus: 1}\n")
	}
	_, err := feed.Parse(strings.NewReader(b.String()), "many.yaml")
	var list feed.ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	if got, want := len(list), feed.MaxErrors+1; got != want {
		t.Errorf("%d errors, want %d (cap plus a note)", got, want)
	}
}

func TestParseFileReadsFromDisk(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.yaml")
	if err := os.WriteFile(p, []byte(minimal), 0o600); err != nil {
		t.Fatal(err)
	}
	a, err := feed.ParseFile(p)
	if err != nil || a.File != p {
		t.Fatalf("ParseFile = %+v, %v", a, err)
	}
	if _, err := feed.ParseFile(filepath.Join(t.TempDir(), "missing.yaml")); err == nil {
		t.Error("ParseFile of a missing file succeeded")
	}
}

func TestParseValidUntilMustFollowDefaultedValidFrom(t *testing.T) {
	src := minimal + `indicators:
  - id: i
    domain: a.example
    valid_until: 2024-12-31
`
	_, err := feed.Parse(strings.NewReader(src), "t.yaml")
	want := `t.yaml:12:18: indicators[0].valid_until: valid_until (2024-12-31) must be after valid_from (2025-01-02)`
	if err == nil || err.Error() != want {
		t.Errorf("err = %v, want %s", err, want)
	}
}
