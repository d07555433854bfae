package bolt_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
	"github.com/heraldcti/herald/store/bolt"
)

// The benchmarks share one database of benchSize object versions, built
// once per process (NoSync) in os.TempDir() and removed by TestMain.
const (
	benchSize  = 1_000_000
	benchBatch = 10_000
	rareType   = "malware" // 1% of the objects
)

var (
	benchOnce  sync.Once
	benchState struct {
		db        *bolt.DB
		coll      string
		path      string
		positions []store.Position // date_added of every 1000th version
		ids       []string         // every 1000th object id
		versions  []string         // the version of each of ids
		buildRate float64          // objects/s while building
		err       error
	}
)

// benchTypes is the type mix: rareType is exactly 1 in 100.
var benchTypes = []string{"indicator", "indicator", "indicator", "attack-pattern", "relationship",
	"relationship", "ipv4-addr", "domain-name", "note", "identity"}

// benchObject is a realistic object of about 450 bytes.
func benchObject(rng *rand.Rand, n int) stix.Object {
	typ := benchTypes[n%len(benchTypes)]
	if n%100 == 42 {
		typ = rareType
	}
	id := fmt.Sprintf("%s--%08x-%04x-4%03x-8%03x-%012x", typ, rng.Uint32(), rng.Uint32()&0xffff, rng.Uint32()&0xfff, rng.Uint32()&0xfff, rng.Uint64()&0xffffffffffff)
	mod := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(n) * time.Millisecond).Format("2006-01-02T15:04:05.000Z")
	js := fmt.Sprintf(`{"type":%q,"spec_version":"2.1","id":%q,"created":"2024-01-01T00:00:00.000Z","modified":%q,`+
		`"name":"benchmark object %d","description":"A synthetic object used to measure the store: it carries enough text to be about as large as a typical indicator in a real feed.",`+
		`"pattern":"[ipv4-addr:value = '10.%d.%d.%d']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z","labels":["benchmark"]}`,
		typ, id, mod, n, (n>>16)&255, (n>>8)&255, n&255)
	return stix.Object{Type: typ, ID: id, SpecVersion: "2.1", Created: "2024-01-01T00:00:00.000Z", Modified: mod, JSON: []byte(js)}
}

// benchDB builds (once) and returns the shared million-version database.
func benchDB(b *testing.B) {
	b.Helper()
	benchOnce.Do(func() {
		s := &benchState
		s.path = filepath.Join(os.TempDir(), fmt.Sprintf("herald-store-bench-%d.db", os.Getpid()))
		_ = os.Remove(s.path)
		benchFiles = append(benchFiles, s.path)
		if s.db, s.err = bolt.Open(s.path, &store.Options{NoSync: true}); s.err != nil {
			return
		}
		c, err := s.db.CreateCollection(ctx, store.Collection{Title: "bench"})
		if s.err = err; err != nil {
			return
		}
		s.coll = c.ID
		rng := rand.New(rand.NewPCG(1, 2))
		var elapsed time.Duration // PutObjects only, not making the objects
		for n := 0; n < benchSize; n += benchBatch {
			batch := make([]stix.Object, benchBatch)
			for i := range batch {
				batch[i] = benchObject(rng, n+i)
			}
			start := time.Now()
			res, err := s.db.PutObjects(ctx, s.coll, batch)
			elapsed += time.Since(start)
			if s.err = err; err != nil {
				return
			}
			for i := 0; i < len(res); i += 1000 {
				s.positions = append(s.positions, store.Position(res[i].DateAdded.UnixMicro()))
				s.ids = append(s.ids, res[i].ID)
				s.versions = append(s.versions, res[i].Version)
			}
		}
		start := time.Now()
		s.err = s.db.Sync()
		elapsed += time.Since(start)
		s.buildRate = benchSize / elapsed.Seconds()
	})
	if benchState.err != nil {
		b.Fatalf("build benchmark database: %v", benchState.err)
	}
}

// benchFiles are removed when the test binary ends.
var benchFiles []string

// BenchmarkPutObjects measures bulk import: batches of 1,000 new objects
// into a collection that already holds 10k or 1M versions (NoSync, as
// `herald import` does, with one Sync at the end).
func BenchmarkPutObjects(b *testing.B) {
	b.Run("into-10k", func(b *testing.B) {
		db := mustOpen(b, &store.Options{NoSync: true})
		c := mustCollection(b, db, "c")
		rng := rand.New(rand.NewPCG(3, 4))
		for n := 0; n < 10_000; n += 1000 {
			batch := make([]stix.Object, 1000)
			for i := range batch {
				batch[i] = benchObject(rng, n+i)
			}
			mustPut(b, db, c.ID, batch...)
		}
		benchPut(b, db, c.ID, rng)
	})
	b.Run("into-1M", func(b *testing.B) {
		benchDB(b)
		benchPut(b, benchState.db, benchState.coll, rand.New(rand.NewPCG(5, 6)))
		// After benchPut: ResetTimer drops metrics reported before it.
		b.ReportMetric(benchState.buildRate, "build-objects/s")
	})
}

func benchPut(b *testing.B, db *bolt.DB, coll string, rng *rand.Rand) {
	const batchSize = 1000
	next := 10_000_000
	b.ResetTimer()
	var elapsed time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := make([]stix.Object, batchSize)
		for j := range batch {
			batch[j] = benchObject(rng, next)
			next++
		}
		b.StartTimer()
		start := time.Now()
		if _, err := db.PutObjects(ctx, coll, batch); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(b.N*batchSize)/elapsed.Seconds(), "objects/s")
}

// BenchmarkObjectsPage reads one page of 100 at the start, middle and end
// of the million-version collection, for the default query (latest
// versions), every version, a manifest, and a type that is 1% of the
// objects. depth-ratio times start, middle and end pages interleaved and
// reports the slowest over the fastest.
func BenchmarkObjectsPage(b *testing.B) {
	benchDB(b)
	s := &benchState
	depths := map[string]store.Position{
		"start":  0,
		"middle": s.positions[len(s.positions)/2],
		"end":    s.positions[len(s.positions)-1] - 1, // 1,000 versions before the end
	}
	queries := map[string]store.Query{
		"last":     {Limit: 100},
		"all":      {Limit: 100, Versions: []string{"all"}},
		"manifest": {Limit: 100, Versions: []string{"all"}, NoBytes: true},
		"type-1%":  {Limit: 100, Types: []string{rareType}},
	}
	for _, qn := range []string{"last", "all", "manifest", "type-1%"} {
		for _, dn := range []string{"start", "middle", "end"} {
			b.Run(qn+"/"+dn, func(b *testing.B) {
				q := queries[qn]
				q.After = depths[dn]
				if dn == "end" && qn == "type-1%" {
					q.After = s.positions[len(s.positions)-11] // ~10k versions (100 rare) before the end
				}
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					page, err := s.db.Objects(ctx, s.coll, q)
					if err != nil {
						b.Fatal(err)
					}
					if len(page.Records) != 100 {
						b.Fatalf("page of %d records", len(page.Records))
					}
				}
			})
		}
	}
	b.Run("depth-ratio", func(b *testing.B) {
		var total [3]time.Duration
		for i := 0; i < b.N; i++ {
			for j, dn := range []string{"start", "middle", "end"} {
				start := time.Now()
				if _, err := s.db.Objects(ctx, s.coll, store.Query{Limit: 100, After: depths[dn]}); err != nil {
					b.Fatal(err)
				}
				total[j] += time.Since(start)
			}
		}
		lo, hi := total[0], total[0]
		for _, d := range total[1:] {
			lo, hi = min(lo, d), max(hi, d)
		}
		b.ReportMetric(float64(hi)/float64(lo), "slowest/fastest")
		for j, dn := range []string{"start", "middle", "end"} {
			b.ReportMetric(float64(total[j].Nanoseconds())/float64(b.N), dn+"-ns/page")
		}
	})
	// An explicit version of one object: the exact (id, version) lookup.
	b.Run("by-id-version", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			id, v := s.ids[i%len(s.ids)], s.versions[i%len(s.ids)]
			page, err := s.db.Objects(ctx, s.coll, store.Query{IDs: []string{id}, Versions: []string{v}})
			if err != nil || len(page.Records) != 1 {
				b.Fatalf("by id %s version %s: %d records, %v", id, v, len(page.Records), err)
			}
		}
	})
	// Every version of one object (the versions endpoint; match[id] with
	// match[version]=all).
	b.Run("versions", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			id := s.ids[i%len(s.ids)]
			page, err := s.db.ObjectVersions(ctx, s.coll, id, store.Query{})
			if err != nil || len(page.Records) == 0 {
				b.Fatalf("versions of %s: %d records, %v", id, len(page.Records), err)
			}
		}
	})
	b.Run("by-id", func(b *testing.B) {
		b.ReportAllocs()
		for i := 0; i < b.N; i++ {
			id := s.ids[i%len(s.ids)]
			page, err := s.db.Objects(ctx, s.coll, store.Query{IDs: []string{id}})
			if err != nil || len(page.Records) != 1 {
				b.Fatalf("by id %s: %d records, %v", id, len(page.Records), err)
			}
		}
	})
}

// BenchmarkWalk pages through 100,000 versions (100 pages of 1,000) of
// the million and reports the heap growth while paging: the store never
// holds more than a page.
func BenchmarkWalk(b *testing.B) {
	benchDB(b)
	s := &benchState
	b.ReportAllocs()
	var peak uint64
	var ms runtime.MemStats
	for i := 0; i < b.N; i++ {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		base := ms.HeapInuse
		q := store.Query{Limit: 1000, Versions: []string{"all"}, After: s.positions[len(s.positions)/3]}
		for p := 0; p < 100; p++ {
			page, err := s.db.Objects(ctx, s.coll, q)
			if err != nil || len(page.Records) != 1000 {
				b.Fatalf("page %d: %d records, %v", p, len(page.Records), err)
			}
			q.After = page.Next
			if p%10 == 0 {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > base && ms.HeapInuse-base > peak {
					peak = ms.HeapInuse - base
				}
			}
		}
	}
	b.ReportMetric(float64(peak), "peak-heap-growth-bytes")
	b.ReportMetric(100_000, "versions/op")
}

// BenchmarkCheck runs the full consistency check over the million-version
// database (what `herald check` costs).
func BenchmarkCheck(b *testing.B) {
	benchDB(b)
	for i := 0; i < b.N; i++ {
		problems, err := benchState.db.Check(ctx)
		if err != nil || len(problems) > 0 {
			b.Fatalf("Check: %v, %v", problems, err)
		}
	}
	b.ReportMetric(float64(benchSize)*float64(b.N)/b.Elapsed().Seconds(), "versions/s")
}
