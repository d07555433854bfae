package stix_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/heraldcti/herald/internal/testdata"
	"github.com/heraldcti/herald/stix"
)

// decodeICSElements splits the ICS bundle independently of the decoder
// (encoding/json into json.RawMessage) and compacts each element.
func decodeICSElements(t *testing.T, bundle []byte) [][]byte {
	t.Helper()
	var b struct {
		Type    string            `json:"type"`
		Objects []json.RawMessage `json:"objects"`
	}
	if err := json.Unmarshal(bundle, &b); err != nil {
		t.Fatal(err)
	}
	out := make([][]byte, len(b.Objects))
	for i, raw := range b.Objects {
		var buf bytes.Buffer
		if err := json.Compact(&buf, raw); err != nil {
			t.Fatal(err)
		}
		out[i] = buf.Bytes()
	}
	return out
}

// decodeCheckICS checks decoded objects against the bundle's elements:
// same count, byte-equal JSON and, when full, indexed fields as in the
// JSON and all valid (optional to keep the race run fast where another
// subtest already does it).
func decodeCheckICS(t *testing.T, objs []stix.Object, want [][]byte, full bool) {
	t.Helper()
	if len(objs) != testdata.ICSObjectCount || len(want) != testdata.ICSObjectCount {
		t.Fatalf("decoded %d objects, bundle has %d, want %d", len(objs), len(want), testdata.ICSObjectCount)
	}
	for i, o := range objs {
		if !bytes.Equal(o.JSON, want[i]) {
			t.Fatalf("object %d (%s) differs from the compacted input element:\n got %.200s\nwant %.200s", i, o.ID, o.JSON, want[i])
		}
		if !full {
			continue
		}
		var f struct {
			Type, ID, SpecVersion, Created, Modified string
		}
		var m map[string]any
		if err := json.Unmarshal(o.JSON, &m); err != nil {
			t.Fatal(err)
		}
		f.Type, _ = m["type"].(string)
		f.ID, _ = m["id"].(string)
		f.SpecVersion, _ = m["spec_version"].(string)
		f.Created, _ = m["created"].(string)
		f.Modified, _ = m["modified"].(string)
		if o.Type != f.Type || o.ID != f.ID || o.SpecVersion != f.SpecVersion || o.Created != f.Created || o.Modified != f.Modified {
			t.Fatalf("object %d: indexed fields %+v, JSON has %+v", i, o, f)
		}
		if err := stix.Validate(o); err != nil {
			t.Errorf("object %d: %v", i, err)
		}
	}
}

func TestDecodeICSBundleIsFaithfulAndValid(t *testing.T) {
	bundle := testdata.ICSBundle(t)
	want := decodeICSElements(t, bundle)
	objs, err := stix.Decode(bundle, stix.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	decodeCheckICS(t, objs, want, true)
}

func TestDecoderStreamsICSBundleFaithfully(t *testing.T) {
	bundle := testdata.ICSBundle(t)
	want := decodeICSElements(t, bundle)
	for name, r := range map[string]io.Reader{
		"whole":      bytes.NewReader(bundle),
		"half reads": iotest.HalfReader(bytes.NewReader(bundle)),
	} {
		t.Run(name, func(t *testing.T) {
			d := stix.NewDecoder(r, stix.DecodeOptions{})
			var objs []stix.Object
			for {
				o, err := d.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				objs = append(objs, o)
			}
			decodeCheckICS(t, objs, want, name == "whole")
		})
	}
}
