package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

// backend is the method set both backends share (the part this test
// drives).
type backend interface {
	CreateCollection(ctx context.Context, c store.Collection) (store.Collection, error)
	PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]store.PutResult, error)
	Objects(ctx context.Context, collectionID string, q store.Query) (store.Page, error)
	ObjectsTo(ctx context.Context, collectionID string, q store.Query, emit func(store.RawVersion) error) (store.PageInfo, error)
	DeleteObject(ctx context.Context, collectionID, objectID string, versions, specVersions []string) (int, error)
	CountVersions(ctx context.Context, collectionID string) (int, error)
	LastDateAdded(ctx context.Context, collectionID string) (time.Time, error)
	ObjectExists(ctx context.Context, collectionID, objectID string) (bool, error)
}

// objPool is a small world of objects whose versions pile up, with
// timestamps that tie as instants but differ as strings, several spec
// versions and content-versioned SCOs.
type objPool struct {
	r   *rand.Rand
	ids []string
	typ map[string]string
}

var stamps = []string{
	"2024-01-01T00:00:00Z", "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:00.5Z",
	"2024-01-01T00:00:01Z", "2023-12-31T23:59:59.999999Z", "2024-01-01T01:00:00+01:00",
	"2024-02-01T00:00:00Z", "not-a-time",
}

func newPool(seed uint64) *objPool {
	p := &objPool{r: rand.New(rand.NewPCG(seed, 1)), typ: map[string]string{}}
	for i := range 8 {
		t := []string{"indicator", "malware", "report"}[i%3]
		id := fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", t, i)
		p.ids = append(p.ids, id)
		p.typ[id] = t
	}
	for i := range 3 {
		id := fmt.Sprintf("ipv4-addr--00000000-0000-4000-8000-%012d", i)
		p.ids = append(p.ids, id)
		p.typ[id] = "ipv4-addr"
	}
	return p
}

func (p *objPool) object() stix.Object {
	id := p.ids[p.r.IntN(len(p.ids))]
	o := stix.Object{ID: id, Type: p.typ[id]}
	if o.Type != "ipv4-addr" {
		o.Modified = stamps[p.r.IntN(len(stamps))]
		o.SpecVersion = []string{"2.1", "2.1", "2.0", "", "2.10"}[p.r.IntN(5)]
	}
	js := fmt.Sprintf(`{"type":%q,"id":%q`, o.Type, o.ID)
	if o.SpecVersion != "" {
		js += fmt.Sprintf(`,"spec_version":%q`, o.SpecVersion)
	}
	if o.Modified != "" {
		js += fmt.Sprintf(`,"modified":%q`, o.Modified)
	}
	js += fmt.Sprintf(`,"x":%d}`, p.r.IntN(3))
	o.JSON = []byte(js)
	return o
}

func (p *objPool) pick(from []string, max int) []string {
	n := p.r.IntN(max + 1)
	var out []string
	for range n {
		out = append(out, from[p.r.IntN(len(from))])
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func (p *objPool) query(base time.Time) store.Query {
	var q store.Query
	if p.r.IntN(3) == 0 {
		q.IDs = p.pick(append(slices.Clone(p.ids), "indicator--missing"), 3)
	}
	if p.r.IntN(3) == 0 {
		q.Types = p.pick([]string{"indicator", "malware", "report", "ipv4-addr", "nothing"}, 2)
	}
	switch p.r.IntN(6) {
	case 0:
		q.Versions = []string{"all"}
	case 1:
		q.Versions = []string{"first"}
	case 2:
		q.Versions = []string{"first", "last"}
	case 3:
		q.Versions = append(p.pick(stamps, 2), []string{"last", "first"}[p.r.IntN(2)])
		slices.Sort(q.Versions)
		q.Versions = slices.Compact(q.Versions)
	case 4:
		q.Versions = p.pick(stamps, 2)
	}
	if p.r.IntN(3) == 0 {
		q.SpecVersions = p.pick([]string{"2.0", "2.1", "2.10", "9.9"}, 2)
	}
	if p.r.IntN(4) == 0 {
		q.AddedAfter = base.Add(time.Duration(p.r.IntN(400)) * time.Microsecond)
	}
	q.Limit = p.r.IntN(6)
	q.NoBytes = p.r.IntN(4) == 0
	return q
}

func sameErr(a, b error) bool {
	if (a == nil) != (b == nil) {
		return false
	}
	for _, s := range []error{store.ErrNotFound, store.ErrBadParameter, store.ErrExists} {
		if errors.Is(a, s) != errors.Is(b, s) {
			return false
		}
	}
	return true
}

// TestDifferential drives the bbolt backend and PostgreSQL with the same
// random operations and the same clock, and requires identical answers:
// put outcomes and date_added, pages (records, More, Next) for random
// filters, full walks page by page, ObjectsTo against Objects, deletes,
// counters.
func TestDifferential(t *testing.T) {
	seeds := []uint64{1, 2, 3, 4}
	if testing.Short() {
		seeds = seeds[:1]
	}
	for _, seed := range seeds {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { differential(t, seed) })
	}
}

func differential(t *testing.T, seed uint64) {
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	bdb, err := bolt.Open(filepath.Join(t.TempDir(), "h.db"), &store.Options{Now: (&stepClock{base: base}).Now})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	pg := openPG(t, &store.Options{Now: (&stepClock{base: base}).Now})
	dbs := []backend{bdb, pg}
	names := []string{"bbolt", "postgres"}
	var colls [2][]string
	for i, db := range dbs {
		for _, title := range []string{"a", "b"} {
			c, err := db.CreateCollection(ctx, store.Collection{Title: title})
			if err != nil {
				t.Fatal(err)
			}
			colls[i] = append(colls[i], c.ID)
		}
	}
	pool := newPool(seed)
	steps := 400
	for step := range steps {
		ci := pool.r.IntN(2)
		switch op := pool.r.IntN(10); {
		case op < 4:
			var objs []stix.Object
			for range 1 + pool.r.IntN(12) {
				objs = append(objs, pool.object())
			}
			var res [2][]store.PutResult
			var errs [2]error
			for i, db := range dbs {
				res[i], errs[i] = db.PutObjects(ctx, colls[i][ci], objs)
			}
			if !sameErr(errs[0], errs[1]) || !reflect.DeepEqual(res[0], res[1]) {
				t.Fatalf("step %d: PutObjects differ:\nbbolt    %v %+v\npostgres %v %+v", step, errs[0], res[0], errs[1], res[1])
			}
		case op < 5:
			id := pool.ids[pool.r.IntN(len(pool.ids))]
			var versions, specs []string
			if pool.r.IntN(2) == 0 {
				versions = pool.query(base).Versions
				specs = pool.pick([]string{"2.0", "2.1"}, 1)
			}
			var n [2]int
			var errs [2]error
			for i, db := range dbs {
				n[i], errs[i] = db.DeleteObject(ctx, colls[i][ci], id, versions, specs)
			}
			if !sameErr(errs[0], errs[1]) || n[0] != n[1] {
				t.Fatalf("step %d: DeleteObject(%s, %q, %q) differ: bbolt %d %v, postgres %d %v", step, id, versions, specs, n[0], errs[0], n[1], errs[1])
			}
		default:
			q := pool.query(base)
			if pool.r.IntN(3) == 0 {
				// A whole walk, page by page.
				q.Limit = 1 + pool.r.IntN(3)
				for page := 0; ; page++ {
					got := compareQuery(t, step, dbs, names, colls, ci, q)
					if !got.More {
						break
					}
					q.After = got.Next
					if page > 500 {
						t.Fatal("walk does not end")
					}
				}
			} else {
				compareQuery(t, step, dbs, names, colls, ci, q)
			}
		}
		for c := range 2 {
			var counts [2]int
			var lasts [2]time.Time
			for i, db := range dbs {
				var err error
				if counts[i], err = db.CountVersions(ctx, colls[i][c]); err != nil {
					t.Fatal(err)
				}
				if lasts[i], err = db.LastDateAdded(ctx, colls[i][c]); err != nil {
					t.Fatal(err)
				}
			}
			if counts[0] != counts[1] || !lasts[0].Equal(lasts[1]) {
				t.Fatalf("step %d: counters differ: bbolt %d %v, postgres %d %v", step, counts[0], lasts[0], counts[1], lasts[1])
			}
		}
	}
	for _, id := range append(slices.Clone(pool.ids), "nope--x") {
		var ex [2]bool
		for i, db := range dbs {
			var err error
			if ex[i], err = db.ObjectExists(ctx, colls[i][0], id); err != nil {
				t.Fatal(err)
			}
		}
		if ex[0] != ex[1] {
			t.Errorf("ObjectExists(%s): bbolt %v, postgres %v", id, ex[0], ex[1])
		}
	}
}

func compareQuery(t *testing.T, step int, dbs []backend, names []string, colls [2][]string, ci int, q store.Query) store.Page {
	t.Helper()
	var pages [2]store.Page
	var errs [2]error
	for i, db := range dbs {
		pages[i], errs[i] = db.Objects(ctx, colls[i][ci], q)
	}
	if !sameErr(errs[0], errs[1]) || !reflect.DeepEqual(pages[0], pages[1]) {
		var all [2]store.Page
		for i, db := range dbs {
			all[i], _ = db.Objects(ctx, colls[i][ci], store.Query{Versions: []string{"all"}, SpecVersions: []string{"2.0", "2.1", "2.10"}})
		}
		t.Fatalf("step %d: Objects(%+v) differ:\nbbolt    %v %s\npostgres %v %s\nall versions:\nbbolt    %s\npostgres %s", step, q, errs[0], pageString(pages[0]), errs[1], pageString(pages[1]), pageString(all[0]), pageString(all[1]))
	}
	// ObjectsTo walks the same page.
	var got []store.Record
	info, err := dbs[1].ObjectsTo(ctx, colls[1][ci], q, func(v store.RawVersion) error {
		r := store.Record{DateAdded: v.DateAdded.Time(), ID: string(v.ID), Type: string(v.Type),
			Version: string(v.Version), SpecVersion: string(v.SpecVersion)}
		if v.JSON != nil {
			r.JSON = append([]byte(nil), v.JSON...)
		}
		got = append(got, r)
		return nil
	})
	if !sameErr(err, errs[1]) {
		t.Fatalf("step %d: ObjectsTo error %v, Objects %v", step, err, errs[1])
	}
	if err == nil {
		if info.Count != len(pages[1].Records) || info.More != pages[1].More || info.Next != pages[1].Next {
			t.Fatalf("step %d: %s ObjectsTo info %+v, Objects page has %d records, More %v, Next %d", step, names[1], info, len(pages[1].Records), pages[1].More, pages[1].Next)
		}
		for i, r := range got {
			w := pages[1].Records[i]
			w.MediaType = ""
			if !reflect.DeepEqual(r, w) {
				t.Fatalf("step %d: ObjectsTo record %d = %+v, Objects %+v", step, i, r, w)
			}
		}
	}
	return pages[0]
}

func pageString(p store.Page) string {
	s := fmt.Sprintf("More=%v Next=%d [", p.More, p.Next)
	for _, r := range p.Records {
		s += fmt.Sprintf(" %d:%s@%s/%s", r.DateAdded.UnixMicro()%100000, r.ID[len(r.ID)-3:], r.Version, r.SpecVersion)
	}
	return s + " ]"
}

// TestDifferentialScanBudget: a walk whose first 11,000 candidates are
// all rejected (versions superseded by a later spec version, under
// match[version]=all) returns the same short pages, More and Next from
// PostgreSQL as from bbolt: both stop after the same scan budget.
func TestDifferentialScanBudget(t *testing.T) {
	base := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	bdb, err := bolt.Open(filepath.Join(t.TempDir(), "h.db"), &store.Options{Now: (&stepClock{base: base}).Now})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	pg := openPG(t, &store.Options{Now: (&stepClock{base: base}).Now})
	dbs := []backend{bdb, pg}
	var colls [2][]string
	for i, db := range dbs {
		c, err := db.CreateCollection(ctx, store.Collection{Title: "budget"})
		if err != nil {
			t.Fatal(err)
		}
		colls[i] = []string{c.ID}
	}
	const n = 11000
	for k, spec := range []string{"2.0", "2.1"} {
		mod := fmt.Sprintf("2024-01-0%dT00:00:00Z", k+1)
		var objs []stix.Object
		for i := range n {
			id := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", i)
			objs = append(objs, stix.Object{ID: id, Type: "indicator", SpecVersion: spec, Modified: mod,
				JSON: fmt.Appendf(nil, `{"type":"indicator","id":%q,"spec_version":%q,"modified":%q}`, id, spec, mod)})
		}
		for i, db := range dbs {
			if _, err := db.PutObjects(ctx, colls[i][0], objs); err != nil {
				t.Fatal(err)
			}
		}
	}
	q := store.Query{Versions: []string{"all"}, Limit: 10, NoBytes: true}
	total := 0
	for page := 0; ; page++ {
		got := compareQuery(t, page, dbs, []string{"bbolt", "postgres"}, colls, 0, q)
		if page == 0 && (len(got.Records) != 0 || !got.More) {
			t.Fatalf("first page: %d records, More %v; want a short empty page with More", len(got.Records), got.More)
		}
		total += len(got.Records)
		if !got.More {
			break
		}
		q.After = got.Next
	}
	if total != n {
		t.Fatalf("walk returned %d versions, want %d", total, n)
	}
}
