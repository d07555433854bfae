package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// fill adds n objects (one version each) of a few types, plus a second
// version for every tenth object, to a collection in batches.
func fill(tb testing.TB, db interface {
	PutObjects(ctx context.Context, collectionID string, objs []stix.Object) ([]store.PutResult, error)
}, collID string, n int) []string {
	tb.Helper()
	types := []string{"indicator", "malware", "report", "attack-pattern", "identity"}
	var ids []string
	batch := make([]stix.Object, 0, 5000)
	flush := func() {
		if len(batch) == 0 {
			return
		}
		if _, err := db.PutObjects(ctx, collID, batch); err != nil {
			tb.Fatal(err)
		}
		batch = batch[:0]
	}
	for i := range n {
		typ := types[i%len(types)]
		id := fmt.Sprintf("%s--00000000-0000-4000-8000-%012d", typ, i)
		ids = append(ids, id)
		for v := range 1 + btoi(i%10 == 0) {
			batch = append(batch, makeObject(id, typ, v, i))
		}
		if len(batch) >= 5000 {
			flush()
		}
	}
	flush()
	return ids
}

// makeObject is version v of an object, about 300 bytes of JSON.
func makeObject(id, typ string, v, i int) stix.Object {
	mod := time.Date(2024, 1, 1, 0, 0, v, 0, time.UTC).Format(time.RFC3339)
	return stix.Object{ID: id, Type: typ, SpecVersion: "2.1", Modified: mod,
		JSON: fmt.Appendf(nil, `{"type":%q,"id":%q,"spec_version":"2.1","created":"2024-01-01T00:00:00Z","modified":%q,"name":"object %d","description":"A benchmark object with a description long enough to look like a real one, more or less.","labels":["benchmark"]}`, typ, id, mod, i)}
}

// makeObjects is n new objects numbered from start.
func makeObjects(start, n int) []stix.Object {
	out := make([]stix.Object, n)
	for i := range n {
		id := fmt.Sprintf("indicator--00000000-0000-4000-8000-%012d", start+i)
		out[i] = makeObject(id, "indicator", 0, start+i)
	}
	return out
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestExplainNoSeqScan: on a collection of 40k versions (next to another
// one), the objects, manifest, match[type] and match[id] queries, at the
// start and deep into the collection, use indexes in both the custom and
// the generic plan: no sequential scan of the versions table.
func TestExplainNoSeqScan(t *testing.T) {
	db := openPG(t, nil)
	other, err := db.CreateCollection(ctx, store.Collection{Title: "other"})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, other.ID, 2000)
	c, err := db.CreateCollection(ctx, store.Collection{Title: "big"})
	if err != nil {
		t.Fatal(err)
	}
	ids := fill(t, db, c.ID, 36000)
	if _, err := db.Pool().Exec(ctx, "ANALYZE"); err != nil {
		t.Fatal(err)
	}
	page, err := db.Objects(ctx, c.ID, store.Query{Limit: 100, After: 0})
	if err != nil {
		t.Fatal(err)
	}
	deep := store.Position(page.Records[0].DateAdded.UnixMicro() + 30000)
	queries := map[string]store.Query{
		"objects":             {Limit: 100},
		"objects deep":        {Limit: 100, After: deep},
		"objects added_after": {Limit: 100, AddedAfter: deep.Time()},
		"manifest":            {Limit: 100, NoBytes: true},
		"manifest deep":       {Limit: 100, NoBytes: true, After: deep},
		"match[type]":         {Limit: 100, Types: []string{"malware"}},
		"match[type] two":     {Limit: 100, Types: []string{"malware", "report"}, After: deep},
		"match[type] first":   {Limit: 100, Types: []string{"report"}, Versions: []string{"first"}},
		"match[id]":           {Limit: 100, IDs: []string{ids[20000]}},
		"match[id] several":   {Limit: 100, IDs: []string{ids[10], ids[30000], "indicator--nope"}},
		"match[id] all":       {Limit: 100, IDs: []string{ids[100]}, Versions: []string{"all"}},
		"versions":            {Limit: 100, Versions: []string{"all"}},
		"first":               {Limit: 100, Versions: []string{"first"}, After: deep},
	}
	for name, q := range queries {
		custom, generic, err := db.ExplainPage(ctx, c.ID, q)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for kind, plan := range map[string]string{"custom": custom, "generic": generic} {
			if strings.Contains(plan, "Seq Scan on versions") {
				t.Errorf("%s (%s plan) scans the versions table:\n%s", name, kind, plan)
			}
			if !strings.Contains(plan, "Index") {
				t.Errorf("%s (%s plan) uses no index:\n%s", name, kind, plan)
			}
		}
	}
}
