package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"

	"github.com/heraldcti/herald/store"
)

// bbolt's on-disk meta page (format version 2, stable since bbolt 1.0): a
// 16-byte page header, then magic, version, page size, flags, the root
// bucket (16 bytes), the freelist page, the high-water page id, the
// transaction id and an FNV-64a checksum of the bytes before it. Two meta
// pages sit at offsets 0 and pageSize; the valid one with the higher
// transaction id is current. Integers are in the machine's byte order,
// which is little-endian on every platform Herald builds for.
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	boltPageHeader   = 16
	boltMetaChecksum = 56 // offset of the checksum within the meta
	boltMetaSize     = boltMetaChecksum + 8
)

type boltMeta struct {
	pageSize uint32
	highPage uint64 // high-water mark: the file holds pages [0, highPage)
	txid     uint64
}

// checkFileLength refuses a database file that is shorter than its own
// header says, before bbolt maps it: reading a page past the end of a
// memory-mapped file is a SIGBUS that kills the process, not an error.
// A missing or empty file is fine (bbolt creates the database); a file
// without a valid meta page is left to bbolt, which reports it.
func checkFileLength(path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return nil // bbolt's own open reports it, with the lock semantics
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || st.Size() == 0 {
		return nil
	}
	first, ok1 := readBoltMeta(f, 0)
	var second boltMeta
	ok2 := false
	if ok1 {
		second, ok2 = readBoltMeta(f, int64(first.pageSize))
	} else {
		// The first meta page may be the damaged one; try the usual page size.
		second, ok2 = readBoltMeta(f, int64(os.Getpagesize()))
	}
	var cur boltMeta
	switch {
	case ok1 && ok2:
		cur = first
		if second.txid > first.txid {
			cur = second
		}
	case ok1:
		cur = first
	case ok2:
		cur = second
	default:
		return nil
	}
	need := int64(cur.highPage) * int64(cur.pageSize)
	if st.Size() < need {
		return fmt.Errorf("%w: %s is %d bytes but its header says it holds %d (truncated by a full disk or an interrupted copy?); restore it from a backup (herald backup)",
			store.ErrDamaged, path, st.Size(), need)
	}
	return nil
}

// readBoltMeta reads and verifies the meta page at off.
func readBoltMeta(r io.ReaderAt, off int64) (boltMeta, bool) {
	var buf [boltPageHeader + boltMetaSize]byte
	if _, err := r.ReadAt(buf[:], off); err != nil {
		return boltMeta{}, false
	}
	m := buf[boltPageHeader:]
	le := binary.LittleEndian
	if le.Uint32(m[0:]) != boltMagic || le.Uint32(m[4:]) != boltVersion {
		return boltMeta{}, false
	}
	h := fnv.New64a()
	h.Write(m[:boltMetaChecksum])
	if h.Sum64() != le.Uint64(m[boltMetaChecksum:]) {
		return boltMeta{}, false
	}
	pageSize := le.Uint32(m[8:])
	if pageSize < 512 || pageSize > 1<<20 {
		return boltMeta{}, false
	}
	return boltMeta{pageSize: pageSize, highPage: le.Uint64(m[40:]), txid: le.Uint64(m[48:])}, true
}
