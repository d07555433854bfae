package stix

import (
	"errors"
	"fmt"
)

// SyntaxError reports malformed JSON. Line and Column are 1-based; Column
// counts characters (UTF-8 sequences), not bytes. Offset is the 0-based byte
// offset of the offending byte in the input (the input's length when the
// input ended too early).
type SyntaxError struct {
	Line, Column int
	Offset       int64
	Msg          string
}

// Error gives the position and the reason.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("stix: invalid JSON at line %d, column %d (byte %d): %s", e.Line, e.Column, e.Offset, e.Msg)
}

// ErrLimit is matched (errors.Is) by every *LimitError.
var ErrLimit = errors.New("stix: decode limit exceeded")

// LimitError reports input that exceeds a DecodeOptions limit. The decoder
// stops at the first limit it meets. TAXII maps Limit "size" to 413.
type LimitError struct {
	Limit        string // "size", "object size", "depth" or "objects"
	Max          int64  // the limit in force
	Offset       int64  // byte offset where the limit was crossed
	Line, Column int
}

// Error names the limit and where it was crossed.
func (e *LimitError) Error() string {
	switch e.Limit {
	case "size":
		return fmt.Sprintf("stix: input is larger than %d bytes", e.Max)
	case "object size":
		return fmt.Sprintf("stix: object at line %d, column %d is larger than %d bytes", e.Line, e.Column, e.Max)
	case "depth":
		return fmt.Sprintf("stix: JSON nested deeper than %d levels at line %d, column %d", e.Max, e.Line, e.Column)
	case "objects":
		return fmt.Sprintf("stix: more than %d objects (the next starts at line %d, column %d)", e.Max, e.Line, e.Column)
	}
	return fmt.Sprintf("stix: %s limit %d exceeded at line %d, column %d", e.Limit, e.Max, e.Line, e.Column)
}

// Is makes errors.Is(err, ErrLimit) true.
func (e *LimitError) Is(target error) bool { return target == ErrLimit }

// ErrShape is matched (errors.Is) by errors about a well-formed JSON input
// that is not a STIX bundle, a TAXII envelope, a JSON array of objects or a
// single STIX object (for example a bare number, or a bundle whose
// "objects" is not an array).
var ErrShape = errors.New("stix: not a STIX bundle, TAXII envelope, array of objects or single object")

// shapeError wraps ErrShape with the position of the offending value.
func shapeError(line, col int, format string, args ...any) error {
	return fmt.Errorf("%w: line %d, column %d: %s", ErrShape, line, col, fmt.Sprintf(format, args...))
}

// ElementError reports one element of a bundle's or envelope's "objects"
// array (or of a top-level JSON array) that is well-formed JSON but not a
// JSON object, such as a number, a string or null. It is not fatal: the
// Decoder goes on with the next element on the next call of Next, so a
// TAXII add request can list the element as a failure and still store the
// valid objects.
//
// Objects whose "type" or "id" are missing or not strings are not element
// errors: they come out as an Object with Type or ID left empty, and
// Validate reports what is wrong with them.
type ElementError struct {
	Index        int   // 0-based position in the objects array
	Offset       int64 // byte offset of the element
	Line, Column int
	Msg          string
}

// Error names the element by index and position.
func (e *ElementError) Error() string {
	return fmt.Sprintf("stix: objects[%d] at line %d, column %d: %s", e.Index, e.Line, e.Column, e.Msg)
}

// ElementErrors is the error Decode returns, together with the objects it
// could decode, when some elements were element errors and nothing else
// went wrong.
type ElementErrors []*ElementError

// Error describes the first element error and counts the others.
func (e ElementErrors) Error() string {
	if len(e) == 1 {
		return e[0].Error()
	}
	return fmt.Sprintf("%v (and %d more element errors)", e[0], len(e)-1)
}

// Unwrap gives errors.As access to each *ElementError.
func (e ElementErrors) Unwrap() []error {
	out := make([]error, len(e))
	for i, x := range e {
		out[i] = x
	}
	return out
}

// MoreElementErrors is what Decode returns instead of ElementErrors when
// more than MaxElementErrors elements were not objects: the first ones, and
// how many there were in all.
type MoreElementErrors struct {
	Kept  ElementErrors
	Count int
}

// Error describes the first element error and counts the others.
func (e *MoreElementErrors) Error() string {
	return fmt.Sprintf("%v (and %d more element errors)", e.Kept[0], e.Count-1)
}

// Unwrap gives errors.As access to the kept ElementErrors.
func (e *MoreElementErrors) Unwrap() error { return e.Kept }

// ElementErrorCount is the number of element errors err reports: the
// count of a *MoreElementErrors, else the length of an ElementErrors.
func ElementErrorCount(err error) int {
	var more *MoreElementErrors
	if errors.As(err, &more) {
		return more.Count
	}
	var ee ElementErrors
	if errors.As(err, &ee) {
		return len(ee)
	}
	return 0
}
