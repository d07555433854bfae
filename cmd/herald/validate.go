package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/heraldcti/herald/feed"
	"github.com/heraldcti/herald/stix"
)

// ValidateCommand checks files without a database.
type ValidateCommand struct{ m *Main }

const validateUsage = `Usage: herald validate [--format text|json] FILE...

Checks each FILE as import would read it, without a database: a YAML
advisory, a STIX 2.1 bundle, a TAXII 2.1 envelope, a JSON array of STIX
objects, a single object, or NDJSON (one object per line, as export
writes it); gzip-compressed files are read as such; "-" reads stdin.

Every problem is reported, not only the first: each object is checked
against STIX 2.1 and every failing property is named, with the file and
the object's id (or its position, objects[N] or line N, when it has no
usable id). Malformed JSON or YAML is reported as FILE:LINE:COLUMN; the
rest of that file cannot be read (in NDJSON, the rest of that line), the
other files still are.

Files are streamed: a bundle of any size is checked in the memory of its
largest object.

--format json prints one JSON record per problem (NDJSON) with the keys
file, line, column, object, property and message (empty ones left out).
Problems go to stdout, a summary to stderr.

Exit status: 0 when every file is valid, 1 when anything is not (or a
file cannot be read), 2 on a usage error.

Examples:
	herald validate advisory.yaml
	herald validate bundle.json partners/*.json.gz
	herald export --collection partners | herald validate -
	herald validate --format json feed.ndjson > problems.ndjson
`

// Run validates the files.
func (c *ValidateCommand) Run(ctx context.Context, args []string) error {
	fs := c.m.newFlagSet("validate", validateUsage)
	format := fs.String("format", "text", "output `format`: text (FILE:LINE:COLUMN: OBJECT: PROPERTY: MESSAGE) or json (one record per line)")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usagef("--format %q: want text or json", *format)
	}
	if len(files) == 0 {
		return &usageError{msg: "validate: no FILE given", hint: "usage: herald validate [--format text|json] FILE... (\"-\" for stdin)"}
	}
	stdin := 0
	for _, f := range files {
		if f == "-" {
			stdin++
		}
	}
	if stdin > 1 {
		return usagef("validate: stdin (-) can be read only once")
	}
	out := bufio.NewWriter(c.m.Stdout)
	v := &validator{
		stdin: c.m.Stdin,
		emit:  textProblem(out),
		now:   time.Now(),
	}
	if *format == "json" {
		v.emit = jsonProblem(out)
	}
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		v.file(f)
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write problems: %w", err)
	}
	fmt.Fprintf(c.m.Stderr, "%s checked: %s, %s with problems; %s unreadable or malformed; %s in all\n",
		plural(int64(len(files)), "file"), plural(v.objects, "object"), formatCount(v.badObjects),
		plural(v.badFiles, "file"), plural(v.problems, "problem"))
	if v.problems > 0 {
		return silentError{fmt.Errorf("%d problems", v.problems)}
	}
	return nil
}

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return formatCount(n) + " " + word + "s"
}

// problem is one thing wrong in a file. Line and Column are 1-based and
// zero when the problem has no position (an object's property: the
// decoder keeps objects, not their positions).
type problem struct {
	File     string `json:"file"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Object   string `json:"object,omitempty"`
	Property string `json:"property,omitempty"`
	Message  string `json:"message"`
}

// textProblem prints "file:line:column: object: property: message",
// leaving out the parts a problem does not have.
func textProblem(w *bufio.Writer) func(problem) {
	return func(p problem) {
		w.WriteString(p.File)
		if p.Line > 0 {
			w.WriteString(":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(max(p.Column, 1)))
		}
		for _, s := range []string{p.Object, p.Property, p.Message} {
			if s != "" {
				w.WriteString(": ")
				w.WriteString(s)
			}
		}
		w.WriteByte('\n')
	}
}

// jsonProblem prints each problem as one JSON object on its own line.
func jsonProblem(w *bufio.Writer) func(problem) {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return func(p problem) { _ = enc.Encode(p) } // write errors surface at Flush
}

// validator checks files and counts what it found.
type validator struct {
	stdin io.Reader
	emit  func(problem)
	now   time.Time

	objects    int64 // objects checked
	badObjects int64 // objects with at least one problem
	problems   int64 // problems reported
	badFiles   int64 // files that could not be read to the end
}

func (v *validator) report(p problem) {
	v.problems++
	v.emit(p)
}

// fileProblem reports a problem that stops the reading of a file.
func (v *validator) fileProblem(p problem) {
	v.badFiles++
	v.report(p)
}

// validateDecodeOptions are import's limits, except that a file may be of
// any size with any number of objects: nothing is stored, and memory is
// bounded by the largest object (MaxObjectBytes).
var validateDecodeOptions = stix.DecodeOptions{MaxBytes: -1, MaxObjects: -1}

// file checks one named file ("-" is stdin).
func (v *validator) file(name string) {
	display := name
	var r io.Reader
	if name == "-" {
		display, r = "stdin", v.stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			v.fileProblem(problem{File: display, Message: err.Error()})
			return
		}
		defer f.Close()
		if fi, err := f.Stat(); err == nil && fi.IsDir() {
			v.fileProblem(problem{File: display, Message: "is a directory; name the files in it"})
			return
		}
		r = f
	}
	src, kind, err := openInput(r, name)
	if err != nil {
		v.fileProblem(problem{File: display, Message: err.Error()})
		return
	}
	if kind == kindAdvisory {
		v.advisory(src, display)
		return
	}
	v.stixStream(src, display)
}

// advisory parses a YAML advisory (every problem, each with its line and
// column), then checks the STIX objects import would make of it.
func (v *validator) advisory(r io.Reader, file string) {
	a, err := feed.Parse(r, file)
	if err != nil {
		var list feed.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				v.report(problem{File: file, Line: e.Line, Column: e.Column, Property: e.Field, Message: e.Msg})
			}
			v.badFiles++
			return
		}
		v.fileProblem(problem{File: file, Message: err.Error()})
		return
	}
	objs, err := stix.ConvertAdvisory(a, stix.ConvertOptions{Now: v.now})
	if err != nil {
		v.fileProblem(problem{File: file, Message: err.Error()})
		return
	}
	for i, o := range objs {
		v.object(file, "objects["+strconv.Itoa(i)+"]", 0, o)
	}
}

// object validates one decoded object; where names it when it has no id,
// line is its line when known (NDJSON), else 0.
func (v *validator) object(file, where string, line int, o stix.Object) {
	v.objects++
	err := stix.Validate(o)
	if err == nil {
		return
	}
	v.badObjects++
	label := o.ID
	if label == "" {
		label = where
	}
	var ve *stix.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		v.report(problem{File: file, Line: line, Object: label, Message: err.Error()})
		return
	}
	for _, p := range ve.Problems {
		v.report(problem{File: file, Line: line, Object: label, Property: p.Property, Message: p.Reason})
	}
}

// decodeProblem turns a decoder error into a problem with its position.
func decodeProblem(file string, err error, lineBase int) problem {
	p := problem{File: file, Message: strings.TrimPrefix(err.Error(), "stix: ")}
	var se *stix.SyntaxError
	var le *stix.LimitError
	var ee *stix.ElementError
	switch {
	case errors.As(err, &se):
		p.Line, p.Column, p.Message = se.Line, se.Column, "invalid JSON: "+se.Msg
	case errors.As(err, &ee):
		p.Line, p.Column, p.Object, p.Message = ee.Line, ee.Column, "objects["+strconv.Itoa(ee.Index)+"]", ee.Msg
	case errors.As(err, &le):
		p.Line, p.Column = le.Line, le.Column
	}
	if p.Line > 0 {
		p.Line += lineBase
	}
	return p
}

// stixStream checks a bundle, envelope, array, single object or NDJSON
// stream. The first is told from NDJSON by the decoder itself: a single
// object followed by more JSON on the next line is NDJSON, and the stream
// is then read again from the start, line by line. Until that is decided
// the bytes read are kept (the first object and one read-ahead chunk).
func (v *validator) stixStream(r io.Reader, file string) {
	rec := &recordingReader{r: r, on: true}
	dec := stix.NewDecoder(rec, validateDecodeOptions)
	var first stix.Object
	haveFirst := false
	for n := 0; ; n++ {
		obj, err := dec.Next()
		if rec.on {
			// A single top-level object followed by more data is a syntax
			// error of the first or second call, depending on where the
			// decoder notices it.
			var se *stix.SyntaxError
			if errors.As(err, &se) && looksLikeNDJSON(rec.buf.Bytes(), se.Offset) {
				v.ndjson(io.MultiReader(bytes.NewReader(rec.buf.Bytes()), r), file)
				return
			}
		}
		if n == 1 && rec.on {
			rec.stop()
			if haveFirst {
				v.object(file, "objects[0]", 0, first)
			}
		}
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			p := decodeProblem(file, err, 0)
			if isElementError(err) {
				v.objects++
				v.badObjects++
				v.report(p)
				continue
			}
			v.fileProblem(p)
			return
		}
		if n == 0 {
			first, haveFirst = obj, true // checked once the shape is known
			continue
		}
		v.object(file, "objects["+strconv.Itoa(n)+"]", 0, obj)
	}
}

func isElementError(err error) bool {
	var ee *stix.ElementError
	return errors.As(err, &ee)
}

// looksLikeNDJSON reports whether data, the start of a stream whose
// second JSON value begins at offset next, holds one complete JSON value
// on its first line and the next value on a later line.
func looksLikeNDJSON(data []byte, next int64) bool {
	nl := bytes.IndexByte(data, '\n')
	if nl < 0 || int64(nl) >= next {
		return false
	}
	return json.Valid(bytes.TrimSpace(data[:nl]))
}

// ndjson checks one JSON value per line. Each line is decoded like a
// file of its own, so a line may also hold a bundle or an array; a
// malformed line is reported with its line number and the next line is
// read. A line longer than the largest object is skipped with a problem.
func (v *validator) ndjson(r io.Reader, file string) {
	br := bufio.NewReaderSize(r, 64<<10)
	var line []byte
	for lineNo := 1; ; lineNo++ {
		line = line[:0]
		tooLong := false
		var err error
		for {
			var chunk []byte
			chunk, err = br.ReadSlice('\n')
			if !tooLong {
				if int64(len(line)+len(chunk)) > stix.DefaultMaxObjectBytes {
					tooLong = true
				} else {
					line = append(line, chunk...)
				}
			}
			if !errors.Is(err, bufio.ErrBufferFull) {
				break
			}
		}
		if err != nil && !errors.Is(err, io.EOF) {
			v.fileProblem(problem{File: file, Line: lineNo, Message: err.Error()})
			return
		}
		switch {
		case tooLong:
			v.objects++
			v.badObjects++
			v.report(problem{File: file, Line: lineNo, Column: 1, Message: fmt.Sprintf("line is larger than %d bytes", stix.DefaultMaxObjectBytes)})
		case len(bytes.TrimSpace(line)) > 0:
			v.ndjsonLine(line, file, lineNo)
		}
		if err != nil { // io.EOF
			return
		}
	}
}

// ndjsonLine checks the objects of one NDJSON line.
func (v *validator) ndjsonLine(line []byte, file string, lineNo int) {
	line = bytes.TrimRight(line, "\r\n") // positions stay on this line
	dec := stix.NewDecoder(bytes.NewReader(line), validateDecodeOptions)
	where := "line " + strconv.Itoa(lineNo)
	for {
		obj, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			p := decodeProblem(file, err, lineNo-1)
			if p.Line == 0 {
				p.Line = lineNo
			}
			v.objects++
			v.badObjects++
			v.report(p)
			if isElementError(err) {
				continue
			}
			return
		}
		v.object(file, where, lineNo, obj)
	}
}

// recordingReader keeps a copy of what it reads until stopped.
type recordingReader struct {
	r   io.Reader
	on  bool
	buf bytes.Buffer
}

func (rr *recordingReader) Read(p []byte) (int, error) {
	n, err := rr.r.Read(p)
	if rr.on {
		rr.buf.Write(p[:n])
	}
	return n, err
}

func (rr *recordingReader) stop() {
	rr.on = false
	rr.buf = bytes.Buffer{}
}
