package feed_test

import (
	"testing"
	"time"

	"github.com/heraldcti/herald/feed"
)

func TestParseDateKeepsPrecision(t *testing.T) {
	tests := []struct {
		in        string
		want      time.Time
		precision feed.Precision
		human     string
		end       time.Time
	}{
		{"2024", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), feed.PrecisionYear, "2024", time.Date(2024, 12, 31, 23, 59, 59, 999e6, time.UTC)},
		{"2024-02", time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC), feed.PrecisionMonth, "February 2024", time.Date(2024, 2, 29, 23, 59, 59, 999e6, time.UTC)},
		{"2024-07-15", time.Date(2024, 7, 15, 0, 0, 0, 0, time.UTC), feed.PrecisionDay, "15 July 2024", time.Date(2024, 7, 15, 23, 59, 59, 999e6, time.UTC)},
		{"2024-07-15T10:30:00.123456789+02:00", time.Date(2024, 7, 15, 8, 30, 0, 123e6, time.UTC), feed.PrecisionTime, "15 July 2024 08:30 UTC", time.Date(2024, 7, 15, 8, 30, 0, 123e6, time.UTC)},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			d, err := feed.ParseDate(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Time.Equal(tc.want) || d.Time.Location() != time.UTC || d.Precision != tc.precision {
				t.Errorf("got %v (%v), want %v (%v)", d.Time, d.Precision, tc.want, tc.precision)
			}
			if got := d.Human(); got != tc.human {
				t.Errorf("Human = %q, want %q", got, tc.human)
			}
			if got := d.End(); !got.Equal(tc.end) {
				t.Errorf("End = %v, want %v", got, tc.end)
			}
		})
	}
}

func TestParseDateRejectsBadInput(t *testing.T) {
	for _, in := range []string{"", "24", "0000", "2024-00", "2024-13", "2024-02-30", "2024/01/01", "2024-01-01 10:00", "yesterday", "2024-01-01T10:00:00"} {
		if d, err := feed.ParseDate(in); err == nil {
			t.Errorf("ParseDate(%q) = %v, want error", in, d)
		}
	}
}

func TestPrecisionNamesMatchTimestampFidelityEnum(t *testing.T) {
	got := []string{feed.PrecisionYear.String(), feed.PrecisionMonth.String(), feed.PrecisionDay.String(), feed.PrecisionTime.String(), feed.PrecisionNone.String()}
	want := []string{"year", "month", "day", "second", ""}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("precision %d = %q, want %q", i, got[i], want[i])
		}
	}
}
