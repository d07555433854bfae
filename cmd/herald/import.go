package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// ImportCommand imports advisories and STIX content into a collection.
type ImportCommand struct{ m *Main }

const importUsage = `Usage: herald import [--collection ID|TITLE|ALIAS] [--on-conflict keep|replace|fail] [--atomic] [--batch N] FILE...

Imports each FILE into a collection. A FILE may be a YAML advisory, a
STIX 2.1 bundle, a TAXII 2.1 envelope, a JSON array of STIX objects or a
single object; gzip-compressed files are read as such; "-" reads stdin.
The kind is told from the name (.yaml, .yml) or else from the content.

Every object is validated. Invalid objects are rejected and listed with
their id and the reason; the valid objects still land, unless --atomic is
given, in which case nothing is written if anything is rejected. The exit
status is 1 when anything was rejected.

A version (id and modified) that is already stored with the same content
as JSON (key order, white space, escapes and number spelling aside) is
"unchanged". One stored with different content (a publisher that edited
an object without a new modified) is a conflict, settled by --on-conflict
(default: the collection's setting, which is keep unless changed with
herald collection update):
	keep     the stored version stays; each conflict is listed; exit 0
	replace  the new content replaces it and gets a new date_added, so
	         TAXII clients polling with added_after receive it again
	fail     nothing at all is written if any conflict is found; exit 1.
	         The whole import is held and written at once (as --atomic).
Through --server the server applies the collection's setting;
--on-conflict must then match it.

Bundles are streamed and written in batches (default 5,000 objects per
transaction), so a file of any size needs little memory; each committed
batch is complete even if the import is killed. Through --server, batches
are TAXII add requests sized to the server's max_content_length.

Re-importing an edited YAML advisory publishes new versions of the changed
records and revokes the records that were removed from the file.

The default collection is the built-in public one ("advisories"), or
HERALD_COLLECTION.

Examples:
	herald import advisory.yaml
	herald import --collection "ATT&CK for ICS" ics-attack-18.1.json.gz
	curl -s https://example.org/feed.json | herald import --collection partners -
	herald import --atomic --collection partners a.json b.json
	herald import --collection "ATT&CK for ICS" --on-conflict replace ics-attack-18.2.json.gz
	HERALD_USER=ci HERALD_PASSWORD=... herald import --server http://127.0.0.1:8080 bundle.json
`

// DefaultBatchSize is how many objects import writes per transaction.
const DefaultBatchSize = 5000

// Run imports the files.
func (c *ImportCommand) Run(ctx context.Context, args []string) error {
	fs, data := c.m.dataFlagSet("import", importUsage)
	coll := fs.String("collection", defaultCollection(c.m), "the collection (`id, title or alias`)")
	atomic := fs.Bool("atomic", false, "write nothing if any object is rejected (holds the whole import in memory)")
	onConflict := fs.String("on-conflict", "", "what a version stored with different content does: `keep|replace|fail` (default: the collection's setting, keep unless changed)")
	batch := fs.Int("batch", DefaultBatchSize, "objects per write transaction")
	verbose := fs.Bool("v", false, "print a line to stderr after each committed batch")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return &usageError{msg: "import: no FILE given", hint: "usage: herald import [--collection C] FILE... (\"-\" for stdin)"}
	}
	if *batch < 1 {
		return usagef("--batch %d: want at least 1", *batch)
	}
	var policy store.ConflictPolicy
	if *onConflict != "" {
		p, err := store.ParseConflictPolicy(*onConflict)
		if err != nil {
			return usagef("--on-conflict %q: want keep, replace or fail", *onConflict)
		}
		policy = p
	}
	stdinCount := 0
	for _, f := range files {
		if f == "-" {
			stdinCount++
		}
	}
	if stdinCount > 1 {
		return usagef("import: stdin (-) can be read only once")
	}

	b, err := data.open(ctx, c.m, true)
	if err != nil {
		return err
	}
	defer b.Close()
	col, err := b.Collection(ctx, *coll)
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("%w\ncreate it with `herald collection add --title %q` or pass --collection", err, *coll)
		}
		return err
	}
	if policy == "" {
		policy = col.OnConflict
	} else if data.server != "" && policy != col.OnConflict {
		return fmt.Errorf("--on-conflict %s: through --server the server settles conflicts by the collection's own setting, which for %q is %s; "+
			"leave --on-conflict out, or have an admin change it: herald collection update %q --on-conflict %s", policy, col.Title, col.OnConflict, *coll, policy)
	}
	if policy == "" {
		policy = store.ConflictKeep
	}
	imp := &importer{
		m: c.m, b: b, coll: col, batchSize: *batch, atomic: *atomic, verbose: *verbose,
		policy: policy, oneWrite: *atomic || policy == store.ConflictFail,
	}
	var firstErr error
	for _, name := range files {
		if err := imp.importFile(ctx, name); err != nil {
			firstErr = err
			break
		}
	}
	if firstErr == nil && imp.oneWrite {
		firstErr = imp.commitAtomic(ctx)
	}
	if err := imp.wait(); err != nil && firstErr == nil { // a write still in flight after an error
		firstErr = err
	}
	imp.report(c.m.Stderr)
	if firstErr != nil {
		return firstErr
	}
	if imp.total.rejected > 0 {
		return silentError{fmt.Errorf("%d objects rejected", imp.total.rejected)}
	}
	return nil
}

// counts tallies what an import did.
type counts struct {
	added, newVersions, unchanged, replaced, conflicts, rejected int
}

func (c *counts) add(o outcome) {
	switch o {
	case outAdded:
		c.added++
	case outNewVersion:
		c.newVersions++
	case outUnchanged:
		c.unchanged++
	case outReplaced:
		c.replaced++
	case outConflict:
		c.conflicts++
	case outRejected:
		c.rejected++
	}
}

func (c counts) String() string {
	return fmt.Sprintf("%s added, %s new versions, %s unchanged, %s replaced, %s conflicts kept, %s rejected",
		formatCount(int64(c.added)), formatCount(int64(c.newVersions)), formatCount(int64(c.unchanged)),
		formatCount(int64(c.replaced)), formatCount(int64(c.conflicts)), formatCount(int64(c.rejected)))
}

// rejection is one rejected object (or a whole file that could not be
// read), with the reason.
type rejection struct {
	file, id, reason string
	kind             string // in conflicts: "conflict" or "replaced"
}

// importer runs one import: it batches objects, writes them and keeps
// the counts per file and in total.
type importer struct {
	m         *Main
	b         backend
	coll      store.Collection
	batchSize int
	atomic    bool                 // write nothing if anything is rejected
	policy    store.ConflictPolicy // settles versions stored with other content
	oneWrite  bool                 // hold the whole import and write it at once (--atomic, fail)
	verbose   bool

	batch      []stix.Object
	batchBytes int64
	batchFile  []string // file of each batched object (atomic mode spans files)
	inflight   *write   // the batch being written, if any

	files      []fileCounts
	total      counts
	rejections []rejection
	unlisted   int         // rejections beyond maxListedRejections: counted only
	conflicts  []rejection // versions stored with other content (kept, replaced, or failing the import)
	unlistedC  int         // conflicts beyond maxListedRejections: counted only
	written    int         // objects committed so far (not counting rejections)
}

// maxListedRejections caps the rejections an import keeps and prints; the
// counts stay exact. A 6 MB file of three million non-objects would
// otherwise take close to a gigabyte and print three million lines.
const maxListedRejections = 1000

// listRejection keeps r for the report, or only counts it past the cap.
// Rejections of a whole file (no object id) are always kept: they say why
// the rest of a file was not read.
func (imp *importer) listRejection(r rejection) {
	if r.id != "" && len(imp.rejections) >= maxListedRejections {
		imp.unlisted++
		return
	}
	imp.rejections = append(imp.rejections, r)
}

// listConflict keeps a conflict for the report, or only counts it past
// the cap.
func (imp *importer) listConflict(r rejection) {
	if len(imp.conflicts) >= maxListedRejections {
		imp.unlistedC++
		return
	}
	imp.conflicts = append(imp.conflicts, r)
}

type fileCounts struct {
	name string
	counts
}

// reject records a rejected object of the current file.
func (imp *importer) reject(file, id, reason string) {
	imp.listRejection(rejection{file: file, id: id, reason: reason})
	imp.files[len(imp.files)-1].rejected++
	imp.total.rejected++
}

// fileCounts finds the counts of a file by name.
func (imp *importer) fileCounts(name string) *counts {
	for i := range imp.files {
		if imp.files[i].name == name {
			return &imp.files[i].counts
		}
	}
	return &imp.files[len(imp.files)-1].counts
}

// importFile reads one file and queues its objects. A file that cannot be
// opened or parsed at all is one rejection naming the file; an error of
// the database stops the import.
func (imp *importer) importFile(ctx context.Context, name string) error {
	display := name
	if name == "-" {
		display = "stdin"
	}
	imp.files = append(imp.files, fileCounts{name: display})
	var r io.Reader
	var size int64
	if name == "-" {
		r = imp.m.Stdin
	} else {
		f, err := os.Open(name)
		if err != nil {
			imp.reject(display, "", err.Error())
			return nil
		}
		defer f.Close()
		fi, err := f.Stat()
		if err == nil && fi.IsDir() {
			imp.reject(display, "", "is a directory; name the files in it")
			return nil
		}
		if err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		r = f
	}
	cr := &countingReader{r: r}
	src, kind, err := openInput(cr, name)
	if err != nil {
		imp.reject(display, "", err.Error())
		return nil
	}
	bar := newProgress(imp.m.Stderr, display, size)
	objects := 0
	tick := func() { objects++; bar.Update(cr.n.Load(), objects) }
	if kind == kindAdvisory {
		err = imp.importAdvisory(ctx, src, display, tick)
	} else {
		err = imp.importSTIX(ctx, src, display, tick)
	}
	if err == nil && !imp.oneWrite {
		if err = imp.flush(ctx); err == nil {
			err = imp.wait()
		}
	}
	bar.Done(cr.n.Load(), objects)
	return err
}

// input kinds.
const (
	kindSTIX     = "stix"
	kindAdvisory = "advisory"
)

// openInput undoes gzip (by magic number, whatever the name) and tells a
// YAML advisory from STIX JSON: by the name (.yaml, .yml, also before
// .gz), else by the first non-space byte ('{' or '[' is JSON).
func openInput(r io.Reader, name string) (io.Reader, string, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, "", fmt.Errorf("gunzip: %w", err)
		}
		br = bufio.NewReaderSize(gunzipErrors{zr}, 64<<10)
	}
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte{0xef, 0xbb, 0xbf}) {
		br.Discard(3) // a UTF-8 byte order mark, as some editors write
	}
	base := strings.ToLower(strings.TrimSuffix(name, ".gz"))
	if strings.HasSuffix(base, ".yaml") || strings.HasSuffix(base, ".yml") {
		return br, kindAdvisory, nil
	}
	if strings.HasSuffix(base, ".json") {
		return br, kindSTIX, nil
	}
	for n := 1; ; n++ {
		head, err := br.Peek(n)
		if len(head) < n {
			if err == nil || errors.Is(err, io.EOF) {
				return nil, "", errors.New("empty input")
			}
			return nil, "", err
		}
		switch head[n-1] {
		case ' ', '\t', '\r', '\n':
			if n >= 64<<10 {
				return nil, "", errors.New("only white space")
			}
			continue
		case '{', '[':
			return br, kindSTIX, nil
		}
		return br, kindAdvisory, nil
	}
}

// gunzipErrors says that a read error came from the gzip layer, and what
// the usual cause is, so a truncated download is not reported as a bare
// "unexpected EOF".
type gunzipErrors struct{ r io.Reader }

func (g gunzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	switch {
	case err == nil || err == io.EOF:
	case errors.Is(err, io.ErrUnexpectedEOF):
		err = fmt.Errorf("gunzip: the compressed data ends early (truncated file?): %w", err)
	default:
		err = fmt.Errorf("gunzip: %w", err)
	}
	return n, err
}

// importSTIX streams objects from a bundle, envelope, array or single
// object, validating each.
func (imp *importer) importSTIX(ctx context.Context, r io.Reader, file string, tick func()) error {
	dec := stix.NewDecoder(r, stix.DecodeOptions{})
	for {
		obj, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var ee *stix.ElementError
			if errors.As(err, &ee) { // not an object: skip it, go on
				imp.reject(file, fmt.Sprintf("objects[%d]", ee.Index), err.Error())
				tick()
				continue
			}
			// Malformed JSON or a limit: nothing after this can be read.
			// The objects before it are kept (or dropped with --atomic).
			imp.reject(file, "", err.Error())
			return nil
		}
		tick()
		if err := imp.queue(ctx, file, obj); err != nil {
			return err
		}
	}
}

// validationReason joins the problems of a ValidationError.
func validationReason(ve *stix.ValidationError) string {
	parts := make([]string, len(ve.Problems))
	for i, p := range ve.Problems {
		if p.Property != "" {
			parts[i] = p.Property + ": " + p.Reason
		} else {
			parts[i] = p.Reason
		}
	}
	if len(parts) == 0 {
		return ve.Error()
	}
	return strings.Join(parts, "; ")
}

// queue validates one object and adds it to the batch, writing the batch
// when it is full (by count, or by bytes through --server).
func (imp *importer) queue(ctx context.Context, file string, obj stix.Object) error {
	if err := stix.Validate(obj); err != nil {
		var ve *stix.ValidationError
		if errors.As(err, &ve) {
			imp.reject(file, obj.ID, validationReason(ve))
		} else {
			imp.reject(file, obj.ID, err.Error())
		}
		return nil
	}
	size := int64(len(obj.JSON)) + 1
	if max := imp.b.MaxBatchBytes(); max > 0 {
		if size > max {
			imp.reject(file, obj.ID, fmt.Sprintf("%d bytes: larger than the server's max_content_length", len(obj.JSON)))
			return nil
		}
		if !imp.oneWrite && imp.batchBytes+size > max {
			if err := imp.flush(ctx); err != nil {
				return err
			}
		}
	}
	imp.batch = append(imp.batch, obj)
	imp.batchFile = append(imp.batchFile, file)
	imp.batchBytes += size
	if !imp.oneWrite && len(imp.batch) >= imp.batchSize {
		return imp.flush(ctx)
	}
	return nil
}

// write is one batch being written by a background goroutine.
type write struct {
	objs  []stix.Object
	files []string
	done  chan struct{}
	res   []putResult
	err   error
}

// flush hands the batch to a background write (one transaction, or one
// add request remotely) and starts a new batch, so that reading,
// decoding and validating the next batch overlap with writing this one.
// At most one write is in flight: flush first waits for the previous one.
// Each batch is still its own transaction, committed in order.
func (imp *importer) flush(ctx context.Context) error {
	if len(imp.batch) == 0 {
		return nil
	}
	if err := imp.wait(); err != nil {
		return err
	}
	w := &write{objs: imp.batch, files: imp.batchFile, done: make(chan struct{})}
	imp.inflight = w
	go func() {
		defer close(w.done)
		w.res, w.err = imp.b.PutObjects(ctx, imp.coll, w.objs, imp.policy)
	}()
	imp.batch = make([]stix.Object, 0, imp.batchSize)
	imp.batchFile = make([]string, 0, imp.batchSize)
	imp.batchBytes = 0
	return nil
}

// wait waits for the write in flight, if any, and counts its outcomes.
func (imp *importer) wait() error {
	w := imp.inflight
	if w == nil {
		return nil
	}
	<-w.done
	imp.inflight = nil
	var ce *store.ConflictError
	if errors.As(w.err, &ce) {
		for _, c := range ce.Conflicts {
			file := imp.coll.Title
			if c.Index >= 0 && c.Index < len(w.files) && w.files[c.Index] != "" {
				file = w.files[c.Index]
			}
			imp.listConflict(rejection{kind: "conflict", file: file, id: c.ID,
				reason: fmt.Sprintf("version %s is already stored with different content", c.Version)})
		}
		return &conflictFailure{n: len(ce.Conflicts)}
	}
	if w.err != nil {
		return fmt.Errorf("write %d objects to %q (the %s objects before them are stored): %w",
			len(w.objs), imp.coll.Title, formatCount(int64(imp.written)), w.err)
	}
	for i, r := range w.res {
		file := w.files[i]
		switch r.Outcome {
		case outRejected:
			imp.listRejection(rejection{file: file, id: r.ID, reason: r.Reason})
		case outConflict:
			imp.listConflict(rejection{kind: "conflict", file: file, id: r.ID, reason: r.Reason})
			imp.written++
		case outReplaced:
			imp.listConflict(rejection{kind: "replaced", file: file, id: r.ID,
				reason: fmt.Sprintf("version %s was stored with different content; replaced, with a new date_added", r.Version)})
			imp.written++
		default:
			imp.written++
		}
		imp.fileCounts(file).add(r.Outcome)
		imp.total.add(r.Outcome)
	}
	if imp.verbose {
		fmt.Fprintf(imp.m.Stderr, "committed %s objects\n", formatCount(int64(imp.written)))
	}
	return nil
}

// commitAtomic writes the whole import in one write (--atomic, or
// --on-conflict fail), or nothing when --atomic is given and anything was
// rejected. Under fail the store (or the server) writes nothing when a
// version conflicts; wait reports it.
func (imp *importer) commitAtomic(ctx context.Context) error {
	if imp.atomic && imp.total.rejected > 0 {
		fmt.Fprintf(imp.m.Stderr, "nothing written (--atomic): %d objects rejected\n", imp.total.rejected)
		imp.batch = nil
		return nil
	}
	if max := imp.b.MaxBatchBytes(); max > 0 && imp.batchBytes > max {
		why := "--atomic"
		if !imp.atomic {
			why = "--on-conflict fail"
		}
		return fmt.Errorf("%s through --server: the import is %s, more than the server's max_content_length of one request (%s); nothing written",
			why, formatBytes(imp.batchBytes), formatBytes(max))
	}
	if err := imp.flush(ctx); err != nil {
		return err
	}
	return imp.wait()
}

// conflictFailure ends an import under --on-conflict fail that found
// conflicts: nothing of the write was stored.
type conflictFailure struct{ n int }

func (e *conflictFailure) Error() string {
	return fmt.Sprintf("--on-conflict fail: %s versions are already stored with different content (listed above); nothing written",
		formatCount(int64(e.n)))
}

// report prints the counts per file (when there are several), the total
// and the rejections (the first maxListedRejections of objects) to w.
func (imp *importer) report(w io.Writer) {
	for _, r := range imp.rejections {
		id := r.id
		if id == "" {
			id = "(file)"
		}
		fmt.Fprintf(w, "rejected: %s: %s: %s\n", r.file, id, r.reason)
	}
	if imp.unlisted > 0 {
		fmt.Fprintf(w, "rejected: %s more objects, not listed\n", formatCount(int64(imp.unlisted)))
	}
	for _, r := range imp.conflicts {
		fmt.Fprintf(w, "%s: %s: %s: %s\n", r.kind, r.file, r.id, r.reason)
	}
	if imp.unlistedC > 0 {
		fmt.Fprintf(w, "conflict or replaced: %s more objects, not listed\n", formatCount(int64(imp.unlistedC)))
	}
	if len(imp.files) > 1 {
		for _, f := range imp.files {
			fmt.Fprintf(w, "%s: %s\n", f.name, f.counts)
		}
	}
	fmt.Fprintf(w, "imported into %q: %s\n", imp.coll.Title, imp.total)
}
