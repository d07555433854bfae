package taxii

import (
	"bytes"
	"compress/gzip"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// The body of a page is assembled in a pooled buffer and sent with one
// Write and a Content-Length: the stored JSON of each object is copied in
// once (no re-encoding, no allocation per object), and the connection gets
// one large write instead of a series of chunked flushes. A page is bounded
// by the page-size cap, and the store has already materialised it, so
// buffering costs at most one more page of memory. Buffers that grew past
// maxPooledBody are dropped rather than kept alive by the pool.
const maxPooledBody = 4 << 20

var (
	bodyPool = sync.Pool{New: func() any {
		b := make([]byte, 0, 64<<10)
		return &b
	}}
	gzipBufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}
	gzipPool    = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // valid level: no error
		return w
	}}
)

// bodyWriter collects a response body; Close compresses it when the client
// accepts gzip, then sends status, headers and body.
type bodyWriter struct {
	c      echo.Context
	status int
	buf    *[]byte
	off    int // the body is (*buf)[off:]: room left in front for a head (reserveHead)
	gzip   bool
}

// headRoom is the room reserveHead keeps in front of an envelope's objects
// for its head (`{"more":true,"next":"…","objects":[`), which is known only
// once the page is read: a head that fits is written into it, in place of
// moving the whole page behind it.
const headRoom = 512

// reserveHead leaves headRoom bytes in front of what is written next.
// Call it before the first Write.
func (b *bodyWriter) reserveHead() {
	*b.buf = append((*b.buf)[:0], make([]byte, headRoom)...)
	b.off = headRoom
}

// putHead puts h in front of the body: into the reserved room when it
// fits, else by moving the body.
func (b *bodyWriter) putHead(h []byte) {
	if len(h) <= b.off {
		b.off -= len(h)
		copy((*b.buf)[b.off:], h)
		return
	}
	*b.buf = slices.Insert(*b.buf, b.off, h...) // one move of the body
}

// startBody returns the writer of a response with the given status (gzip
// negotiated from Accept-Encoding). Headers may still be set until Close;
// Close must be called.
func startBody(c echo.Context, status int) *bodyWriter {
	return &bodyWriter{
		c:      c,
		status: status,
		buf:    bodyPool.Get().(*[]byte),
		gzip:   acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)),
	}
}

// body returns what was written so far (after any reserved head room),
// valid until the next Write or Close.
func (b *bodyWriter) body() []byte { return (*b.buf)[b.off:] }

// Write appends p to the body; it never fails.
func (b *bodyWriter) Write(p []byte) (int, error) {
	*b.buf = append(*b.buf, p...)
	return len(p), nil
}

// Close sends the response and returns the buffers to their pools.
func (b *bodyWriter) Close() error {
	resp := b.c.Response()
	h := resp.Header()
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	body := (*b.buf)[b.off:]
	var zbuf *bytes.Buffer
	if b.gzip {
		zbuf = gzipBufPool.Get().(*bytes.Buffer)
		zbuf.Reset()
		gz := gzipPool.Get().(*gzip.Writer)
		gz.Reset(zbuf)
		_, err := gz.Write(body)
		if cerr := gz.Close(); err == nil {
			err = cerr
		}
		gz.Reset(io.Discard)
		gzipPool.Put(gz)
		if err != nil { // writes to a bytes.Buffer do not fail; kept for safety
			return err
		}
		body = zbuf.Bytes()
		h.Set(echo.HeaderContentEncoding, "gzip")
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	resp.WriteHeader(b.status)
	_, err := resp.Write(body)
	if zbuf != nil && zbuf.Cap() <= maxPooledBody {
		gzipBufPool.Put(zbuf)
	}
	if cap(*b.buf) <= maxPooledBody {
		*b.buf = (*b.buf)[:0]
		bodyPool.Put(b.buf)
	}
	b.buf = nil
	return err
}

// acceptsGzip reports whether Accept-Encoding lists gzip (or *) with q>0.
func acceptsGzip(h string) bool {
	if h == "" {
		return false
	}
	gz, star := -1, -1
	for _, part := range splitList(h) {
		name, params, _ := strings.Cut(part, ";")
		name = strings.ToLower(strings.TrimSpace(name))
		q := 1000
		for params != "" {
			var p string
			p, params = cutParam(params)
			k, v, _ := strings.Cut(p, "=")
			if strings.EqualFold(strings.TrimSpace(k), "q") {
				if n, ok := parseQValue(strings.TrimSpace(v)); ok {
					q = n
				} else {
					q = 0
				}
			}
		}
		switch name {
		case "gzip", "x-gzip":
			gz = q
		case "*":
			star = q
		}
	}
	if gz >= 0 {
		return gz > 0
	}
	return star > 0
}

// appendJSONString appends s as a JSON string. Stored ids and versions are
// plain ASCII in practice; this keeps any odd byte valid JSON.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
