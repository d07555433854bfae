package stix_test

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/heraldcti/herald/stix"
)

func ExampleDecode() {
	bundle := `{
	  "type": "bundle",
	  "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
	  "objects": [
	    {"type": "url", "spec_version": "2.1", "id": "url--c1477287-23ac-5971-a010-5c287877fa60", "value": "https://example.com/"},
	    42
	  ]
	}`
	objs, err := stix.Decode([]byte(bundle), stix.DecodeOptions{})
	var bad stix.ElementErrors
	if errors.As(err, &bad) {
		for _, e := range bad {
			fmt.Println("skipped:", e.Msg)
		}
	} else if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range objs {
		fmt.Println(o.Type, o.ID, o.Version())
		fmt.Println(string(o.JSON))
	}
	// Output:
	// skipped: element is a number; want a STIX object
	// url url--c1477287-23ac-5971-a010-5c287877fa60 sha256:77b588bd4cc84298c872ec9d9a31d08c
	// {"type":"url","spec_version":"2.1","id":"url--c1477287-23ac-5971-a010-5c287877fa60","value":"https://example.com/"}
}

func ExampleNewDecoder() {
	envelope := `{"more": false, "objects": [
	  {"type": "mutex", "id": "mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300", "name": "m"},
	  {"type": "mutex", "id": "mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300" "name": "n"}
	]}`
	d := stix.NewDecoder(strings.NewReader(envelope), stix.DecodeOptions{})
	for {
		o, err := d.Next()
		if err == io.EOF {
			break
		}
		var se *stix.SyntaxError
		if errors.As(err, &se) {
			fmt.Printf("line %d, column %d: %s\n", se.Line, se.Column, se.Msg)
			break
		}
		fmt.Println(o.ID)
	}
	// Output:
	// mutex--eba44954-d4e4-5d3b-814c-2b17dd8de300
	// line 3, column 74: invalid character '"' after object key:value pair
}

func ExampleValidate() {
	objs, _ := stix.Decode([]byte(`{
	  "type": "indicator", "spec_version": "2.1",
	  "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
	  "created": "2024-05-01T00:00:00.000Z", "modified": "2024-05-01T00:00:00.000Z",
	  "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix",
	  "valid_from": "2024-05-01T00:00:00Z", "valid_until": "2024-01-01T00:00:00Z",
	  "confidence": 150
	}`), stix.DecodeOptions{})
	err := stix.Validate(objs[0])
	var ve *stix.ValidationError
	if errors.As(err, &ve) {
		for _, p := range ve.Problems {
			fmt.Println(p)
		}
	}
	// Output:
	// confidence: 150 is outside 0..100
	// valid_until: must be later than valid_from
}
