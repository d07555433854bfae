package stix_test

import (
	"encoding/json"
	"testing"

	"github.com/heraldcti/herald/stix"
)

func TestEqualJSON(t *testing.T) {
	tests := []struct {
		name string
		a, b string
		want bool
	}{
		{"byte-equal", `{"a":1}`, `{"a":1}`, true},
		{"key order", `{"type":"identity","id":"x","name":"n"}`, `{"name":"n","id":"x","type":"identity"}`, true},
		{"white space", `{"a":[1,2],"b":{"c":true}}`, "{\n  \"b\" : { \"c\" : true },\n  \"a\" : [ 1 , 2 ]\n}", true},
		{"nested key order", `{"x":{"a":1,"b":2}}`, `{"x":{"b":2,"a":1}}`, true},
		{"escaped string", `{"s":"A/é"}`, `{"s":"\u0041\/\u00e9"}`, true},
		{"1.0 and 1", `{"n":1.0}`, `{"n":1}`, true},
		{"1e2 and 100", `{"n":1e2}`, `{"n":100}`, true},
		{"1E+2 and 100.00", `{"n":1E+2}`, `{"n":100.00}`, true},
		{"0.5 and 5e-1", `{"n":0.5}`, `{"n":5e-1}`, true},
		{"-0 and 0", `{"n":-0}`, `{"n":0.0e5}`, true},
		{"different number", `{"n":1}`, `{"n":2}`, false},
		{"close numbers stay different", `{"n":0.1}`, `{"n":0.10000000000000001}`, false},
		{"sign", `{"n":-1}`, `{"n":1}`, false},
		{"array order matters", `{"a":[1,2]}`, `{"a":[2,1]}`, false},
		{"array length", `{"a":[1]}`, `{"a":[1,1]}`, false},
		{"missing member", `{"a":1,"b":2}`, `{"a":1}`, false},
		{"extra member", `{"a":1}`, `{"a":1,"c":null}`, false},
		{"string vs number", `{"n":"1"}`, `{"n":1}`, false},
		{"null vs false", `{"n":null}`, `{"n":false}`, false},
		{"changed description", `{"description":"a"}`, `{"description":"b"}`, false},
		{"object vs array", `{"a":{}}`, `{"a":[]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := stix.EqualJSON([]byte(tt.a), []byte(tt.b))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("EqualJSON(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
			back, _ := stix.EqualJSON([]byte(tt.b), []byte(tt.a))
			if back != got {
				t.Errorf("not symmetric: %v one way, %v the other", got, back)
			}
		})
	}
}

func TestEqualJSONRejectsNonJSON(t *testing.T) {
	for _, bad := range []string{``, `{`, `{"a":1} {"b":2}`, `nope`} {
		if _, err := stix.EqualJSON([]byte(bad), []byte(`{"a":1}`)); err == nil {
			t.Errorf("EqualJSON(%q, …): no error", bad)
		}
	}
}

// FuzzEqualJSON checks EqualJSON against re-encoding: a value equals its own
// re-encoding by encoding/json (another key order and number spelling), and
// equality is symmetric and never panics.
func FuzzEqualJSON(f *testing.F) {
	f.Add([]byte(`{"b":1.50,"a":[1e2,"x"]}`), []byte(`{"a":[100,"x"],"b":1.5}`))
	f.Add([]byte(`-0`), []byte(`0`))
	f.Add([]byte(`"\u00e9"`), []byte(`"é"`))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		eq, err := stix.EqualJSON(a, b)
		back, err2 := stix.EqualJSON(b, a)
		if (err == nil) != (err2 == nil) || (err == nil && eq != back) {
			t.Fatalf("not symmetric: %v/%v, %v/%v", eq, err, back, err2)
		}
		var v any
		if json.Unmarshal(a, &v) != nil {
			return
		}
		re, err := json.Marshal(v)
		if err != nil {
			return
		}
		// Re-encoding through float64 may round long numbers; compare only
		// when the value survives the round trip unchanged.
		var w any
		if json.Unmarshal(re, &w) != nil {
			return
		}
		if same, err := stix.EqualJSON(re, a); err == nil && !same && roundTrips(a) {
			t.Fatalf("%s and its re-encoding %s compare unequal", a, re)
		}
	})
}

// roundTrips reports whether every number in the text survives float64.
func roundTrips(b []byte) bool {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return false
	}
	re, _ := json.Marshal(v)
	var again any
	_ = json.Unmarshal(re, &again)
	re2, _ := json.Marshal(again)
	return string(re) == string(re2) && !hasLongNumber(b)
}

func hasLongNumber(b []byte) bool {
	run := 0
	for _, c := range b {
		if c >= '0' && c <= '9' {
			run++
			if run > 15 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
