package stix

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// The Decoder's walk over the top level of the input: the shape decision,
// the members of a bundle or envelope, the elements of the objects array,
// and the positions of errors.

// start reads the beginning of the input and decides its shape.
func (d *Decoder) start() (Object, error) {
	r := d.r
	if err := r.skipBOM(); err != nil {
		return Object{}, err
	}
	c, ok, err := r.skipSpace()
	if err != nil {
		return Object{}, err
	}
	if !ok {
		return Object{}, r.syntaxError(r.pos, "empty input, want a STIX bundle, TAXII envelope, array or object")
	}
	switch c {
	case '[':
		r.pos++
		r.markAbs = r.offset(r.pos)
		d.state, d.first = decodeArray, true
		return d.element()
	case '{':
		return d.topObject()
	}
	raw, err := d.scanValue(0)
	if err != nil {
		return Object{}, err
	}
	start := r.pos - len(raw)
	if err := decodeCheckValid(raw); err != nil {
		return Object{}, d.compactError(start, raw)
	}
	line, col := r.position(start)
	kind := jsonKind(raw)
	if err := d.finish(); err != io.EOF {
		return Object{}, err
	}
	return Object{}, shapeError(line, col, "top-level JSON value is %s; want a STIX bundle, TAXII envelope, array of objects or one object", kind)
}

// topObject reads the members of the top-level object until it finds an
// "objects" array (a bundle or envelope) or the end (a single object).
// Until then every byte from the opening brace is kept.
func (d *Decoder) topObject() (Object, error) {
	r := d.r
	topAbs := r.offset(r.pos)
	r.markAbs = topAbs
	r.pos++            // '{'
	var otherKeys bool // members other than type/objects/more/next/id/spec_version
	var objectsKind string
	first := true
members:
	for {
		c, ok, err := r.skipSpace()
		if err != nil {
			return Object{}, err
		}
		if !ok {
			return Object{}, r.syntaxError(r.pos, "unexpected end of input in the top-level object")
		}
		if c == '}' && first {
			r.pos++
			break
		}
		if !first {
			switch c {
			case ',':
				r.pos++
			case '}':
				r.pos++
				break members
			default:
				return Object{}, r.syntaxError(r.pos, "invalid character %q after object member, want ',' or '}'", c)
			}
			if _, _, err := r.skipSpace(); err != nil {
				return Object{}, err
			}
		}
		first = false
		key, err := d.readKey()
		if err != nil {
			return Object{}, err
		}
		c, ok, err = r.skipSpace()
		if err != nil {
			return Object{}, err
		}
		if key == "objects" && ok && c == '[' && d.containerType() {
			r.pos++
			r.markAbs = r.offset(r.pos)
			d.state, d.first = decodeContainer, true
			return d.element()
		}
		valAbs := r.offset(r.pos)
		raw, err := d.scanValue(1)
		if err != nil {
			return Object{}, err
		}
		if err := decodeCheckValid(raw); err != nil {
			return Object{}, d.compactError(r.pos-len(raw), raw)
		}
		switch key {
		case "type":
			d.topType, d.topTypeAt = append([]byte(nil), raw...), d.lineCol(valAbs)
		case "objects":
			objectsKind = jsonKind(raw)
		case "more", "next", "id", "spec_version":
		default:
			otherKeys = true
		}
	}
	// A single object (or an empty bundle or envelope).
	if d.topType == nil {
		if objectsKind != "" {
			return Object{}, d.shapeAt(topAbs, `"objects" is %s; want an array`, objectsKind)
		}
		if !otherKeys {
			return Object{}, d.finish() // empty envelope
		}
		return Object{}, d.shapeAt(topAbs, `top-level object has neither "type" nor "objects": not a STIX object, bundle or TAXII envelope`)
	}
	if typ, ok := decodeString(d.topType); ok && typ == "bundle" {
		if objectsKind != "" {
			return Object{}, d.shapeAt(topAbs, `bundle "objects" is %s; want an array`, objectsKind)
		}
		return Object{}, d.finish() // bundle with no objects
	}
	start := int(topAbs - r.base)
	if max := d.opts.MaxObjectBytes; max >= 0 && int64(r.pos-start) > max {
		return Object{}, r.limitError(start, "object size", max)
	}
	o, err := decodeObject(r.buf[start:r.pos])
	if err != nil {
		return Object{}, d.compactError(start, r.buf[start:r.pos])
	}
	if err := d.finish(); err != io.EOF {
		return Object{}, err
	}
	return o, nil
}

// containerType reports whether the top-level object's "type", as far as
// seen, allows it to be a bundle or envelope: no type yet, or "bundle".
func (d *Decoder) containerType() bool {
	if d.topType == nil {
		return true
	}
	typ, ok := decodeString(d.topType)
	return ok && typ == "bundle"
}

// checkContainerType rejects a "type" other than "bundle" that comes after
// the "objects" array of a bundle or envelope already being streamed.
func (d *Decoder) checkContainerType() error {
	if d.containerType() {
		return nil
	}
	return shapeError(d.topTypeAt[0], d.topTypeAt[1], `top-level object with an "objects" array has type %s; want "bundle" (or no type, for a TAXII envelope)`, d.topType)
}

// element returns the next element of the current array, or finishes the
// array and the input.
func (d *Decoder) element() (Object, error) {
	r := d.r
	// Nothing before pos is needed any more (the previous element was
	// copied out): whitespace between elements is dropped as it is read.
	r.markAbs = r.offset(r.pos)
	c, ok, err := r.skipSpace()
	if err != nil {
		return Object{}, err
	}
	if !ok {
		return Object{}, r.syntaxError(r.pos, "unexpected end of input in the objects array")
	}
	if c == ']' {
		r.pos++
		return Object{}, d.endArray()
	}
	if !d.first {
		if c != ',' {
			return Object{}, r.syntaxError(r.pos, "invalid character %q after array element, want ',' or ']'", c)
		}
		r.pos++
		r.markAbs = r.offset(r.pos)
		if _, _, err := r.skipSpace(); err != nil {
			return Object{}, err
		}
	}
	d.first = false
	index := d.index
	d.index++
	r.markAbs = r.offset(r.pos)
	start := r.pos
	if d.opts.MaxObjects >= 0 && index >= d.opts.MaxObjects {
		return Object{}, r.limitError(start, "objects", int64(d.opts.MaxObjects))
	}
	raw, err := d.scanValue(0)
	if err != nil {
		return Object{}, err
	}
	start = r.pos - len(raw)
	if raw[0] != '{' {
		if err := decodeCheckValid(raw); err != nil {
			return Object{}, d.compactError(start, raw)
		}
		line, col := r.position(start)
		return Object{}, &ElementError{Index: index, Offset: r.offset(start), Line: line, Column: col,
			Msg: fmt.Sprintf("element is %s; want a STIX object", jsonKind(raw))}
	}
	o, err := decodeObject(raw)
	if err != nil {
		return Object{}, d.compactError(start, raw)
	}
	return o, nil
}

// endArray handles the end of the array being streamed.
func (d *Decoder) endArray() error {
	if d.state == decodeArray {
		return d.finish()
	}
	// The rest of the bundle or envelope object.
	r := d.r
	for {
		r.markAbs = r.offset(r.pos) // nothing before pos is needed: drop whitespace as read
		c, ok, err := r.skipSpace()
		if err != nil {
			return err
		}
		if !ok {
			return r.syntaxError(r.pos, "unexpected end of input in the top-level object")
		}
		switch c {
		case '}':
			r.pos++
			if err := d.checkContainerType(); err != nil {
				return err
			}
			return d.finish()
		case ',':
			r.pos++
		default:
			return r.syntaxError(r.pos, "invalid character %q after object member, want ',' or '}'", c)
		}
		r.markAbs = r.offset(r.pos)
		if _, _, err := r.skipSpace(); err != nil {
			return err
		}
		key, err := d.readKey()
		if err != nil {
			return err
		}
		if _, _, err := r.skipSpace(); err != nil {
			return err
		}
		valAbs := r.offset(r.pos)
		r.markAbs = valAbs
		raw, err := d.scanValue(1)
		if err != nil {
			return err
		}
		if err := decodeCheckValid(raw); err != nil {
			return d.compactError(r.pos-len(raw), raw)
		}
		switch key {
		case "objects":
			return d.shapeAt(valAbs, `top-level object has more than one "objects" member`)
		case "type":
			d.topType, d.topTypeAt = append([]byte(nil), raw...), d.lineCol(valAbs)
		}
	}
}

// finish checks that nothing but whitespace follows the top-level value and
// returns io.EOF.
func (d *Decoder) finish() error {
	d.state = decodeDone
	r := d.r
	r.markAbs = r.offset(r.pos)
	_, ok, err := r.skipSpace()
	if err != nil {
		return err
	}
	if ok {
		return r.syntaxError(r.pos, "unexpected data after the top-level JSON value")
	}
	return io.EOF
}

// readKey reads an object member name and the colon after it.
func (d *Decoder) readKey() (string, error) {
	r := d.r
	c, ok, err := r.peek()
	if err != nil {
		return "", err
	}
	if !ok {
		return "", r.syntaxError(r.pos, "unexpected end of input, want an object member name")
	}
	if c != '"' {
		return "", r.syntaxError(r.pos, "invalid character %q, want '\"' to begin an object member name", c)
	}
	raw, err := d.scanValue(1)
	if err != nil {
		return "", err
	}
	var key string
	if err := json.Unmarshal(raw, &key); err != nil {
		return "", d.compactError(r.pos-len(raw), raw)
	}
	c, ok, err = r.skipSpace()
	if err != nil {
		return "", err
	}
	if !ok {
		return "", r.syntaxError(r.pos, "unexpected end of input after object member name")
	}
	if c != ':' {
		return "", r.syntaxError(r.pos, "invalid character %q after object member name, want ':'", c)
	}
	r.pos++
	if _, _, err := r.skipSpace(); err != nil {
		return "", err
	}
	return key, nil
}

// shapeAt returns an ErrShape error positioned at absolute offset abs,
// which must still be buffered.
func (d *Decoder) shapeAt(abs int64, format string, args ...any) error {
	lc := d.lineCol(abs)
	return shapeError(lc[0], lc[1], format, args...)
}

// lineCol returns the line and column of absolute offset abs, which must
// still be buffered.
func (d *Decoder) lineCol(abs int64) [2]int {
	i := int(abs - d.r.base)
	if i < 0 {
		i = 0
	}
	line, col := d.r.position(i)
	return [2]int{line, col}
}

// compactError reports why raw, the value starting at buf[start], is not
// valid JSON, as a *SyntaxError at the offending byte. json.Compact does not
// say where, so the value is checked again with json.Unmarshal, which does.
func (d *Decoder) compactError(start int, raw []byte) error {
	var v json.RawMessage
	err := json.Unmarshal(raw, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return d.r.syntaxError(start, "invalid JSON value")
	}
	msg := se.Error()
	i := start + int(se.Offset) - 1 // Offset counts the offending byte
	// The scanner signals the end of input as a space after the last byte.
	atEnd := se.Offset > int64(len(raw)) ||
		se.Offset == int64(len(raw)) && strings.HasPrefix(msg, "invalid character ' '")
	if msg == "unexpected end of JSON input" || atEnd {
		// The value ended too early: point just past it.
		i = start + len(raw)
		msg = "unexpected end of JSON value"
		if c := raw[0]; c != '{' && c != '[' && c != '"' && i < len(d.r.buf) {
			msg = fmt.Sprintf("invalid literal %q", raw)
		}
	}
	if i < start {
		i = start
	}
	return d.r.syntaxError(i, "%s", msg)
}
