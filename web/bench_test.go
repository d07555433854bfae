package web_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPages measures the server's time to render each page for the
// built-in advisory, in process (no network): the target is well under
// 50 ms a page. Run: go test ./web -run '^$' -bench Pages -benchtime 50x
func BenchmarkPages(b *testing.B) {
	e := newEnv(b)
	h := e.srv.Handler()
	col := colPath(e.pub)
	for _, pg := range []struct{ name, path string }{
		{"home", "/web/"},
		{"collection", col},
		{"collection_type", col + "?type=incident"},
		{"collection_search", col + "?q=wazirx"},
		{"object", col + "/o/identity--937c6904-81f4-5dd4-a40d-6a94a8a6f2eb"},
		{"advisory", col + "/advisory/" + e.report},
		{"download_advisory", col + "/advisory/" + e.report + "/bundle"},
		{"download_collection", col + "/bundle"},
		{"login", "/web/login"},
	} {
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
