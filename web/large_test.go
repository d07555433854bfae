package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// BenchmarkLargeCollection measures the collection pages on a large
// collection, to show that their cost does not grow with its size. It
// needs HERALD_WEB_LARGE=N (objects; building 1,000,000 takes minutes):
//
//	HERALD_WEB_LARGE=200000 go test ./web -run '^$' -bench LargeCollection -benchtime 20x
func BenchmarkLargeCollection(b *testing.B) {
	n, _ := strconv.Atoi(os.Getenv("HERALD_WEB_LARGE"))
	if n <= 0 {
		b.Skip("set HERALD_WEB_LARGE to the number of objects")
	}
	e := newEnv(b)
	col, err := e.db.CreateCollection(context.Background(), store.Collection{Title: "Large", PublicRead: true})
	if err != nil {
		b.Fatal(err)
	}
	const batch = 5000
	for i := 0; i < n; i += batch {
		var objs []stix.Object
		for j := i; j < min(n, i+batch); j++ {
			typ, extra := "indicator", `,"pattern":"[ipv4-addr:value = '10.0.0.1']","pattern_type":"stix","valid_from":"2026-01-01T00:00:00Z"`
			if j%10 == 0 {
				typ, extra = "malware", `,"is_family":false`
			}
			raw := fmt.Sprintf(`{"type":"%s","spec_version":"2.1","id":"%s--00000000-0000-4000-8000-%012d","created":"2026-01-01T00:00:00.000Z","modified":"2026-01-01T00:00:00.000Z","name":"Object %d","description":"filler text for object %d"%s}`, typ, typ, j, j, j, extra)
			o, err := stix.Decode([]byte(raw), stix.DecodeOptions{})
			if err != nil {
				b.Fatal(err)
			}
			objs = append(objs, o...)
		}
		if _, err := e.db.PutObjects(context.Background(), col.ID, objs); err != nil {
			b.Fatal(err)
		}
	}
	h := e.srv.Handler()
	path := colPath(col)
	for _, pg := range []struct{ name, path string }{
		{"newest", path},
		{"type_malware", path + "?type=malware"},
		{"search_miss", path + "?q=nothing-matches-this"},
		{"search_hit", path + "?q=object+7"},
		{"home", "/web/"},
		{"object", path + "/o/malware--00000000-0000-4000-8000-000000000000"},
	} {
		// The first request fills the type-count cache and pulls the
		// database pages in; it is reported apart.
		start := time.Now()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, pg.path, nil))
		b.Logf("%s: first request %v (status %d)", pg.name, time.Since(start), rec.Code)
		b.Run(pg.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, pg.path, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d", pg.path, rec.Code)
				}
			}
		})
	}
}
