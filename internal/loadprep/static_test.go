package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// -serve-static answers every URL with the file's bytes, its length and
// the TAXII content type, and stops when the context ends.
func TestServeStatic(t *testing.T) {
	file := filepath.Join(t.TempDir(), "page")
	body := []byte(`{"more":false,"objects":[]}`)
	if err := os.WriteFile(file, body, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"-serve-static", file, "-addr", "127.0.0.1:0"}, &out, io.Discard) }()
	var addr string
	for i := 0; i < 500 && addr == ""; i++ {
		if a, ok := strings.CutPrefix(strings.TrimSpace(out.String()), "addr="); ok {
			addr = a
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addr == "" {
		cancel()
		t.Fatalf("no addr= line; stdout %q", out.String())
	}
	for _, path := range []string{"/", "/herald/collections/x/objects/?limit=100"} {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || !bytes.Equal(got, body) || res.ContentLength != int64(len(body)) ||
			res.Header.Get("Content-Type") != "application/taxii+json;version=2.1" {
			t.Errorf("GET %s: %d %q (length %d, type %q)", path, res.StatusCode, got, res.ContentLength, res.Header.Get("Content-Type"))
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("run: %v", err)
	}
	if err := run(context.Background(), []string{"-serve-static", filepath.Join(t.TempDir(), "missing")}, io.Discard, io.Discard); err == nil {
		t.Error("a missing file was served")
	}
}
