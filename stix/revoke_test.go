package stix_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
)

func TestRevokeKeepsEverythingButModifiedAndRevoked(t *testing.T) {
	objs, err := stix.NewIndicator(indicatorSpec())
	if err != nil {
		t.Fatal(err)
	}
	ind := objs[1]
	at := time.Date(2025, 6, 1, 0, 0, 0, 999999, time.UTC)
	r, err := stix.Revoke(ind, at)
	if err != nil {
		t.Fatal(err)
	}
	authorValidateAll(t, []stix.Object{r})
	if r.ID != ind.ID || r.Created != ind.Created || r.Modified != "2025-06-01T00:00:00.000Z" || r.Type != ind.Type {
		t.Errorf("revoked = %+v", r)
	}
	var before, after map[string]any
	if err := json.Unmarshal(ind.JSON, &before); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(r.JSON, &after); err != nil {
		t.Fatal(err)
	}
	if after["revoked"] != true || after["modified"] != "2025-06-01T00:00:00.000Z" {
		t.Errorf("revoked JSON = %s", r.JSON)
	}
	delete(before, "modified")
	delete(before, "revoked")
	delete(after, "modified")
	delete(after, "revoked")
	if !reflect.DeepEqual(before, after) {
		t.Errorf("other properties changed:\n%s\n%s", ind.JSON, r.JSON)
	}
	if _, err := stix.Revoke(r, at.Add(time.Hour)); err == nil || !strings.Contains(err.Error(), "already revoked") {
		t.Errorf("second revocation: %v", err)
	}
}

func TestRevokeRefuses(t *testing.T) {
	objs, err := stix.NewIndicator(indicatorSpec())
	if err != nil {
		t.Fatal(err)
	}
	ind, sco, marking := objs[1], objs[2], objs[0]
	at, _ := time.Parse(time.RFC3339, ind.Modified)
	tests := []struct {
		name string
		o    stix.Object
		at   time.Time
		want string
	}{
		{"same time", ind, at, "not later"},
		{"earlier", ind, at.Add(-time.Hour), "not later"},
		{"within the same millisecond", ind, at.Add(500 * time.Microsecond), "not later"},
		{"SCO", sco, at.Add(time.Hour), "only versioned objects"},
		{"marking definition", marking, at.Add(time.Hour), "only versioned objects"},
		{"not JSON", stix.Object{ID: "x--1", Type: "x", Created: ind.Created, Modified: ind.Modified, JSON: []byte("[1]")}, at.Add(time.Hour), "not a JSON object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := stix.Revoke(tc.o, tc.at); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
