package models

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"time"
)

// Date is a calendar day. It is stored as 'YYYY-MM-DD' text on both databases, so
// comparisons, period filters and month grouping (substr) are the same SQL everywhere.
// The zero Date means "unknown" and is stored as NULL.
type Date struct{ t time.Time }

const dateLayout = "2006-01-02"

// NewDate builds a Date from its parts.
func NewDate(y int, m time.Month, d int) Date { return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)} }

// DateOf returns the calendar day of t in UTC.
func DateOf(t time.Time) Date {
	t = t.UTC()
	return NewDate(t.Year(), t.Month(), t.Day())
}

// ParseDate reads YYYY-MM-DD strictly: 2021-02-30 is an error, not 2 March.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		return Date{}, fmt.Errorf("parse date %q: %w", s, err)
	}
	if t.IsZero() {
		// 0001-01-01 is the zero time, which a Date reserves for "unknown": accepting it
		// would store an empty date in place of the one typed.
		return Date{}, fmt.Errorf("parse date %q: the first day of year 1 is not a usable date", s)
	}
	return Date{t}, nil
}

// IsZero reports an unknown date.
func (d Date) IsZero() bool { return d.t.IsZero() }

// Time is the day at midnight UTC.
func (d Date) Time() time.Time { return d.t }

// Year of the date.
func (d Date) Year() int { return d.t.Year() }

// String is YYYY-MM-DD, or "" for an unknown date (so forms show an empty field).
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format(dateLayout)
}

// Before reports whether d is strictly before o.
func (d Date) Before(o Date) bool { return d.t.Before(o.t) }

// After reports whether d is strictly after o.
func (d Date) After(o Date) bool { return d.t.After(o.t) }

// AddDays returns the date n days later (or earlier for negative n).
func (d Date) AddDays(n int) Date { return Date{d.t.AddDate(0, 0, n)} }

// Value implements driver.Valuer.
func (d Date) Value() (driver.Value, error) {
	if d.IsZero() {
		return nil, nil
	}
	return d.String(), nil
}

// Scan implements sql.Scanner.
func (d *Date) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*d = Date{}
		return nil
	case string:
		return d.scanString(x)
	case []byte:
		return d.scanString(string(x))
	case time.Time:
		*d = DateOf(x)
		return nil
	}
	return fmt.Errorf("scan date from %T", v)
}

func (d *Date) scanString(s string) error {
	if s == "" {
		*d = Date{}
		return nil
	}
	if len(s) > 10 {
		s = s[:10]
	}
	p, err := ParseDate(s)
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// GormDataType makes gorm create the column as short text on both databases.
func (Date) GormDataType() string { return "varchar(10)" }
