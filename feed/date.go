package feed

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// Precision says how much of a Date the sources actually give.
type Precision int

// The precisions a date can be written with. A maintainer writes only what
// the sources state: "2024" when only the year is known, "2024-07" for a
// month, "2024-07-15" for a day, or a full RFC 3339 timestamp.
const (
	PrecisionNone  Precision = iota // no date given
	PrecisionYear                   // 2024
	PrecisionMonth                  // 2024-07
	PrecisionDay                    // 2024-07-15
	PrecisionTime                   // 2024-07-15T10:30:00Z
)

// String names the precision as the Incident Core timestamp-fidelity-enum
// does ("year", "month", "day", "second"), or "" for PrecisionNone.
func (p Precision) String() string {
	switch p {
	case PrecisionYear:
		return "year"
	case PrecisionMonth:
		return "month"
	case PrecisionDay:
		return "day"
	case PrecisionTime:
		return "second"
	}
	return ""
}

// Date is a point in time known to some precision. Time is the start of the
// period (UTC, truncated to milliseconds): 2024-07 is 2024-07-01T00:00:00Z
// with PrecisionMonth.
type Date struct {
	Time      time.Time
	Precision Precision
}

// IsZero reports whether no date was given.
func (d Date) IsZero() bool { return d.Precision == PrecisionNone }

// String writes the date back in the form it was given, with the precision
// it was given ("2024", "2024-07", "2024-07-15" or RFC 3339 with ms).
func (d Date) String() string {
	switch d.Precision {
	case PrecisionYear:
		return d.Time.Format("2006")
	case PrecisionMonth:
		return d.Time.Format("2006-01")
	case PrecisionDay:
		return d.Time.Format("2006-01-02")
	case PrecisionTime:
		return d.Time.Format("2006-01-02T15:04:05.000Z")
	}
	return ""
}

// Human writes the date for prose, at its precision: "2024", "July 2024",
// "15 July 2024", or "15 July 2024 10:30 UTC".
func (d Date) Human() string {
	switch d.Precision {
	case PrecisionYear:
		return d.Time.Format("2006")
	case PrecisionMonth:
		return d.Time.Format("January 2006")
	case PrecisionDay:
		return d.Time.Format("2 January 2006")
	case PrecisionTime:
		return d.Time.Format("2 January 2006 15:04 UTC")
	}
	return ""
}

// End is the last millisecond of the period the date stands for: the end of
// the year, month or day, or the instant itself.
func (d Date) End() time.Time {
	switch d.Precision {
	case PrecisionYear:
		return d.Time.AddDate(1, 0, 0).Add(-time.Millisecond)
	case PrecisionMonth:
		return d.Time.AddDate(0, 1, 0).Add(-time.Millisecond)
	case PrecisionDay:
		return d.Time.AddDate(0, 0, 1).Add(-time.Millisecond)
	}
	return d.Time
}

var (
	reYear  = regexp.MustCompile(`^[0-9]{4}$`)
	reMonth = regexp.MustCompile(`^([0-9]{4})-([0-9]{2})$`)
)

// ParseDate reads a date written as YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339
// timestamp (any offset; stored as UTC truncated to milliseconds).
func ParseDate(s string) (Date, error) {
	switch {
	case reYear.MatchString(s):
		y, _ := strconv.Atoi(s)
		if y < 1 {
			return Date{}, fmt.Errorf("year %q out of range", s)
		}
		return Date{Time: time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC), Precision: PrecisionYear}, nil
	case reMonth.MatchString(s):
		t, err := time.Parse("2006-01", s)
		if err != nil {
			return Date{}, fmt.Errorf("%q is not a valid year-month (YYYY-MM)", s)
		}
		return Date{Time: t.UTC(), Precision: PrecisionMonth}, nil
	case len(s) == 10:
		t, err := time.Parse("2006-01-02", s)
		if err != nil {
			return Date{}, fmt.Errorf("%q is not a valid date (YYYY-MM-DD)", s)
		}
		return Date{Time: t.UTC(), Precision: PrecisionDay}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Date{}, fmt.Errorf("%q is not a date: write YYYY, YYYY-MM, YYYY-MM-DD or an RFC 3339 timestamp", s)
	}
	if t.Year() < 1 || t.Year() > 9999 {
		return Date{}, fmt.Errorf("%q is out of range", s)
	}
	return Date{Time: t.UTC().Truncate(time.Millisecond), Precision: PrecisionTime}, nil
}
