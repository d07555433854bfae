package taxii

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

// Recording a request, a poll or an authentication allocates nothing once
// the route, code or account has been seen: the hot path uses prepared
// children of the metric vectors.
func TestMetricsHotPathDoesNotAllocate(t *testing.T) {
	m := newMetrics(nil, slog.Default())
	now := time.Now()
	// Strings made at run time, as a request's are (a constant converts to
	// an interface without allocating, which would hide a conversion).
	route, account := strings.Clone(rGetObjects), strings.Clone("reader")
	m.observe(route, 200, time.Millisecond)
	m.polled(account, now)
	for name, f := range map[string]func(){
		"observe":    func() { m.observe(route, 200, 3*time.Millisecond) },
		"polled":     func() { m.polled(account, now) },
		"authCache":  func() { m.authCache(true) },
		"authFailed": func() { m.authFailure() },
	} {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("%s: %v allocations per call, want 0", name, n)
		}
	}
}

func BenchmarkMetricsObserve(b *testing.B) {
	m := newMetrics(nil, slog.Default())
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.observe(rGetObjects, 200, time.Millisecond)
		}
	})
}
