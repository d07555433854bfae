package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
)

// benchMain is Main with the output discarded.
func benchMain(e env) *Main {
	return &Main{
		Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Getenv:       func(k string) string { return e[k] },
		ReadPassword: func(string) (string, error) { return "", fmt.Errorf("no terminal") },
	}
}

const benchObjects = 20_000

// BenchmarkImportBundle imports a bundle of small identities into a new
// database file (batches of 5,000, one fsync each).
func BenchmarkImportBundle(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "bundle.json")
	writeLargeBundle(b, path, benchObjects)
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		e := env{"HERALD_DB": filepath.Join(dir, fmt.Sprintf("b%d.db", i))}
		if code := benchMain(e).Run(context.Background(), []string{"collection", "add", "--title", "bulk"}); code != 0 {
			b.Fatal("collection add failed")
		}
		b.StartTimer()
		if code := benchMain(e).Run(context.Background(), []string{"import", "--collection", "bulk", path}); code != 0 {
			b.Fatal("import failed")
		}
	}
	b.ReportMetric(float64(benchObjects*b.N)/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkExportBundle exports the same collection as a bundle.
func BenchmarkExportBundle(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "bundle.json")
	writeLargeBundle(b, path, benchObjects)
	e := env{"HERALD_DB": filepath.Join(dir, "h.db")}
	for _, args := range [][]string{{"collection", "add", "--title", "bulk"}, {"import", "--collection", "bulk", path}} {
		if code := benchMain(e).Run(context.Background(), args); code != 0 {
			b.Fatalf("%v failed", args)
		}
	}
	b.ResetTimer()
	for range b.N {
		var out bytes.Buffer
		m := benchMain(e)
		m.Stdout = &out
		if code := m.Run(context.Background(), []string{"export", "--collection", "bulk"}); code != 0 {
			b.Fatal("export failed")
		}
		b.SetBytes(int64(out.Len()))
	}
	b.ReportMetric(float64(benchObjects*b.N)/b.Elapsed().Seconds(), "objects/s")
}
