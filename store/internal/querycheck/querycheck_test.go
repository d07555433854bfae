package querycheck

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestMicrosAfter(t *testing.T) {
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		in   time.Time
		want int64
	}{
		{base, base.UnixMicro() + 1},
		{base.Add(500 * time.Nanosecond), base.UnixMicro() + 1},
		{base.Add(time.Microsecond), base.UnixMicro() + 2},
		{time.Unix(math.MaxInt64/1_000_000, 0), math.MaxInt64},
		{time.Unix(-math.MaxInt64/1_000_000, 0), math.MinInt64},
	}
	for _, tt := range tests {
		if got := MicrosAfter(tt.in); got != tt.want {
			t.Errorf("MicrosAfter(%v) = %d, want %d", tt.in, got, tt.want)
		}
	}
}

func TestUniqueStrings(t *testing.T) {
	got, err := UniqueStrings([]string{"b", "a", "b"})
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("UniqueStrings = %v, %v", got, err)
	}
	for _, bad := range [][]string{{""}, {"a", "x\x00"}} {
		if _, err := UniqueStrings(bad); err == nil {
			t.Errorf("UniqueStrings(%q): no error", bad)
		}
	}
}

func TestSpecVersions(t *testing.T) {
	list, set, err := SpecVersions([]string{"2.1", "2.0"})
	if err != nil || !slices.Equal(list, []string{"2.1", "2.0"}) || !set["2.0"] || !set["2.1"] {
		t.Errorf("SpecVersions = %v, %v, %v", list, set, err)
	}
	for _, bad := range [][]string{{""}, {"2.1", "2.1"}, {"2\x00"}} {
		if _, _, err := SpecVersions(bad); err == nil {
			t.Errorf("SpecVersions(%q): no error", bad)
		}
	}
}
