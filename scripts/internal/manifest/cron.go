package manifest

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Cron is a parsed SCF timer expression: seven fields, "sec min hour day
// month week year" (cloud.tencent.com/document/product/583/9708). Week 0 is
// Sunday. Day and week also take "?"; "L", "W" and "#" are accepted as SCF
// does, but such a timer is fired locally only on demand (Schedulable false).
type Cron struct {
	Expr        string
	sets        [7]uint64 // bit i set = value i allowed; year as offset from 1970
	dayAny      bool
	weekAny     bool
	Schedulable bool
}

type field struct {
	name     string
	min, max int
	names    map[string]int
}

var months = map[string]int{"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12}
var weekdays = map[string]int{"SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6}

var fields = [7]field{
	{"second", 0, 59, nil}, {"minute", 0, 59, nil}, {"hour", 0, 23, nil},
	{"day", 1, 31, nil}, {"month", 1, 12, months}, {"week", 0, 6, weekdays}, {"year", 1970, 2099, nil},
}

// ParseCron validates a 7-field expression.
func ParseCron(expr string) (*Cron, error) {
	parts := strings.Fields(expr)
	if len(parts) != 7 {
		return nil, fmt.Errorf("cron %q: want 7 fields (sec min hour day month week year), got %d", expr, len(parts))
	}
	c := &Cron{Expr: expr, Schedulable: true}
	for i, p := range parts {
		f := fields[i]
		if p == "?" && (i == 3 || i == 5) {
			c.setAll(i)
			if i == 3 {
				c.dayAny = true
			} else {
				c.weekAny = true
			}
			continue
		}
		if (i == 3 && strings.ContainsAny(p, "LW")) || (i == 5 && strings.ContainsAny(p, "L#")) {
			if err := checkSpecial(p, i); err != nil {
				return nil, fmt.Errorf("cron %q: %s: %w", expr, f.name, err)
			}
			c.Schedulable = false
			c.setAll(i)
			continue
		}
		if err := c.parseField(i, p); err != nil {
			return nil, fmt.Errorf("cron %q: %s: %w", expr, f.name, err)
		}
		if p == "*" && i == 3 {
			c.dayAny = true
		}
		if p == "*" && i == 5 {
			c.weekAny = true
		}
	}
	return c, nil
}

func (c *Cron) setAll(i int) {
	for v := fields[i].min; v <= fields[i].max; v++ {
		c.sets[i] |= 1 << uint(v-offset(i))
	}
}

func offset(i int) int {
	if i == 6 {
		return 1970
	}
	return 0
}

func (c *Cron) parseField(i int, p string) error {
	f := fields[i]
	for _, item := range strings.Split(p, ",") {
		rng, stepS, hasStep := strings.Cut(item, "/")
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepS)
			if err != nil || n < 1 || n > f.max {
				return fmt.Errorf("bad step %q", stepS)
			}
			step = n
		}
		lo, hi := f.min, f.max
		if rng != "*" {
			a, b, isRange := strings.Cut(rng, "-")
			var err error
			if lo, err = value(f, a); err != nil {
				return err
			}
			hi = lo
			if isRange {
				if hi, err = value(f, b); err != nil {
					return err
				}
			} else if hasStep {
				hi = f.max
			}
			if hi < lo {
				return fmt.Errorf("range %q runs backwards", rng)
			}
		}
		for v := lo; v <= hi; v += step {
			c.sets[i] |= 1 << uint(v-offset(i))
		}
	}
	return nil
}

func value(f field, s string) (int, error) {
	if n, ok := f.names[strings.ToUpper(s)]; ok {
		return n, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return 0, fmt.Errorf("value %q is not in %d-%d", s, f.min, f.max)
	}
	return n, nil
}

// checkSpecial accepts the forms SCF documents: "L", "LW", "15W"
// in day; "L", "5L", "1#3" in week.
func checkSpecial(p string, i int) error {
	if i == 3 {
		if p == "L" || p == "LW" {
			return nil
		}
		if d, ok := strings.CutSuffix(p, "W"); ok {
			if n, err := strconv.Atoi(d); err == nil && n >= 1 && n <= 31 {
				return nil
			}
		}
		return fmt.Errorf("bad day form %q", p)
	}
	if p == "L" {
		return nil
	}
	if d, ok := strings.CutSuffix(p, "L"); ok {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 && n <= 6 {
			return nil
		}
	}
	if d, nth, ok := strings.Cut(p, "#"); ok {
		a, e1 := strconv.Atoi(d)
		b, e2 := strconv.Atoi(nth)
		if e1 == nil && e2 == nil && a >= 0 && a <= 6 && b >= 1 && b <= 5 {
			return nil
		}
	}
	return fmt.Errorf("bad week form %q", p)
}

func (c *Cron) has(i, v int) bool { return c.sets[i]&(1<<uint(v-offset(i))) != 0 }

// Next is the first instant after t (to the second, in t's location) that
// the expression matches; the zero time if none within ten years or the
// expression is not schedulable locally.
func (c *Cron) Next(t time.Time) time.Time {
	if !c.Schedulable {
		return time.Time{}
	}
	t = t.Truncate(time.Second).Add(time.Second)
	limit := t.AddDate(10, 0, 0)
	for t.Before(limit) {
		if t.Year() > 2099 || !c.has(6, max(t.Year(), 1970)) {
			t = time.Date(t.Year()+1, 1, 1, 0, 0, 0, 0, t.Location())
			continue
		}
		if !c.has(4, int(t.Month())) {
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location())
			continue
		}
		if !c.dayMatches(t) {
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, t.Location())
			continue
		}
		if !c.has(2, t.Hour()) {
			t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour()+1, 0, 0, 0, t.Location())
			continue
		}
		if !c.has(1, t.Minute()) {
			t = t.Truncate(time.Minute).Add(time.Minute)
			continue
		}
		if !c.has(0, t.Second()) {
			t = t.Add(time.Second)
			continue
		}
		return t
	}
	return time.Time{}
}

// dayMatches follows cron's rule: when both day and week are restricted, a
// day matching either fires.
func (c *Cron) dayMatches(t time.Time) bool {
	d, w := c.has(3, t.Day()), c.has(5, int(t.Weekday()))
	switch {
	case c.dayAny && c.weekAny:
		return true
	case c.dayAny:
		return w
	case c.weekAny:
		return d
	}
	return d || w
}
