package bolt

import (
	"encoding/binary"
	"time"

	"github.com/heraldcti/herald/store"
)

// recordFormat is the first byte of every stored version (bucket v).
const recordFormat = 1

// storedRecord is a decoded value of bucket v. Its slices point into the
// transaction's memory map: use it only inside the transaction, and copy
// with toRecord before returning.
type storedRecord struct {
	id, typ, version, spec []byte
	json                   []byte
}

// encodeRecord lays out a version as: format byte, then id, type, version
// and effective spec version each as uvarint length and bytes, then the
// JSON to the end of the value (so a manifest never has to copy it).
func encodeRecord(id, typ, version, spec string, js []byte) []byte {
	n := 1 + 4*binary.MaxVarintLen32 + len(id) + len(typ) + len(version) + len(spec) + len(js)
	b := make([]byte, 0, n)
	b = append(b, recordFormat)
	for _, s := range []string{id, typ, version, spec} {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return append(b, js...)
}

// decodeRecord splits a stored version. It never panics on bad bytes.
func decodeRecord(v []byte) (storedRecord, error) {
	var r storedRecord
	if len(v) < 1 || v[0] != recordFormat {
		return r, errCorrupt
	}
	p := v[1:]
	fields := [4]*[]byte{&r.id, &r.typ, &r.version, &r.spec}
	for _, f := range fields {
		n, w := binary.Uvarint(p)
		if w <= 0 || n > uint64(len(p)-w) {
			return r, errCorrupt
		}
		*f = p[w : w+int(n)]
		p = p[w+int(n):]
	}
	r.json = p
	return r, nil
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
