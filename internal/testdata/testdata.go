// Package testdata finds the third-party STIX data shared beside the
// repository (../shared/data), for tests and benchmarks.
package testdata

import (
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// ICSBundleName is MITRE ATT&CK for ICS 18.1, a STIX 2.1 bundle of 1,826
// objects, gzip-compressed.
const ICSBundleName = "ics-attack-18.1.json.gz"

// ICSObjectCount is the number of objects in the ICS bundle.
const ICSObjectCount = 1826

// Dir returns ../shared/data relative to the module root, found by walking
// up from the working directory to go.mod.
func Dir(tb testing.TB) string {
	tb.Helper()
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatalf("getwd: %v", err)
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "data")
		}
		if filepath.Dir(dir) == dir {
			tb.Fatalf("no go.mod above %s", wd)
		}
	}
}

// ICSBundle returns the decompressed bytes of the ATT&CK for ICS bundle.
// The data is part of the project's shared material, so its absence is a
// test failure, not a skip.
func ICSBundle(tb testing.TB) []byte {
	tb.Helper()
	f, err := os.Open(filepath.Join(Dir(tb), ICSBundleName))
	if err != nil {
		tb.Fatalf("open ICS bundle: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("gunzip ICS bundle: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		tb.Fatalf("read ICS bundle: %v", err)
	}
	return b
}
