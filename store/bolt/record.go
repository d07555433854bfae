package bolt

import (
	"bytes"
	"encoding/binary"
	"time"

	"github.com/heraldcti/herald/store"
)

// The first byte of every stored version (bucket v) names its format.
// Both are read; PutObjects writes recordShared.
const (
	// recordInline (schema 3 and older) holds id, type, version and
	// effective spec version each as uvarint length and bytes, then the
	// JSON to the end of the value.
	recordInline = 1
	// recordShared (schema 4) holds each of the four fields as a
	// reference to equal bytes inside the JSON when the JSON has them,
	// which it nearly always does (the JSON's own "id", "type", "modified"
	// and "spec_version"): about 10 bytes of header instead of about 90,
	// a sixth of a small indicator.
	recordShared = 2
)

// storedRecord is a decoded value of bucket v. Its slices point into the
// transaction's memory map: use it only inside the transaction, and copy
// with toRecord before returning.
type storedRecord struct {
	id, typ, version, spec []byte
	json                   []byte
}

// encodeRecord lays out a version as: format byte recordShared, then id,
// type, version and effective spec version, each as a uvarint h followed
// by
//   - (h odd) a uvarint offset: the field is the h>>1 bytes of the JSON
//     at that offset, or
//   - (h even) the h>>1 bytes of the field itself, when the JSON does not
//     contain them (a spec version 2.0 object has no "spec_version"; an
//     SCO's content-hash version is not in its JSON);
//
// then the JSON to the end of the value, so that a page is written from
// the stored bytes without a copy. Any occurrence of the bytes will do:
// a reference stands for the bytes, not for a JSON property.
func encodeRecord(id, typ, version, spec string, js []byte) []byte {
	n := 1 + 4*2*binary.MaxVarintLen32 + len(js)
	fields := [4]string{id, typ, version, spec}
	var offsets [4]int
	for i, f := range fields {
		offsets[i] = -1
		if f != "" {
			offsets[i] = bytes.Index(js, []byte(f))
		}
		if offsets[i] < 0 {
			n += len(f)
		}
	}
	b := make([]byte, 0, n)
	b = append(b, recordShared)
	for i, f := range fields {
		if off := offsets[i]; off >= 0 {
			b = binary.AppendUvarint(b, uint64(len(f))<<1|1)
			b = binary.AppendUvarint(b, uint64(off))
			continue
		}
		b = binary.AppendUvarint(b, uint64(len(f))<<1)
		b = append(b, f...)
	}
	return append(b, js...)
}

// decodeRecord splits a stored version of either format. It never panics
// on bad bytes.
func decodeRecord(v []byte) (storedRecord, error) {
	var r storedRecord
	if len(v) < 1 {
		return r, errCorrupt
	}
	fields := [4]*[]byte{&r.id, &r.typ, &r.version, &r.spec}
	p := v[1:]
	switch v[0] {
	case recordInline:
		for _, f := range fields {
			n, w := binary.Uvarint(p)
			if w <= 0 || n > uint64(len(p)-w) {
				return r, errCorrupt
			}
			*f = p[w : w+int(n) : w+int(n)]
			p = p[w+int(n):]
		}
		r.json = p
		return r, nil
	case recordShared:
		// References are resolved once the JSON's start is known.
		var refs [4]struct{ off, n uint64 }
		var isRef [4]bool
		for i, f := range fields {
			h, w := binary.Uvarint(p)
			if w <= 0 {
				return r, errCorrupt
			}
			p = p[w:]
			n := h >> 1
			if h&1 == 0 {
				if n > uint64(len(p)) {
					return r, errCorrupt
				}
				*f = p[:n:n]
				p = p[n:]
				continue
			}
			off, w := binary.Uvarint(p)
			if w <= 0 {
				return r, errCorrupt
			}
			p = p[w:]
			refs[i], isRef[i] = struct{ off, n uint64 }{off, n}, true
		}
		r.json = p
		for i, f := range fields {
			if !isRef[i] {
				continue
			}
			ref := refs[i]
			if ref.off > uint64(len(p)) || ref.n > uint64(len(p))-ref.off {
				return storedRecord{}, errCorrupt
			}
			*f = p[ref.off : ref.off+ref.n : ref.off+ref.n]
		}
		return r, nil
	}
	return r, errCorrupt
}

// toRecord copies a stored version out of the transaction. Types and spec
// versions repeat across a page, so they go through names.
func (r storedRecord) toRecord(da int64, withJSON bool, names *interner) store.Record {
	spec := names.get(r.spec)
	rec := store.Record{
		DateAdded:   time.UnixMicro(da).UTC(),
		ID:          string(r.id),
		Type:        names.get(r.typ),
		Version:     string(r.version),
		SpecVersion: spec,
		MediaType:   mediaType(spec),
	}
	if withJSON {
		rec.JSON = append([]byte(nil), r.json...)
	}
	return rec
}

// mediaType is the STIX media type of a spec version.
func mediaType(spec string) string {
	switch spec { // the common cases, without an allocation
	case "2.1":
		return "application/stix+json;version=2.1"
	case "2.0":
		return "application/stix+json;version=2.0"
	}
	return "application/stix+json;version=" + spec
}

// interner shares the strings of repeated values (types, spec versions)
// within one page, saving an allocation per record.
type interner map[string]string

func (in *interner) get(b []byte) string {
	if s, ok := (*in)[string(b)]; ok {
		return s
	}
	s := string(b)
	if *in == nil {
		*in = make(interner)
	}
	if len(*in) < 1024 {
		(*in)[s] = s
	}
	return s
}
