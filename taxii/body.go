package taxii

import (
	"bufio"
	"compress/gzip"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
)

// Pools for the streaming writers of the hot path: a page is written
// through a pooled bufio.Writer (and a pooled gzip.Writer when the client
// accepts gzip), so serving a page allocates nothing per object.
var (
	bufPool  = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}
	gzipPool = sync.Pool{New: func() any {
		w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed) // valid level: no error
		return w
	}}
)

// bodyWriter streams a response body, optionally gzip-compressed.
type bodyWriter struct {
	bw *bufio.Writer
	gz *gzip.Writer
}

// startBody writes the status line and headers (gzip negotiated from
// Accept-Encoding) and returns the body writer; Close must be called.
func startBody(c echo.Context, status int) *bodyWriter {
	resp := c.Response()
	h := resp.Header()
	h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	b := &bodyWriter{bw: bufPool.Get().(*bufio.Writer)}
	var dst io.Writer = resp
	if acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)) {
		h.Set(echo.HeaderContentEncoding, "gzip")
		b.gz = gzipPool.Get().(*gzip.Writer)
		b.gz.Reset(resp)
		dst = b.gz
	}
	resp.WriteHeader(status)
	b.bw.Reset(dst)
	return b
}

func (b *bodyWriter) Write(p []byte) (int, error) { return b.bw.Write(p) }

// Close flushes everything and returns the writers to their pools.
func (b *bodyWriter) Close() error {
	err := b.bw.Flush()
	b.bw.Reset(nil)
	bufPool.Put(b.bw)
	if b.gz != nil {
		if cerr := b.gz.Close(); err == nil {
			err = cerr
		}
		b.gz.Reset(io.Discard)
		gzipPool.Put(b.gz)
	}
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
