package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// isTerminal reports whether w is a terminal (a character device), which
// is when progress bars are drawn. It needs no terminal library: a file
// that is a character device is a tty for our purposes.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// progress draws a one-line progress bar on a terminal:
//
//	bundle.json [=========>          ]  48%  12.0 MiB / 25.0 MiB  52,000 objects
//
// It redraws at most every interval, so it costs nothing measurable on a
// fast import. A nil *progress draws nothing, which is what commands use
// when stderr is not a terminal.
type progress struct {
	w        io.Writer
	label    string
	total    int64 // bytes; 0 when unknown (stdin)
	interval time.Duration
	last     time.Time
	width    int
	drawn    bool
	now      func() time.Time
}

// newProgress returns a bar on w when w is a terminal, else nil.
func newProgress(w io.Writer, label string, total int64) *progress {
	if !isTerminal(w) {
		return nil
	}
	return newProgressTo(w, label, total)
}

// newProgressTo returns a bar on any writer (tests draw into a buffer).
func newProgressTo(w io.Writer, label string, total int64) *progress {
	return &progress{w: w, label: label, total: total, interval: 100 * time.Millisecond, width: 24, now: time.Now}
}

// Update redraws the bar if the interval has passed.
func (p *progress) Update(done int64, objects int) {
	if p == nil {
		return
	}
	now := p.now()
	if p.drawn && now.Sub(p.last) < p.interval {
		return
	}
	p.last, p.drawn = now, true
	fmt.Fprint(p.w, "\r"+p.line(done, objects)+"\x1b[K")
}

// Done draws the final state and ends the line.
func (p *progress) Done(done int64, objects int) {
	if p == nil {
		return
	}
	fmt.Fprint(p.w, "\r"+p.line(done, objects)+"\x1b[K\n")
}

func (p *progress) line(done int64, objects int) string {
	var b strings.Builder
	b.WriteString(p.label)
	if p.total > 0 {
		frac := float64(done) / float64(p.total)
		frac = max(0, min(frac, 1))
		fill := int(frac * float64(p.width))
		bar := strings.Repeat("=", fill)
		if fill < p.width {
			bar += ">" + strings.Repeat(" ", p.width-fill-1)
		}
		fmt.Fprintf(&b, " [%s] %3d%%  %s / %s", bar, int(frac*100), formatBytes(done), formatBytes(p.total))
	} else {
		fmt.Fprintf(&b, "  %s", formatBytes(done))
	}
	fmt.Fprintf(&b, "  %s objects", formatCount(int64(objects)))
	return b.String()
}

// formatBytes writes n in B, KiB, MiB or GiB with one decimal.
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 2 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %s", v, []string{"KiB", "MiB", "GiB"}[i])
}

// formatCount writes n with thousands separators: 1,826.
func formatCount(n int64) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// countingReader counts the bytes read through it; the progress bar reads
// the count (atomic: a decoder may read ahead in another goroutine).
type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}
