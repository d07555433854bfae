package stix_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/heraldcti/herald/stix"
)

// decodeTranscript runs a Decoder over r to the end and writes one line
// per result: each object's indexed fields and JSON, each element error,
// and the final error or EOF.
func decodeTranscript(r io.Reader, opts stix.DecodeOptions) string {
	var b strings.Builder
	d := stix.NewDecoder(r, opts)
	for i := 0; i < 1000; i++ {
		o, err := d.Next()
		var ee *stix.ElementError
		switch {
		case err == io.EOF:
			b.WriteString("EOF\n")
			return b.String()
		case errors.As(err, &ee):
			fmt.Fprintf(&b, "element error: %v\n", err)
		case err != nil:
			fmt.Fprintf(&b, "error: %v\n", err)
			if _, again := d.Next(); again != err {
				fmt.Fprintf(&b, "error is not sticky: then %v\n", again)
			}
			return b.String()
		default:
			fmt.Fprintf(&b, "object type=%q id=%q spec_version=%q created=%q modified=%q\n  %s\n",
				o.Type, o.ID, o.SpecVersion, o.Created, o.Modified, o.JSON)
		}
	}
	b.WriteString("too many results\n")
	return b.String()
}

// TestDecodeGolden decodes every input in testdata/decode and compares the
// transcript with its .golden file (go test -run TestDecodeGolden -update
// rewrites them). It reads each input whole, in chunks and one byte at a
// time, which must all give the same transcript, and checks that Decode
// agrees.
func TestDecodeGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "decode", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no decode fixtures: %v", err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeTranscript(bytes.NewReader(data), stix.DecodeOptions{})
			golden := strings.TrimSuffix(path, ".json") + ".golden"
			if validateUpdating() {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Fatalf("transcript differs from %s\ngot:\n%s\nwant:\n%s", golden, got, want)
			}
			if oneByte := decodeTranscript(iotest.OneByteReader(bytes.NewReader(data)), stix.DecodeOptions{}); oneByte != got {
				t.Errorf("one byte at a time:\n%s\nwhole:\n%s", oneByte, got)
			}
			if half := decodeTranscript(iotest.HalfReader(bytes.NewReader(data)), stix.DecodeOptions{}); half != got {
				t.Errorf("half reads:\n%s\nwhole:\n%s", half, got)
			}
			decodeAgrees(t, data, got)
		})
	}
}

// decodeAgrees checks that Decode returns the objects of the transcript,
// or its fatal error.
func decodeAgrees(t *testing.T, data []byte, transcript string) {
	t.Helper()
	objs, err := stix.Decode(data, stix.DecodeOptions{})
	lines := strings.Split(strings.TrimSpace(transcript), "\n")
	last := lines[len(lines)-1]
	fatal := strings.HasPrefix(last, "error: ") || strings.HasPrefix(last, "error is not sticky")
	if fatal {
		if err == nil || objs != nil {
			t.Fatalf("Decode = %d objects, %v; want nil and the transcript's error", len(objs), err)
		}
		return
	}
	var ees stix.ElementErrors
	if err != nil && !errors.As(err, &ees) {
		t.Fatalf("Decode error %v, want none or ElementErrors", err)
	}
	if got, want := len(ees), strings.Count(transcript, "element error: "); got != want {
		t.Errorf("Decode reported %d element errors, transcript has %d", got, want)
	}
	if got, want := len(objs), strings.Count(transcript, "object type="); got != want {
		t.Errorf("Decode returned %d objects, transcript has %d", got, want)
	}
}

func TestDecodeSyntaxErrorPositions(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		line, col  int
		offset     int64
		msgContain string
	}{
		{"missing comma between elements", "[\n  {\"a\":1}\n  {\"b\":2}\n]", 3, 3, 14, "after array element"},
		{"bad literal inside an object", "[{\"type\": tru}]", 1, 14, 13, "invalid character '}' in literal true"},
		{"bad top-level literal", "nul", 1, 4, 3, "unexpected end"},
		{"bad literal as an element", "[1, tru, 2]", 1, 8, 7, "invalid literal \"tru\""},
		{"bad character after multibyte text", "[{\"name\": \"äöü\" x}]", 1, 17, 19, "invalid character 'x'"},
		{"truncated string", "{\"type\": \"bundle\", \"objects\": [{\"a\": \"b", 1, 40, 39, "unexpected end"},
		{"unquoted key", "{\"type\": \"bundle\", objects: []}", 1, 20, 19, "object member name"},
		{"missing colon", "{\"type\" \"bundle\"}", 1, 9, 8, "want ':'"},
		{"trailing comma", "[{\"a\":1},]", 1, 10, 9, "want a JSON value"},
		{"trailing data", "[] x", 1, 4, 3, "after the top-level"},
		{"empty input", "  \n ", 2, 2, 4, "empty input"},
		{"CRLF lines", "[\r\n{\"a\":1}\r\n{]", 3, 1, 12, "after array element"},
		{"error in a second top-level member", "{\"objects\": [], \"more\": fals}", 1, 29, 28, "invalid literal \"fals\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []string{"Decode", "Decoder"} {
				var err error
				if mode == "Decode" {
					_, err = stix.Decode([]byte(tc.in), stix.DecodeOptions{})
				} else {
					d := stix.NewDecoder(iotest.OneByteReader(strings.NewReader(tc.in)), stix.DecodeOptions{})
					var ee *stix.ElementError
					for err == nil || errors.As(err, &ee) {
						_, err = d.Next()
					}
				}
				var se *stix.SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("%s: error %v (%T), want *stix.SyntaxError", mode, err, err)
				}
				if se.Line != tc.line || se.Column != tc.col || se.Offset != tc.offset {
					t.Errorf("%s: at line %d column %d offset %d, want %d:%d offset %d (%v)", mode, se.Line, se.Column, se.Offset, tc.line, tc.col, tc.offset, se)
				}
				if !strings.Contains(se.Msg, tc.msgContain) {
					t.Errorf("%s: message %q, want it to contain %q", mode, se.Msg, tc.msgContain)
				}
			}
		})
	}
}

func TestDecodeShapeErrorsAreErrShape(t *testing.T) {
	for _, in := range []string{
		`42`, `"x"`, `null`, `true`, `{"foo":1}`,
		`{"type":"bundle","objects":{}}`,
		`{"objects":5}`,
		`{"objects":[],"type":"report"}`,
		`{"objects":[],"objects":[]}`,
	} {
		_, err := stix.Decode([]byte(in), stix.DecodeOptions{})
		if !errors.Is(err, stix.ErrShape) {
			t.Errorf("Decode(%s) = %v, want ErrShape", in, err)
		}
	}
}

func TestDecodeLimits(t *testing.T) {
	obj := `{"type":"mutex","id":"mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300","name":"m"}`
	bundle := `{"type":"bundle","objects":[` + obj + `,` + obj + `,` + obj + `]}`
	deep := func(n int) string { // an object nested n deep in total
		return `[{"type":"x-deep","id":"x-deep--eba44954-d4e4-4d3b-814c-2b17dd8de300","x_v":` +
			strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + `}]`
	}
	tests := []struct {
		name  string
		in    string
		opts  stix.DecodeOptions
		limit string // "" when the input must pass
	}{
		{"size at the limit", bundle, stix.DecodeOptions{MaxBytes: int64(len(bundle))}, ""},
		{"size one byte over", bundle, stix.DecodeOptions{MaxBytes: int64(len(bundle)) - 1}, "size"},
		{"objects at the limit", bundle, stix.DecodeOptions{MaxObjects: 3}, ""},
		{"objects over the limit", bundle, stix.DecodeOptions{MaxObjects: 2}, "objects"},
		{"depth at the limit", deep(5), stix.DecodeOptions{MaxDepth: 5}, ""},
		{"depth over the limit", deep(6), stix.DecodeOptions{MaxDepth: 5}, "depth"},
		{"depth default stops deep nesting", deep(10000), stix.DecodeOptions{}, "depth"},
		{"depth of a single object", `{"type":"x-a","a":[[[]]]}`, stix.DecodeOptions{MaxDepth: 3}, "depth"},
		{"no depth limit", deep(200), stix.DecodeOptions{MaxDepth: -1}, ""},
		{"object size at the limit", "[" + obj + "]", stix.DecodeOptions{MaxObjectBytes: int64(len(obj))}, ""},
		{"object size over the limit", "[" + obj + "]", stix.DecodeOptions{MaxObjectBytes: int64(len(obj)) - 1}, "object size"},
		{"single object over the object size", obj, stix.DecodeOptions{MaxObjectBytes: 20}, "object size"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []string{"Decode", "Decoder"} {
				var err error
				if mode == "Decode" {
					_, err = stix.Decode([]byte(tc.in), tc.opts)
				} else {
					d := stix.NewDecoder(iotest.HalfReader(strings.NewReader(tc.in)), tc.opts)
					for err == nil {
						_, err = d.Next()
					}
					if err == io.EOF {
						err = nil
					}
				}
				if tc.limit == "" {
					if err != nil {
						t.Fatalf("%s: %v", mode, err)
					}
					continue
				}
				var le *stix.LimitError
				if !errors.As(err, &le) || !errors.Is(err, stix.ErrLimit) {
					t.Fatalf("%s: error %v, want a *LimitError", mode, err)
				}
				if le.Limit != tc.limit {
					t.Errorf("%s: limit %q, want %q (%v)", mode, le.Limit, tc.limit, err)
				}
			}
		})
	}
}

// TestDecoderReadsNoMoreThanMaxBytesPlusOne checks that an oversized
// stream is cut off without reading it all.
func TestDecoderReadsNoMoreThanMaxBytesPlusOne(t *testing.T) {
	src := &decodeCountingReader{r: io.MultiReader(strings.NewReader(`[`), decodeEndless{})}
	d := stix.NewDecoder(src, stix.DecodeOptions{MaxBytes: 1 << 20})
	var err error
	for err == nil {
		_, err = d.Next()
	}
	if !errors.Is(err, stix.ErrLimit) {
		t.Fatalf("error %v, want a size limit", err)
	}
	if src.n > 1<<20+1 {
		t.Errorf("read %d bytes, want at most %d", src.n, 1<<20+1)
	}
}

type decodeCountingReader struct {
	r io.Reader
	n int64
}

func (c *decodeCountingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodeEndless yields the same small object forever, comma-separated.
type decodeEndless struct{}

func (decodeEndless) Read(p []byte) (int, error) {
	const obj = `{"type":"mutex","id":"mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300","name":"m"},`
	n := 0
	for n+len(obj) <= len(p) {
		n += copy(p[n:], obj)
	}
	if n == 0 {
		n = copy(p, obj)
	}
	return n, nil
}

func TestDecoderReportsReadErrors(t *testing.T) {
	boom := errors.New("boom")
	d := stix.NewDecoder(io.MultiReader(strings.NewReader(`{"type":"bundle","objects":[`), iotest.ErrReader(boom)), stix.DecodeOptions{})
	_, err := d.Next()
	if !errors.Is(err, boom) {
		t.Fatalf("error %v, want it to wrap the read error", err)
	}
}

func TestDecodeElementErrorsKeepTheGoodObjects(t *testing.T) {
	in := `{"type":"bundle","objects":[1,{"type":"mutex","id":"mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300","name":"m"},null]}`
	objs, err := stix.Decode([]byte(in), stix.DecodeOptions{})
	var ees stix.ElementErrors
	if !errors.As(err, &ees) {
		t.Fatalf("error %v, want ElementErrors", err)
	}
	if len(objs) != 1 || objs[0].Type != "mutex" {
		t.Fatalf("objects %+v, want the one mutex", objs)
	}
	if len(ees) != 2 || ees[0].Index != 0 || ees[1].Index != 2 {
		t.Fatalf("element errors %v, want indexes 0 and 2", ees)
	}
	var one *stix.ElementError
	if !errors.As(err, &one) || one.Index != 0 {
		t.Errorf("errors.As(*ElementError) = %v", one)
	}
}

func TestDecodeKeepsValuesExactlyAsWritten(t *testing.T) {
	in := "[ {\"type\" : \"x-a\",\n \"b\" : \"\\u00e9 \\u003c \\/ é\", \"n\" : 1.50E+2, \"z\":[ ], \"a\" : { } } ]"
	objs, err := stix.Decode([]byte(in), stix.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"x-a","b":"\u00e9 \u003c \/ é","n":1.50E+2,"z":[],"a":{}}`
	if got := string(objs[0].JSON); got != want {
		t.Errorf("JSON = %s\nwant   %s", got, want)
	}
}

func TestDecodeObjectWithAnObjectsArrayAfterItsType(t *testing.T) {
	in := `{"type":"x-acme-set","id":"x-acme-set--eba44954-d4e4-4d3b-814c-2b17dd8de300","objects":[1,2]}`
	objs, err := stix.Decode([]byte(in), stix.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 1 || string(objs[0].JSON) != in {
		t.Fatalf("got %+v, want the one object", objs)
	}
}

func TestDecodeIndexedFieldsUseTheLastDuplicate(t *testing.T) {
	objs, err := stix.Decode([]byte(`[{"type":"a-b","type":"x-tool","id":"x"}]`), stix.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if objs[0].Type != "x-tool" {
		t.Errorf("Type = %q, want the last one, as encoding/json would", objs[0].Type)
	}
}

func TestDecodeErrorMessagesNameThePlace(t *testing.T) {
	tests := []struct {
		in   string
		opts stix.DecodeOptions
		want []string
	}{
		{`[1, 2, {"type":"x-a"}]`, stix.DecodeOptions{}, []string{"objects[0] at line 1, column 2", "and 1 more"}},
		{`[{"type":"x-a","a":[[[]]]}]`, stix.DecodeOptions{MaxDepth: 2}, []string{"deeper than 2 levels", "line 1, column 21"}},
		{`[{"type":"x-a"},{"type":"x-b"}]`, stix.DecodeOptions{MaxObjects: 1}, []string{"more than 1 objects", "column 17"}},
		{`[{"type":"x-a"}]`, stix.DecodeOptions{MaxBytes: 5}, []string{"larger than 5 bytes"}},
	}
	for _, tc := range tests {
		_, err := stix.Decode([]byte(tc.in), tc.opts)
		if err == nil {
			t.Errorf("Decode(%s) succeeded", tc.in)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("Decode(%s) = %q, want it to contain %q", tc.in, err, w)
			}
		}
	}
}

func TestDecoderKeepsReturningEOF(t *testing.T) {
	d := stix.NewDecoder(strings.NewReader(`[]`), stix.DecodeOptions{})
	for i := 0; i < 3; i++ {
		if _, err := d.Next(); err != io.EOF {
			t.Fatalf("call %d: %v, want io.EOF", i, err)
		}
	}
}
