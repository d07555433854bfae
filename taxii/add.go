package taxii

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/stix"
	"github.com/heraldcti/herald/store"
)

// StatusResource is TAXII 2.1 §4.3.1, as the server sends it and
// Client reads it. Lists are omitted when empty (§2).
type StatusResource struct {
	ID               string          `json:"id"`
	Status           string          `json:"status"`
	RequestTimestamp string          `json:"request_timestamp,omitempty"`
	TotalCount       int             `json:"total_count"`
	SuccessCount     int             `json:"success_count"`
	Successes        []StatusDetails `json:"successes,omitempty"`
	FailureCount     int             `json:"failure_count"`
	Failures         []StatusDetails `json:"failures,omitempty"`
	PendingCount     int             `json:"pending_count"`
	Pendings         []StatusDetails `json:"pendings,omitempty"`
	// Outcomes is Herald's custom property (TAXII 2.1 §7.1.1): what
	// happened to each object, machine-readable. See StatusOutcomes.
	Outcomes *StatusOutcomes `json:"x_herald_outcomes,omitempty"`
}

// StatusDetails is one entry of a status's successes, failures or pendings.
type StatusDetails struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Message string `json:"message,omitempty"`
}

// StatusOutcomes is the value of the custom property x_herald_outcomes of
// a status resource: one outcome word (Outcome*) per entry of the
// status's successes and failures lists, in the same order, so a client
// counts what happened without reading the human-readable messages.
//
// Why on the status resource and not on each status-details entry: TAXII
// 2.1 §7.1.1 allows custom properties on TAXII resources, and the status
// is one; status details are a type inside it, for which the specification
// defines no custom properties, so a strict client may refuse an unknown
// key there. A client that does not know x_herald_outcomes ignores it (or,
// being strict about resources, is allowed by §7.1.1 to).
type StatusOutcomes struct {
	Successes []string `json:"successes,omitempty"`
	Failures  []string `json:"failures,omitempty"`
}

// Outcomes of an object in an add request (StatusOutcomes). Successes:
// OutcomeAdded, OutcomeNewVersion, OutcomeUnchanged, OutcomeReplaced.
// Failures: OutcomeInvalid, OutcomeConflict, OutcomeNotWritten.
const (
	// OutcomeAdded: a new object, stored.
	OutcomeAdded = "added"
	// OutcomeNewVersion: a new version of an object already stored.
	OutcomeNewVersion = "new_version"
	// OutcomeUnchanged: this version was stored already with equal
	// content (as JSON values); nothing changed.
	OutcomeUnchanged = "unchanged"
	// OutcomeReplaced: this version was stored with other content; the
	// collection's on_conflict is replace, so the new content replaced it
	// and got a new date_added.
	OutcomeReplaced = "replaced"
	// OutcomeInvalid: refused: not a valid STIX object, or of a media
	// type the collection does not take.
	OutcomeInvalid = "invalid"
	// OutcomeConflict: this version is stored with other content. Under
	// on_conflict keep the stored one stays (the rest of the request is
	// written); under fail nothing of the request was written.
	OutcomeConflict = "conflict"
	// OutcomeNotWritten: valid, but not written because another object
	// of the request conflicts and the collection's on_conflict is fail.
	OutcomeNotWritten = "not_written"
)

func toStatusResource(st store.Status) StatusResource {
	conv := func(ds []store.StatusDetail) []StatusDetails {
		if len(ds) == 0 {
			return nil
		}
		out := make([]StatusDetails, len(ds))
		for i, d := range ds {
			out[i] = StatusDetails{ID: d.ID, Version: d.Version, Message: d.Message}
		}
		return out
	}
	r := StatusResource{
		ID: st.ID, Status: st.Status, TotalCount: st.TotalCount,
		SuccessCount: st.SuccessCount, Successes: conv(st.Successes),
		FailureCount: st.FailureCount, Failures: conv(st.Failures),
		PendingCount: st.PendingCount, Pendings: conv(st.Pendings),
		Outcomes: statusOutcomes(st),
	}
	if !st.RequestTime.IsZero() {
		r.RequestTimestamp = formatTimestamp(st.RequestTime)
	}
	return r
}

// statusOutcomes lists the outcomes of the details, or nil when there is
// no detail or one has no outcome (a status stored by an older version).
func statusOutcomes(st store.Status) *StatusOutcomes {
	words := func(ds []store.StatusDetail) ([]string, bool) {
		if len(ds) == 0 {
			return nil, true
		}
		out := make([]string, len(ds))
		for i, d := range ds {
			if d.Outcome == "" {
				return nil, false
			}
			out[i] = d.Outcome
		}
		return out, true
	}
	succ, ok1 := words(st.Successes)
	fail, ok2 := words(st.Failures)
	if !ok1 || !ok2 || (succ == nil && fail == nil) {
		return nil
	}
	return &StatusOutcomes{Successes: succ, Failures: fail}
}

// maxFailureDetails caps the failures listed in one status; failure_count
// stays exact. Without it a 10 MB envelope of 5 million numbers would make
// a status (stored, then sent) of hundreds of megabytes: TAXII 2.1
// Appendix B asks servers to guard against such expensive requests. Real
// clients post far fewer invalid objects than this in one request.
const maxFailureDetails = 10_000

// Messages of status details.
const (
	msgAdded          = "added"
	msgNewVersion     = "added as a new version"
	msgPresent        = "already present"
	msgConflict       = "a different object with the same id and version is already stored; the stored one was kept (this collection's on_conflict is keep)"
	msgReplaced       = "replaced: the object stored with this id and version had different content; this one replaced it, with a new date_added (this collection's on_conflict is replace)"
	msgConflictFailed = "a different object with the same id and version is already stored; nothing in this request was written (this collection's on_conflict is fail)"
	msgNotWritten     = "not written: another object in this request conflicts with a stored version and this collection's on_conflict is fail"
)

// addObjects serves POST …/objects/ (§5.5). Checks, in order: the
// collection is visible (404) and writable (403); Content-Type is TAXII
// (415) and not compressed (415: Content-Encoding is refused rather than
// inflated, so max_content_length bounds what is decoded); the body fits
// max_content_length, counted on the raw bytes for sized and chunked
// bodies alike (413); it decodes as an envelope or a
// bundle (422, also for malformed JSON: §5.5's table names "malformed
// body" under 422). Then every object is validated by stix.Validate;
// valid ones are stored in one transaction, invalid ones and conflicts
// are failures, versions stored with JSON-equal content are successes
// ("already present"). A version stored with other content is settled by
// the collection's OnConflict: keep (a failure saying the stored one was
// kept), replace (a success: replaced, with a new date_added) or fail
// (nothing of the request is written; every valid object is a failure).
// The answer is 202 with a complete status, which is also stored for
// StatusRetention; it lists at most maxFailureDetails failures, and each
// detail's outcome in x_herald_outcomes.
func (s *Server) addObjects(c echo.Context) error {
	col, who, err := s.resolveCollection(c)
	if err != nil {
		return err
	}
	if !who.canWrite(col) {
		if who.anonymous() {
			return errorf(http.StatusUnauthorized, "adding objects needs authentication")
		}
		return errorf(http.StatusForbidden, "you may not add objects to this collection")
	}
	req := c.Request()
	if !isTAXIIContentType(req.Header.Get(echo.HeaderContentType)) {
		return errorf(http.StatusUnsupportedMediaType, "the request body must be %s", MediaTypeTAXII)
	}
	if err := refuseContentEncoding(req); err != nil {
		return err
	}
	st := s.settings()
	maxLen := st.MaxContentLength
	if req.ContentLength > maxLen {
		return errorf(http.StatusRequestEntityTooLarge, "the request body is %d bytes; max_content_length is %d", req.ContentLength, maxLen)
	}
	data, err := io.ReadAll(io.LimitReader(req.Body, maxLen+1))
	if err != nil {
		return &apiError{Status: http.StatusBadRequest, Description: "the request body could not be read", Err: err}
	}
	if int64(len(data)) > maxLen {
		return errorf(http.StatusRequestEntityTooLarge, "the request body exceeds max_content_length (%d bytes)", maxLen)
	}
	requestTime := st.Now()

	objs, err := stix.Decode(data, stix.DecodeOptions{MaxBytes: maxLen})
	var elemErrs stix.ElementErrors
	nElemErrs := stix.ElementErrorCount(err)
	if errors.As(err, &elemErrs) {
		err = nil
	}
	if err != nil {
		return decodeError(err)
	}

	status := store.Status{
		ID:           uuid.NewString(),
		Status:       "complete",
		RequestTime:  requestTime,
		CollectionID: col.ID,
		TotalCount:   len(objs) + nElemErrs,
	}
	fail := func(id, version, msg, outcome string) {
		status.FailureCount++
		if len(status.Failures) < maxFailureDetails {
			status.Failures = append(status.Failures, store.StatusDetail{ID: id, Version: version, Message: msg, Outcome: outcome})
		}
	}
	succeed := func(r store.PutResult, msg, outcome string) {
		status.Successes = append(status.Successes, store.StatusDetail{ID: r.ID, Version: r.Version, Message: msg, Outcome: outcome})
	}
	for _, e := range elemErrs {
		fail(fmt.Sprintf("objects[%d]", e.Index), "", e.Msg, OutcomeInvalid)
	}
	status.FailureCount += nElemErrs - len(elemErrs) // counted, not listed
	accepted := acceptedMediaTypes(col)
	valid := make([]stix.Object, 0, len(objs))
	for _, o := range objs {
		if err := stix.Validate(o); err != nil {
			fail(o.ID, o.Version(), validationMessage(err), OutcomeInvalid)
			continue
		}
		if mt := "application/stix+json;version=" + o.EffectiveSpecVersion(); !accepted[mt] {
			fail(o.ID, o.Version(), "this collection does not accept "+mt, OutcomeInvalid)
			continue
		}
		valid = append(valid, o)
	}
	if len(valid) > 0 {
		results, err := s.db.PutObjectsWith(req.Context(), col.ID, valid, store.PutOptions{OnConflict: col.OnConflict})
		var ce *store.ConflictError
		switch {
		case errors.As(err, &ce):
			// on_conflict fail: nothing was written.
			conflicting := make(map[int]bool, len(ce.Conflicts))
			for _, c := range ce.Conflicts {
				conflicting[c.Index] = true
			}
			for i, o := range valid {
				if conflicting[i] {
					fail(o.ID, o.Version(), msgConflictFailed, OutcomeConflict)
				} else {
					fail(o.ID, o.Version(), msgNotWritten, OutcomeNotWritten)
				}
			}
		case err != nil:
			return err
		}
		for _, r := range results {
			switch r.Outcome {
			case store.Added:
				if r.NewObject {
					succeed(r, msgAdded, OutcomeAdded)
				} else {
					succeed(r, msgNewVersion, OutcomeNewVersion)
				}
			case store.Unchanged:
				succeed(r, msgPresent, OutcomeUnchanged)
			case store.Replaced:
				succeed(r, msgReplaced, OutcomeReplaced)
			default:
				fail(r.ID, r.Version, msgConflict, OutcomeConflict)
			}
		}
	}
	status.SuccessCount = len(status.Successes)
	if err := s.db.PutStatus(req.Context(), status); err != nil {
		return err
	}
	s.metrics.addedObjects(col.ID, status.SuccessCount, status.FailureCount)
	s.logFor(c).Info("objects added", "collection", col.ID, "status_id", status.ID,
		"total", status.TotalCount, "successes", status.SuccessCount, "failures", status.FailureCount)
	return writeJSON(c, http.StatusAccepted, toStatusResource(status))
}

// acceptedMediaTypes is the set of object media types a collection takes.
func acceptedMediaTypes(col store.Collection) map[string]bool {
	mts := col.MediaTypes
	if len(mts) == 0 {
		mts = []string{MediaTypeSTIX}
	}
	set := make(map[string]bool, len(mts))
	for _, mt := range mts {
		set[strings.ReplaceAll(strings.ToLower(mt), " ", "")] = true
	}
	return set
}

// decodeError maps a fatal stix.Decode error to 413 or 422.
func decodeError(err error) error {
	var le *stix.LimitError
	if errors.As(err, &le) && (le.Limit == "size" || le.Limit == "objects" || le.Limit == "object size") {
		return &apiError{Status: http.StatusRequestEntityTooLarge, Description: le.Error(), Err: err}
	}
	var se *stix.SyntaxError
	if errors.As(err, &se) || errors.As(err, &le) || errors.Is(err, stix.ErrShape) {
		return &apiError{Status: http.StatusUnprocessableEntity, Description: "the body is not a TAXII envelope or STIX bundle: " + err.Error(), Err: err}
	}
	return &apiError{Status: http.StatusUnprocessableEntity, Description: "the body could not be processed", Err: err}
}

// validationMessage renders a stix validation error for a status detail.
func validationMessage(err error) string {
	var ve *stix.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) == 0 {
		return err.Error()
	}
	var b strings.Builder
	b.WriteString("invalid: ")
	for i, p := range ve.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		if p.Property != "" {
			b.WriteString(p.Property)
			b.WriteString(": ")
		}
		b.WriteString(p.Reason)
	}
	return b.String()
}

// getStatus serves GET /{api-root}/status/{status-id}/ (§4.3). A status is
// visible to admins and to callers who may write its collection (they
// made, or could have made, the request); otherwise, and once purged, 404.
func (s *Server) getStatus(c echo.Context) error {
	who, err := requireCaller(c)
	if err != nil {
		return err
	}
	id, err := url.PathUnescape(c.Param("status"))
	if err != nil || !isUUID(id) {
		return errorf(http.StatusNotFound, "no such status")
	}
	st, err := s.db.Status(c.Request().Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return errorf(http.StatusNotFound, "no such status")
	}
	if err != nil {
		return err
	}
	if !who.Admin && !who.Grants[st.CollectionID].Write {
		return errorf(http.StatusNotFound, "no such status")
	}
	return writeJSON(c, http.StatusOK, toStatusResource(st))
}

// isUUID accepts the canonical 36-character UUID form only.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
