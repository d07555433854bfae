package main

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/heraldcti/herald/stix"
)

// Fixed references shared by every generated object: the producer
// identity and the TLP 2.0 GREEN marking definition (its published id).
const (
	producerIdentity = "identity--7a1c3f0e-5b2d-4e8a-9c61-0d4f2e8b7a35"
	tlpGreen         = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
)

// otherTypeEvery makes one object in this many a malware SDO rather than an
// indicator: 1% of the collection, so type filters have something to find.
const otherTypeEvery = 100

// stixTime is the STIX timestamp layout (UTC, milliseconds), as
// TcM1911/stix2 and most producers write it.
const stixTime = "2006-01-02T15:04:05.000Z"

// epoch is when the synthetic feed starts; objects are spread over the
// two years after it.
var epoch = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// generator makes a deterministic stream of synthetic but valid STIX 2.1
// objects: the same seed always gives the same bytes, so a database built
// twice serves identical pages. Indicators only use documentation
// addresses (RFC 5737, RFC 3849), ".example" names (RFC 2606) and
// random hashes: nothing in them is a real indicator.
type generator struct {
	rng   *rand.Rand
	total int // objects in the whole collection, to spread created times
	n     int // objects made so far
}

func newGenerator(seed uint64, total int) *generator {
	return &generator{rng: rand.New(rand.NewPCG(seed, 0x4845524c44)), total: total}
}

// next returns the next object of the stream.
func (g *generator) next() (stix.Object, error) {
	i := g.n
	g.n++
	created := g.created(i)
	modified := created.Add(time.Duration(g.rng.IntN(30*24*3600*1000)) * time.Millisecond)
	var (
		typ string
		v   any
	)
	if i%otherTypeEvery == otherTypeEvery-1 {
		typ = "malware"
		v = g.malware(created, modified)
	} else {
		typ = "indicator"
		v = g.indicator(created, modified)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return stix.Object{}, fmt.Errorf("generate object #%d: %w", i, err)
	}
	var head struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return stix.Object{}, fmt.Errorf("generate object #%d: %w", i, err)
	}
	return stix.Object{
		Type:        typ,
		ID:          head.ID,
		SpecVersion: "2.1",
		Created:     created.Format(stixTime),
		Modified:    modified.Format(stixTime),
		JSON:        data,
	}, nil
}

// created spreads the objects over two years in stream order, with jitter,
// truncated to milliseconds as STIX timestamps are.
func (g *generator) created(i int) time.Time {
	span := 2 * 365 * 24 * time.Hour
	step := span / time.Duration(max(g.total, 1))
	jitter := time.Duration(g.rng.Int64N(int64(max(step, time.Millisecond))))
	return epoch.Add(time.Duration(i)*step + jitter).Truncate(time.Millisecond)
}

func (g *generator) uuid4() string {
	var b [16]byte
	for i := 0; i < 16; i += 8 {
		v := g.rng.Uint64()
		for j := range 8 {
			b[i+j] = byte(v >> (8 * j))
		}
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (g *generator) hexString(n int) string {
	b := make([]byte, (n+1)/2)
	for i := range b {
		b[i] = byte(g.rng.Uint32())
	}
	return hex.EncodeToString(b)[:n]
}

func pick[T any](g *generator, xs []T) T { return xs[g.rng.IntN(len(xs))] }

type killChainPhase struct {
	KillChainName string `json:"kill_chain_name"`
	PhaseName     string `json:"phase_name"`
}

type externalReference struct {
	SourceName  string `json:"source_name"`
	URL         string `json:"url,omitempty"`
	ExternalID  string `json:"external_id,omitempty"`
	Description string `json:"description,omitempty"`
}

// indicatorJSON lists the properties in the order producers usually write
// them; encoding/json keeps struct order, so output is deterministic.
type indicatorJSON struct {
	Type               string              `json:"type"`
	SpecVersion        string              `json:"spec_version"`
	ID                 string              `json:"id"`
	CreatedByRef       string              `json:"created_by_ref"`
	Created            string              `json:"created"`
	Modified           string              `json:"modified"`
	Name               string              `json:"name"`
	Description        string              `json:"description"`
	IndicatorTypes     []string            `json:"indicator_types"`
	Pattern            string              `json:"pattern"`
	PatternType        string              `json:"pattern_type"`
	PatternVersion     string              `json:"pattern_version"`
	ValidFrom          string              `json:"valid_from"`
	ValidUntil         string              `json:"valid_until,omitempty"`
	KillChainPhases    []killChainPhase    `json:"kill_chain_phases,omitempty"`
	Confidence         int                 `json:"confidence"`
	ExternalReferences []externalReference `json:"external_references,omitempty"`
	ObjectMarkingRefs  []string            `json:"object_marking_refs"`
}

type malwareJSON struct {
	Type                    string              `json:"type"`
	SpecVersion             string              `json:"spec_version"`
	ID                      string              `json:"id"`
	CreatedByRef            string              `json:"created_by_ref"`
	Created                 string              `json:"created"`
	Modified                string              `json:"modified"`
	Name                    string              `json:"name"`
	Description             string              `json:"description"`
	MalwareTypes            []string            `json:"malware_types"`
	IsFamily                bool                `json:"is_family"`
	Aliases                 []string            `json:"aliases,omitempty"`
	FirstSeen               string              `json:"first_seen"`
	LastSeen                string              `json:"last_seen"`
	KillChainPhases         []killChainPhase    `json:"kill_chain_phases"`
	ImplementationLanguages []string            `json:"implementation_languages"`
	Capabilities            []string            `json:"capabilities"`
	ExternalReferences      []externalReference `json:"external_references"`
	ObjectMarkingRefs       []string            `json:"object_marking_refs"`
}

var (
	families = []string{"SILKLOOM", "GREYFERRY", "NIGHTQUILL", "BRASSHOOK", "TIDEMARK",
		"COLDSPARROW", "PAPERMOTH", "IRONLATCH", "DUSKWIRE", "MOSSGATE"}
	campaigns = []string{"Operation Lantern", "Operation Driftwood", "Operation Copper Reed",
		"Operation Slate Harbor", "Operation Quiet Loom"}
	sectors = []string{"financial services", "logistics", "energy utilities", "higher education",
		"healthcare providers", "cryptocurrency exchanges", "telecommunications", "manufacturing"}
	wordsA = []string{"secure", "update", "login", "cdn", "files", "portal", "sync", "account",
		"billing", "support", "docs", "mail", "auth", "cloud", "static", "verify"}
	wordsB = []string{"service", "center", "hub", "gateway", "desk", "online", "storage",
		"network", "access", "team", "status", "assets"}
	phases = []string{"initial-access", "execution", "persistence", "defense-evasion",
		"credential-access", "discovery", "lateral-movement", "collection",
		"command-and-control", "exfiltration"}
	indicatorTypes = [][]string{{"malicious-activity"}, {"malicious-activity", "attribution"},
		{"compromised"}, {"anomalous-activity"}, {"malicious-activity", "compromised"}}
	advice = []string{"Block at the perimeter.", "Review proxy logs for the last 30 days.",
		"Seen with low volume; monitor before blocking.", "Shared by a partner; confirm before acting."}
	sources = []string{"herald-loadtest", "partner-isac", "sandbox-detonation", "honeypot-sensor-net"}
)

// ioc returns a pattern and a short phrase naming what it matches.
func (g *generator) ioc() (pattern, what string) {
	switch g.rng.IntN(7) {
	case 0:
		nets := []string{"192.0.2", "198.51.100", "203.0.113"}
		ip := fmt.Sprintf("%s.%d", pick(g, nets), 1+g.rng.IntN(254))
		return fmt.Sprintf("[ipv4-addr:value = '%s']", ip), "IPv4 address " + ip
	case 1:
		ip := fmt.Sprintf("2001:db8:%x:%x::%x", g.rng.IntN(0xffff), g.rng.IntN(0xffff), 1+g.rng.IntN(0xfffe))
		return fmt.Sprintf("[ipv6-addr:value = '%s']", ip), "IPv6 address " + ip
	case 2:
		d := fmt.Sprintf("%s-%s%d.example", pick(g, wordsA), pick(g, wordsB), g.rng.IntN(1000))
		return fmt.Sprintf("[domain-name:value = '%s']", d), "domain " + d
	case 3:
		u := fmt.Sprintf("https://%s.%s-%s.example/%s/%s.php", pick(g, wordsA), pick(g, wordsB),
			pick(g, wordsA), pick(g, wordsA), g.hexString(10))
		return fmt.Sprintf("[url:value = '%s']", u), "URL on a " + pick(g, wordsB) + " lure site"
	case 4:
		h := g.hexString(64)
		return fmt.Sprintf("[file:hashes.'SHA-256' = '%s']", h), "file SHA-256 " + h[:12] + "…"
	case 5:
		md5, sha1 := g.hexString(32), g.hexString(40)
		return fmt.Sprintf("[file:hashes.MD5 = '%s' OR file:hashes.'SHA-1' = '%s']", md5, sha1),
			"dropper, MD5 " + md5[:8] + "…"
	default:
		a := fmt.Sprintf("%s.%s@%s-%s.example", pick(g, wordsA), pick(g, wordsB), pick(g, wordsA), pick(g, wordsB))
		return fmt.Sprintf("[email-message:from_ref.value = '%s']", a), "phishing sender " + a
	}
}

func (g *generator) indicator(created, modified time.Time) indicatorJSON {
	pattern, what := g.ioc()
	family, campaign := pick(g, families), pick(g, campaigns)
	in := indicatorJSON{
		Type:              "indicator",
		SpecVersion:       "2.1",
		ID:                "indicator--" + g.uuid4(),
		CreatedByRef:      producerIdentity,
		Created:           created.Format(stixTime),
		Modified:          modified.Format(stixTime),
		Name:              fmt.Sprintf("%s %s", family, what),
		Description:       fmt.Sprintf("%s infrastructure seen in %s against %s.", family, campaign, pick(g, sectors)),
		IndicatorTypes:    pick(g, indicatorTypes),
		Pattern:           pattern,
		PatternType:       "stix",
		PatternVersion:    "2.1",
		ValidFrom:         created.Format(stixTime),
		Confidence:        40 + 5*g.rng.IntN(12),
		ObjectMarkingRefs: []string{tlpGreen},
	}
	if g.rng.IntN(5) < 2 {
		in.KillChainPhases = []killChainPhase{{KillChainName: "mitre-attack", PhaseName: pick(g, phases)}}
	}
	if g.rng.IntN(3) == 0 {
		in.Description += " " + pick(g, advice)
	}
	if g.rng.IntN(2) == 0 {
		in.ValidUntil = created.Add(time.Duration(90+g.rng.IntN(275)) * 24 * time.Hour).Format(stixTime)
	}
	if g.rng.IntN(10) < 3 {
		in.ExternalReferences = []externalReference{{
			SourceName: pick(g, sources),
			URL:        fmt.Sprintf("https://reports.herald.example/%d/%s", created.Year(), g.hexString(12)),
		}}
	}
	return in
}

func (g *generator) malware(created, modified time.Time) malwareJSON {
	family := pick(g, families)
	return malwareJSON{
		Type:         "malware",
		SpecVersion:  "2.1",
		ID:           "malware--" + g.uuid4(),
		CreatedByRef: producerIdentity,
		Created:      created.Format(stixTime),
		Modified:     modified.Format(stixTime),
		Name:         fmt.Sprintf("%s.%s", family, g.hexString(4)),
		Description: fmt.Sprintf("Build of the %s family seen in %s; loads its next stage from a lure site.",
			family, pick(g, campaigns)),
		MalwareTypes:            []string{pick(g, []string{"backdoor", "downloader", "remote-access-trojan", "dropper"})},
		IsFamily:                false,
		Aliases:                 []string{family + "-" + g.hexString(3)},
		FirstSeen:               created.Add(-30 * 24 * time.Hour).Format(stixTime),
		LastSeen:                modified.Format(stixTime),
		KillChainPhases:         []killChainPhase{{KillChainName: "mitre-attack", PhaseName: pick(g, phases)}},
		ImplementationLanguages: []string{pick(g, []string{"c++", "go", "rust", "python", "c"})},
		Capabilities:            []string{"communicates-with-c2", pick(g, []string{"evades-av", "persists-after-system-reboot", "exfiltrates-data"})},
		ExternalReferences: []externalReference{{
			SourceName: "sandbox-detonation",
			ExternalID: "SBX-" + g.hexString(8),
		}},
		ObjectMarkingRefs: []string{tlpGreen},
	}
}
