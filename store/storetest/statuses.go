package storetest

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/heraldcti/herald/store"
)

func testStatusRoundTripAndReplace(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	t0 := time.Date(2024, 5, 1, 12, 0, 0, 123456000, time.UTC)
	s := store.Status{ID: "2d086da7-4bdc-4f91-900e-d77486753710", Status: "pending", RequestTime: t0, CollectionID: "c",
		TotalCount: 3, SuccessCount: 1, FailureCount: 1, PendingCount: 1,
		Successes: []store.StatusDetail{{ID: "indicator--1", Version: mA1, Message: "already present", Outcome: "unchanged"}},
		Failures:  []store.StatusDetail{{ID: "indicator--2", Message: "bad pattern", Outcome: "invalid"}},
		Pendings:  []store.StatusDetail{{ID: "indicator--3", Version: mA2}}}
	if err := db.PutStatus(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := db.Status(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Errorf("Status = %+v\nwant %+v", got, s)
	}
	s.Status, s.PendingCount, s.SuccessCount, s.Pendings = "complete", 0, 2, nil
	s.Successes = append(s.Successes, store.StatusDetail{ID: "indicator--3", Version: mA2, Outcome: "replaced"})
	if err := db.PutStatus(ctx, s); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Status(ctx, s.ID); !reflect.DeepEqual(got, s) {
		t.Errorf("replaced Status = %+v\nwant %+v", got, s)
	}
	if _, err := db.Status(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("missing status: %v, want ErrNotFound", err)
	}
}

func testPurgeStatuses(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	now := time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)
	ages := map[string]time.Duration{"old": 25 * time.Hour, "edge": 24*time.Hour + time.Microsecond, "fresh": 23 * time.Hour, "new": 0}
	for id, age := range ages {
		if err := db.PutStatus(ctx, store.Status{ID: id, Status: "complete", RequestTime: now.Add(-age)}); err != nil {
			t.Fatal(err)
		}
	}
	// A status moved forward in time by a replace is not purged by its old time.
	if err := db.PutStatus(ctx, store.Status{ID: "fresh", Status: "complete", RequestTime: now.Add(-time.Hour)}); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeStatuses(ctx, now.Add(-store.StatusRetention))
	if err != nil || n != 2 {
		t.Errorf("PurgeStatuses = %d, %v; want 2", n, err)
	}
	for id, kept := range map[string]bool{"old": false, "edge": false, "fresh": true, "new": true} {
		_, err := db.Status(ctx, id)
		if kept != (err == nil) {
			t.Errorf("status %s: err %v, want kept=%v", id, err, kept)
		}
	}
	if n, err := db.PurgeStatuses(ctx, now.Add(-store.StatusRetention)); err != nil || n != 0 {
		t.Errorf("second purge = %d, %v; want 0", n, err)
	}
}

func testPutStatusRejectsBadStatus(t *testing.T, open Opener) {
	db := mustOpen(t, open, nil)
	now := time.Now()
	for name, s := range map[string]store.Status{
		"empty id":       {Status: "complete", RequestTime: now},
		"unknown status": {ID: "x", Status: "done", RequestTime: now},
		"no time":        {ID: "x", Status: "complete"},
		"negative count": {ID: "x", Status: "complete", RequestTime: now, FailureCount: -1},
	} {
		if err := db.PutStatus(ctx, s); !errors.Is(err, store.ErrBadParameter) {
			t.Errorf("%s: %v, want ErrBadParameter", name, err)
		}
	}
}
