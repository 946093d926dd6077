package lending

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAddMonthsClamped(t *testing.T) {
	cases := []struct {
		start Date
		n     int
		want  Date
	}{
		{Date{2026, 1, 31}, 1, Date{2026, 2, 28}},
		{Date{2026, 1, 31}, 2, Date{2026, 3, 31}},
		{Date{2026, 1, 31}, 3, Date{2026, 4, 30}},
		{Date{2028, 1, 31}, 1, Date{2028, 2, 29}}, // leap year
		{Date{2028, 1, 30}, 1, Date{2028, 2, 29}},
		{Date{2028, 1, 29}, 1, Date{2028, 2, 29}},
		{Date{2028, 1, 28}, 1, Date{2028, 2, 28}},
		{Date{2100, 1, 31}, 1, Date{2100, 2, 28}}, // divisible by 100: not leap
		{Date{2000, 1, 31}, 1, Date{2000, 2, 29}}, // divisible by 400: leap
		{Date{2026, 12, 15}, 1, Date{2027, 1, 15}},
		{Date{2026, 11, 30}, 3, Date{2027, 2, 28}},
		{Date{2026, 3, 31}, 36, Date{2029, 3, 31}},
		{Date{2026, 8, 31}, 6, Date{2027, 2, 28}},
		{Date{2026, 5, 15}, 0, Date{2026, 5, 15}},
		{Date{2026, 3, 31}, -1, Date{2026, 2, 28}},
	}
	for _, c := range cases {
		if got := c.start.AddMonthsClamped(c.n); got != c.want {
			t.Errorf("%v + %d months = %v, want %v", c.start, c.n, got, c.want)
		}
	}
}

// TestDueDatesNotChained: from Jan 31 the March due date is the 31st, not
// the 28th that chaining Feb 28 + 1 month would give.
func TestDueDatesNotChained(t *testing.T) {
	s, err := BuildSchedule(Terms{AmountFen: 1200000, TermMonths: 4, Method: EqualPrincipal, AnnualRateBP: 1200, StartDate: Date{2028, 1, 31}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"2028-02-29", "2028-03-31", "2028-04-30", "2028-05-31"}
	for i, in := range s.Installments {
		if in.DueDate.String() != want[i] {
			t.Errorf("due %d = %v, want %s", i+1, in.DueDate, want[i])
		}
	}
}

func TestDateArithmetic(t *testing.T) {
	a, b := Date{2028, 2, 28}, Date{2028, 3, 1}
	if d := b.DaysSince(a); d != 2 {
		t.Errorf("leap-year days = %d, want 2", d)
	}
	if d := (Date{2027, 3, 1}).DaysSince(Date{2027, 2, 28}); d != 1 {
		t.Errorf("non-leap days = %d, want 1", d)
	}
	if d := (Date{2026, 1, 1}).DaysSince(Date{2027, 1, 1}); d != -365 {
		t.Errorf("negative span = %d, want -365", d)
	}
	if got := (Date{2028, 2, 28}).AddDays(2); got != (Date{2028, 3, 1}) {
		t.Errorf("AddDays = %v", got)
	}
	if !a.Before(b) || !b.After(a) || a.Compare(a) != 0 || b.Compare(a) != 1 {
		t.Errorf("ordering is wrong")
	}
	for y := 1900; y <= 2400; y += 7 {
		d := Date{y, 3, 1}
		if got := d.DaysSince(Date{1970, 1, 1}); int64(got) != d.midnightUTC().Unix()/86400 {
			t.Fatalf("dayNumber disagrees with time for %v", d)
		}
	}
}

func TestShanghaiDate(t *testing.T) {
	// 16:30 UTC is 00:30 the next day in Shanghai.
	got := ShanghaiDate(time.Date(2026, 1, 31, 16, 30, 0, 0, time.UTC))
	if got != (Date{2026, 2, 1}) {
		t.Fatalf("ShanghaiDate = %v, want 2026-02-01", got)
	}
}

func TestParseDate(t *testing.T) {
	valid := map[string]Date{
		"2026-01-31": {2026, 1, 31},
		"2028-02-29": {2028, 2, 29},
		"1900-01-01": {1900, 1, 1},
		"9999-12-31": {9999, 12, 31},
	}
	for s, want := range valid {
		if got, err := ParseDate(s); err != nil || got != want {
			t.Errorf("ParseDate(%q) = %v, %v", s, got, err)
		}
	}
	invalid := []string{"", "2026-1-31", "2026/01/31", "2026-02-29", "2026-13-01", "2026-00-10", "2026-01-00",
		"1899-12-31", "20260131", "2026-01-31T00:00", "+026-01-31", "2026-0a-31", "２０２６-01-31"}
	for _, s := range invalid {
		if got, err := ParseDate(s); err == nil {
			t.Errorf("ParseDate(%q) = %v, want error", s, got)
		}
	}
}

func TestDateJSON(t *testing.T) {
	var v struct {
		D Date `json:"d"`
	}
	if err := json.Unmarshal([]byte(`{"d":"2028-02-29"}`), &v); err != nil || v.D != (Date{2028, 2, 29}) {
		t.Fatalf("unmarshal: %v %v", v.D, err)
	}
	b, _ := json.Marshal(v)
	if string(b) != `{"d":"2028-02-29"}` {
		t.Fatalf("marshal: %s", b)
	}
	if err := json.Unmarshal([]byte(`{"d":"2027-02-29"}`), &v); err == nil {
		t.Fatalf("Feb 29 2027 accepted")
	}
}
