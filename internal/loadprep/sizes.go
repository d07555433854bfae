package main

import (
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/heraldcti/herald/store/bolt"
)

// reportSizes prints, for every bucket of a bbolt file, its keys, the
// bytes of its keys and values and the bytes of the pages that hold them,
// then the file size and its high-water mark (the pages handed out, in
// use or free; the rest of the file is room grown ahead): where the bytes
// of a database go.
func reportSizes(path string, out io.Writer) error {
	rows, layout, err := bolt.FileSizes(path)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bucket\tkeys\tkey bytes\tvalue bytes\tleaf pages\tleaf bytes (alloc)\tleaf bytes in use\tbranch bytes\t")
	var keys, kb, vb, la, li, ba int64
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", r.Path, r.Keys, r.KeyBytes, r.ValueBytes, r.LeafPages, r.LeafAlloc, r.LeafInuse, r.BranchAlloc)
		keys += int64(r.Keys)
		kb += r.KeyBytes
		vb += r.ValueBytes
		if !r.Nested { // a parent's Stats include its nested buckets: count pages once
			la += int64(r.LeafAlloc)
			li += int64(r.LeafInuse)
			ba += int64(r.BranchAlloc)
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
	fmt.Fprintf(out, "file_bytes=%d\nhigh_water_bytes=%d\npage_size=%d\n", fi.Size(), layout.HighWaterMark, layout.PageSize)
	return nil
}
