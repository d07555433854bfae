package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	bbolt "go.etcd.io/bbolt"
)

// bucketSize is what one bucket (path of names) holds and the pages it
// takes in the file.
type bucketSize struct {
	path                 string
	keys                 int
	keyBytes, valueBytes int64
	leafPages            int
	leafAlloc, leafInuse int
	branchAlloc          int
}

// reportSizes prints, for every bucket of a bbolt file (nested ones under
// their parent's path), its keys, the bytes of its keys and values and the
// bytes of the pages that hold them (bbolt's Bucket.Stats), then the file
// size and its free pages: where the bytes of a database go.
func reportSizes(path string, out io.Writer) error {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	var rows []bucketSize
	var walk func(prefix string, b *bbolt.Bucket) error
	walk = func(prefix string, b *bbolt.Bucket) error {
		row := bucketSize{path: prefix}
		st := b.Stats()
		row.leafPages, row.leafAlloc, row.leafInuse, row.branchAlloc = st.LeafPageN, st.LeafAlloc, st.LeafInuse, st.BranchAlloc
		err := b.ForEach(func(k, v []byte) error {
			if v == nil { // a nested bucket
				return walk(prefix+"/"+printable(k), b.Bucket(k))
			}
			row.keys++
			row.keyBytes += int64(len(k))
			row.valueBytes += int64(len(v))
			return nil
		})
		rows = append(rows, row)
		return err
	}
	var freePages, pageSize int
	err = db.View(func(tx *bbolt.Tx) error {
		pageSize = tx.DB().Info().PageSize
		freePages = tx.DB().Stats().FreePageN
		return tx.ForEach(func(name []byte, b *bbolt.Bucket) error { return walk(printable(name), b) })
	})
	if err != nil {
		return err
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].path < rows[j].path })
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bucket\tkeys\tkey bytes\tvalue bytes\tleaf pages\tleaf bytes (alloc)\tleaf bytes in use\tbranch bytes\t")
	var keys, kb, vb, la, li, ba int64
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.path, r.keys, r.keyBytes, r.valueBytes, r.leafPages, r.leafAlloc, r.leafInuse, r.branchAlloc)
		keys += int64(r.keys)
		kb += r.keyBytes
		vb += r.valueBytes
		// Stats of a bucket include its nested buckets: count leaves only once.
		if !hasChild(rows, r.path) {
			la += int64(r.leafAlloc)
			li += int64(r.leafInuse)
			ba += int64(r.branchAlloc)
		}
	}
	fmt.Fprintf(tw, "total (leaf buckets)\t%d\t%d\t%d\t\t%d\t%d\t%d\t\n", keys, kb, vb, la, li, ba)
	if err := tw.Flush(); err != nil {
		return err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "file_bytes=%d\npage_size=%d\nfree_pages=%d\n", fi.Size(), pageSize, freePages)
	return nil
}

func hasChild(rows []bucketSize, path string) bool {
	for _, r := range rows {
		if len(r.path) > len(path) && r.path[:len(path)] == path && r.path[len(path)] == '/' {
			return true
		}
	}
	return false
}

// printable shows a bucket name, hex-escaping odd bytes.
func printable(b []byte) string {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f {
			return fmt.Sprintf("%x", b)
		}
	}
	return string(b)
}
