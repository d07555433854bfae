package bolt

import (
	"bytes"
	"container/heap"

	bbolt "go.etcd.io/bbolt"
)

// A source yields date_added values in ascending order: one index range
// (cursorSource) or a precomputed list (sliceSource). trusted sources only
// yield versions that match the query (the default first/last indexes);
// the others are checked record by record.
type source interface {
	valid() bool
	da() int64
	next()
	trusted() bool
	// value is the stored version when the source walks bucket v
	// itself (saving a lookup), else nil.
	value() []byte
}

// cursorSource walks the keys prefix||da8 of one bucket from a lower
// bound.
type cursorSource struct {
	cur      *bbolt.Cursor
	prefix   []byte
	k, v     []byte
	trust    bool
	isRecord bool // the bucket is v: values are the versions
}

func newCursorSource(b *bbolt.Bucket, prefix []byte, lower int64, trust bool) *cursorSource {
	s := &cursorSource{cur: b.Cursor(), prefix: prefix, trust: trust}
	seek := make([]byte, 0, len(prefix)+8)
	seek = append(seek, prefix...)
	if lower == minDA {
		s.k, s.v = s.cur.Seek(seek)
	} else {
		s.k, s.v = s.cur.Seek(putDA(seek, lower))
	}
	s.skipForeign()
	return s
}

const minDA = -1 << 63

// skipForeign ends the walk at the first key outside the prefix. A key of
// the wrong length (there are none in a consistent file) is skipped.
func (s *cursorSource) skipForeign() {
	for s.k != nil {
		if !bytes.HasPrefix(s.k, s.prefix) {
			s.k = nil
			return
		}
		if len(s.k) == len(s.prefix)+8 {
			return
		}
		s.k, s.v = s.cur.Next()
	}
}

func (s *cursorSource) valid() bool   { return s.k != nil }
func (s *cursorSource) da() int64     { return daValue(s.k[len(s.prefix):]) }
func (s *cursorSource) trusted() bool { return s.trust }
func (s *cursorSource) next() {
	s.k, s.v = s.cur.Next()
	s.skipForeign()
}

func (s *cursorSource) value() []byte {
	if s.isRecord {
		return s.v
	}
	return nil
}

// sliceSource yields a sorted, de-duplicated list.
type sliceSource struct {
	das []int64
	i   int
}

func (s *sliceSource) valid() bool   { return s.i < len(s.das) }
func (s *sliceSource) da() int64     { return s.das[s.i] }
func (s *sliceSource) trusted() bool { return false }
func (s *sliceSource) next()         { s.i++ }
func (s *sliceSource) value() []byte { return nil }

// merger merges sources by date_added, yielding each value once.
type merger []source

func (m merger) Len() int           { return len(m) }
func (m merger) Less(i, j int) bool { return m[i].da() < m[j].da() }
func (m merger) Swap(i, j int)      { m[i], m[j] = m[j], m[i] }
func (m *merger) Push(x any)        { *m = append(*m, x.(source)) }
func (m *merger) Pop() any {
	old := *m
	x := old[len(old)-1]
	*m = old[:len(old)-1]
	return x
}

func newMerger(sources []source) *merger {
	m := make(merger, 0, len(sources))
	for _, s := range sources {
		if s.valid() {
			m = append(m, s)
		}
	}
	heap.Init(&m)
	return &m
}

// pop returns the next date_added, whether any source holding it is
// trusted, the stored version if a source had it at hand, and false when
// all sources are exhausted.
func (m *merger) pop() (da int64, trusted bool, value []byte, ok bool) {
	if len(*m) == 0 {
		return 0, false, nil, false
	}
	da = (*m)[0].da()
	for len(*m) > 0 && (*m)[0].da() == da {
		s := (*m)[0]
		trusted = trusted || s.trusted()
		if v := s.value(); v != nil {
			value = v
		}
		s.next()
		if s.valid() {
			heap.Fix(m, 0)
		} else {
			heap.Pop(m)
		}
	}
	return da, trusted, value, true
}

// more reports whether another value remains.
func (m *merger) more() bool { return len(*m) > 0 }
