package postgres_test

import (
	"os"
	"strconv"
	"sync"
	"testing"

	"github.com/heraldcti/herald/internal/pgtest"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/postgres"
)

// benchVersions is the size of the benchmark collection:
// HERALD_BENCH_VERSIONS, default 50,000 (the docs' figures also use
// 1,000,000).
func benchVersions() int {
	if n, err := strconv.Atoi(os.Getenv("HERALD_BENCH_VERSIONS")); err == nil && n > 0 {
		return n
	}
	return 50000
}

var benchState struct {
	once sync.Once
	db   *postgres.DB
	coll string
	pos  []store.Position // date_added of every 100th default-query record
	err  error
}

// benchDB fills one collection once per test binary.
func benchDB(b *testing.B) (*postgres.DB, string, []store.Position) {
	b.Helper()
	benchState.once.Do(func() {
		dsn := pgtest.NewDB(b)
		db, err := postgres.Open(ctx, dsn, nil)
		if err != nil {
			benchState.err = err
			return
		}
		c, err := db.CreateCollection(ctx, store.Collection{Title: "bench"})
		if err != nil {
			benchState.err = err
			return
		}
		n := benchVersions()
		fill(b, db, c.ID, n*10/11) // a tenth of the objects get a second version
		if _, err := db.Pool().Exec(ctx, "VACUUM ANALYZE versions"); err != nil {
			benchState.err = err
			return
		}
		var after store.Position
		for {
			page, err := db.Objects(ctx, c.ID, store.Query{Limit: 1000, After: after, NoBytes: true})
			if err != nil {
				benchState.err = err
				return
			}
			for i := 0; i < len(page.Records); i += 100 {
				benchState.pos = append(benchState.pos, store.Position(page.Records[i].DateAdded.UnixMicro()-1))
			}
			after = page.Next
			if !page.More {
				break
			}
		}
		benchState.db, benchState.coll = db, c.ID
	})
	if benchState.err != nil {
		b.Fatal(benchState.err)
	}
	return benchState.db, benchState.coll, benchState.pos
}

// BenchmarkPage: one page of 100 (the default query, with bytes, and
// the manifest) at the start, the middle and the end of the collection.
// The three should cost the same.
func BenchmarkPage(b *testing.B) {
	db, coll, pos := benchDB(b)
	at := map[string]store.Position{"start": pos[0], "middle": pos[len(pos)/2], "end": pos[len(pos)-2]}
	// Warm every place alike first, so the first sub-benchmark does not
	// pay for a cold cache.
	for range 200 {
		for _, p := range at {
			if _, err := db.Objects(ctx, coll, store.Query{Limit: 100, After: p}); err != nil {
				b.Fatal(err)
			}
		}
	}
	for _, where := range []string{"start", "middle", "end"} {
		for _, noBytes := range []bool{false, true} {
			name := where + "/objects"
			if noBytes {
				name = where + "/manifest"
			}
			b.Run(name, func(b *testing.B) {
				q := store.Query{Limit: 100, After: at[where], NoBytes: noBytes}
				for b.Loop() {
					page, err := db.Objects(ctx, coll, q)
					if err != nil || len(page.Records) != 100 {
						b.Fatalf("%d records, %v", len(page.Records), err)
					}
				}
			})
		}
	}
}

// BenchmarkImport: PutObjects in batches of 5,000 new objects.
func BenchmarkImport(b *testing.B) {
	db := openPG(b, nil)
	c, err := db.CreateCollection(ctx, store.Collection{Title: "import"})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	n := 0
	for b.Loop() {
		b.StopTimer()
		objs := makeObjects(n, 5000)
		n += 5000
		b.StartTimer()
		if _, err := db.PutObjects(ctx, c.ID, objs); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "objects/s")
}
