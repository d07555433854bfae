package bolt_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store/bolt"
	"github.com/heraldcti/herald/store/storetest"
)

// The file is no longer than its pages plus one allocation step of 1 MiB
// (and the page bbolt counts past the last one it needs):
// what ls shows is what the database holds (bbolt's default step of 16 MiB
// made a 280 MB database look 6% larger).
func TestFileLengthFollowsPages(t *testing.T) {
	path := filepath.Join(t.TempDir(), "herald.db")
	db, err := bolt.Open(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	col := mustCollection(t, db, "sizes")
	filler := strings.Repeat("x", 900)
	for batch := range 12 { // about 12 MB of objects, in commits of about 1 MB
		objs := make([]stix.Object, 1000)
		for i := range objs {
			n := batch*len(objs) + i
			objs[i] = storetest.SDO("indicator", storetest.ObjID("indicator", n), "2025-01-01T00:00:00.000Z", "2.1", filler)
		}
		mustPut(t, db, col.ID, objs...)
	}
	mustCheckClose(t, db)

	_, layout, err := bolt.FileSizes(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if layout.HighWaterMark < 10<<20 {
		t.Fatalf("the pages end at %d bytes: the test wrote too little to tell", layout.HighWaterMark)
	}
	if ahead := fi.Size() - layout.HighWaterMark; ahead < 0 || ahead > 1<<20+int64(layout.PageSize) {
		t.Fatalf("file length %d, pages end at %d: %d bytes ahead, want at most 1 MiB and a page", fi.Size(), layout.HighWaterMark, ahead)
	}
}
