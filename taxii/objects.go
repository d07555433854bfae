package taxii

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/store"
)

// Response headers of the paged endpoints (TAXII 2.1 §3.2).
const (
	headerFirst = "X-TAXII-Date-Added-First"
	headerLast  = "X-TAXII-Date-Added-Last"
)

// pageRequest is a parsed request to one of the paged endpoints.
type pageRequest struct {
	ep     endpoint
	col    store.Collection
	who    *caller
	object string // object and versions endpoints
	f      filters
	pos    store.Position
	limit  int
	stamp  contentStamp // read with col when the page cache is on
}

func (pr *pageRequest) scope() scope {
	return scope{Endpoint: pr.ep, Collection: pr.col.ID, Object: pr.object, Caller: pr.who.callerTag()}
}

func (pr *pageRequest) query(noBytes bool) store.Query {
	q := store.Query{
		IDs: pr.f.IDs, Types: pr.f.Types, Versions: pr.f.Versions, SpecVersions: pr.f.SpecVersions,
		Limit: pr.limit, After: pr.pos, NoBytes: noBytes,
	}
	if pr.f.HasAddedAfter {
		q.AddedAfter = pr.f.AddedAfter
	}
	return q
}

// preparePage checks the collection (visible, readable), parses the query,
// resolves the next token and applies the page size rules: no limit → the
// default page size; above the maximum → the maximum (capped, not refused).
func (s *Server) preparePage(c echo.Context, ep endpoint) (*pageRequest, error) {
	var stamper store.ContentStamper
	if s.pages != nil && (ep == epObjects || ep == epObject) {
		stamper = s.pages.stamper // envelopes are cached: read the stamp with the record
	}
	col, who, stamp, err := s.readable(c, stamper)
	if err != nil {
		return nil, err
	}
	pr := &pageRequest{ep: ep, col: col, who: who, stamp: stamp}
	if ep == epObject || ep == epVersions {
		if pr.object, err = objectParam(c); err != nil {
			return nil, err
		}
	}
	p, err := parseQuery(c.QueryString(), ep)
	if err != nil {
		return nil, err
	}
	if pr.f, pr.pos, err = s.tokens.resolve(p, pr.scope()); err != nil {
		return nil, err
	}
	st := s.settings()
	pr.limit = p.Limit
	if pr.limit == 0 {
		pr.limit = st.DefaultPageSize
	}
	if pr.limit > st.MaxPageSize {
		pr.limit = st.MaxPageSize
	}
	if !who.anonymous() {
		s.metrics.polled(who.Name, st.Now())
	}
	return pr, nil
}

// objectParam is the {object-id} of the URL: a STIX id (TAXII 2.1 §5.6).
func objectParam(c echo.Context) (string, error) {
	id, err := url.PathUnescape(c.Param("object"))
	if err != nil || !validID(id) {
		return "", errorf(http.StatusNotFound, "no such object in this collection")
	}
	return id, nil
}

// Canonical forms of the date headers, so setting them does not
// canonicalise (and allocate) on every request; the wire form is the same
// as Header.Set's.
var (
	keyFirst = http.CanonicalHeaderKey(headerFirst)
	keyLast  = http.CanonicalHeaderKey(headerLast)
)

// dateHeaders is pageDateHeaders for a page of Records (manifest and
// versions endpoints).
func (s *Server) dateHeaders(c echo.Context, pr *pageRequest, recs []store.Record) error {
	var info store.PageInfo
	if n := len(recs); n > 0 {
		info.Count = n
		info.First = store.Position(recs[0].DateAdded.UnixMicro())
		info.Last = store.Position(recs[n-1].DateAdded.UnixMicro())
	}
	return s.pageDateHeaders(c, pr, info)
}

// pageDateHeaders sets X-TAXII-Date-Added-First/-Last (§3.2) on a 200: the
// first and last date_added of the page; on an empty page the lower bound
// of the request (the next token's position, else added_after) so every
// client's cursor stays where it was, else the collection's latest
// date_added, omitted only when the collection is empty.
func (s *Server) pageDateHeaders(c echo.Context, pr *pageRequest, info store.PageInfo) error {
	h := c.Response().Header()
	if info.Count > 0 {
		setPageDates(h, pageDateValues(info))
		return nil
	}
	var t time.Time
	switch {
	case pr.pos > 0:
		t = time.UnixMicro(int64(pr.pos))
	case pr.f.HasAddedAfter:
		t = pr.f.AddedAfter
	default:
		ctx := c.Request().Context()
		last, err := s.db.LastDateAdded(ctx, pr.col.ID)
		if err != nil {
			return err
		}
		if last.IsZero() {
			return nil
		}
		// The page was read before last was: a version committed in
		// between, with a date_added up to last, may match the filters
		// and yet be missing from the page, and a client resuming from
		// last would never see it. Read again, after last: only when
		// still nothing matches is last a safe place to resume from.
		q := pr.query(true)
		q.Limit = 1
		again, err := s.db.Objects(ctx, pr.col.ID, q)
		if err != nil {
			return err
		}
		if len(again.Records) > 0 || again.More {
			return nil
		}
		t = last
	}
	ts := formatTimestamp(t)
	h.Set(headerFirst, ts)
	h.Set(headerLast, ts)
	return nil
}

// pageDateValues is the X-TAXII-Date-Added-First and -Last of a page with
// objects, in one string and one slice: two allocations instead of four,
// and none per request for a cached page, which keeps them.
func pageDateValues(info store.PageInfo) []string {
	var buf [2 * len(timestampLayout)]byte
	b := appendTimestamp(buf[:0], info.First.Time())
	n := len(b)
	ts := string(appendTimestamp(b, info.Last.Time()))
	return []string{ts[:n], ts[n:]}
}

// setPageDates sets the date headers from pageDateValues. The slices given
// to the header have no room to grow, so the shared values are never
// written through them.
func setPageDates(h http.Header, vals []string) {
	h[keyFirst], h[keyLast] = vals[:1:1], vals[1:2:2]
}

// getObjects serves GET …/objects/ (§5.4).
func (s *Server) getObjects(c echo.Context) error {
	pr, err := s.preparePage(c, epObjects)
	if err != nil {
		return err
	}
	return s.writeEnvelope(c, pr, pr.query(false))
}

// getObject serves GET …/objects/{object-id}/ (§5.6): an envelope with the
// selected versions; 404 when the collection has no version of the object.
func (s *Server) getObject(c echo.Context) error {
	pr, err := s.preparePage(c, epObject)
	if err != nil {
		return err
	}
	q := pr.query(false)
	q.IDs = []string{pr.object}
	return s.writeEnvelope(c, pr, q)
}

func (s *Server) mustExist(c echo.Context, pr *pageRequest) error {
	ok, err := s.db.ObjectExists(c.Request().Context(), pr.col.ID, pr.object)
	if err != nil {
		return err
	}
	if !ok {
		return errorf(http.StatusNotFound, "no such object in this collection")
	}
	return nil
}

// writeEnvelope serves an envelope (§3.7): the stored JSON of each version
// of the page of q copied between `{"more":…,"next":…,"objects":[` and
// `]}`, never re-encoded. more and next always come together. On the
// object endpoint (pr.object set) an empty page is a 404 unless the
// object has versions (filtered out).
//
// With the page cache on (pagecache.go), a page the store answered before
// under its current content stamp is written from memory; otherwise the
// store is walked (walkEnvelope) and the answer is kept for the next
// request.
func (s *Server) writeEnvelope(c echo.Context, pr *pageRequest, q store.Query) error {
	pc := s.pages
	if pc == nil {
		return s.walkEnvelope(c, pr, q, nil)
	}
	// The stamp was read with the collection's record (preparePage), after
	// the request began and before the page is read.
	if !pr.stamp.usable { // a write is in flight: nothing may be reused or kept now
		pc.bypasses.Add(1)
		return s.walkEnvelope(c, pr, q, nil)
	}
	stamp := pr.stamp.stamp
	var kb [256]byte
	key := appendPageKey(kb[:0], pr.col.ID, q)
	if p := pc.get(key, stamp); p != nil {
		return s.writeCachedEnvelope(c, pr, p)
	}
	// A copy of the key for the walk: kb then stays on the stack.
	fill := pageFill{pc: pc, stamp: stamp, key: bytes.Clone(key)}
	return s.walkEnvelope(c, pr, q, &fill)
}

// pageFill is where walkEnvelope keeps the page it read: the cache, the
// query's key and the stamp read before the walk.
type pageFill struct {
	pc    *pageCache
	key   []byte
	stamp uint64
}

// keep caches the page the walk produced, when the envelope around it can
// be rebuilt without the store: a page with objects, or an empty one whose
// date headers come from the request (a next token or added_after; see
// pageDateHeaders). objects is the page's objects joined by commas, valid
// only during the call.
func (f *pageFill) keep(pr *pageRequest, info store.PageInfo, objects []byte) {
	if info.Count == 0 && (pr.object != "" || (pr.pos == 0 && !pr.f.HasAddedAfter)) {
		return
	}
	p := &cachedPage{stamp: f.stamp, info: info}
	if info.Count > 0 {
		p.dates = pageDateValues(info)
		p.body = make([]byte, 0, len(objects)+len(closeListObject))
		p.body = append(append(p.body, objects...), closeListObject...)
	}
	f.pc.put(f.key, p)
}

// walkEnvelope serves the envelope from a walk of the store; fill, when
// not nil, keeps the page in the cache.
//
// The objects are copied straight from the store into the pooled body
// buffer (response_body.go) while the store's read transaction is open, with no
// allocation per object; the head, which needs the page's More and Next,
// is put in front afterwards.
func (s *Server) walkEnvelope(c echo.Context, pr *pageRequest, q store.Query, fill *pageFill) error {
	var w *bodyWriter // started by the first object: a 404 takes no buffer
	add := func(js []byte) {
		if w == nil {
			w = startBody(c, http.StatusOK)
			w.reserveHead()
		} else {
			_, _ = w.Write(comma) // bodyWriter.Write never fails
		}
		_, _ = w.Write(js)
	}
	info, err := s.readPage(c.Request().Context(), pr.col.ID, q, add)
	if err == nil && info.Count == 0 && pr.object != "" {
		err = s.mustExist(c, pr)
	}
	if err == nil {
		err = s.pageDateHeaders(c, pr, info)
	}
	if err != nil {
		if w != nil {
			w.discard()
		}
		return err
	}
	if fill != nil {
		var objects []byte
		if w != nil {
			objects = w.body()
		}
		fill.keep(pr, info, objects)
	}
	var head [512]byte // fits the usual next token: no allocation
	h := appendEnvelopeHead(head[:0], s.tokens, pr, info, s.settings().EmptyObjectsList)
	if w == nil {
		w = startBody(c, http.StatusOK)
	}
	w.putHead(h) // into the room reserved in front: the page does not move
	if info.Count > 0 || s.settings().EmptyObjectsList {
		_, _ = w.Write(closeListObject)
	} else {
		_, _ = w.Write(closeObject)
	}
	return s.finishBody(c, w, nil)
}

// appendEnvelopeHead appends the envelope up to its first object:
// `{"more":…` and, when the page has objects or the settings ask for an
// empty list, `,"objects":[`.
func appendEnvelopeHead(b []byte, tokens tokenSigner, pr *pageRequest, info store.PageInfo, emptyList bool) []byte {
	b = appendMoreNext(b, tokens, pr, info.More, info.Next)
	if info.Count > 0 || emptyList {
		b = append(b, `,"objects":[`...)
	}
	return b
}

// writeCachedEnvelope serves an envelope around a cached page. The head
// (whose next token is bound to the caller) is written per request; an
// uncompressed page is then written from the cache's memory as it is,
// with no copy, exactly as the walk would have written it.
func (s *Server) writeCachedEnvelope(c echo.Context, pr *pageRequest, p *cachedPage) error {
	if p.dates != nil {
		setPageDates(c.Response().Header(), p.dates)
	} else if err := s.pageDateHeaders(c, pr, p.info); err != nil {
		return err
	}
	ph := s.cachedHead(pr, p)
	if p.info.Count == 0 || acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)) {
		w := startBody(c, http.StatusOK)
		_, _ = w.Write(ph.head)
		switch {
		case p.info.Count > 0:
			_, _ = w.Write(p.body)
		case s.settings().EmptyObjectsList:
			_, _ = w.Write(closeListObject)
		default:
			_, _ = w.Write(closeObject)
		}
		return s.finishBody(c, w, nil)
	}
	resp := c.Response()
	hdr := resp.Header()
	if _, ok := hdr[echo.HeaderVary]; ok {
		hdr.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
	} else {
		hdr[echo.HeaderVary] = valVaryAcceptEncoding
	}
	hdr[echo.HeaderContentLength] = ph.length
	resp.WriteHeader(http.StatusOK)
	// Two writes, like one: net/http buffers the head and sends it with
	// the start of the body.
	_, err := resp.Write(ph.head)
	if err == nil {
		_, err = resp.Write(p.body)
	}
	if err != nil {
		s.logFor(c).Debug("response body cut short", "err", err)
	}
	return nil
}

// cachedHead returns the head of cached page p for the request pr: the
// page's memo when it was made for the same token scope, filters and
// settings, else a new one, which becomes the memo when it is short
// enough.
func (s *Server) cachedHead(pr *pageRequest, p *cachedPage) *pageHead {
	emptyList := s.settings().EmptyObjectsList
	sc := pr.scope()
	if ph := p.headFor(sc, pr.f, emptyList); ph != nil {
		return ph
	}
	h := appendEnvelopeHead(nil, s.tokens, pr, p.info, emptyList)
	ph := &pageHead{scope: sc, f: pr.f, emptyList: emptyList, head: h, length: []string{strconv.Itoa(len(h) + len(p.body))}}
	if len(h) <= maxMemoHead {
		p.head.Store(ph)
	}
	return ph
}

// readPage fills a page through the store's streaming walk: add is called
// with each version's stored JSON, valid only during the call.
func (s *Server) readPage(ctx context.Context, colID string, q store.Query, add func(json []byte)) (store.PageInfo, error) {
	return s.db.ObjectsTo(ctx, colID, q, func(v store.RawVersion) error {
		add(v.JSON)
		return nil
	})
}

// discard gives back the buffer of a body that will not be sent (the
// handler answers with an error instead). The writer is dead afterwards.
func (b *bodyWriter) discard() {
	if cap(*b.buf) <= maxPooledBody {
		*b.buf = (*b.buf)[:0]
		bodyPool.Put(b.buf)
	}
	b.buf = nil
}

var (
	comma           = []byte{','}
	closeListObject = []byte("]}")
	closeObject     = []byte("}")
)

// appendMore appends `{"more":false` or `{"more":true,"next":"…"`.
func (s *Server) appendMore(buf []byte, pr *pageRequest, page store.Page) []byte {
	return appendMoreNext(buf, s.tokens, pr, page.More, page.Next)
}

// appendMoreNext is appendMore from a page's More and Next.
func appendMoreNext(buf []byte, tokens tokenSigner, pr *pageRequest, more bool, next store.Position) []byte {
	if !more {
		return append(buf, `{"more":false`...)
	}
	buf = append(buf, `{"more":true,"next":"`...)
	// A token is base64url and '.': nothing to escape in JSON.
	buf = tokens.appendSign(buf, pr.scope(), pr.f, next)
	return append(buf, '"')
}

// finishBody closes the writer. Once the status is sent an error can only
// be logged; the client sees a truncated body.
func (s *Server) finishBody(c echo.Context, w *bodyWriter, err error) error {
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.logFor(c).Debug("response body cut short", "err", err)
	}
	return nil
}

// getManifest serves GET …/manifest/ (§5.3): one record per version;
// filters apply to the objects. Carries next like the envelope (erratum
// oasis-tcs/cti-taxii2#110).
func (s *Server) getManifest(c echo.Context) error {
	pr, err := s.preparePage(c, epManifest)
	if err != nil {
		return err
	}
	page, err := s.db.Objects(c.Request().Context(), pr.col.ID, pr.query(true))
	if err != nil {
		return err
	}
	if err := s.dateHeaders(c, pr, page.Records); err != nil {
		return err
	}
	w := startBody(c, http.StatusOK)
	buf := make([]byte, 0, 4096)
	buf = s.appendMore(buf, pr, page)
	if len(page.Records) > 0 {
		buf = append(buf, `,"objects":[`...)
	}
	for i, r := range page.Records {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, `{"id":`...)
		buf = appendJSONString(buf, r.ID)
		buf = append(buf, `,"date_added":"`...)
		buf = appendTimestamp(buf, r.DateAdded)
		buf = append(buf, `","version":`...)
		buf = appendJSONString(buf, r.Version)
		mt := r.MediaType
		if mt == "" {
			mt = "application/stix+json;version=" + r.SpecVersion
		}
		buf = append(buf, `,"media_type":`...)
		buf = appendJSONString(buf, mt)
		buf = append(buf, '}')
	}
	if len(page.Records) > 0 {
		buf = append(buf, ']')
	}
	buf = append(buf, '}')
	_, err = w.Write(buf)
	return s.finishBody(c, w, err)
}

// getVersions serves GET …/objects/{object-id}/versions/ (§5.8): the
// versions ascending by date_added, with paging and next.
func (s *Server) getVersions(c echo.Context) error {
	pr, err := s.preparePage(c, epVersions)
	if err != nil {
		return err
	}
	page, err := s.db.ObjectVersions(c.Request().Context(), pr.col.ID, pr.object, pr.query(true))
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "no such object in this collection")
	}
	if err != nil {
		return err
	}
	if len(page.Records) == 0 {
		if err := s.mustExist(c, pr); err != nil {
			return err
		}
	}
	if err := s.dateHeaders(c, pr, page.Records); err != nil {
		return err
	}
	w := startBody(c, http.StatusOK)
	buf := make([]byte, 0, 1024)
	buf = s.appendMore(buf, pr, page)
	if len(page.Records) > 0 {
		buf = append(buf, `,"versions":[`...)
		for i, r := range page.Records {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendJSONString(buf, r.Version)
		}
		buf = append(buf, ']')
	}
	buf = append(buf, '}')
	_, err = w.Write(buf)
	return s.finishBody(c, w, err)
}

// deleteObject serves DELETE …/objects/{object-id}/ (§5.7) with the
// permission matrix of the spec: can_read/can_write F/F → 404, T/F → 403,
// F/T → 403, T/T → delete the versions selected by match[version] and
// match[spec_version]; 404 when nothing matched. 200 without a body.
func (s *Server) deleteObject(c echo.Context) error {
	col, who, err := s.resolveCollection(c)
	if err != nil {
		return err
	}
	if !who.canRead(col) || !who.canWrite(col) {
		if who.anonymous() {
			return errorf(http.StatusUnauthorized, "deleting needs authentication")
		}
		return errorf(http.StatusForbidden, "deleting needs both read and write access to this collection")
	}
	id, err := objectParam(c)
	if err != nil {
		return err
	}
	p, err := parseQuery(c.QueryString(), epDelete)
	if err != nil {
		return err
	}
	n, err := s.db.DeleteObject(c.Request().Context(), col.ID, id, p.Versions, p.SpecVersions)
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "no such object (or no matching version) in this collection")
	}
	if err != nil {
		return err
	}
	s.logFor(c).Info("object deleted", "collection", col.ID, "object", id, "versions", n)
	return c.NoContent(http.StatusOK)
}
