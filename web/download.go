package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/google/uuid"

	"github.com/heraldcti/herald/store"
)

// Downloads are STIX 2.1 bundles of stored bytes: each object exactly as
// TAXII serves it, in a bundle with a fresh UUIDv4 id, sent as an
// attachment. They stream: a page of at most 1000 objects is copied out of
// the database, written to the client, and dropped, so memory stays flat
// however large the collection.

const mediaSTIX = "application/stix+json;version=2.1"

// bundleWriter writes one bundle to the response.
type bundleWriter struct {
	w     http.ResponseWriter
	n     int
	begun bool
	name  string
}

func (p *Pages) newBundle(r *request, name string) *bundleWriter {
	return &bundleWriter{w: r.c.Response(), name: name}
}

func (b *bundleWriter) begin() error {
	if b.begun {
		return nil
	}
	b.begun = true
	h := b.w.Header()
	h.Set("Content-Type", mediaSTIX)
	h.Set("Content-Disposition", `attachment; filename="`+b.name+`"`)
	b.w.WriteHeader(http.StatusOK)
	_, err := fmt.Fprintf(b.w, `{"type":"bundle","id":"bundle--%s","objects":[`, uuid.New())
	return err
}

// write adds a batch of objects (stored JSON bytes).
func (b *bundleWriter) write(objs [][]byte) error {
	if err := b.begin(); err != nil {
		return err
	}
	var buf bytes.Buffer
	for _, o := range objs {
		if b.n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(o)
		b.n++
	}
	_, err := b.w.Write(buf.Bytes())
	return err
}

func (b *bundleWriter) end() error {
	if err := b.begin(); err != nil {
		return err
	}
	_, err := b.w.Write([]byte("]}\n"))
	return err
}

// fileName makes a download's name from a label: lower-case ASCII letters,
// digits and dashes, at most 60 of them, then the suffix.
func fileName(prefix, label, suffix string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(label) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			if b.Len() >= 60 {
				break
			}
			continue
		}
		dash = true
	}
	s := b.String()
	if s == "" {
		s = "stix"
	}
	if prefix != "" {
		s = prefix + "-" + s
	}
	return s + suffix
}

// maxAdvisoryObjects bounds an advisory download.
const maxAdvisoryObjects = 100000

// downloadAdvisory sends the report and everything it refers to,
// transitively: its objects, what they refer to (markings, identities,
// locations, impacts, extension definitions), and so on, as far as the
// collection holds them. Each object is the latest version.
func (p *Pages) downloadAdvisory(r *request) error {
	col, err := p.collectionFor(r)
	if err != nil {
		return err
	}
	o, _, err := p.loadObject(r, col)
	if err != nil {
		return err
	}
	if o.Type != "report" {
		return notFoundErr()
	}
	bw := p.newBundle(r, fileName("advisory", o.label(), ".json"))
	seen := map[string]bool{o.ID: true}
	queue := []string{}
	if err := bw.write([][]byte{o.JSON}); err != nil {
		return nil // the client went away
	}
	refsOf(o.Props, "", &queue)
	for len(queue) > 0 && len(seen) < maxAdvisoryObjects {
		var batch []string
		for len(queue) > 0 && len(batch) < 200 {
			id := queue[0]
			queue = queue[1:]
			if !seen[id] {
				seen[id] = true
				batch = append(batch, id)
			}
		}
		if len(batch) == 0 {
			continue
		}
		q := store.Query{IDs: batch}
		for {
			pg, err := p.db.Objects(r.ctx, col.ID, q)
			if err != nil {
				return fmt.Errorf("advisory download: %w", err)
			}
			var out [][]byte
			for _, rec := range pg.Records {
				out = append(out, rec.JSON)
				var v any
				if json.Unmarshal(rec.JSON, &v) == nil {
					refsOf(v, "", &queue)
				}
			}
			if err := bw.write(out); err != nil {
				return nil
			}
			if !pg.More {
				break
			}
			q.After = pg.Next
		}
	}
	_ = bw.end()
	return nil
}

// downloadObject sends one object (the version shown) with the
// relationships and sightings found for it (see relationships) and the
// marking definitions they carry.
func (p *Pages) downloadObject(r *request) error {
	col, err := p.collectionFor(r)
	if err != nil {
		return err
	}
	o, _, err := p.loadObject(r, col)
	if err != nil {
		return err
	}
	rels, _, err := p.relationships(r.ctx, col.ID, o.ID)
	if err != nil {
		return err
	}
	objs := [][]byte{o.JSON}
	var markings []string
	markings = append(markings, o.strs("object_marking_refs")...)
	for _, rel := range rels {
		if rel.ID == o.ID {
			continue
		}
		objs = append(objs, rel.JSON)
		markings = append(markings, rel.strs("object_marking_refs")...)
	}
	found, err := p.lookup(r.ctx, col.ID, markings)
	if err != nil {
		return err
	}
	done := map[string]bool{o.ID: true}
	for _, id := range markings {
		if m, ok := found[id]; ok && !done[id] {
			done[id] = true
			objs = append(objs, m.JSON)
		}
	}
	bw := p.newBundle(r, fileName(o.Type, o.label(), ".json"))
	if bw.write(objs) == nil {
		_ = bw.end()
	}
	return nil
}

// downloadCollection streams the collection's objects (latest versions,
// oldest first) with the page's filters: type, and the search text.
func (p *Pages) downloadCollection(r *request) error {
	col, err := p.collectionFor(r)
	if err != nil {
		return err
	}
	typ, q, _, err := collectionParams(r)
	if err != nil {
		return err
	}
	var types []string
	name := col.Title
	if typ != "" {
		types = []string{typ}
		name += " " + typ
	}
	if q != "" {
		name += " " + q
	}
	needle := strings.ToLower(q)
	bw := p.newBundle(r, fileName("collection", name, ".json"))
	query := store.Query{Types: types, Limit: 1000}
	var buf []byte
	for {
		buf = buf[:0]
		k := 0
		info, err := p.db.ObjectsTo(r.ctx, col.ID, query, func(v store.RawVersion) error {
			if q != "" && !matches(v.JSON, needle, []byte(needle)) {
				return nil
			}
			if bw.n+k > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, v.JSON...) // copied: v is valid only now
			k++
			return nil
		})
		if err != nil && !bw.begun {
			return fmt.Errorf("collection download: %w", err)
		}
		if err != nil {
			// The response has begun: end it unfinished, so the client
			// sees invalid JSON rather than a bundle that looks complete.
			if r.ctx.Err() == nil {
				p.opt.Logger.Error("collection download cut short", "collection", col.ID, "err", err)
			}
			return nil
		}
		if err := bw.begin(); err != nil {
			return nil
		}
		if k > 0 {
			if _, err := bw.w.Write(buf); err != nil {
				return nil // the client went away
			}
			bw.n += k
		}
		if !info.More {
			break
		}
		query.After = info.Next
	}
	_ = bw.end()
	return nil
}
