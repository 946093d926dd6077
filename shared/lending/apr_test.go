package lending

import (
	"errors"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

// TestAPRHalfBasisPointRoundsUp: 2400.00 CNY for one month at 18% with a
// 0.01 CNY service fee repays 2436.01, an IRR of exactly 36.01/2400 a month
// = 1800.5 bp a year: an exact tie, which rounds half-up to 1801. (Any
// approximate solver, including testdata/ref.py's 60-digit bisection, lands
// a hair below and says 1800; only exact arithmetic gets ties right.)
func TestAPRHalfBasisPointRoundsUp(t *testing.T) {
	s := mustSchedule(t, Terms{AmountFen: 240000, TermMonths: 1, Method: InterestFirst, AnnualRateBP: 1800,
		StartDate: Date{2026, 1, 1}, ServiceFee: FeeRule{FlatFen: 1}})
	if s.TotalRepayFen != 243601 {
		t.Fatalf("repay %d", s.TotalRepayFen)
	}
	if apr := mustAPR(t, s); apr != 1801 {
		t.Fatalf("APR = %d, want 1801", apr)
	}
	// The cap compares the disclosed (rounded) APR: 1801 > 1800.
	if err := checkCap(s, 1800); !errors.Is(err, ErrAPRAboveCap) {
		t.Fatalf("cap 1800: %v", err)
	}
	if err := checkCap(s, 1801); err != nil {
		t.Fatalf("cap 1801: %v", err)
	}
}

// TestSmallestPassing: whatever the float guess, the exact search finds the
// threshold, within its bound of evaluations.
func TestSmallestPassing(t *testing.T) {
	for _, threshold := range []int64{0, 1, 2, 1799, 1800, 123456, aprCeilingBP, aprCeilingBP + 1} {
		for _, guess := range []int64{-50, 0, 1, 1800, threshold - 1, threshold, threshold + 1, 9_999_999, 1 << 40} {
			calls := 0
			got, ok := smallestPassing(func(a int64) bool { calls++; return a >= threshold }, guess, aprCeilingBP)
			wantOK := threshold <= aprCeilingBP
			if ok != wantOK || (ok && got != threshold) || calls > 60 {
				t.Errorf("threshold %d guess %d: got %d %v after %d calls", threshold, guess, got, ok, calls)
			}
		}
	}
}

// TestAPRWithBadGuess: a float guess that is far off (here: a zero-rate
// start for a fee-only loan, or a misleading nominal rate) costs only time.
func TestAPRWithBadGuess(t *testing.T) {
	s := mustSchedule(t, Terms{AmountFen: 1000000, TermMonths: 1, Method: Bullet, AnnualRateBP: 0,
		StartDate: Date{2026, 1, 1}, UpfrontFee: FeeRule{RateBP: 5000}, UpfrontFeeDeducted: true})
	// Receive 5000.00, repay 10000.00 a month later: i = 100%, APR 1200% = 120000 bp.
	if apr := mustAPR(t, s); apr != 120000 {
		t.Fatalf("APR = %d, want 120000", apr)
	}
	s.AnnualRateBP = 3600 // lie about the rate: only the starting point changes
	if apr := mustAPR(t, s); apr != 120000 {
		t.Fatalf("APR = %d, want 120000", apr)
	}
}

func TestAPRInvalidSchedules(t *testing.T) {
	good := mustSchedule(t, goldenSchedules[0].terms)
	cases := []struct {
		name string
		edit func(*Schedule)
	}{
		{"empty", func(s *Schedule) { s.Installments = nil }},
		{"zero net", func(s *Schedule) { s.NetAmountFen = 0 }},
		{"repays less than received", func(s *Schedule) { s.TotalRepayFen = s.NetAmountFen - 1 }},
		{"too long", func(s *Schedule) { s.TermMonths = MaxTermMonths + 1 }},
		{"more installments than months", func(s *Schedule) { s.TermMonths = 6 }},
		{"negative installment", func(s *Schedule) {
			s.Installments = append([]Installment(nil), s.Installments...)
			s.Installments[3].TotalFen = -1
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := good
			c.edit(&s)
			_, err := APR(s)
			assertInvalid(t, err, "schedule")
		})
	}
}

func TestAPROutOfRange(t *testing.T) {
	// Hand-built (BuildSchedule would refuse the fee): receive 0.01, repay
	// 10000.00 next month.
	s := Schedule{AmountFen: 1000000, TermMonths: 1, Method: Bullet, NetAmountFen: 1, TotalRepayFen: 1000000,
		Installments: []Installment{{Seq: 1, TotalFen: 1000000}}}
	_, err := APR(s)
	var ce *CapError
	if !errors.As(err, &ce) || ce.Reason != ReasonAPROutOfRange || !errors.Is(err, ErrFailedPrecondition) {
		t.Fatalf("err = %v", err)
	}
}

// TestFeesRaiseAPR: the same loan with each kind of fee, from the worked
// example's 1800 bp (no fee) upwards. Exact IRRs from testdata/ref.py:
// 1800.0176, 1994.0721, 1990.8822, 1800.0366 and 2009.5203 bp.
func TestFeesRaiseAPR(t *testing.T) {
	base := goldenSchedules[0].terms
	base.UpfrontFee, base.UpfrontFeeDeducted = FeeRule{}, false
	cases := []struct {
		name string
		edit func(*Terms)
		want money.BP
	}{
		{"no fee", func(*Terms) {}, 1800},
		{"1% deducted", func(t *Terms) { t.UpfrontFee, t.UpfrontFeeDeducted = FeeRule{RateBP: 100}, true }, 1994},
		{"1% on first installment", func(t *Terms) { t.UpfrontFee = FeeRule{RateBP: 100} }, 1991},
		{"0.01 CNY flat", func(t *Terms) { t.UpfrontFee = FeeRule{FlatFen: 1} }, 1800},
		{"0.1% a month", func(t *Terms) { t.ServiceFee = FeeRule{RateBP: 10} }, 2010},
	}
	for _, c := range cases {
		terms := base
		c.edit(&terms)
		if got := mustAPR(t, mustSchedule(t, terms)); got != c.want {
			t.Errorf("%s: APR %d, want %d", c.name, got, c.want)
		}
	}
}
