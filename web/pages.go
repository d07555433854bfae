package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/heraldcti/herald/store"
)

// readable returns the collections the visitor may read, by title.
func (p *Pages) readable(r *request) ([]store.Collection, error) {
	all, err := p.db.Collections(r.ctx)
	if err != nil {
		return nil, fmt.Errorf("list collections: %w", err)
	}
	var out []store.Collection
	for _, c := range all {
		if r.visitor.CanRead(c) {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Title) < strings.ToLower(out[j].Title) })
	return out, nil
}

// collectionFor finds a collection the visitor may read; any other is
// "not found", exactly as over TAXII.
func (p *Pages) collectionFor(r *request) (store.Collection, error) {
	ref := r.c.Param("collection")
	if ref == "" || len(ref) > 512 {
		return store.Collection{}, notFoundErr()
	}
	col, err := p.db.Collection(r.ctx, ref)
	if errors.Is(err, store.ErrNotFound) || err == nil && !r.visitor.CanRead(col) {
		return store.Collection{}, notFoundErr()
	}
	if err != nil {
		return store.Collection{}, fmt.Errorf("collection %q: %w", ref, err)
	}
	return col, nil
}

type homeData struct {
	Collections []homeCollection
	Reports     []homeReport
}

func (homeData) PageTitle() string { return "Collections" }

type homeCollection struct {
	Col      store.Collection
	URL      string
	Count    int
	Versions bool // Count counts versions (the collection is too large to count objects)
	Updated  *timeView
}

type homeReport struct {
	Ref        objRef
	Collection string
	ColURL     string
	Added      timeView
	Published  *timeView
	added      time.Time
}

// maxHomeCollections bounds the collections whose newest reports the home
// page looks up.
const maxHomeCollections = 50

func (p *Pages) home(r *request) error {
	cols, err := p.readable(r)
	if err != nil {
		return err
	}
	d := homeData{}
	for i, c := range cols {
		hc := homeCollection{Col: c, URL: collectionURL(c.ID)}
		last, ok, err := p.lastPosition(r.ctx, c.ID)
		if err != nil {
			return err
		}
		if ok {
			tv := showTimeT(time.UnixMicro(last))
			hc.Updated = &tv
			tc, err := p.typeCounts(r.ctx, c.ID)
			if err != nil {
				return err
			}
			if tc.Exact {
				for _, n := range tc.Counts {
					hc.Count += n.Count
				}
			} else {
				hc.Versions = true
				if hc.Count, err = p.db.CountVersions(r.ctx, c.ID); err != nil {
					return err
				}
			}
			if i < maxHomeCollections {
				recs, _, err := p.newest(r.ctx, c.ID, []string{"report"}, last, 5)
				if err != nil {
					return err
				}
				for _, rec := range recs {
					o, err := decodeObj(rec)
					if err != nil {
						continue
					}
					hr := homeReport{Ref: objRef{ID: o.ID, Type: o.Type, Label: o.label(), URL: advisoryURL(c.ID, o.ID)},
						Collection: c.Title, ColURL: hc.URL, Added: showTimeT(rec.DateAdded), added: rec.DateAdded}
					if pub := o.str("published"); pub != "" {
						tv := showTime(pub)
						hr.Published = &tv
					}
					d.Reports = append(d.Reports, hr)
				}
			}
		}
		d.Collections = append(d.Collections, hc)
	}
	sort.SliceStable(d.Reports, func(i, j int) bool { return d.Reports[i].added.After(d.Reports[j].added) })
	if len(d.Reports) > 10 {
		d.Reports = d.Reports[:10]
	}
	return p.render(r, http.StatusOK, "home", d)
}

// Collection page.

type collectionData struct {
	Col         store.Collection
	URL         string
	Types       typeCounts
	Type        string
	Query       string
	Rows        []row
	Older       string // URL of the next (older) page, "" when none
	Newest      string // URL of the first page, "" on it
	Searched    *searchInfo
	DownloadURL string
	Empty       bool
}

func (d collectionData) PageTitle() string { return d.Col.Title }

type row struct {
	Ref      objRef
	Added    timeView
	Snippet  string
	Markings []marking
}

type searchInfo struct {
	Examined int
	Further  string // URL to search older objects, "" when the collection start was reached
	From     *timeView
}

// maxQuery bounds a search string.
const maxQuery = 200

// collectionParams reads the filters shared by the page and its download.
func collectionParams(r *request) (typ, q string, before int64, err error) {
	typ = strings.TrimSpace(r.c.QueryParam("type"))
	q = strings.TrimSpace(r.c.QueryParam("q"))
	if len(typ) > 250 || strings.ContainsAny(typ, "\x00 ,") {
		return "", "", 0, badRequestErr("The type filter is not a STIX type.")
	}
	if len([]rune(q)) > maxQuery {
		return "", "", 0, badRequestErr("The search is longer than %d characters.", maxQuery)
	}
	if b := r.c.QueryParam("before"); b != "" {
		before, err = strconv.ParseInt(b, 10, 64)
		if err != nil || before <= 0 {
			return "", "", 0, badRequestErr("The page position is malformed.")
		}
	}
	return typ, q, before, nil
}

func (p *Pages) collection(r *request) error {
	col, err := p.collectionFor(r)
	if err != nil {
		return err
	}
	typ, q, before, err := collectionParams(r)
	if err != nil {
		return err
	}
	var types []string
	if typ != "" {
		types = []string{typ}
	}
	d := collectionData{Col: col, URL: collectionURL(col.ID), Type: typ, Query: q}
	d.Types, err = p.typeCounts(r.ctx, col.ID)
	if err != nil {
		return err
	}
	if typ != "" && !slices.ContainsFunc(d.Types.Counts, func(c typeCount) bool { return c.Type == typ }) {
		// A type the counts did not see (outside the sample, or none):
		// still offered, so the filter shows what is selected.
		d.Types.Counts = append(slices.Clone(d.Types.Counts), typeCount{Type: typ, Count: -1})
	}
	dl := url.Values{}
	if typ != "" {
		dl.Set("type", typ)
	}
	if q != "" {
		dl.Set("q", q)
	}
	d.DownloadURL = d.URL + "/bundle"
	if len(dl) > 0 {
		d.DownloadURL += "?" + dl.Encode()
	}
	last, ok, err := p.lastPosition(r.ctx, col.ID)
	if err != nil {
		return err
	}
	if !ok {
		d.Empty = true
		return p.render(r, http.StatusOK, "collection", d, crumb{col.Title, ""})
	}
	end := last
	if before > 0 {
		end = min(end, before-1)
	}
	pageURL := func(b int64) string {
		v := url.Values{}
		if typ != "" {
			v.Set("type", typ)
		}
		if q != "" {
			v.Set("q", q)
		}
		if b > 0 {
			v.Set("before", strconv.FormatInt(b, 10))
		}
		if len(v) == 0 {
			return d.URL
		}
		return d.URL + "?" + v.Encode()
	}
	if before > 0 {
		d.Newest = pageURL(0)
	}
	var recs []store.Record
	if q == "" {
		var older bool
		recs, older, err = p.newest(r.ctx, col.ID, types, end, p.opt.PageSize)
		if err != nil {
			return err
		}
		if older && len(recs) > 0 {
			d.Older = pageURL(recs[len(recs)-1].DateAdded.UnixMicro())
		}
	} else {
		res, err := p.search(r.ctx, col.ID, types, q, end, p.opt.PageSize, p.opt.SearchWindow)
		if err != nil {
			return err
		}
		recs = res.Records
		d.Searched = &searchInfo{Examined: res.Examined}
		if res.Continue > 0 {
			d.Searched.Further = pageURL(res.Continue)
			tv := showTimeT(time.UnixMicro(res.Continue))
			d.Searched.From = &tv
		}
	}
	var decoded []*obj
	var ends []string
	for _, rec := range recs {
		o, err := decodeObj(rec)
		if err != nil {
			decoded = append(decoded, nil)
			continue
		}
		decoded = append(decoded, o)
		if o.Type == "relationship" {
			ends = append(ends, o.str("source_ref"), o.str("target_ref"))
		}
	}
	// Relationships are named by what they join.
	named, err := p.lookup(r.ctx, col.ID, ends)
	if err != nil {
		return err
	}
	ix := &refIndex{col: col.ID, objs: named}
	for i, rec := range recs {
		o := decoded[i]
		if o == nil {
			d.Rows = append(d.Rows, row{Ref: objRef{ID: rec.ID, Type: rec.Type, Label: rec.ID, URL: objectURLByID(col.ID, rec.ID)}, Added: showTimeT(rec.DateAdded)})
			continue
		}
		label := o.label()
		if o.Type == "relationship" {
			label = clip(ix.ref(o.str("source_ref")).Label, 60) + " " + o.str("relationship_type") + " " + clip(ix.ref(o.str("target_ref")).Label, 60)
		}
		rw := row{Ref: objRef{ID: o.ID, Type: o.Type, Label: label, URL: objectURL(col.ID, o)}, Added: showTimeT(rec.DateAdded),
			Snippet: clip(firstLine(o.str("description")), 220), Markings: ix.markings(o)}
		d.Rows = append(d.Rows, rw)
	}
	crumbs := []crumb{{col.Title, ""}}
	return p.render(r, http.StatusOK, "collection", d, crumbs...)
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Object page.

type objectData struct {
	Col         store.Collection
	ColURL      string
	Ref         objRef
	Obj         *obj
	Description []string
	Markings    []marking
	Created     *timeView
	Modified    *timeView
	Added       timeView
	ExtRefs     []extRef
	Labels      []string
	Props       []field
	Versions    []versionRow
	Current     string
	Outgoing    []relRow
	Incoming    []relRow
	RelScan     relScan
	RawJSON     string
	AdvisoryURL string
	DownloadURL string
	Revoked     bool
}

func (d objectData) PageTitle() string { return d.Ref.Label }

type versionRow struct {
	Version string
	Time    timeView
	Added   timeView
	URL     string
	Current bool
}

type relRow struct {
	Type  string
	Other objRef
	Rel   objRef
	Desc  string
}

// Shown elsewhere on the object page, so left out of the property table.
var shownApart = map[string]bool{"type": true, "id": true, "spec_version": true, "name": true, "description": true,
	"created": true, "modified": true, "object_marking_refs": true, "external_references": true, "labels": true}

func (p *Pages) loadObject(r *request, col store.Collection) (*obj, []store.Record, error) {
	id := r.c.Param("object")
	typ, _, ok := strings.Cut(id, "--")
	if !ok || typ == "" || len(id) > 300 || strings.ContainsRune(id, 0) {
		return nil, nil, notFoundErr()
	}
	// Every version (spec versions as TAXII's default), to list them; a
	// bounded number, newest last.
	pg, err := p.db.ObjectVersions(r.ctx, col.ID, id, store.Query{NoBytes: true, Limit: 1000})
	if err != nil {
		return nil, nil, fmt.Errorf("versions of %s: %w", id, err)
	}
	if len(pg.Records) == 0 {
		return nil, nil, notFoundErr()
	}
	q := store.Query{IDs: []string{id}, Limit: 1}
	if v := r.c.QueryParam("version"); v != "" {
		if len(v) > 100 {
			return nil, nil, badRequestErr("The version is malformed.")
		}
		q.Versions = []string{v}
	}
	cur, err := p.db.Objects(r.ctx, col.ID, q)
	if err != nil {
		return nil, nil, fmt.Errorf("object %s: %w", id, err)
	}
	if len(cur.Records) == 0 {
		return nil, nil, notFoundErr()
	}
	o, err := decodeObj(cur.Records[0])
	if err != nil {
		return nil, nil, &pageError{Status: http.StatusUnprocessableEntity, Message: "The stored object is not a JSON object.", Err: err}
	}
	return o, pg.Records, nil
}

func (p *Pages) object(r *request) error {
	col, err := p.collectionFor(r)
	if err != nil {
		return err
	}
	o, versions, err := p.loadObject(r, col)
	if err != nil {
		return err
	}
	rels, scan, err := p.relationships(r.ctx, col.ID, o.ID)
	if err != nil {
		return err
	}
	var ids []string
	refsOf(o.Props, "", &ids)
	for _, rel := range rels {
		ids = append(ids, rel.ID, rel.str("source_ref"), rel.str("target_ref"))
	}
	objs, err := p.lookup(r.ctx, col.ID, ids)
	if err != nil {
		return err
	}
	for _, rel := range rels {
		objs[rel.ID] = rel
	}
	ix := &refIndex{col: col.ID, objs: objs}
	d := objectData{Col: col, ColURL: collectionURL(col.ID), Obj: o, Ref: objRef{ID: o.ID, Type: o.Type, Label: o.label()},
		Description: paragraphs(o.str("description")), Markings: ix.markings(o), ExtRefs: externalRefs(o),
		Labels: o.strs("labels"), Added: showTimeT(o.DateAdded), RelScan: scan, Current: o.str("modified")}
	if o.Type == "relationship" {
		d.Ref.Label = ix.ref(o.str("source_ref")).Label + " " + o.str("relationship_type") + " " + ix.ref(o.str("target_ref")).Label
	}
	d.Revoked, _ = o.Props["revoked"].(bool)
	if s := o.str("created"); s != "" {
		tv := showTime(s)
		d.Created = &tv
	}
	if s := o.str("modified"); s != "" {
		tv := showTime(s)
		d.Modified = &tv
	}
	keys := make([]string, 0, len(o.Props))
	for k := range o.Props {
		if !shownApart[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		d.Props = append(d.Props, field{Key: k, Val: ix.value(k, o.Props[k])})
	}
	current := versionOf(o)
	for i := len(versions) - 1; i >= 0; i-- {
		v := versions[i]
		vr := versionRow{Version: v.Version, Time: showVersion(v.Version), Added: showTimeT(v.DateAdded),
			URL: objectURLByID(col.ID, o.ID) + "?version=" + url.QueryEscape(v.Version), Current: v.Version == current}
		d.Versions = append(d.Versions, vr)
	}
	for _, rel := range rels {
		src, dst := rel.str("source_ref"), rel.str("target_ref")
		row := relRow{Type: rel.str("relationship_type"), Rel: ix.ref(rel.ID), Desc: rel.str("description")}
		if src == o.ID {
			row.Other = ix.ref(dst)
			d.Outgoing = append(d.Outgoing, row)
		}
		if dst == o.ID {
			row.Other = ix.ref(src)
			d.Incoming = append(d.Incoming, row)
		}
	}
	var pretty strings.Builder
	if b, err := indentJSON(o.JSON); err == nil {
		pretty.Write(b)
	} else {
		pretty.Write(o.JSON)
	}
	d.RawJSON = pretty.String()
	if o.Type == "report" {
		d.AdvisoryURL = advisoryURL(col.ID, o.ID)
	}
	d.DownloadURL = objectURLByID(col.ID, o.ID) + "/bundle"
	return p.render(r, http.StatusOK, "object", d, crumb{col.Title, collectionURL(col.ID)}, crumb{d.Ref.Label, ""})
}

// showVersion writes a version timestamp to the millisecond: versions of
// one object may be seconds apart.
func showVersion(s string) timeView {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return timeView{Exact: s, Human: s}
	}
	return timeView{Exact: s, Human: t.UTC().Format("2 Jan 2006, 15:04:05.000 UTC")}
}

func versionOf(o *obj) string {
	if m := o.str("modified"); m != "" {
		return m
	}
	if c := o.str("created"); c != "" {
		return c
	}
	return ""
}

func indentJSON(b []byte) ([]byte, error) {
	var buf bytes.Buffer
	if err := json.Indent(&buf, b, "", "  "); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Relationships of one object. No store index maps an object to the
// relationships that name it, so the object page reads the collection's
// relationship objects through the type index, newest first, at most
// relScanLimit of them, and says when it stopped before the oldest.
const relScanLimit = 5000

type relScan struct {
	Examined int
	Complete bool
}

func (p *Pages) relationships(ctx context.Context, col, id string) ([]*obj, relScan, error) {
	last, ok, err := p.lastPosition(ctx, col)
	if err != nil || !ok {
		return nil, relScan{Complete: true}, err
	}
	limit := relScanLimit
	types := []string{"relationship", "sighting"}
	w, err := p.newestStart(ctx, col, types, last, limit, limit/4, 0)
	if err != nil {
		return nil, relScan{}, err
	}
	var out []*obj
	scan := relScan{Complete: !w.Older}
	needle := []byte(`"` + id + `"`)
	err = p.readWindow(ctx, col, types, w, 1000, false, func(v store.RawVersion) error {
		scan.Examined++
		if !containsBytes(v.JSON, needle) {
			return nil
		}
		o, err := decodeObj(store.Record{ID: string(v.ID), Type: string(v.Type), DateAdded: v.DateAdded.Time(), JSON: append([]byte(nil), v.JSON...)})
		if err != nil {
			return nil
		}
		if o.str("source_ref") == id || o.str("target_ref") == id || o.str("sighting_of_ref") == id || contains(o.strs("where_sighted_refs"), id) || contains(o.strs("observed_data_refs"), id) {
			out = append(out, o)
		}
		return nil
	})
	if err != nil {
		return nil, relScan{}, err
	}
	return out, scan, nil
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}
