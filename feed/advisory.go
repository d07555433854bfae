package feed

// Advisory is one parsed and validated advisory file. Every local id used in
// a reference is defined exactly once in the file; Parse guarantees it.
type Advisory struct {
	File string // the name given to Parse, used in messages

	ID          string // stable key: every STIX id derives from it
	Title       string
	Description string
	Published   Date // at least day precision
	Updated     Date // at least day precision; defaults to Published
	TLP         string
	Publisher   Publisher
	Labels      []string

	Sources        []Source
	Actors         []Actor
	Organisations  []Organisation
	Incidents      []Incident
	Campaigns      []Campaign
	AttackPatterns []AttackPattern
	Notes          []Note
	Indicators     []Indicator
}

// TLP levels of TLP 2.0, as written in an advisory.
const (
	TLPClear       = "clear"
	TLPGreen       = "green"
	TLPAmber       = "amber"
	TLPAmberStrict = "amber+strict"
	TLPRed         = "red"
)

// Publisher is the organisation that publishes the advisory: every STIX
// object is created_by_ref its identity.
type Publisher struct {
	Name        string
	Description string
	Contact     string
}

// Source is a document the advisory relies on; it becomes an external
// reference of the report and of the records that cite it.
type Source struct {
	ID          string
	Title       string
	Publisher   string
	URL         string
	Description string
}

// Actor kinds.
const (
	ActorThreatActor  = "threat-actor"
	ActorIntrusionSet = "intrusion-set"
)

// Actor is a threat actor or an intrusion set.
type Actor struct {
	ID             string
	Kind           string // ActorThreatActor or ActorIntrusionSet
	Name           string
	Aliases        []string
	Types          []string // threat-actor-type-ov (threat actors only)
	Country        string   // ISO 3166-1 alpha-2 code the actor originates from
	Motivations    []string // attack-motivation-ov; the first is the primary one
	Sophistication string   // threat-actor-sophistication-ov (threat actors only)
	Description    string
	FirstSeen      Date
	LastSeen       Date
	AttributedTo   []string // actor ids
	References     []string // source ids
}

// Organisation is a victim, a front company or any other organisation the
// advisory names.
type Organisation struct {
	ID          string
	Name        string
	Class       string // identity-class-ov; defaults to "organization"
	Sectors     []string
	Country     string // ISO 3166-1 alpha-2
	Roles       []string
	Description string
	RelatedTo   []string // ids of actors or campaigns the organisation is tied to
	References  []string
}

// Incident is one attack with its victim, attribution and losses.
type Incident struct {
	ID                  string
	Name                string
	Date                Date // as precise as the sources allow, or zero
	Victims             []string
	AttributedTo        []string
	Losses              []Loss
	Types               []string // event-type-ov of the Incident Core extension
	Determination       string   // incident-determination-enum; default "confirmed"
	InvestigationStatus string   // incident-investigation-ov; default "closed"
	Description         string
	References          []string
}

// Loss is a monetary loss of an incident.
type Loss struct {
	Amount      float64 // > 0
	Currency    string  // ISO 4217 or cryptocurrency code, upper case
	Kind        string  // monetary-impact-type-ov; default "asset-and-fraud"
	AtLeast     bool    // the sources give a lower bound ("more than")
	Description string
}

// Campaign is a set of activity with a common goal.
type Campaign struct {
	ID           string
	Name         string
	Aliases      []string
	Objective    string
	Description  string
	FirstSeen    Date
	LastSeen     Date
	AttributedTo []string // actor ids
	Targets      []string // organisation ids
	Uses         []string // attack pattern ids
	Incidents    []string // incident ids that are part of the campaign
	References   []string
}

// AttackPattern is a technique, optionally tied to MITRE ATT&CK or CAPEC.
type AttackPattern struct {
	ID          string
	Name        string
	Description string
	Attack      string // ATT&CK technique id, e.g. T1566 or T1566.001
	CAPEC       string // e.g. CAPEC-98
	UsedBy      []string
	References  []string
}

// Note is commentary on other records, such as a third-party estimate.
type Note struct {
	ID         string
	Abstract   string
	Content    string
	Authors    []string // who made the statement, e.g. "Chainalysis"
	About      []string // ids of the records the note is about; empty = the advisory
	References []string
}

// Observable kinds that an indicator can be written with instead of a
// STIX pattern.
const (
	KindIPv4   = "ipv4"
	KindIPv6   = "ipv6"
	KindDomain = "domain"
	KindURL    = "url"
	KindEmail  = "email"
	KindMD5    = "md5"
	KindSHA1   = "sha1"
	KindSHA256 = "sha256"
	KindWallet = "wallet"
)

// ObservableKinds lists the shorthand kinds in the order they are documented.
var ObservableKinds = []string{KindIPv4, KindIPv6, KindDomain, KindURL, KindEmail, KindMD5, KindSHA1, KindSHA256, KindWallet}

// Observable is a typed shorthand value of an indicator.
type Observable struct {
	Kind     string // one of ObservableKinds
	Value    string
	Currency string // wallets only: the currency code, e.g. BTC
}

// KillChainPhase is a phase of a kill chain.
type KillChainPhase struct {
	Chain string
	Phase string
}

// Indicator is a detection pattern, written as a STIX pattern or as one
// typed shorthand value.
type Indicator struct {
	ID          string
	Name        string
	Description string
	Pattern     string      // a STIX 2.1 pattern, or ""
	Observable  *Observable // set when Pattern is ""
	ValidFrom   Date        // defaults to the advisory's Published
	ValidUntil  Date
	Types       []string // indicator-type-ov
	KillChain   []KillChainPhase
	Labels      []string
	Indicates   []string // ids of actors, campaigns or attack patterns
	References  []string
}
