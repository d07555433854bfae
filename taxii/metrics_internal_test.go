package taxii

import (
	"log/slog"
	"testing"
	"time"
)

// Recording a request, a poll or an authentication allocates nothing once
// the route, code or account has been seen: the hot path uses prepared
// children of the metric vectors.
func TestMetricsHotPathDoesNotAllocate(t *testing.T) {
	m := newMetrics(nil, slog.Default())
	now := time.Now()
	m.observe(rGetObjects, 200, time.Millisecond)
	m.polled("reader", now)
	for name, f := range map[string]func(){
		"observe":    func() { m.observe(rGetObjects, 200, 3*time.Millisecond) },
		"polled":     func() { m.polled("reader", now) },
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
