package pattern_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix/pattern"
)

// benchSmall is a typical single-indicator pattern.
const benchSmall = "[file:hashes.'SHA-256' = 'aec070645fe53ee3b3763059376134f058cc337247c978add178b6ccdfb0019f']"

// benchLarge builds a pattern of the kind bulk feeds emit: many observations
// with nested comparisons, sets, regexes and qualifiers (about 60 KB).
func benchLarge() string {
	var parts []string
	for i := 0; i < 200; i++ {
		parts = append(parts, fmt.Sprintf(
			"([ipv4-addr:value = '198.51.%d.%d/32' OR network-traffic:dst_port IN (443, 8443, %d)] FOLLOWEDBY "+
				"[file:hashes.'SHA-256' = '%064x' AND file:name MATCHES '^inv_%d.+\\\\.exe$' AND file:created > t'2024-01-01T00:00:00Z']) WITHIN %d SECONDS",
			i%256, (i*7)%256, 1000+i, i, i, 60+i))
	}
	return strings.Join(parts, " OR ")
}

// BenchmarkParse measures Parse throughput; the patterns/s metric is the
// figure quoted in the README.
func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct {
		name, src string
	}{
		{"small", benchSmall},
		{"large", benchLarge()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if _, err := pattern.Parse(bc.src); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(bc.src)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := pattern.Parse(bc.src); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "patterns/s")
		})
	}
}

// BenchmarkString measures canonical rendering of the large pattern.
func BenchmarkString(b *testing.B) {
	p, err := pattern.Parse(benchLarge())
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = p.String()
	}
}
