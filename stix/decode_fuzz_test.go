package stix_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"

	"github.com/heraldcti/herald/stix"
)

// decodeFuzzSeeds adds every decode and validate fixture to f.
func decodeFuzzSeeds(f *testing.F) {
	for _, pattern := range []string{
		filepath.Join("testdata", "decode", "*.json"),
		filepath.Join("testdata", "validate", "valid", "*.json"),
		filepath.Join("testdata", "validate", "invalid", "*.json"),
	} {
		files, _ := filepath.Glob(pattern)
		for _, path := range files {
			b, err := os.ReadFile(path)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte(`[`))
	f.Add([]byte(`{"objects":[{"type":"x-a","a":"\u00`))
}

// FuzzDecode checks that decoding never panics, that Decode and a Decoder
// reading one byte at a time agree, and that every decoded object is
// compact valid JSON whose indexed fields Validate accepts as matching.
func FuzzDecode(f *testing.F) {
	decodeFuzzSeeds(f)
	opts := stix.DecodeOptions{MaxBytes: 1 << 20, MaxDepth: 32, MaxObjects: 1000}
	f.Fuzz(func(t *testing.T, data []byte) {
		objs, err := stix.Decode(data, opts)
		var ees stix.ElementErrors
		if err != nil && !errors.As(err, &ees) && objs != nil {
			t.Fatalf("fatal error %v with %d objects", err, len(objs))
		}
		d := stix.NewDecoder(iotest.OneByteReader(bytes.NewReader(data)), opts)
		var streamed []stix.Object
		var streamErr error
		for {
			o, err := d.Next()
			var ee *stix.ElementError
			if errors.As(err, &ee) {
				continue
			}
			if err != nil {
				streamErr = err
				break
			}
			streamed = append(streamed, o)
		}
		fatal := err != nil && len(ees) == 0
		if fatal != (streamErr != io.EOF) {
			t.Fatalf("Decode error %v, Decoder error %v", err, streamErr)
		}
		if !fatal && len(streamed) != len(objs) {
			t.Fatalf("Decode gave %d objects, Decoder %d", len(objs), len(streamed))
		}
		for i, o := range objs {
			if !bytes.Equal(o.JSON, streamed[i].JSON) {
				t.Fatalf("object %d: Decode %s, Decoder %s", i, o.JSON, streamed[i].JSON)
			}
			var buf bytes.Buffer
			if err := compactTo(&buf, o.JSON); err != nil || !bytes.Equal(buf.Bytes(), o.JSON) {
				t.Fatalf("object %d is not compact valid JSON: %s (%v)", i, o.JSON, err)
			}
			err := stix.Validate(o)
			var ve *stix.ValidationError
			if errors.As(err, &ve) {
				for _, p := range ve.Problems {
					if p.Reason != "" && bytes.Contains([]byte(p.Reason), []byte("Object field is")) {
						t.Fatalf("object %d: decoder's indexed fields disagree with the JSON: %v", i, p)
					}
				}
			} else if err != nil {
				t.Fatalf("Validate returned %T", err)
			}
		}
	})
}

// FuzzValidate checks that Validate never panics on any bytes and returns
// nil or a *ValidationError with at least one problem.
func FuzzValidate(f *testing.F) {
	decodeFuzzSeeds(f)
	f.Add([]byte(`{"type":"indicator","pattern_type":"stix","pattern":"[a:b = 'c'] FOLLOWEDBY [","spec_version":"2.1"}`))
	f.Add([]byte(`{"type":"file","extensions":{"archive-ext":{"contains_refs":[1]}},"hashes":{"MD5":5}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		check := func(o stix.Object) {
			err := stix.Validate(o)
			if err == nil {
				return
			}
			var ve *stix.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Validate returned %v (%T)", err, err)
			}
		}
		check(stix.Object{JSON: data})
		if objs, err := stix.Decode(data, stix.DecodeOptions{MaxBytes: 1 << 20}); err == nil {
			for _, o := range objs {
				check(o)
			}
		}
	})
}

// compactTo is json.Compact.
func compactTo(buf *bytes.Buffer, b []byte) error { return json.Compact(buf, b) }
