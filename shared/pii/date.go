package pii

import (
	"fmt"
	"time"
)

// Date is a calendar day: a birth date read from an ID number, or the
// business date ("today" in Asia/Shanghai) that ages are computed on. It has
// no time of day and no zone so that a server running in UTC cannot make a
// borrower a day younger. Its fields match lending.Date, so the two convert
// with a plain type conversion without this package importing lending.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// shanghai is UTC+8; China has had no daylight saving since 1991, so a fixed
// zone is exact and needs no tzdata.
var shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// DateOf is the business date (Asia/Shanghai) of instant t, e.g. of
// clock.Now(): the "today" that ParseIDNumber and AgeOn expect.
func DateOf(t time.Time) Date {
	y, m, d := t.In(shanghai).Date()
	return Date{y, m, d}
}

// String is YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// IsValid reports whether d is a real Gregorian calendar day in 1900–9999
// (the zero Date is not).
func (d Date) IsValid() bool {
	if d.Year < 1900 || d.Year > 9999 || d.Month < time.January || d.Month > time.December {
		return false
	}
	return d.Day >= 1 && d.Day <= daysIn(d.Year, d.Month)
}

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

func daysIn(y int, m time.Month) int {
	switch m {
	case time.February:
		if isLeap(y) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// AgeOn is the age in completed years of someone born on birth, on day on.
// The birthday rule is the civil one: a person is a year older on the
// anniversary of the birth date, and someone born on 29 February becomes a
// year older on 1 March in a non-leap year (never on 28 February, so an
// 18th birthday is not brought forward). Comparing (month, day) pairs gives
// exactly that: in a non-leap year 28 February is before (2, 29) and
// 1 March is after it. If on is before birth the result is negative, which
// every age check refuses.
func AgeOn(birth, on Date) int {
	age := on.Year - birth.Year
	if on.Month < birth.Month || (on.Month == birth.Month && on.Day < birth.Day) {
		age--
	}
	return age
}
