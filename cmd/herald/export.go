package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/heraldcti/herald/store"
)

// ExportCommand writes a collection's objects as a STIX bundle, a TAXII
// envelope or NDJSON.
type ExportCommand struct{ m *Main }

const exportUsage = `Usage: herald export [--collection ID|TITLE|ALIAS] [--type T,...] [--added-after TS]
                     [--all-versions] [--format bundle|envelope|ndjson] [-o FILE]

Writes the objects of a collection, in the order they were added, to stdout
or to FILE. Each object is written as the exact bytes stored (and served
over TAXII). Formats:

	bundle    a STIX 2.1 bundle with a fresh random (UUIDv4) bundle id
	envelope  a TAXII 2.1 envelope {"more":false,"objects":[...]}
	ndjson    one object per line

By default only the latest version of each object is written; with
--all-versions every stored version is (a bundle may hold several versions
of one object). The export is streamed one page (1,000 objects) at a time,
so memory stays flat however large the collection. With -o the file is
written beside FILE and renamed into place when complete.

The default collection is the built-in public one ("advisories"), or
HERALD_COLLECTION.

Examples:
	herald export > advisories.json
	herald export --collection partners --type indicator,malware -o partners.json
	herald export --added-after 2025-01-01T00:00:00Z --format ndjson
	herald export --all-versions --format envelope -o history.json
	HERALD_USER=alice herald export --server https://cti.example.org --collection partners
`

// exportFormats are the accepted --format values.
var exportFormats = map[string]bool{"bundle": true, "envelope": true, "ndjson": true}

// Run writes the export.
func (c *ExportCommand) Run(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("export", exportUsage)
	coll := fs.String("collection", defaultCollection(c.m), "the collection (`id, title or alias`)")
	var types listFlag
	fs.Var(&types, "type", "only objects of these `types` (comma list or repeated)")
	addedAfter := fs.String("added-after", "", "only versions added after this RFC 3339 `timestamp`")
	all := fs.Bool("all-versions", false, "every version, not only the latest of each object")
	format := fs.String("format", "bundle", "output `format`: bundle, envelope or ndjson")
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	if _, err := parseN(fs, args, 0, "export takes no arguments (write to a file with -o FILE)"); err != nil {
		return err
	}
	if !exportFormats[*format] {
		return usagef("--format %q: want bundle, envelope or ndjson", *format)
	}
	for _, t := range types {
		if !isTypeName(t) {
			return usagef("--type %q: a STIX type is lower-case letters, digits and hyphens, such as indicator", t)
		}
	}
	q := walkQuery{Types: types, AllVersions: *all}
	if *addedAfter != "" {
		t, err := time.Parse(time.RFC3339Nano, *addedAfter)
		if err != nil {
			return usagef("--added-after %q: want an RFC 3339 timestamp such as 2025-01-31T00:00:00Z", *addedAfter)
		}
		q.AddedAfter = t
	}

	return data.withCollection(ctx, c.m, false, *coll, func(b backend, col store.Collection) error {
		write := func(w io.Writer) (int, error) {
			ew := newExportWriter(w, *format)
			if err := b.WalkObjects(ctx, col, q, ew.object); err != nil {
				return ew.n, fmt.Errorf("export %q: %w", col.Title, err)
			}
			return ew.n, ew.close()
		}
		var n int
		var err error
		if *out == "" || *out == "-" {
			n, err = write(c.m.Stdout)
		} else {
			// Readable by others (as the umask allows) only when the
			// collection is public anyway.
			mode := os.FileMode(0o600)
			if col.PublicRead {
				mode = 0o666
			}
			n, err = writeFileWith(*out, mode&^currentUmask(), write)
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(c.m.Stderr, "exported %s objects from %q\n", formatCount(int64(n)), col.Title)
		return nil
	})
}

// defaultCollection is HERALD_COLLECTION or the built-in collection.
func defaultCollection(m *Main) string {
	if v := m.getenv("HERALD_COLLECTION"); v != "" {
		return v
	}
	return BuiltinCollectionAlias
}

// exportWriter writes objects in one of the export formats as they come,
// through a buffer. Lists are opened lazily: STIX and TAXII forbid empty
// lists, so an empty export has no "objects" key.
type exportWriter struct {
	w      *bufio.Writer
	format string
	n      int
	err    error
}

func newExportWriter(w io.Writer, format string) *exportWriter {
	return &exportWriter{w: bufio.NewWriterSize(w, 256<<10), format: format}
}

func (e *exportWriter) object(obj []byte) error {
	if e.err != nil {
		return e.err
	}
	switch e.format {
	case "ndjson":
		e.w.Write(obj)
		e.w.WriteByte('\n')
	default:
		if e.n == 0 {
			e.header()
			e.w.WriteString(`,"objects":[`)
		} else {
			e.w.WriteByte(',')
		}
		e.w.Write(obj)
	}
	e.n++
	_, e.err = e.w.Write(nil) // bufio keeps the first write error
	return e.err
}

func (e *exportWriter) header() {
	switch e.format {
	case "bundle":
		fmt.Fprintf(e.w, `{"type":"bundle","id":"bundle--%s"`, uuid.New())
	case "envelope":
		e.w.WriteString(`{"more":false`)
	}
}

// close ends the document and flushes.
func (e *exportWriter) close() error {
	if e.err != nil {
		return e.err
	}
	if e.format != "ndjson" {
		if e.n == 0 {
			e.header()
			e.w.WriteString("}\n")
		} else {
			e.w.WriteString("]}\n")
		}
	}
	return e.w.Flush()
}

// isTypeName reports whether s can be a STIX object type: lower-case
// ASCII letters, digits and hyphens (STIX 2.1 §3.1; the server refuses a
// match[type] that is not, so local and --server exports agree).
func isTypeName(s string) bool {
	if s == "" || len(s) > 250 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// writeFileWith runs write on a temporary file beside path and renames it
// to path, with the given mode, once write and the sync succeed; on
// failure path is untouched and the temporary file is removed.
func writeFileWith(path string, mode os.FileMode, write func(io.Writer) (int, error)) (n int, err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if n, err = write(tmp); err != nil {
		return n, err
	}
	if err = tmp.Chmod(mode); err != nil {
		return n, err
	}
	if err = tmp.Sync(); err != nil {
		return n, err
	}
	if err = tmp.Close(); err != nil {
		return n, err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return n, err
	}
	return n, nil
}
