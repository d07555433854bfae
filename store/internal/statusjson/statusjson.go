// Package statusjson is how every backend stores a TAXII add-request
// status: one JSON document with nanosecond request times, so a status
// reads back exactly as it was put and backends can copy statuses between
// them without loss.
package statusjson

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/heraldcti/herald/store"
)

type statusDetailJSON struct {
	ID      string `json:"id"`
	Version string `json:"version,omitempty"`
	Message string `json:"message,omitempty"`
	Outcome string `json:"outcome,omitempty"`
}

type statusJSON struct {
	ID           string             `json:"id"`
	Status       string             `json:"status"`
	RequestTime  time.Time          `json:"request_timestamp"`
	CollectionID string             `json:"collection_id,omitempty"`
	TotalCount   int                `json:"total_count"`
	SuccessCount int                `json:"success_count"`
	FailureCount int                `json:"failure_count"`
	PendingCount int                `json:"pending_count"`
	Successes    []statusDetailJSON `json:"successes,omitempty"`
	Failures     []statusDetailJSON `json:"failures,omitempty"`
	Pendings     []statusDetailJSON `json:"pendings,omitempty"`
}

func detailsToJSON(in []store.StatusDetail) []statusDetailJSON {
	out := make([]statusDetailJSON, len(in))
	for i, d := range in {
		out[i] = statusDetailJSON(d)
	}
	return out
}

func detailsFromJSON(in []statusDetailJSON) []store.StatusDetail {
	if len(in) == 0 {
		return nil
	}
	out := make([]store.StatusDetail, len(in))
	for i, d := range in {
		out[i] = store.StatusDetail(d)
	}
	return out
}

// Encode is the stored form of s.
func Encode(s store.Status) ([]byte, error) {
	return json.Marshal(statusJSON{
		ID: s.ID, Status: s.Status, RequestTime: s.RequestTime.UTC(), CollectionID: s.CollectionID,
		TotalCount: s.TotalCount, SuccessCount: s.SuccessCount, FailureCount: s.FailureCount,
		PendingCount: s.PendingCount, Successes: detailsToJSON(s.Successes),
		Failures: detailsToJSON(s.Failures), Pendings: detailsToJSON(s.Pendings),
	})
}

// Decode reads a status written by Encode.
func Decode(b []byte) (store.Status, error) {
	var j statusJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return store.Status{}, fmt.Errorf("decode status: %w", err)
	}
	return store.Status{
		ID: j.ID, Status: j.Status, RequestTime: j.RequestTime, CollectionID: j.CollectionID,
		TotalCount: j.TotalCount, SuccessCount: j.SuccessCount, FailureCount: j.FailureCount,
		PendingCount: j.PendingCount, Successes: detailsFromJSON(j.Successes),
		Failures: detailsFromJSON(j.Failures), Pendings: detailsFromJSON(j.Pendings),
	}, nil
}
