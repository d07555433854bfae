package bolt

import (
	"fmt"
	"sort"

	bbolt "go.etcd.io/bbolt"
)

// BucketSize is what one bucket of a database file holds (its path of
// names, nested ones under their parent's) and the pages it takes:
// bbolt's Bucket.Stats, which count nested buckets in their parent's.
type BucketSize struct {
	Path                 string
	Keys                 int
	KeyBytes, ValueBytes int64
	LeafPages            int
	LeafAlloc, LeafInuse int
	BranchAlloc          int
	Nested               bool // holds other buckets
}

// FileLayout is how a database file is used: its page size, and the bytes
// up to its high-water mark (the pages bbolt has handed out, in use or
// free; beyond it the file is room bbolt grew ahead, up to its allocation
// step of 16 MiB).
type FileLayout struct {
	PageSize      int
	HighWaterMark int64
}

// FileSizes reports every bucket of the database file at path, opened
// read-only (the file must not be held by a server): where the bytes of
// a database go (loadprep -sizes, docs/performance.md).
func FileSizes(path string) ([]BucketSize, FileLayout, error) {
	var layout FileLayout
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		return nil, layout, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	var rows []BucketSize
	var walk func(prefix string, b *bbolt.Bucket) error
	walk = func(prefix string, b *bbolt.Bucket) error {
		st := b.Stats()
		row := BucketSize{Path: prefix, LeafPages: st.LeafPageN, LeafAlloc: st.LeafAlloc, LeafInuse: st.LeafInuse, BranchAlloc: st.BranchAlloc}
		err := b.ForEach(func(k, v []byte) error {
			if v == nil { // a nested bucket
				row.Nested = true
				return walk(prefix+"/"+printable(k), b.Bucket(k))
			}
			row.Keys++
			row.KeyBytes += int64(len(k))
			row.ValueBytes += int64(len(v))
			return nil
		})
		rows = append(rows, row)
		return err
	}
	err = db.View(func(tx *bbolt.Tx) error {
		layout.HighWaterMark = tx.Size()
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error { return walk(printable(name), b) })
	})
	if err != nil {
		return nil, layout, err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].Path < rows[j].Path })
	layout.PageSize = db.Info().PageSize
	return rows, layout, nil
}

// printable shows a bucket name, hex-encoding names with odd bytes.
func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f {
			return fmt.Sprintf("%x", b)
		}
	}
	return string(b)
}
