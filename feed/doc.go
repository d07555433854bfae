// Package feed reads Herald advisories: YAML files a maintainer writes by
// hand, without knowing STIX, describing threat actors, organisations,
// incidents, campaigns, attack patterns, notes and indicators that refer to
// each other by local ids.
//
// It owns the advisory format, its parsing and its validation. It knows
// nothing of STIX: the stix package turns a parsed Advisory into STIX 2.1
// objects (stix.ConvertAdvisory). feed imports no other Herald package.
//
// # The format
//
// One file is one advisory: a mapping with the keys below. Only advisory is
// required; every list may be left out. Keys are lower case with
// underscores. Every record has an id, unique in the file across all record
// kinds, made of lower-case letters, digits, '.', '_' and '-' (at most 64
// characters). The ids are the stable keys every STIX id derives from:
// renaming one publishes a new object and revokes the old one.
//
//	advisory:                 # required
//	  id: dprk-crypto-2024    # required; the key of every STIX id; never change it
//	  title: …                # required; the report's name
//	  description: …          # required; the report's description
//	  published: 2025-01-20   # required; YYYY-MM-DD or RFC 3339; the created time of every object
//	  updated: 2025-02-01     # optional, default published; the modified time of changed objects
//	  tlp: clear              # required; clear, green, amber, amber+strict or red (TLP 2.0)
//	  publisher:              # required; the identity every object is created_by_ref
//	    name: Example CERT    # required; the identity id derives from the name only
//	    description: …
//	    contact: …
//	  labels: [a, b]
//
//	sources:                  # documents cited; external references
//	  - id: blog              # required
//	    title: …              # required
//	    publisher: …          # required; becomes source_name
//	    url: https://…        # optional; absolute URL
//	    description: …
//
//	actors:
//	  - id: lazarus
//	    kind: intrusion-set   # required; threat-actor or intrusion-set
//	    name: Lazarus Group   # required
//	    aliases: [..]
//	    types: [nation-state] # threat-actor-type-ov (threat actors only)
//	    country: KP           # ISO 3166-1 alpha-2; a location and an originates-from relationship
//	    motivations: [financial-gain]   # attack-motivation-ov; the first is primary
//	    sophistication: expert          # threat actors only
//	    description: …
//	    first_seen: 2009      # a date of any precision (see Dates)
//	    last_seen: 2024-09
//	    attributed_to: [dprk] # actor ids; intrusion-set → threat-actor is attributed-to, other pairs related-to
//	    references: [blog]    # source ids
//
//	organisations:            # victims, front companies, governments …
//	  - id: wazirx
//	    name: WazirX          # required
//	    class: organization   # identity-class-ov; default organization
//	    sectors: [financial-services]   # industry-sector-ov
//	    country: IN           # a location and a located-at relationship
//	    roles: [victim]       # free text, e.g. victim, front company
//	    description: …
//	    related_to: [lazarus] # actor or campaign ids; related-to relationships
//	    references: [blog]
//
//	incidents:
//	  - id: wazirx-breach
//	    name: WazirX breach   # required
//	    date: 2024-07         # optional; only as precise as the sources are
//	    victims: [wazirx]     # organisation ids; targets relationships and impacted_refs
//	    attributed_to: [lazarus]        # actor ids; attributed-to relationships
//	    losses:
//	      - amount: 235_000_000         # required; > 0; '_' may separate digits
//	        currency: USD               # required; ISO 4217 or crypto ticker, upper case
//	        kind: asset-and-fraud       # monetary-impact-type-ov; default asset-and-fraud
//	        at_least: true              # the sources give a lower bound ("more than")
//	        description: …
//	    types: [data-exfiltration]      # Incident Core incident_types (event-type-ov)
//	    determination: confirmed        # blocked, confirmed, failed-attempt, false-positive, suspected; default confirmed
//	    investigation_status: closed    # closed, new, open; default closed
//	    description: …
//	    references: [blog]
//
//	campaigns:
//	  - id: it-workers
//	    name: …               # required
//	    aliases: [..]
//	    objective: …
//	    description: …
//	    first_seen: 2018
//	    last_seen: 2024-09
//	    attributed_to: [dprk] # actor ids
//	    targets: [wazirx]     # organisation ids
//	    uses: [phishing]      # attack pattern ids
//	    incidents: [..]       # incident ids; campaign associated-with incident
//	    references: [blog]
//
//	attack_patterns:
//	  - id: phishing
//	    name: …               # required
//	    description: …
//	    attack_id: T1566.001  # MITRE ATT&CK technique; external reference
//	    capec_id: CAPEC-98    # external reference
//	    used_by: [lazarus]    # actor or campaign ids; uses relationships
//	    references: [blog]
//
//	notes:
//	  - id: estimate
//	    content: …            # required
//	    abstract: …
//	    authors: [Chainalysis]          # who made the statement
//	    about: [dprk]         # ids of any records; empty: the note is about the report
//	    references: [blog]
//
//	indicators:
//	  - id: c2
//	    # exactly one of:
//	    pattern: "[ipv4-addr:value = '198.51.100.7']"   # a STIX 2.1 pattern
//	    ipv4: 198.51.100.7    # or an address or CIDR block
//	    ipv6: 2001:db8::7     # or an address or CIDR block
//	    domain: evil.example
//	    url: https://evil.example/x
//	    email: billing@evil.example
//	    md5: …                # 32 hex digits
//	    sha1: …               # 40 hex digits
//	    sha256: …             # 64 hex digits
//	    wallet: {address: bc1q…, currency: BTC}
//	    # and optionally:
//	    name: …
//	    description: …
//	    valid_from: 2025-01-01          # default: advisory published
//	    valid_until: 2025-07-01         # must be after valid_from
//	    types: [malicious-activity]     # indicator-type-ov
//	    kill_chain_phases: [{chain: mitre-attack, phase: command-and-control}]
//	    labels: [..]
//	    indicates: [lazarus]            # actor, campaign or attack pattern ids
//	    references: [blog]
//
// A shorthand value is checked (addresses and CIDR blocks parse, domains
// have valid labels, URLs are absolute, hashes have the right length of hex
// digits) and normalised (lower-case domains and hashes, canonical IPv6);
// the stix package builds the pattern with proper quoting, the matching
// cyber-observable object and an indicator based-on observable relationship.
// Wallets become Herald's cryptocurrency-wallet observable (see
// stix.WalletExtensionID).
//
// # Dates
//
// A date is written with the precision the sources give: 2024 (a year),
// 2024-07 (a month), 2024-07-15 (a day) or an RFC 3339 timestamp. Nothing is
// invented: an incident whose sources give no date has none. Precision is
// kept (Date.Precision) and carried into STIX where the format allows it
// (impact start_time_fidelity) and into descriptions ("July 2024").
//
// # Errors
//
// Parse reports every problem it finds, not just the first, as an ErrorList
// of *Error values with file, line, column and field path:
//
//	advisory.yaml:12:5: incidents[0].losses[0].currency: "usd" is not a currency code: …
//	advisory.yaml:3:3: advisory.titel: unknown field "titel" (did you mean "title"?)
//
// Unknown fields, duplicate keys, duplicate ids, references to undefined or
// wrong-kind ids, values of the wrong shape and out-of-range values are all
// errors: nothing written is ever silently dropped. YAML anchors, aliases,
// custom tags and more than one document per file are refused. Files larger
// than MaxSize are refused before parsing.
package feed
