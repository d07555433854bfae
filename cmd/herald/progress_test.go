package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name    string
		total   int64
		done    int64
		objects int
		want    string
	}{
		{"start", 100 << 20, 0, 0, "f.json [>                       ]   0%  0 B / 100.0 MiB  0 objects"},
		{"half", 100 << 20, 50 << 20, 12345, "f.json [============>           ]  50%  50.0 MiB / 100.0 MiB  12,345 objects"},
		{"full", 2048, 2048, 1826, "f.json [========================] 100%  2.0 KiB / 2.0 KiB  1,826 objects"},
		{"past the end", 10, 20, 1, "f.json [========================] 100%  20 B / 10 B  1 objects"},
		{"unknown size", 0, 3 << 30, 2000000, "f.json  3.0 GiB  2,000,000 objects"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := newProgressTo(&bytes.Buffer{}, "f.json", tc.total)
			if got := p.line(tc.done, tc.objects); got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestProgressRedrawsAtMostEveryInterval(t *testing.T) {
	var buf bytes.Buffer
	p := newProgressTo(&buf, "x", 100)
	now := time.Unix(0, 0)
	p.now = func() time.Time { return now }
	for i := range 10 {
		p.Update(int64(i), i) // all at the same instant: one draw
	}
	now = now.Add(p.interval)
	p.Update(50, 50)
	p.Done(100, 100)
	out := buf.String()
	if got := strings.Count(out, "\r"); got != 3 {
		t.Errorf("%d redraws, want 3 (first, after the interval, done):\n%q", got, out)
	}
	if !strings.HasSuffix(out, "\n") || !strings.Contains(out, "100%") {
		t.Errorf("final line %q does not end the bar at 100%%", out)
	}
}

func TestNilProgressDrawsNothing(t *testing.T) {
	var p *progress
	p.Update(1, 1) // must not panic
	p.Done(1, 1)
}

func TestProgressOnlyOnTerminals(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, w := range map[string]io.Writer{"buffer": &bytes.Buffer{}, "regular file": f} {
		if p := newProgress(w, "x", 1); p != nil {
			t.Errorf("%s: got a progress bar, want none", name)
		}
	}
	if tty, err := os.OpenFile("/dev/tty", os.O_WRONLY, 0); err == nil {
		defer tty.Close()
		if !isTerminal(tty) {
			t.Error("/dev/tty is not seen as a terminal")
		}
	}
}

func TestFormatCount(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1826: "1,826", 200000: "200,000", 1234567: "1,234,567", -1500: "-1,500"} {
		if got := formatCount(n); got != want {
			t.Errorf("formatCount(%d) = %q, want %q", n, got, want)
		}
	}
}
