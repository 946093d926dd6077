package lending

import (
	"fmt"
	"time"
)

// Date is a calendar day of the business (a due date, a disbursement date,
// an as-of date), always meant in Asia/Shanghai. It has no time of day and no
// zone on purpose: "due on 2028-02-29" must not become the 28th because a
// server runs in UTC. Convert an instant with ShanghaiDate.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Shanghai is UTC+8. China has had no daylight saving since 1991, so a fixed
// zone is exact for every date this package handles and needs no tzdata.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// Date bounds: four-digit years keep the YYYY-MM-DD form unambiguous.
const (
	minYear = 1900
	maxYear = 9999
)

// ShanghaiDate is the business date of instant t.
func ShanghaiDate(t time.Time) Date {
	y, m, d := t.In(Shanghai).Date()
	return Date{y, m, d}
}

// NewDate returns the date, or an error if it is not a real calendar day in
// the years 1900–9999.
func NewDate(year int, month time.Month, day int) (Date, error) {
	d := Date{year, month, day}
	if !d.IsValid() {
		return Date{}, fmt.Errorf("lending: invalid date %04d-%02d-%02d", year, int(month), day)
	}
	return d, nil
}

// ParseDate parses exactly "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("lending: date must be YYYY-MM-DD")
	}
	y, ok1 := atoiFixed(s[0:4])
	m, ok2 := atoiFixed(s[5:7])
	d, ok3 := atoiFixed(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("lending: date must be YYYY-MM-DD")
	}
	return NewDate(y, time.Month(m), d)
}

func atoiFixed(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, true
}

// IsValid reports whether d is a real calendar day in the years 1900–9999.
func (d Date) IsValid() bool {
	return d.Year >= minYear && d.Year <= maxYear && d.Month >= time.January &&
		d.Month <= time.December && d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// String formats d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// MarshalText makes Date a "YYYY-MM-DD" JSON string (api.md).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses "YYYY-MM-DD".
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// AddMonthsClamped returns the same day n months later, clamped to the last
// day of the target month: Jan 31 + 1 month is Feb 28 (Feb 29 in a leap
// year), + 2 months is Mar 31. Schedules call it with n = 1, 2, ... on the
// START date rather than chaining, so a clamped February does not drag every
// later due date to the 28th.
func (d Date) AddMonthsClamped(n int) Date {
	total := d.Year*12 + int(d.Month) - 1 + n
	y, m := total/12, time.Month(total%12+1)
	day := d.Day
	if last := daysIn(y, m); day > last {
		day = last
	}
	return Date{y, m, day}
}

// AddDays returns the date n days later (earlier for negative n).
func (d Date) AddDays(n int) Date {
	y, m, day := d.midnightUTC().AddDate(0, 0, n).Date()
	return Date{y, m, day}
}

// DaysSince returns the number of days from e to d (negative if d is before e).
func (d Date) DaysSince(e Date) int {
	return int(d.dayNumber() - e.dayNumber())
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	a, b := d.dayNumber(), e.dayNumber()
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// After reports whether d is after e.
func (d Date) After(e Date) bool { return d.Compare(e) > 0 }

func (d Date) midnightUTC() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}

// dayNumber counts days in the proleptic Gregorian calendar (days from civil,
// H. Hinnant); pure integer arithmetic, so comparisons cost no allocation.
func (d Date) dayNumber() int64 {
	y, m := int64(d.Year), int64(d.Month)
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + int64(d.Day) - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe
}

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}
