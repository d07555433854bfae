package statusjson

import (
	"reflect"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

func TestRoundTrip(t *testing.T) {
	s := store.Status{
		ID: "2d086da7-4bdc-4f91-900e-d77486753710", Status: "complete",
		RequestTime:  time.Date(2026, 12, 3, 10, 0, 0, 123456789, time.UTC),
		CollectionID: "c1", TotalCount: 3, SuccessCount: 2, FailureCount: 1,
		Successes: []store.StatusDetail{{ID: "indicator--1", Version: "2026-01-01T00:00:00Z", Outcome: "added"}, {ID: "indicator--2", Version: "v", Outcome: "replaced"}},
		Failures:  []store.StatusDetail{{ID: "x--3", Message: "invalid", Outcome: "invalid"}},
	}
	b, err := Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, s)
	}
	if _, err := Decode([]byte(`{"id":`)); err == nil {
		t.Error("Decode of a truncated document: no error")
	}
}
