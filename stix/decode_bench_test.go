package stix_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/heraldcti/herald/internal/testdata"
	"github.com/heraldcti/herald/stix"
)

// decodeReportRate adds objects/s to a benchmark that handled n objects
// per iteration (MB/s comes from b.SetBytes), and the process CPU time per
// iteration since cpu0 (cpu-ms/op), which stays meaningful when other
// processes compete for the cores.
func decodeReportRate(b *testing.B, n int, cpu0 time.Duration) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n)*float64(b.N)/s, "objects/s")
	}
	if cpu := decodeCPUTime() - cpu0; cpu > 0 && cpu0 > 0 {
		b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkDecodeValidateICS decodes the ATT&CK for ICS bundle with Decode
// and validates every object: the work of an import or a TAXII add.
func BenchmarkDecodeValidateICS(b *testing.B) {
	bundle := testdata.ICSBundle(b)
	b.SetBytes(int64(len(bundle)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := decodeCPUTime()
	for range b.N {
		objs, err := stix.Decode(bundle, stix.DecodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for _, o := range objs {
			if err := stix.Validate(o); err != nil {
				b.Fatal(err)
			}
		}
	}
	decodeReportRate(b, testdata.ICSObjectCount, cpu0)
}

// BenchmarkDecoderValidateICS does the same through the streaming Decoder.
func BenchmarkDecoderValidateICS(b *testing.B) {
	bundle := testdata.ICSBundle(b)
	b.SetBytes(int64(len(bundle)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := decodeCPUTime()
	for range b.N {
		d := stix.NewDecoder(bytes.NewReader(bundle), stix.DecodeOptions{})
		for {
			o, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			if err := stix.Validate(o); err != nil {
				b.Fatal(err)
			}
		}
	}
	decodeReportRate(b, testdata.ICSObjectCount, cpu0)
}

// BenchmarkDecodeICS measures decoding alone.
func BenchmarkDecodeICS(b *testing.B) {
	bundle := testdata.ICSBundle(b)
	b.SetBytes(int64(len(bundle)))
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := decodeCPUTime()
	for range b.N {
		if _, err := stix.Decode(bundle, stix.DecodeOptions{}); err != nil {
			b.Fatal(err)
		}
	}
	decodeReportRate(b, testdata.ICSObjectCount, cpu0)
}

// BenchmarkValidateICS measures validation alone, over the decoded objects.
func BenchmarkValidateICS(b *testing.B) {
	bundle := testdata.ICSBundle(b)
	objs, err := stix.Decode(bundle, stix.DecodeOptions{})
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, o := range objs {
		size += int64(len(o.JSON))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	b.ResetTimer()
	cpu0 := decodeCPUTime()
	for range b.N {
		for _, o := range objs {
			if err := stix.Validate(o); err != nil {
				b.Fatal(err)
			}
		}
	}
	decodeReportRate(b, len(objs), cpu0)
}
