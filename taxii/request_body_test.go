package taxii

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestDuplicateKeyFindsRepeatedMembersAtAnyDepth(t *testing.T) {
	tests := []struct {
		json string
		key  string // "" = none
	}{
		{`{"a":1,"b":2}`, ""},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":{"b":1},"c":{"b":2}}`, ""}, // same name in different objects
		{`{"a":{"b":1,"b":2}}`, "b"},
		{`[{"a":1},{"a":1}]`, ""},
		{`[{"a":[{"x":1,"y":[1,2],"x":3}]}]`, "x"},
		{`{"a":"b","b":"a"}`, ""}, // values are not keys
		{`{"a":["a","a"]}`, ""},
		{`{"\u0061":1,"a":2}`, "a"}, // escapes name the same member
		{`{"a":1,"a"`, ""},          // malformed: left to the decoder
		{`{"a":{}, "b":[], "a":null}`, "a"},
		{`5`, ""},
	}
	for _, tc := range tests {
		key, found := duplicateKey([]byte(tc.json))
		if found != (tc.key != "") || key != tc.key {
			t.Errorf("duplicateKey(%s) = %q, %v; want %q", tc.json, key, found, tc.key)
		}
	}
}

func FuzzDuplicateKey(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `[{"a":[{"b":1}]}]`, `{"a":`, strings.Repeat("[", 100)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		key, found := duplicateKey(b) // must not panic
		if found && !json.Valid(b) {
			t.Fatalf("duplicate %q reported in invalid JSON %q", key, b)
		}
	})
}

func TestRefuseContentEncoding(t *testing.T) {
	for _, c := range []struct {
		values []string
		refuse bool
	}{
		{nil, false},
		{[]string{""}, false},
		{[]string{"identity"}, false},
		{[]string{" Identity , identity"}, false},
		{[]string{"gzip"}, true},
		{[]string{"identity, gzip"}, true},
		{[]string{"identity", "br"}, true},
	} {
		req, _ := http.NewRequest(http.MethodPost, "/", nil)
		for _, v := range c.values {
			req.Header.Add("Content-Encoding", v)
		}
		err := refuseContentEncoding(req)
		if (err != nil) != c.refuse {
			t.Errorf("Content-Encoding %q: err %v, want refused %v", c.values, err, c.refuse)
		}
	}
}
