package stix

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// decodeChunk is how much the decode reader asks its source for at a time.
const decodeChunk = 64 << 10

// decodeReader buffers the input of a Decoder and keeps track of positions.
// It keeps only the bytes from markAbs onwards (the value being decoded, or
// the whole top-level object while it is not yet known to be a bundle), so
// memory stays bounded by the largest object, not by the input.
type decodeReader struct {
	src      io.Reader // nil when all input is in buf
	buf      []byte    // input bytes from offset base
	base     int64     // absolute offset of buf[0]
	pos      int       // next byte to read, index into buf
	markAbs  int64     // bytes before this absolute offset may be dropped
	eof      bool      // src is exhausted
	srcErr   error     // read error from src other than io.EOF
	maxBytes int64     // total input limit; <0 means none
	maxHold  int64     // most bytes kept from markAbs (MaxObjectBytes); <0 means none
	// line and col (1-based) are the position of buf[0].
	line, col int
	// at, atLine and atCol cache the last position computed: buf[at] is
	// at atLine, atCol. position counts on from there, so reporting every
	// element of a long array costs linear time, not quadratic.
	at, atLine, atCol int
}

func newDecodeReader(src io.Reader, data []byte, maxBytes int64) *decodeReader {
	r := &decodeReader{src: src, buf: data, maxBytes: maxBytes, maxHold: -1, line: 1, col: 1, atLine: 1, atCol: 1}
	if src == nil {
		r.eof = true
	}
	return r
}

// offset is the absolute offset of buf[i].
func (r *decodeReader) offset(i int) int64 { return r.base + int64(i) }

// position returns the 1-based line and column of buf[i], which must be at
// or after buf[0].
func (r *decodeReader) position(i int) (line, col int) {
	if i > len(r.buf) {
		i = len(r.buf)
	}
	from := 0
	line, col = r.line, r.col
	if i >= r.at {
		from, line, col = r.at, r.atLine, r.atCol
	}
	defer func() { r.at, r.atLine, r.atCol = i, line, col }()
	for _, c := range r.buf[from:i] {
		switch {
		case c == '\n':
			line++
			col = 1
		case !utf8.RuneStart(c):
			// continuation byte: same character
		default:
			col++
		}
	}
	return line, col
}

// syntaxError builds a *SyntaxError for buf[i].
func (r *decodeReader) syntaxError(i int, format string, args ...any) *SyntaxError {
	line, col := r.position(i)
	return &SyntaxError{Line: line, Column: col, Offset: r.offset(i), Msg: fmt.Sprintf(format, args...)}
}

// limitError builds a *LimitError for buf[i].
func (r *decodeReader) limitError(i int, limit string, max int64) *LimitError {
	line, col := r.position(i)
	return &LimitError{Limit: limit, Max: max, Offset: r.offset(i), Line: line, Column: col}
}

// fill reads more input. It returns false at the end of input or on a read
// error (kept in srcErr). It drops the bytes before markAbs first.
func (r *decodeReader) fill() (bool, error) {
	if r.eof {
		return false, nil
	}
	if m := int(r.markAbs - r.base); m > 0 && m >= len(r.buf)/2 {
		r.line, r.col = r.position(m)
		n := copy(r.buf, r.buf[m:])
		r.buf = r.buf[:n]
		r.base += int64(m)
		r.pos -= m
		r.at, r.atLine, r.atCol = 0, r.line, r.col
	}
	if cap(r.buf)-len(r.buf) < decodeChunk {
		nb := make([]byte, len(r.buf), 2*cap(r.buf)+decodeChunk)
		copy(nb, r.buf)
		r.buf = nb
	}
	want := cap(r.buf) - len(r.buf)
	if r.maxBytes >= 0 {
		// Read at most one byte past the limit, to detect it.
		if left := r.maxBytes + 1 - r.offset(len(r.buf)); left < int64(want) {
			want = int(left)
		}
	}
	for tries := 0; tries < 100; tries++ {
		n, err := r.src.Read(r.buf[len(r.buf) : len(r.buf)+want])
		r.buf = r.buf[:len(r.buf)+n]
		if r.maxBytes >= 0 && r.offset(len(r.buf)) > r.maxBytes {
			return false, &LimitError{Limit: "size", Max: r.maxBytes, Offset: r.maxBytes}
		}
		if err != nil {
			r.eof = true
			if !errors.Is(err, io.EOF) {
				r.srcErr = err
				return n > 0, fmt.Errorf("stix: read input: %w", err)
			}
			return n > 0, nil
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, fmt.Errorf("stix: read input: %w", io.ErrNoProgress)
}

// peek returns the byte at pos, reading more input if needed; ok is false
// at the end of input.
func (r *decodeReader) peek() (c byte, ok bool, err error) {
	for r.pos >= len(r.buf) {
		more, err := r.fill()
		if err != nil {
			return 0, false, err
		}
		if !more && r.pos >= len(r.buf) {
			return 0, false, nil
		}
	}
	return r.buf[r.pos], true, nil
}

// skipSpace advances past JSON whitespace and returns the next byte.
// Whitespace never makes the buffer grow without bound: when nothing
// before pos is kept (markAbs at pos), the mark moves along with pos, so
// the whitespace is dropped as it is read; otherwise (inside the top-level
// object, which is kept whole until it is known to be a bundle) a run that
// makes the kept bytes exceed maxHold is a *LimitError.
func (r *decodeReader) skipSpace() (c byte, ok bool, err error) {
	follow := r.markAbs >= r.offset(r.pos)
	for {
		if follow {
			r.markAbs = r.offset(r.pos)
		}
		c, ok, err = r.peek()
		if err != nil || !ok {
			return c, ok, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			r.pos++
			if !follow && r.maxHold >= 0 && r.offset(r.pos)-r.markAbs > r.maxHold+decodeChunk {
				return 0, false, r.limitError(int(r.markAbs-r.base), "object size", r.maxHold)
			}
		default:
			return c, true, nil
		}
	}
}

// skipBOM skips a UTF-8 byte order mark at the start of the input, which
// RFC 8259 §8.1 lets a parser ignore (some Windows tools write one).
func (r *decodeReader) skipBOM() error {
	for len(r.buf)-r.pos < 3 {
		more, err := r.fill()
		if err != nil {
			return err
		}
		if !more {
			break
		}
	}
	if bytes.HasPrefix(r.buf[r.pos:], []byte("\xef\xbb\xbf")) {
		r.pos += 3
	}
	return nil
}
