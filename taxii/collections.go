package taxii

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/store"
)

// CollectionResource is TAXII 2.1 §5.2.1 (server and Client).
type CollectionResource struct {
	ID          string   `json:"id"`
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Alias       string   `json:"alias,omitempty"`
	CanRead     bool     `json:"can_read"`
	CanWrite    bool     `json:"can_write"`
	MediaTypes  []string `json:"media_types,omitempty"`
	// OnConflict is Herald's custom property (TAXII 2.1 §7.1.1): what an
	// add request does with a version already stored with other content
	// (keep, replace or fail). Shown to callers who may write only.
	OnConflict string `json:"x_herald_on_conflict,omitempty"`
}

// CollectionsResource is TAXII 2.1 §5.1.1; no collections → {}.
type CollectionsResource struct {
	Collections []CollectionResource `json:"collections,omitempty"`
}

func toResource(col store.Collection, who *caller) CollectionResource {
	mt := col.MediaTypes
	if len(mt) == 0 {
		mt = []string{MediaTypeSTIX}
	}
	r := CollectionResource{
		ID: col.ID, Title: col.Title, Description: col.Description, Alias: col.Alias,
		CanRead: who.canRead(col), CanWrite: who.canWrite(col), MediaTypes: mt,
	}
	if r.CanWrite {
		r.OnConflict = string(col.OnConflict)
	}
	return r
}

// getCollections serves GET /{api-root}/collections/ (§5.1): the
// collections the caller can read or write, sorted by id (the store's
// order), with can_read/can_write computed for the caller. Anonymous
// callers see the public-read collections.
func (s *Server) getCollections(c echo.Context) error {
	who := callerFrom(c)
	cols, err := s.db.Collections(c.Request().Context())
	if err != nil {
		return err
	}
	var res CollectionsResource
	for _, col := range cols {
		if who.visible(col) {
			res.Collections = append(res.Collections, toResource(col, who))
		}
	}
	return writeJSON(c, http.StatusOK, res)
}

// getCollection serves GET /{api-root}/collections/{id}/ (§5.2).
func (s *Server) getCollection(c echo.Context) error {
	col, who, err := s.resolveCollection(c)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toResource(col, who))
}

// errNoCollection is the one answer for "no such collection" and "not
// yours": the two must be indistinguishable (TAXII 2.1 Appendix B).
var errNoCollection = errorf(http.StatusNotFound, "no such collection, or it is not available to you")

// resolveCollection finds the {collection} of the URL, by id or alias
// (not by title: titles are for people and may contain anything), and
// checks that the caller may see it. Collections the caller can neither
// read nor write answer 404; an anonymous caller gets 401 instead (for
// every non-public collection, existing or not, so nothing leaks) because
// many clients only send credentials after a challenge.
func (s *Server) resolveCollection(c echo.Context) (store.Collection, *caller, error) {
	col, who, _, err := s.resolveStamped(c, nil)
	return col, who, err
}

// contentStamp is the page cache's stamp of a collection, read with its
// record (store.ContentStamper.StampedCollection).
type contentStamp struct {
	stamp  uint64
	usable bool // no write was in flight
}

// resolveStamped is resolveCollection that, when stamper is not nil, reads
// the collection's content stamp in the same read as its record.
func (s *Server) resolveStamped(c echo.Context, stamper store.ContentStamper) (store.Collection, *caller, contentStamp, error) {
	var cs contentStamp
	who := callerFrom(c)
	ref, err := url.PathUnescape(c.Param("collection"))
	if err != nil {
		return store.Collection{}, nil, cs, errNoCollection
	}
	var col store.Collection
	if stamper != nil {
		col, cs.stamp, cs.usable, err = stamper.StampedCollection(c.Request().Context(), ref)
	} else {
		col, err = s.db.Collection(c.Request().Context(), ref)
	}
	if errors.Is(err, store.ErrNotFound) || (err == nil && ref != col.ID && (col.Alias == "" || ref != col.Alias)) {
		if who.anonymous() {
			return store.Collection{}, nil, cs, errorf(http.StatusUnauthorized, "this collection needs authentication")
		}
		return store.Collection{}, nil, cs, errNoCollection
	}
	if err != nil {
		return store.Collection{}, nil, cs, err
	}
	if !who.visible(col) {
		if who.anonymous() {
			return store.Collection{}, nil, cs, errorf(http.StatusUnauthorized, "this collection needs authentication")
		}
		return store.Collection{}, nil, cs, errNoCollection
	}
	return col, who, cs, nil
}

// readable is resolveCollection plus can_read (403 when the caller may
// only write: the collection is visible to it, so 403 is honest).
// With stamper, the collection's content stamp is read with its record
// (resolveStamped).
func (s *Server) readable(c echo.Context, stamper store.ContentStamper) (store.Collection, *caller, contentStamp, error) {
	col, who, cs, err := s.resolveStamped(c, stamper)
	if err != nil {
		return col, who, cs, err
	}
	if !who.canRead(col) {
		return col, who, cs, errorf(http.StatusForbidden, "you may not read this collection")
	}
	return col, who, cs, nil
}
