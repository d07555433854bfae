// Package testdata holds third-party STIX data committed with the
// repository for tests and benchmarks: MITRE ATT&CK for ICS 18.1, a real
// STIX 2.1 bundle published by someone other than Herald. The compressed
// file and its license (ATTACK-LICENSE.txt, which the license requires to
// travel with every copy) live in attack/.
//
// The bundle is embedded, so a test that needs it can never skip for want of
// a file: it is compiled into the test binary or the build fails.
package testdata

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"sync"
	"testing"
)

// ICSBundleName is the file name of MITRE ATT&CK for ICS 18.1, a STIX 2.1
// bundle of 1,826 objects, gzip-compressed.
const ICSBundleName = "ics-attack-18.1.json.gz"

// ICSObjectCount is the number of objects in the ICS bundle.
const ICSObjectCount = 1826

//go:embed attack/ics-attack-18.1.json.gz
var icsGzip []byte

var (
	icsOnce sync.Once
	icsJSON []byte
	icsErr  error
)

// ICSBundle returns the decompressed bytes of the ATT&CK for ICS bundle.
// Callers must not modify the returned slice; it is shared.
func ICSBundle(tb testing.TB) []byte {
	tb.Helper()
	icsOnce.Do(func() {
		var zr *gzip.Reader
		zr, icsErr = gzip.NewReader(bytes.NewReader(icsGzip))
		if icsErr != nil {
			return
		}
		icsJSON, icsErr = io.ReadAll(zr)
	})
	if icsErr != nil {
		tb.Fatalf("gunzip embedded ICS bundle: %v", icsErr)
	}
	return icsJSON
}
