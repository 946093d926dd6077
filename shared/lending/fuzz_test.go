package lending

import (
	"errors"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-01-31", "2028-02-29", "0000-00-00", "9999-12-31", "2026-1-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			return
		}
		if !d.IsValid() || d.String() != s {
			t.Fatalf("%q parsed to %v", s, d)
		}
	})
}

// FuzzQuote feeds arbitrary numbers through Quote, Payoff and Allocate:
// nothing may panic, every error must be a lending *Error, and every quote
// must satisfy the schedule invariants and the cap.
func FuzzQuote(f *testing.F) {
	f.Add(int64(10_000_00), 12, 0, int64(1800), int64(100), int64(0), true, int64(2400), 40, int64(50000))
	f.Add(int64(1<<62), -1, 7, int64(-5), int64(1<<40), int64(-1), false, int64(3601), -10, int64(-1))
	f.Fuzz(func(t *testing.T, amount int64, term, method int, rate, feeBP, feeFlat int64, deducted bool, capBP int64, days int, pay int64) {
		p := testProduct()
		p.MinAmountFen, p.MaxAmountFen = MinLoanFen, MaxLoanFen
		p.TermsMonths = []int{1, 3, 12, 36, 60, term}
		p.MinAnnualRateBP, p.MaxAnnualRateBP = 0, MaxCapBP
		p.UpfrontFee = FeeRule{RateBP: money.BP(feeBP), FlatFen: money.Fen(feeFlat)}
		p.UpfrontFeeDeducted = deducted
		m := Method([]string{"equal_installment", "equal_principal", "interest_first", "bullet", "x"}[uint(method)%5])
		req := QuoteRequest{AmountFen: money.Fen(amount), TermMonths: term, Method: m, AnnualRateBP: money.BP(rate)}
		q, err := Quote(p, req, Date{2026, 1, 31}, money.BP(capBP))
		var e *Error
		if err != nil {
			if !errors.As(err, &e) {
				t.Fatalf("foreign error %v", err)
			}
			return
		}
		if q.APRBP > money.BP(capBP) || q.TotalRepayFen != q.AmountFen+q.TotalInterestFen+q.TotalFeeFen-(q.AmountFen-q.NetAmountFen) {
			t.Fatalf("bad quote %+v", q)
		}
		st := LoanState{Schedule: q.Schedule, AsOf: q.StartDate.AddDays(days % 4000)}
		if _, err := Payoff(st, p); err != nil && !errors.As(err, &e) {
			t.Fatalf("foreign error %v", err)
		}
		a, err := Allocate(st, p, money.Fen(pay), AllocateRegular)
		if err == nil && a.AllocatedFen+a.RefundFen != money.Fen(pay) {
			t.Fatalf("allocation does not add up: %+v", a)
		}
	})
}
