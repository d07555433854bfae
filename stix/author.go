package stix

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/TcM1911/stix2"
)

// authorCommon is what every SDO and SRO Herald authors shares: the
// publisher identity, the TLP marking and the two timestamps, already
// truncated to milliseconds in UTC.
type authorCommon struct {
	createdBy stix2.Identifier
	marking   stix2.Identifier
	created   time.Time
	modified  time.Time
}

// authorMS truncates to milliseconds in UTC, the precision STIX timestamps
// carry, so the in-memory value equals the written one.
func authorMS(t time.Time) time.Time { return t.UTC().Truncate(time.Millisecond) }

func authorTS(t time.Time) *stix2.Timestamp { return &stix2.Timestamp{Time: authorMS(t)} }

// options returns the common TcM1911/stix2 options, followed by extra.
func (c authorCommon) options(extra ...stix2.STIXOption) []stix2.STIXOption {
	opts := []stix2.STIXOption{
		stix2.OptionCreated(authorTS(c.created)),
		stix2.OptionModified(authorTS(c.modified)),
		stix2.OptionCreatedBy(c.createdBy),
		stix2.OptionObjectMarking([]stix2.Identifier{c.marking}),
	}
	return append(opts, extra...)
}

// authorMarshal turns a TcM1911/stix2 object (or a map for types the library
// lacks) into an Object with compact JSON and indexed fields.
func authorMarshal(v any) (Object, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return Object{}, fmt.Errorf("marshal: %w", err)
	}
	return indexJSON(b)
}

// authorTimestamp formats t as STIX does: UTC, three fractional digits.
func authorTimestamp(t time.Time) string {
	return authorMS(t).Format("2006-01-02T15:04:05.000Z")
}

// authorRelationship builds a relationship with NewRelationship (never the
// library's typed helpers such as AttackPattern.AddUses, which pick the
// wrong type) and gives it the deterministic id.
func authorRelationship(c authorCommon, id, relType, src, dst, description string) (Object, error) {
	extra := []stix2.STIXOption{}
	if description != "" {
		extra = append(extra, stix2.OptionDescription(description))
	}
	rel, err := stix2.NewRelationship(stix2.RelationshipType(relType), stix2.Identifier(src), stix2.Identifier(dst), c.options(extra...)...)
	if err != nil {
		return Object{}, fmt.Errorf("relationship %s %s %s: %w", src, relType, dst, err)
	}
	rel.ID = stix2.Identifier(id)
	return authorMarshal(rel)
}
