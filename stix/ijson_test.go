package stix

import (
	"strings"
	"testing"
)

func TestHasUnpairedSurrogateFindsOnlyBrokenPairs(t *testing.T) {
	tests := []struct {
		json string
		want bool
	}{
		{`{"a":"plain"}`, false},
		{`{"a":"\ud83d\ude00"}`, false}, // 😀 as a correct pair
		{`{"a":"\uD83D\uDE00 and \u00e9"}`, false},
		{`{"a":"\\ud800"}`, false}, // an escaped backslash, then text
		{`{"\ud800":1}`, true},     // keys count too
		{`{"a":"\ud800"}`, true},
		{`{"a":"\ud800x"}`, true},
		{`{"a":"\ud800\u0041"}`, true},
		{`{"a":"\udc00"}`, true},
		{`{"a":"\ud83d\ude00\ud83d"}`, true},
		{`{"a":"x\ud800`, true}, // truncated after the high half
		{`{"a":"\u12`, false},   // truncated escape: invalid JSON, not this check
	}
	for _, tc := range tests {
		if got := hasUnpairedSurrogate([]byte(tc.json)); got != tc.want {
			t.Errorf("hasUnpairedSurrogate(%s) = %v, want %v", tc.json, got, tc.want)
		}
	}
}

func TestHasHugeNumberFindsOnlyOverflows(t *testing.T) {
	tests := []struct {
		json string
		want bool
	}{
		{`{"a":1,"b":-2.5e10,"c":1.7976931348623157e308}`, false},
		{`{"a":1e-999999}`, false},  // underflows to 0: harmless
		{`{"a":"1e999999"}`, false}, // a string, not a number
		{`{"1e999":"\"1e999"}`, false},
		{`{"a":1e309}`, true},
		{`{"a":[0,-1E+400]}`, true},
		{`{"a":` + strings.Repeat("9", 5000) + `}`, true},
	}
	for _, tc := range tests {
		if got := hasHugeNumber([]byte(tc.json)); got != tc.want {
			t.Errorf("hasHugeNumber(%.60s) = %v, want %v", tc.json, got, tc.want)
		}
	}
}

// FuzzIJSONScanners feeds arbitrary bytes to both I-JSON scanners.
func FuzzIJSONScanners(f *testing.F) {
	for _, s := range []string{`"\ud800"`, `"\ud83d\ude00"`, `"\u`, `"\\u"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_ = hasUnpairedSurrogate(b) // must not panic or index out of range
		_ = hasHugeNumber(b)
	})
}
