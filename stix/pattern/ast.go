package pattern

import "time"

// Pattern is a parsed STIX 2.1 pattern. Build one with Parse; the tree is
// exported so that callers can walk it, but a Pattern is read-only once
// returned and safe to share between goroutines.
type Pattern struct {
	// Expr is the root observation expression.
	Expr ObservationExpr
}

// ObservationExpr is one node of the observation-expression tree: an
// *Observation (a bracketed comparison expression) or a
// *CompoundObservation (observation expressions joined by AND, OR or
// FOLLOWEDBY). Both may carry qualifiers.
type ObservationExpr interface {
	// Quals returns the qualifiers applied to this expression, in the order
	// written (each applies to everything to its left).
	Quals() []Qualifier
	observationExpr()
}

// ObservationOp joins observation expressions.
type ObservationOp int

// The observation operators, from loosest to tightest binding.
const (
	ObsFollowedBy ObservationOp = iota + 1 // A FOLLOWEDBY B: B observed at or after A
	ObsOr                                  // A OR B
	ObsAnd                                 // A AND B
)

// String returns the keyword of the operator.
func (op ObservationOp) String() string {
	switch op {
	case ObsFollowedBy:
		return "FOLLOWEDBY"
	case ObsOr:
		return "OR"
	case ObsAnd:
		return "AND"
	}
	return "ObservationOp(?)"
}

// Observation is "[ comparison-expression ]" followed by zero or more
// qualifiers.
type Observation struct {
	Comparison ComparisonExpr
	Qualifiers []Qualifier
	// Offset is the byte offset of the opening '[' in the source.
	Offset int
}

// CompoundObservation is two or more observation expressions joined by the
// same operator. Chains such as "A AND B AND C" (or "(A AND B) AND C") are
// held flat, with all operands in one node; parentheses in the source are
// implied by the tree shape. Qualifiers apply to the whole compound, as in
// "([a] FOLLOWEDBY [b]) WITHIN 300 SECONDS".
type CompoundObservation struct {
	Op         ObservationOp
	Operands   []ObservationExpr
	Qualifiers []Qualifier
}

// Quals implements ObservationExpr.
func (o *Observation) Quals() []Qualifier { return o.Qualifiers }

// Quals implements ObservationExpr.
func (c *CompoundObservation) Quals() []Qualifier { return c.Qualifiers }

func (*Observation) observationExpr()         {}
func (*CompoundObservation) observationExpr() {}

// QualifierKind tells the qualifiers apart.
type QualifierKind int

// The qualifier kinds of STIX 2.1 §9.5.
const (
	QualWithin    QualifierKind = iota + 1 // WITHIN n SECONDS
	QualRepeats                            // REPEATS n TIMES
	QualStartStop                          // START t'…' STOP t'…'
)

// String returns the leading keyword of the qualifier kind.
func (k QualifierKind) String() string {
	switch k {
	case QualWithin:
		return "WITHIN"
	case QualRepeats:
		return "REPEATS"
	case QualStartStop:
		return "START/STOP"
	}
	return "QualifierKind(?)"
}

// Qualifier restricts which observations may match the expression it
// follows.
type Qualifier struct {
	Kind QualifierKind
	// Seconds is the WITHIN window (> 0). Integral windows are rendered
	// without a fraction.
	Seconds Value
	// Times is the REPEATS count (> 0).
	Times int64
	// Start and Stop bound a START/STOP qualifier; Stop is after Start.
	Start, Stop Value
}

// ComparisonExpr is one node of a comparison-expression tree (the part
// between '[' and ']'): a *Comparison or a *CompoundComparison.
type ComparisonExpr interface {
	comparisonExpr()
}

// BoolOp joins comparison expressions.
type BoolOp int

// The comparison-expression operators; AND binds tighter than OR.
const (
	BoolOr BoolOp = iota + 1
	BoolAnd
)

// String returns the keyword of the operator.
func (op BoolOp) String() string {
	switch op {
	case BoolOr:
		return "OR"
	case BoolAnd:
		return "AND"
	}
	return "BoolOp(?)"
}

// CompoundComparison is two or more comparison expressions joined by the same
// operator, held flat like CompoundObservation.
type CompoundComparison struct {
	Op       BoolOp
	Operands []ComparisonExpr
}

// Operator is a comparison operator.
type Operator int

// The comparison operators of STIX 2.1 §9.3.
const (
	OpEqual        Operator = iota + 1 // =  (also written ==)
	OpNotEqual                         // != (also written <>)
	OpLess                             // <
	OpLessEqual                        // <=
	OpGreater                          // >
	OpGreaterEqual                     // >=
	OpIn                               // IN ( set )
	OpLike                             // LIKE 'SQL pattern'
	OpMatches                          // MATCHES 'regular expression'
	OpIsSubset                         // ISSUBSET 'CIDR or address'
	OpIsSuperset                       // ISSUPERSET 'CIDR or address'
	OpExists                           // EXISTS path (prefix operator, no value)
)

var operatorNames = [...]string{
	OpEqual: "=", OpNotEqual: "!=", OpLess: "<", OpLessEqual: "<=", OpGreater: ">",
	OpGreaterEqual: ">=", OpIn: "IN", OpLike: "LIKE", OpMatches: "MATCHES",
	OpIsSubset: "ISSUBSET", OpIsSuperset: "ISSUPERSET", OpExists: "EXISTS",
}

// String returns the operator as written canonically.
func (op Operator) String() string {
	if op > 0 && int(op) < len(operatorNames) {
		return operatorNames[op]
	}
	return "Operator(?)"
}

// Comparison is one property test: "path [NOT] op value", or "EXISTS path".
type Comparison struct {
	Path ObjectPath
	// Negated is true when NOT precedes the operator.
	Negated bool
	Op      Operator
	// Value is the right-hand constant; a set (KindSet) for OpIn and the
	// zero Value for OpExists.
	Value Value
	// Offset is the byte offset of the comparison in the source.
	Offset int
}

func (*Comparison) comparisonExpr()         {}
func (*CompoundComparison) comparisonExpr() {}

// ObjectPath names a property of a cyber-observable object, e.g.
// file:hashes.'SHA-256' or
// file:extensions.'windows-pebinary-ext'.sections[*].entropy.
type ObjectPath struct {
	// ObjectType is the SCO type, e.g. "file" or "x-herald-wallet".
	ObjectType string
	// Steps is the property path; the first step is always a key.
	Steps []PathStep
}

// StepKind tells path steps apart.
type StepKind int

// The kinds of object path step.
const (
	StepKey      StepKind = iota + 1 // .name or .'quoted name'
	StepIndex                        // [n]
	StepAnyIndex                     // [*]
)

// PathStep is one step of an object path.
type PathStep struct {
	Kind StepKind
	// Key is the property or dictionary key for StepKey, unquoted.
	Key string
	// Index is the list index for StepIndex (the grammar admits negative
	// indexes).
	Index int64
}

// ValueKind tells constants apart.
type ValueKind int

// The constant kinds of STIX 2.1 §9.2.
const (
	KindString    ValueKind = iota + 1 // 'text'
	KindInt                            // 42, -7
	KindFloat                          // 7.0, -.5
	KindBool                           // true, false
	KindHex                            // h'ffd8'
	KindBinary                         // b'dGVzdA=='
	KindTimestamp                      // t'2016-06-01T01:30:00Z'
	KindSet                            // ( constant, ... ), right side of IN only
)

var kindNames = [...]string{
	KindString: "string", KindInt: "integer", KindFloat: "float", KindBool: "boolean",
	KindHex: "hex", KindBinary: "binary", KindTimestamp: "timestamp", KindSet: "set",
}

// String names the kind.
func (k ValueKind) String() string {
	if k > 0 && int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "ValueKind(?)"
}

// Value is a constant in a pattern. Only the fields for its Kind are set.
type Value struct {
	Kind ValueKind
	// Str is the decoded text of a string, the lower-case hex digits of a
	// hex constant, the base64 text of a binary constant, or the RFC 3339
	// text of a timestamp.
	Str   string
	Int   int64
	Float float64
	Bool  bool
	// Time is the parsed timestamp (UTC). A leap second (":60") is
	// normalised by time.Date to the next minute; Str keeps it as written.
	Time time.Time
	// Set holds the members of a KindSet value.
	Set []Value
}
