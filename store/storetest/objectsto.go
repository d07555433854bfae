package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/heraldcti/herald/store"
)

// copied is a RawVersion copied out of the transaction, comparable with a
// Record.
func copied(v store.RawVersion) store.Record {
	r := store.Record{
		DateAdded:   v.DateAdded.Time(),
		ID:          string(v.ID),
		Type:        string(v.Type),
		Version:     string(v.Version),
		SpecVersion: string(v.SpecVersion),
	}
	if v.JSON != nil {
		r.JSON = bytes.Clone(v.JSON)
	}
	return r
}

// streamPage runs ObjectsTo and collects its versions.
func streamPage(t *testing.T, db store.Store, coll string, q store.Query) ([]store.Record, store.PageInfo) {
	t.Helper()
	var got []store.Record
	info, err := db.ObjectsTo(ctx, coll, q, func(v store.RawVersion) error {
		got = append(got, copied(v))
		return nil
	})
	if err != nil {
		t.Fatalf("ObjectsTo(%+v): %v", q, err)
	}
	return got, info
}

// samePage reports how a streamed page differs from the page Objects
// returned, or "".
func samePage(page store.Page, got []store.Record, info store.PageInfo) string {
	if len(got) != len(page.Records) || info.Count != len(page.Records) {
		return fmt.Sprintf("%d versions emitted, Count %d; Objects returned %d", len(got), info.Count, len(page.Records))
	}
	if info.More != page.More || info.Next != page.Next {
		return fmt.Sprintf("More %v Next %d; Objects: More %v Next %d", info.More, info.Next, page.More, page.Next)
	}
	for i, r := range page.Records {
		g := got[i]
		if !g.DateAdded.Equal(r.DateAdded) || g.ID != r.ID || g.Type != r.Type || g.Version != r.Version ||
			g.SpecVersion != r.SpecVersion || !bytes.Equal(g.JSON, r.JSON) || (g.JSON == nil) != (r.JSON == nil) {
			return fmt.Sprintf("version %d: emitted %+v (JSON %s)\nObjects returned %+v (JSON %s)", i, g, g.JSON, r, r.JSON)
		}
	}
	var first, last store.Position
	if n := len(page.Records); n > 0 {
		first = store.Position(page.Records[0].DateAdded.UnixMicro())
		last = store.Position(page.Records[n-1].DateAdded.UnixMicro())
	}
	if info.First != first || info.Last != last {
		return fmt.Sprintf("First %d Last %d; the page's first and last date_added are %d and %d", info.First, info.Last, first, last)
	}
	return ""
}

// ObjectsTo walks exactly what Objects walks: for every row of the filter
// table, with and without bytes, at several page sizes, each page of a
// full walk gives the same versions, bytes, More and Next.
func testObjectsToMatchesObjects(t *testing.T, open Opener) {
	f := newFixture(t, open)
	for _, tc := range filterCases(f) {
		t.Run(tc.name, func(t *testing.T) {
			for _, noBytes := range []bool{false, true} {
				for _, limit := range []int{0, 1, 2, 3, 5} {
					q := tc.q
					q.Limit, q.NoBytes = limit, noBytes
					var all []string
					for pages := 0; ; pages++ {
						if pages > 20 {
							t.Fatalf("limit %d: the walk does not end", limit)
						}
						page, err := f.db.Objects(ctx, f.coll, q)
						if err != nil {
							t.Fatalf("Objects: %v", err)
						}
						got, info := streamPage(t, f.db, f.coll, q)
						if diff := samePage(page, got, info); diff != "" {
							t.Fatalf("limit %d, NoBytes %v, After %d: %s", limit, noBytes, q.After, diff)
						}
						for _, r := range got {
							if noBytes != (r.JSON == nil) {
								t.Fatalf("NoBytes %v but JSON %q", noBytes, r.JSON)
							}
						}
						all = append(all, keys(got)...)
						if !info.More {
							break
						}
						q.After = info.Next
					}
					if want := f.want(tc.steps...); fmt.Sprint(all) != fmt.Sprint(want) {
						t.Errorf("limit %d, NoBytes %v: walk %v, want %v", limit, noBytes, all, want)
					}
				}
			}
		})
	}
}

// An error from emit stops the walk at once and comes back wrapped, with
// nothing else reported; the read transaction is closed (a write and
// another read go through), and so it is when emit panics.
func testObjectsToEmitErrorAbortsWalk(t *testing.T, open Opener) {
	f := newFixture(t, open)
	q := store.Query{Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1"}}
	errStop := errors.New("client went away")
	stored := len(f.steps)
	for _, stopAt := range []int{1, 2, 13} {
		t.Run(fmt.Sprintf("stop at %d", stopAt), func(t *testing.T) {
			calls := 0
			info, err := f.db.ObjectsTo(ctx, f.coll, q, func(store.RawVersion) error {
				calls++
				if calls == stopAt {
					return errStop
				}
				return nil
			})
			if !errors.Is(err, errStop) {
				t.Fatalf("err = %v, want one wrapping %v", err, errStop)
			}
			if calls != stopAt {
				t.Errorf("emit called %d times after failing at call %d", calls, stopAt)
			}
			if info != (store.PageInfo{}) {
				t.Errorf("PageInfo %+v after an emit error, want zero", info)
			}
			// The transaction is gone: a write commits and the walk
			// runs again in full.
			mustPut(t, f.db, f.coll, sdo("malware", objID("malware", 100+stopAt), mA1, "2.1"))
			stored++
			got, info := streamPage(t, f.db, f.coll, q)
			if len(got) != stored || info.More {
				t.Errorf("after the failed walk: %d versions (More %v), want %d", len(got), info.More, stored)
			}
		})
	}
	t.Run("panic", func(t *testing.T) {
		func() {
			defer func() {
				if r := recover(); r != "emit panicked" {
					t.Fatalf("recovered %v", r)
				}
			}()
			_, _ = f.db.ObjectsTo(ctx, f.coll, q, func(store.RawVersion) error { panic("emit panicked") })
		}()
		mustPut(t, f.db, f.coll, sdo("malware", objID("malware", 200), mA1, "2.1"))
		if page, err := f.db.Objects(ctx, f.coll, store.Query{IDs: []string{objID("malware", 200)}}); err != nil || len(page.Records) != 1 {
			t.Fatalf("after a panicking emit: %d records, %v", len(page.Records), err)
		}
	})
}

// ObjectsTo fails like Objects: unknown collection, malformed query,
// cancelled context; and a nil emit is a caller's mistake, not a panic.
func testObjectsToErrors(t *testing.T, open Opener) {
	f := newFixture(t, open)
	emit := func(store.RawVersion) error { t.Error("emit called"); return nil }
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	for _, tc := range []struct {
		name string
		ctx  context.Context
		coll string
		q    store.Query
		emit func(store.RawVersion) error
		want error
	}{
		{"unknown collection", ctx, "00000000-0000-4000-8000-000000000000", store.Query{}, emit, store.ErrNotFound},
		{"negative limit", ctx, f.coll, store.Query{Limit: -1}, emit, store.ErrBadParameter},
		{"all with last", ctx, f.coll, store.Query{Versions: []string{"all", "last"}}, emit, store.ErrBadParameter},
		{"cancelled context", cancelled, f.coll, store.Query{}, emit, context.Canceled},
		{"nil emit", ctx, f.coll, store.Query{}, nil, store.ErrBadParameter},
	} {
		t.Run(tc.name, func(t *testing.T) {
			info, err := f.db.ObjectsTo(tc.ctx, tc.coll, tc.q, tc.emit)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if info != (store.PageInfo{}) {
				t.Errorf("PageInfo %+v with an error", info)
			}
		})
	}
}
