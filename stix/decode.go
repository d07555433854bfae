package stix

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
)

// Default decode limits, used for zero fields of DecodeOptions.
const (
	DefaultMaxBytes       int64 = 4 << 30  // whole input
	DefaultMaxObjectBytes int64 = 64 << 20 // one object
	DefaultMaxDepth             = 64       // nesting inside one object
	DefaultMaxObjects           = 10_000_000
)

// DecodeOptions bounds what a decode may consume. A zero field takes the
// default; a negative field means no limit.
type DecodeOptions struct {
	// MaxBytes bounds the whole input. TAXII sets it to the API root's
	// max_content_length.
	MaxBytes int64
	// MaxDepth bounds JSON nesting inside one STIX object; the object
	// itself is depth 1, so {"a":{"b":[1]}} has depth 3.
	MaxDepth int
	// MaxObjects bounds the number of elements decoded.
	MaxObjects int
	// MaxObjectBytes bounds the size of one object as it appears in the
	// input (before compaction). It is what bounds a Decoder's memory.
	MaxObjectBytes int64
}

func (o DecodeOptions) withDefaults() DecodeOptions {
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxDepth == 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxObjects == 0 {
		o.MaxObjects = DefaultMaxObjects
	}
	if o.MaxObjectBytes == 0 {
		o.MaxObjectBytes = DefaultMaxObjectBytes
	}
	return o
}

// MaxElementErrors is the most element errors Decode keeps; beyond it
// Decode counts them (see MoreElementErrors).
const MaxElementErrors = 10_000

// Decode decodes every object in data: a STIX bundle, a TAXII envelope, a
// JSON array of objects or a single STIX object (see Decoder).
//
// A malformed input (*SyntaxError), an exceeded limit (*LimitError), a
// wrong top-level shape (ErrShape) or a read error returns nil objects and
// the error. Elements that are not JSON objects do not stop the decode:
// Decode returns every object it decoded together with an ElementErrors
// listing them, so a caller can store the good objects and report the rest;
// past MaxElementErrors it returns a *MoreElementErrors holding the first
// ones and the exact count (errors.As to ElementErrors still finds them).
// The objects are not validated; call Validate on each.
func Decode(data []byte, opts DecodeOptions) ([]Object, error) {
	opts = opts.withDefaults()
	if opts.MaxBytes >= 0 && int64(len(data)) > opts.MaxBytes {
		return nil, &LimitError{Limit: "size", Max: opts.MaxBytes, Offset: opts.MaxBytes}
	}
	d := newDecoder(newDecodeReader(nil, data, opts.MaxBytes), opts)
	var objs []Object
	var bad ElementErrors
	nbad := 0
	for {
		o, err := d.Next()
		if err == io.EOF {
			break
		}
		var ee *ElementError
		if errors.As(err, &ee) {
			// Keep the first MaxElementErrors and count the rest: an 8 MB
			// body of [1,1,...] must not cost an error value per element.
			if nbad++; len(bad) < MaxElementErrors {
				bad = append(bad, ee)
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		objs = append(objs, o)
	}
	if nbad > len(bad) {
		return objs, &MoreElementErrors{Kept: bad, Count: nbad}
	}
	if len(bad) > 0 {
		return objs, bad
	}
	return objs, nil
}

// Decoder reads STIX objects one at a time from a stream holding a STIX
// bundle ({"type":"bundle","objects":[...]}), a TAXII envelope
// ({"objects":[...],"more":...}), a JSON array of objects or one STIX
// object. It walks the top level itself and holds one object at a time, so
// a 1 GB bundle needs memory for its largest object, not for the bundle.
//
// Each Object holds the element's bytes with insignificant whitespace
// removed (json.Compact: values, key order and escapes are kept as they
// are) and the indexed fields as the strings found.
//
// A top-level object is a bundle or envelope when it has an "objects"
// array and no "type" other than "bundle" before it; a "type" other than
// "bundle" after the array is an ErrShape error at the end of the stream.
// Any other top-level object is a single STIX object (a custom object may
// have an "objects" array property), unless it has no "type" and only
// envelope members ("more", "next"), which makes it an empty envelope.
type Decoder struct {
	r     *decodeReader
	opts  DecodeOptions
	state decodeState
	err   error // sticky: returned by every later Next
	index int   // elements seen in the current array
	first bool  // next array element or member is the first
	// Top-level object bookkeeping.
	topType   []byte // raw "type" value of the top-level object, if seen
	topTypeAt [2]int // its line and column
}

type decodeState uint8

const (
	decodeStart     decodeState = iota
	decodeArray                 // in a top-level array
	decodeContainer             // in the "objects" array of a bundle or envelope
	decodeDone
)

// NewDecoder returns a Decoder reading from r. It reads r in chunks as
// objects are asked for; it never reads more than opts.MaxBytes+1 bytes.
func NewDecoder(r io.Reader, opts DecodeOptions) *Decoder {
	opts = opts.withDefaults()
	return newDecoder(newDecodeReader(r, make([]byte, 0, decodeChunk), opts.MaxBytes), opts)
}

func newDecoder(r *decodeReader, opts DecodeOptions) *Decoder {
	r.maxHold = int64(opts.MaxObjectBytes)
	return &Decoder{r: r, opts: opts}
}

// Next returns the next object. It returns io.EOF after the last one.
// An *ElementError is not fatal (see ElementError); any other error is, and
// Next returns it again on every later call.
func (d *Decoder) Next() (Object, error) {
	if d.err != nil {
		return Object{}, d.err
	}
	o, err := d.next()
	if err != nil {
		var ee *ElementError
		if !errors.As(err, &ee) {
			d.err = err
			d.state = decodeDone
		}
	}
	return o, err
}

func (d *Decoder) next() (Object, error) {
	switch d.state {
	case decodeStart:
		return d.start()
	case decodeArray, decodeContainer:
		return d.element()
	}
	return Object{}, io.EOF
}

// decodeCheckValid reports whether raw is one valid JSON value.
func decodeCheckValid(raw []byte) error {
	var scratch bytes.Buffer
	return json.Compact(&scratch, raw)
}

// jsonKind names the JSON kind of a value, for messages.
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}
