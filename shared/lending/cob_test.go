package lending

import (
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

func TestBucketsFollowTheChinaConvention(t *testing.T) {
	for _, c := range []struct {
		dpd  int
		want DPDBucket
	}{{-3, BucketCurrent}, {0, BucketCurrent}, {1, BucketM1}, {30, BucketM1}, {31, BucketM2}, {60, BucketM2},
		{61, BucketM3}, {90, BucketM3}, {91, BucketM3Plus}, {400, BucketM3Plus}} {
		if got := BucketOf(c.dpd); got != c.want {
			t.Errorf("BucketOf(%d) = %s, want %s", c.dpd, got, c.want)
		}
	}
}

// closeDays closes every date from first to last in order, starting from st.
func closeDays(t *testing.T, st LoanState, p Product, capBP money.BP, first, last Date) ([]DayClose, LoanState) {
	t.Helper()
	var out []DayClose
	for d := first; !d.After(last); d = d.AddDays(1) {
		c, err := CloseDay(st, p, capBP, d)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
		st = c.State
	}
	return out, st
}

func TestCloseDayCountsDPDFromTheDueDateOnceGraceHasPassed(t *testing.T) {
	p := testProduct() // grace 3, penalty 24%; installment 1 due 2026-02-15, principal 766.80
	closes, st := closeDays(t, billState(t, Date{2026, 2, 1}, nil, nil), p, 2400, Date{2026, 2, 14}, Date{2026, 3, 20})
	for i, c := range closes {
		day := Date{2026, 2, 14}.AddDays(i)
		wantDPD := 0
		if since := day.DaysSince(Date{2026, 2, 15}); since > 3 {
			wantDPD = since
		}
		if c.DPD != wantDPD || c.Bucket != BucketOf(wantDPD) || (c.DPD == 0) != (c.OverdueFen == 0) {
			t.Fatalf("%s: dpd %d bucket %s overdue %d; want dpd %d", day, c.DPD, c.Bucket, c.OverdueFen, wantDPD)
		}
		if wantDPD == 0 && c.PenaltyFen != 0 {
			t.Fatalf("%s: penalty %d within grace", day, c.PenaltyFen)
		}
	}
	// Through 2026-03-20: installment 1 has 33-3 = 30 penalty days, installment 2 (due 03-15) two.
	want1 := money.Fen(76680 * 2400 * 30 / 3_600_000)
	if got := st.PenaltyAccruedFen[0]; got != want1 {
		t.Errorf("installment 1 accrued %d, want %d (the cumulative amount rounded down)", got, want1)
	}
	if closes[len(closes)-1].DPD != 33 || closes[len(closes)-1].Bucket != BucketM2 {
		t.Errorf("last close %+v", closes[len(closes)-1])
	}
}

func TestAnInstallmentPaidWithinGraceWasNeverOverdue(t *testing.T) {
	p := testProduct()
	st := billState(t, Date{2026, 2, 17}, map[int]Components{1: inst1}, nil)
	closes, st := closeDays(t, st, p, 2400, Date{2026, 2, 17}, Date{2026, 3, 10})
	for _, c := range closes {
		if c.DPD != 0 || c.PenaltyFen != 0 || c.OverdueFen != 0 {
			t.Fatalf("%s: dpd %d penalty %d overdue %d", c.State.AsOf, c.DPD, c.PenaltyFen, c.OverdueFen)
		}
	}
	if st.PenaltyCarry != nil || st.PenaltyAccruedFen[0] != 0 {
		t.Errorf("penalty %v carry %v", st.PenaltyAccruedFen, st.PenaltyCarry)
	}
}

func TestPenaltyNeverBreaksTheCap(t *testing.T) {
	p := testProduct()
	p.PenaltyRateBP = 3600 // above the configured cap: clamped to it
	p.GraceDays = 0
	for _, capBP := range []money.BP{2400, 1500} {
		st := billState(t, Date{2026, 2, 1}, nil, nil)
		_, after := closeDays(t, st, p, capBP, Date{2026, 2, 16}, Date{2027, 2, 10}) // 360 days of installment 1
		limit := money.Fen(76680 * int64(capBP) / 10000)
		if got := after.PenaltyAccruedFen[0]; got != limit {
			t.Errorf("cap %d: a year of penalty on 766.80 is %d, want exactly the cap %d", capBP, got, limit)
		}
	}
	// Small overdue principal: rounding per day would charge 1 fen a day
	// (36%); the carry keeps it at the cap.
	st := billState(t, Date{2026, 2, 1}, map[int]Components{1: {FeeFen: 105_00, InterestFen: 150_00, PrincipalFen: 756_80}}, nil)
	_, after := closeDays(t, st, p, 2400, Date{2026, 2, 16}, Date{2027, 2, 10})
	if got := after.PenaltyAccruedFen[0]; got > 10_00*2400/10000 {
		t.Errorf("a year on 10.00 accrued %d fen, over the cap", got)
	}
}

func TestCloseDayRefusesWhatItCannotReasonAbout(t *testing.T) {
	st := billState(t, Date{2026, 2, 1}, nil, nil)
	neg := testProduct()
	neg.PenaltyRateBP = -1
	badCarry := st
	badCarry.PenaltyCarry = []int64{3_600_000}
	for name, f := range map[string]func() error{
		"zero cap":         func() error { _, err := CloseDay(st, testProduct(), 0, Date{2026, 3, 1}); return err },
		"negative rate":    func() error { _, err := CloseDay(st, neg, 2400, Date{2026, 3, 1}); return err },
		"short carry":      func() error { _, err := CloseDay(badCarry, testProduct(), 2400, Date{2026, 3, 1}); return err },
		"before the start": func() error { _, err := CloseDay(st, testProduct(), 2400, Date{2025, 3, 1}); return err },
	} {
		if err := f(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestPaidOnTimeCountsInstallmentsPaidByTheirDueDate(t *testing.T) {
	due := Date{2026, 2, 15}
	paid := billState(t, due, map[int]Components{1: inst1}, nil)
	unpaid := billState(t, due, nil, nil)
	for _, c := range []struct {
		name string
		st   LoanState
		day  Date
		want int
	}{{"paid, closing its due date", paid, due, 1}, {"unpaid on its due date", unpaid, due, 0},
		{"paid, the day after", paid, due.AddDays(1), 0}, {"paid, the day before", paid, due.AddDays(-1), 0}} {
		got, err := CloseDay(c.st, testProduct(), 2400, c.day)
		if err != nil || got.PaidOnTime != c.want {
			t.Errorf("%s: %d, %v; want %d", c.name, got.PaidOnTime, err, c.want)
		}
	}
}
