package main

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

func gzipped(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return b.String()
}

func TestOpenInputTellsKindsApart(t *testing.T) {
	tests := []struct {
		name, file, data string
		kind, body       string
	}{
		{"json by content", "-", "  \n\t{\"type\":\"bundle\"}", kindSTIX, "  \n\t{\"type\":\"bundle\"}"},
		{"array by content", "feed", "[]", kindSTIX, "[]"},
		{"yaml by content", "-", "advisory:\n  id: x\n", kindAdvisory, "advisory:\n  id: x\n"},
		{"yaml by name", "a.YML", "{flow: mapping}", kindAdvisory, "{flow: mapping}"},
		{"json by name", "a.json", "garbage", kindSTIX, "garbage"},
		{"gzip by magic, whatever the name", "-", gzipped(`{"objects":[]}`), kindSTIX, `{"objects":[]}`},
		{"gzipped yaml by name", "a.yaml.gz", gzipped("advisory: {}"), kindAdvisory, "advisory: {}"},
		{"byte order mark dropped", "-", "\xef\xbb\xbf{}", kindSTIX, "{}"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, kind, err := openInput(strings.NewReader(tc.data), tc.file)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(r)
			if err != nil {
				t.Fatal(err)
			}
			if kind != tc.kind || string(body) != tc.body {
				t.Errorf("kind %s body %q, want %s %q", kind, body, tc.kind, tc.body)
			}
		})
	}
	for _, bad := range []string{"", "   \n", "\x1f\x8bnot gzip"} {
		if _, _, err := openInput(strings.NewReader(bad), "-"); err == nil {
			t.Errorf("openInput(%q) succeeded, want an error", bad)
		}
	}
}

func TestExportWriterFormats(t *testing.T) {
	objs := []string{`{"type":"a"}`, `{"type":"b"}`}
	tests := []struct {
		format string
		n      int
		want   string
	}{
		{"envelope", 2, `{"more":false,"objects":[{"type":"a"},{"type":"b"}]}` + "\n"},
		{"envelope", 0, `{"more":false}` + "\n"},
		{"ndjson", 2, `{"type":"a"}` + "\n" + `{"type":"b"}` + "\n"},
		{"ndjson", 0, ""},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		w := newExportWriter(&b, tc.format)
		for _, o := range objs[:tc.n] {
			if err := w.object([]byte(o)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.close(); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%s with %d objects: %q, want %q", tc.format, tc.n, b.String(), tc.want)
		}
	}
	var b bytes.Buffer
	w := newExportWriter(&b, "bundle")
	w.close()
	if !strings.HasPrefix(b.String(), `{"type":"bundle","id":"bundle--`) || strings.Contains(b.String(), "objects") {
		t.Errorf("empty bundle %q: want a bundle without an objects list", b.String())
	}
}

// failWriter fails after n bytes.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return f.n, io.ErrShortWrite
	}
	f.n -= len(p)
	return len(p), nil
}

func TestExportWriterReportsWriteErrors(t *testing.T) {
	w := newExportWriter(&failWriter{n: 10}, "ndjson")
	big := []byte(`{"type":"` + strings.Repeat("x", 300<<10) + `"}`)
	if err := w.object(big); err == nil {
		if err := w.close(); err == nil {
			t.Fatal("a failing writer was not reported")
		}
	}
}

func FuzzOpenInput(f *testing.F) {
	f.Add([]byte(`{"type":"bundle"}`), "-")
	f.Add([]byte("advisory:\n"), "a.yaml")
	f.Add([]byte(gzipped("[1,2]")), "x.json.gz")
	f.Add([]byte("\x1f\x8b\x08"), "-")
	f.Add([]byte("\xef\xbb\xbf  "), "-")
	f.Fuzz(func(t *testing.T, data []byte, name string) {
		r, kind, err := openInput(bytes.NewReader(data), name)
		if err != nil {
			return
		}
		if kind != kindSTIX && kind != kindAdvisory {
			t.Fatalf("kind %q", kind)
		}
		_, _ = io.Copy(io.Discard, r) // gzip errors are the decoder's to report
	})
}

func FuzzKillChainFlag(f *testing.F) {
	f.Add("mitre-attack:initial-access")
	f.Add(":")
	f.Add("a:b:c")
	f.Fuzz(func(t *testing.T, v string) {
		var k killChainFlag
		if err := k.Set(v); err != nil {
			return
		}
		if len(k) != 1 || k[0].Chain == "" || k[0].Phase == "" {
			t.Fatalf("%q parsed as %+v", v, k)
		}
	})
}
