package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/internal/testdata"
	"github.com/heraldcti/herald/stix"
)

// validObject is a well-formed STIX 2.1 identity.
func validObject(i int) string {
	return fmt.Sprintf(`{"type":"identity","spec_version":"2.1","id":"identity--%08x-0000-4000-8000-%012x","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"org %d"}`, i, i, i)
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Every shape import reads is accepted when valid: exit 0, nothing on
// stdout, the objects counted, and no database touched.
func TestValidateAcceptsEveryInputImportTakes(t *testing.T) {
	dir := t.TempDir()
	ics := testdata.ICSBundle(t)
	files := []string{
		writeFile(t, dir, "ics.json.gz", gzipped(string(ics))),
		writeFile(t, dir, "advisory.yaml", string(feed.Builtin())),
		writeFile(t, dir, "advisory-copy", string(feed.Builtin())), // told by content
		writeFile(t, dir, "bundle.json", `{"type":"bundle","id":"bundle--0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","objects":[`+validObject(1)+","+validObject(2)+"]}"),
		writeFile(t, dir, "envelope.json", `{"more":false,"objects":[`+validObject(3)+"]}"),
		writeFile(t, dir, "array.json", "["+validObject(4)+",\n"+validObject(5)+"]"),
		writeFile(t, dir, "single.json", validObject(6)),
		writeFile(t, dir, "feed.ndjson", validObject(7)+"\n"+validObject(8)+"\n\n"+validObject(9)+"\n"),
		writeFile(t, dir, "feed.ndjson.gz", gzipped(validObject(10)+"\n"+validObject(11))),
		"-",
	}
	db := filepath.Join(dir, "herald.db")
	r := run(t, env{"HERALD_DB": db}, validObject(12)+"\n"+validObject(13)+"\n", append([]string{"validate"}, files...)...)
	if r.code != 0 || r.stdout != "" {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	a, err := feed.BuiltinAdvisory()
	if err != nil {
		t.Fatal(err)
	}
	advisory, err := stix.ConvertAdvisory(a, stix.ConvertOptions{Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	want := testdata.ICSObjectCount + 2*len(advisory) + 13
	if !strings.Contains(r.stderr, fmt.Sprintf("10 files checked: %s objects, 0 with problems", formatCount(int64(want)))) {
		t.Errorf("summary %q, want %d objects", r.stderr, want)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("validate touched the database: %v", err)
	}
}

// One run reports every problem of every file, each with its file, its
// object and property, or its line and column; the exit status is 1.
func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	dir := t.TempDir()
	badIndicator := `{"type":"indicator","spec_version":"2.1","id":"indicator--6d1f7f5e-6f5c-4c43-9d0e-6b0f6e1c2a3b","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","pattern":"[ipv4-addr:value = '1.2.3.4'","pattern_type":"stix","valid_from":"yesterday"}`
	noID := `{"type":"identity","spec_version":"2.1","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"x"}`
	bundle := writeFile(t, dir, "bundle.json", `{"type":"bundle","id":"bundle--0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","objects":[
`+validObject(1)+`,
`+badIndicator+`,
42,
`+noID+`
]}`)
	broken := writeFile(t, dir, "broken.json", "{\"type\":\"bundle\",\"objects\":[\n  "+validObject(2)+",\n  {\"type\": oops}\n]}")
	ndjson := writeFile(t, dir, "feed.ndjson", validObject(3)+"\n{\"type\":\n"+badIndicator+"\n")
	yaml := writeFile(t, dir, "advisory.yaml", "advisory:\n  id: x\n  bogus: 1\n")
	yamlSyntax := writeFile(t, dir, "syntax.yml", "advisory:\n  id: x\n  title: [unclosed\n")
	missing := filepath.Join(dir, "missing.json")

	r := run(t, env{}, "", "validate", "--format", "json", bundle, broken, ndjson, yaml, yamlSyntax, missing)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	var got []problem
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	for sc.Scan() {
		var p problem
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("record %q: %v", sc.Text(), err)
		}
		if p.File == "" || p.Message == "" {
			t.Errorf("record without file or message: %q", sc.Text())
		}
		got = append(got, p)
	}
	has := func(want problem, msg string) {
		t.Helper()
		for _, p := range got {
			if p.File == want.File && p.Line == want.Line && p.Column == want.Column && p.Object == want.Object &&
				p.Property == want.Property && strings.Contains(p.Message, msg) {
				return
			}
		}
		t.Errorf("no problem %+v with message %q in\n%s", want, msg, r.stdout)
	}
	ind := "indicator--6d1f7f5e-6f5c-4c43-9d0e-6b0f6e1c2a3b"
	has(problem{File: bundle, Object: ind, Property: "pattern"}, "")
	has(problem{File: bundle, Object: ind, Property: "valid_from"}, "timestamp")
	has(problem{File: bundle, Line: 4, Column: 1, Object: "objects[2]"}, "number")
	has(problem{File: bundle, Object: "objects[3]", Property: "id"}, "")
	has(problem{File: broken, Line: 3, Column: 12}, "invalid JSON")
	has(problem{File: ndjson, Line: 2, Column: 9}, "invalid JSON")
	has(problem{File: ndjson, Line: 3, Object: ind, Property: "valid_from"}, "timestamp")
	has(problem{File: yaml, Line: 3, Column: 3, Property: "advisory.bogus"}, "unknown field")
	has(problem{File: yaml, Line: 2, Column: 3, Property: "advisory.title"}, "missing required field")
	syntaxAt := 0
	for _, p := range got {
		if p.File == yamlSyntax && strings.Contains(p.Message, "invalid YAML") {
			syntaxAt = p.Line
		}
	}
	if syntaxAt == 0 {
		t.Errorf("no invalid YAML problem with a line for %s", yamlSyntax)
	}
	has(problem{File: missing}, "no such file")
	for _, p := range got {
		if p.File == ndjson && p.Line == 1 || p.File == bundle && strings.HasPrefix(p.Object, "identity--") {
			t.Errorf("a valid object is reported: %+v", p)
		}
	}
	if !strings.Contains(r.stderr, "6 files checked") || !strings.Contains(r.stderr, fmt.Sprintf("%d problems in all", len(got))) {
		t.Errorf("summary %q does not match the %d records", r.stderr, len(got))
	}

	// The text format says the same, one line per problem.
	text := run(t, env{}, "", "validate", bundle, broken, yaml)
	if text.code != 1 {
		t.Fatalf("text: exit %d", text.code)
	}
	for _, want := range []string{
		bundle + ": " + ind + ": valid_from: ",
		bundle + ":4:1: objects[2]: ",
		broken + ":3:12: invalid JSON: ",
		yaml + ":3:3: advisory.bogus: unknown field",
	} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("text output lacks %q:\n%s", want, text.stdout)
		}
	}
}

// Usage errors exit 2 and name the mistake.
func TestValidateUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"validate"}, "no FILE"},
		{[]string{"validate", "--format", "xml", "a.json"}, "--format"},
		{[]string{"validate", "-", "-"}, "stdin"},
		{[]string{"validate", "--no-such-flag", "a.json"}, "no-such-flag"},
	} {
		r := run(t, env{}, "", tc.args...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	h := run(t, env{}, "", "validate", "-h")
	if h.code != 0 || !strings.Contains(h.stderr, "Examples:") || !strings.Contains(h.stderr, "-format") {
		t.Errorf("validate -h: exit %d\n%s", h.code, h.stderr)
	}
	if r := run(t, env{}, "", "help"); !strings.Contains(r.stderr, "validate ") {
		t.Errorf("the command list lacks validate:\n%s", r.stderr)
	}
}

// largeStream writes a bundle of n objects of about size bytes each to w,
// generating it on the fly. After every sampleEvery objects it records the
// live heap, so the samples follow the progress of the stream, not time.
func largeStream(w *io.PipeWriter, n, size, sampleEvery int, peak *uint64) {
	pad := strings.Repeat("x", size)
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"type":"bundle","id":"bundle--0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","objects":[`)
	var ms runtime.MemStats
	for i := range n {
		if i > 0 {
			bw.WriteByte(',')
		}
		fmt.Fprintf(bw, `{"type":"note","spec_version":"2.1","id":"note--%08x-0000-4000-8000-%012x","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","content":"%s","object_refs":["identity--%08x-0000-4000-8000-%012x"]}`, i, i, pad, i, i)
		if i%sampleEvery == 0 {
			bw.Flush()
			runtime.ReadMemStats(&ms)
			*peak = max(*peak, ms.HeapAlloc)
		}
	}
	bw.WriteString("]}\n")
	w.CloseWithError(bw.Flush())
}

// validate streams: a bundle far larger than the heap it may use is
// checked while the heap stays flat (about 9 MiB whether the stream is
// 48 or 128 MiB). The bundle is generated through a pipe, so it never
// exists in memory or on disk as a whole.
func TestValidateStreamsInFlatMemory(t *testing.T) {
	const n, size = 3072, 16 << 10 // 3,072 objects of 16 KiB: 48 MiB
	const limit = 16 << 20         // a third of the stream
	pr, pw := io.Pipe()
	var peak uint64
	go largeStream(pw, n, size, 256, &peak)
	var out, errb bytes.Buffer
	m := &Main{Stdin: pr, Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	runtime.GC()
	code := m.Run(context.Background(), []string{"validate", "-"})
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	if !strings.Contains(errb.String(), formatCount(n)+" objects") {
		t.Errorf("summary %q, want %d objects", errb.String(), n)
	}
	t.Logf("peak heap while validating a %d MiB stream: %.1f MiB", n*size>>20, float64(peak)/(1<<20))
	if peak > limit {
		t.Errorf("peak heap %d bytes while streaming %d MiB; want under %d: the stream is being held", peak, n*size>>20, limit)
	}
}

// BenchmarkValidateICS checks the ATT&CK for ICS bundle (1,826 objects)
// and reports objects per second.
func BenchmarkValidateICS(b *testing.B) {
	ics := testdata.ICSBundle(b)
	b.SetBytes(int64(len(ics)))
	b.ReportAllocs()
	for b.Loop() {
		v := &validator{emit: func(p problem) { b.Fatalf("problem %+v", p) }}
		v.stixStream(bytes.NewReader(ics), "ics.json")
		if v.objects != testdata.ICSObjectCount {
			b.Fatalf("%d objects", v.objects)
		}
	}
	b.ReportMetric(float64(b.N)*testdata.ICSObjectCount/b.Elapsed().Seconds(), "objects/s")
}

// BenchmarkValidateStream reports bytes allocated per object on streams of
// two sizes: the figure does not grow with the stream.
func BenchmarkValidateStream(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("objects=%d", n), func(b *testing.B) {
			var buf bytes.Buffer
			buf.WriteString(`{"type":"bundle","id":"bundle--0f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b","objects":[`)
			for i := range n {
				if i > 0 {
					buf.WriteByte(',')
				}
				buf.WriteString(validObject(i))
			}
			buf.WriteString("]}")
			b.ReportAllocs()
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			for b.Loop() {
				v := &validator{emit: func(p problem) { b.Fatalf("problem %+v", p) }}
				v.stixStream(bytes.NewReader(buf.Bytes()), "bundle.json")
			}
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N*n), "B/object")
		})
	}
}

// FuzzValidate feeds arbitrary bytes to validate on stdin, in both output
// formats: it never panics, exits 0 or 1, prints nothing when it exits 0,
// and prints only well-formed records naming the input in JSON mode.
func FuzzValidate(f *testing.F) {
	f.Add([]byte(validObject(1)))
	f.Add([]byte("[" + validObject(1) + ",7,null]"))
	f.Add([]byte(validObject(1) + "\n" + validObject(2) + "\n{\"type\":"))
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"indicator","id":"indicator--x"}]} trailing`))
	f.Add([]byte(`{"more":true,"objects":[]}`))
	f.Add(feed.Builtin())
	f.Add([]byte("advisory:\n  id: [\n"))
	f.Add([]byte(gzipped(validObject(3))))
	f.Add([]byte("\xef\xbb\xbf" + validObject(4)))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range []string{"text", "json"} {
			var out, errb bytes.Buffer
			m := &Main{Stdin: bytes.NewReader(data), Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
			code := m.Run(context.Background(), []string{"validate", "--format", format, "-"})
			switch code {
			case 0:
				if out.Len() != 0 {
					t.Fatalf("exit 0 with problems printed: %q", out.String())
				}
			case 1:
				if out.Len() == 0 {
					t.Fatalf("exit 1 without a problem printed; stderr %q", errb.String())
				}
			default:
				t.Fatalf("exit %d; stderr %q", code, errb.String())
			}
			if format != "json" {
				continue
			}
			sc := bufio.NewScanner(&out)
			sc.Buffer(nil, 1<<20)
			for sc.Scan() {
				var p problem
				if err := json.Unmarshal(sc.Bytes(), &p); err != nil || p.File != "stdin" || p.Message == "" {
					t.Fatalf("record %q: %v", sc.Text(), err)
				}
			}
		}
	})
}
