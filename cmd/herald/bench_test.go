package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix"
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
// database file (batches of 5,000, one fsync each): "import" is the whole
// command (read, decode, validate, write); "put-only" writes the same,
// already decoded objects in the same batches straight to the store, the
// floor that import is measured against.
func BenchmarkImportBundle(b *testing.B) {
	dir := b.TempDir()
	path := filepath.Join(dir, "bundle.json")
	writeLargeBundle(b, path, benchObjects)
	dbs := 0
	newDB := func() env {
		dbs++
		e := env{"HERALD_DB": filepath.Join(dir, fmt.Sprintf("%d.db", dbs))}
		if code := benchMain(e).Run(context.Background(), []string{"collection", "add", "--title", "bulk"}); code != 0 {
			b.Fatal("collection add failed")
		}
		return e
	}
	b.Run("import", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			e := newDB()
			b.StartTimer()
			if code := benchMain(e).Run(context.Background(), []string{"import", "--collection", "bulk", path}); code != 0 {
				b.Fatal("import failed")
			}
		}
		b.ReportMetric(float64(benchObjects*b.N)/b.Elapsed().Seconds(), "objects/s")
	})
	b.Run("put-only", func(b *testing.B) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		objs, err := stix.Decode(data, stix.DecodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		for range b.N {
			b.StopTimer()
			e := newDB()
			db, err := openDB(e["HERALD_DB"], false)
			if err != nil {
				b.Fatal(err)
			}
			col, err := db.Collection(context.Background(), "bulk")
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			for start := 0; start < len(objs); start += DefaultBatchSize {
				if _, err := db.PutObjects(context.Background(), col.ID, objs[start:min(start+DefaultBatchSize, len(objs))]); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			db.Close()
			b.StartTimer()
		}
		b.ReportMetric(float64(benchObjects*b.N)/b.Elapsed().Seconds(), "objects/s")
	})
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
