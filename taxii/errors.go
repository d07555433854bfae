package taxii

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/heraldcti/herald/store"
)

// apiError is an error a handler returns to choose the HTTP status and the
// client-facing description of the TAXII error resource. Err, when set, is
// the internal cause: it is logged, never sent.
type apiError struct {
	Status      int
	Description string
	Err         error
	// Header is added to the response (WWW-Authenticate, Retry-After...).
	Header http.Header
}

func (e *apiError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Description, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Description)
}

func (e *apiError) Unwrap() error { return e.Err }

// errorf returns an *apiError with the given status whose description,
// shown to the client, is the formatted message. Use it for every client
// mistake; the admin API (admin*.go) uses it too.
func errorf(status int, format string, args ...any) *apiError {
	return &apiError{Status: status, Description: fmt.Sprintf(format, args...)}
}

// badRequest is errorf(400, ...): malformed parameters, never a 500.
func badRequest(format string, args ...any) *apiError {
	return errorf(http.StatusBadRequest, format, args...)
}

// storeErrors is THE table from store (and context) errors to HTTP statuses
// and client-facing descriptions. Order matters: the first match wins.
// Descriptions never include the wrapped error text, which may name files or
// internal ids; that goes to the log.
var storeErrors = []struct {
	err         error
	status      int
	description string
}{
	{store.ErrNotFound, http.StatusNotFound, "the requested resource does not exist or is not available to you"},
	{store.ErrBadParameter, http.StatusBadRequest, "a parameter of the request is malformed"},
	{store.ErrExists, http.StatusConflict, "a resource with that name already exists"},
	{store.ErrLastAdmin, http.StatusConflict, "the last admin account cannot be removed or demoted; create another admin first"},
	{store.ErrLocked, http.StatusServiceUnavailable, "the database is busy; try again later"},
	{store.ErrSchema, http.StatusInternalServerError, "internal server error"},
	{context.DeadlineExceeded, http.StatusServiceUnavailable, "the request took too long"},
	{context.Canceled, statusClientClosed, "the request was cancelled"},
}

// statusClientClosed is the de facto status (nginx's 499) logged when the
// client went away; the client never sees it.
const statusClientClosed = 499

// classify maps any error a handler returns to an HTTP status, the client
// description and extra headers. It is the single place that decides.
func classify(err error) (status int, description string, header http.Header) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.Status, ae.Description, ae.Header
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		desc := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok && m != "" {
			desc = m
		}
		if he.Code == http.StatusNotFound {
			desc = "no TAXII resource at this URL"
		}
		if he.Code == http.StatusMethodNotAllowed {
			desc = "this method is not supported on this resource; see the Allow header"
		}
		return he.Code, desc, nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge, "the request body exceeds max_content_length", nil
	}
	for _, m := range storeErrors {
		if errors.Is(err, m.err) {
			return m.status, m.description, nil
		}
	}
	return http.StatusInternalServerError, "internal server error", nil
}

// ErrorResource is the TAXII 2.1 error resource (§3.6.1), as the server
// sends it and Client reads it.
type ErrorResource struct {
	Title       string `json:"title"`
	Description string `json:"description,omitempty"`
	ErrorID     string `json:"error_id,omitempty"`
	HTTPStatus  string `json:"http_status"`
}

// handleError is echo's HTTPErrorHandler: every failure, including unknown
// routes (404), wrong methods (405, with Allow), authentication (401 with
// WWW-Authenticate) and recovered panics (500), becomes a TAXII error
// resource whose http_status equals the status and whose error_id is the
// request id.
func (s *Server) handleError(err error, c echo.Context) {
	status, description, header := classify(err)
	rid := requestID(c)
	log := s.logFor(c)
	switch {
	case status >= 500:
		log.Error("request failed", "status", status, "err", err)
	case status == statusClientClosed:
		log.Debug("client went away", "err", err)
	default:
		log.Debug("request refused", "status", status, "err", err)
	}
	stateOf(c).status = status
	resp := c.Response()
	if resp.Committed {
		return
	}
	for k, vs := range header {
		for _, v := range vs {
			resp.Header().Add(k, v)
		}
	}
	if status == http.StatusUnauthorized && resp.Header().Get("WWW-Authenticate") == "" {
		resp.Header().Set("WWW-Authenticate", wwwAuthenticate)
	}
	if status == statusClientClosed {
		status = http.StatusBadRequest
	}
	resp.Header().Set(echo.HeaderContentType, MediaTypeTAXII)
	resp.Header().Del(echo.HeaderContentEncoding)
	if c.Request().Method == http.MethodHead {
		resp.WriteHeader(status)
		return
	}
	body, mErr := json.Marshal(ErrorResource{
		Title:       http.StatusText(status),
		Description: description,
		ErrorID:     rid,
		HTTPStatus:  strconv.Itoa(status),
	})
	if mErr != nil { // cannot happen with these field types
		log.Error("encode error resource", "err", mErr)
	}
	if wErr := c.Blob(status, MediaTypeTAXII, body); wErr != nil {
		log.Debug("write error response", "err", wErr)
	}
}

// StatusError is an error answer as Client receives it: the request, the
// HTTP status and the TAXII error resource's title and description. It
// unwraps to the store sentinel that storeErrors maps to its status (see
// sentinelForStatus), so a caller tests errors.Is(err, store.ErrNotFound)
// the same way against a local store and a remote server.
type StatusError struct {
	Method, Path string
	Status       int
	Title        string
	Description  string
	// Hint, when set, ends the message of a 401 (say how to authenticate).
	Hint string
}

func (e *StatusError) Error() string {
	msg := fmt.Sprintf("%s %s: server answered %d", e.Method, e.Path, e.Status)
	if e.Title != "" {
		msg += ": " + e.Title
	}
	if e.Description != "" && e.Description != e.Title {
		msg += ": " + e.Description
	}
	if e.Status == http.StatusUnauthorized && e.Hint != "" {
		msg += " (" + e.Hint + ")"
	}
	return msg
}

// Unwrap returns the store sentinel of the status, or nil.
func (e *StatusError) Unwrap() error { return sentinelForStatus(e.Status) }

// sentinelForStatus reads storeErrors backwards: the first store sentinel
// the table maps to this status, for client errors (4xx) only: a 5xx is
// the server's failure, not something the caller did (storeErrors maps
// ErrSchema to 500 and ErrLocked to 503, which a client must not take
// for its own database's state). 422, which the add endpoint answers for
// a body that is not an envelope, is ErrBadParameter too.
func sentinelForStatus(status int) error {
	if status < 400 || status >= 500 {
		return nil
	}
	if status == http.StatusUnprocessableEntity {
		return store.ErrBadParameter
	}
	for _, m := range storeErrors {
		if m.status == status && isStoreSentinel(m.err) {
			return m.err
		}
	}
	return nil
}

// isStoreSentinel tells the store's sentinels from the context errors of
// storeErrors.
func isStoreSentinel(err error) bool {
	return err != context.Canceled && err != context.DeadlineExceeded
}
