package lending

import (
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

// workedState is the worked example (10,000 CNY from 2026-01-15, 12 × 916.80,
// 1% fee deducted) as of asOf, with installment 1 paid in full if paid1.
func workedState(t *testing.T, asOf Date, paid1 bool) LoanState {
	st := LoanState{Schedule: mustSchedule(t, goldenSchedules[0].terms), AsOf: asOf}
	if paid1 {
		st.Paid = make([]Components, 12)
		st.Paid[0] = Components{InterestFen: 15000, PrincipalFen: 76680}
	}
	return st
}

func TestPayoff(t *testing.T) {
	accrued, full := testProduct(), testProduct()
	full.EarlyPayoff = PayoffFullPeriod
	overdue := func(t *testing.T) LoanState {
		st := workedState(t, Date{2026, 3, 1}, false)
		pen, err := AccruePenalties(st, accrued, DefaultCapBP)
		if err != nil {
			t.Fatal(err)
		}
		st.PenaltyAccruedFen = pen
		return st
	}
	cases := []struct {
		name string
		st   func(*testing.T) LoanState
		p    Product
		want PayoffQuote
	}{
		// Feb 15 -> Mar 5 is 18 days; 9233.20 × 18% × 18/360 = 83.0988 -> 83.10,
		// under the scheduled 138.50. Payoff 9233.20 + 83.10.
		{"accrued days mid-period", func(t *testing.T) LoanState { return workedState(t, Date{2026, 3, 5}, true) }, accrued,
			PayoffQuote{AsOf: Date{2026, 3, 5}, PayoffFen: 931630, PrincipalFen: 923320, InterestFen: 8310}},
		// Full-period convention: the whole 138.50.
		{"full period mid-period", func(t *testing.T) LoanState { return workedState(t, Date{2026, 3, 5}, true) }, full,
			PayoffQuote{AsOf: Date{2026, 3, 5}, PayoffFen: 937170, PrincipalFen: 923320, InterestFen: 13850}},
		// On the due date the installment is due in full whatever the convention
		// (28 days of February would otherwise give only 129.26).
		{"on the due date", func(t *testing.T) LoanState { return workedState(t, Date{2026, 3, 15}, true) }, accrued,
			PayoffQuote{AsOf: Date{2026, 3, 15}, PayoffFen: 937170, PrincipalFen: 923320, InterestFen: 13850}},
		// 30 days into the 31-day Mar 15 -> Apr 15 period: 8454.90 × 18% ×
		// 30/360 = 126.82, the scheduled interest exactly.
		{"30 days of a 31-day period", func(t *testing.T) LoanState {
			st := workedState(t, Date{2026, 4, 14}, true)
			st.Paid[1] = Components{InterestFen: 13850, PrincipalFen: 77830}
			return st
		}, accrued, PayoffQuote{AsOf: Date{2026, 4, 14}, PayoffFen: 845490 + 12682, PrincipalFen: 845490, InterestFen: 12682}},
		// 17 days into that period with 50.00 of its interest paid early:
		// 8454.90 × 18% × 17/360 = 71.8667 -> 71.87, less 50.00 paid = 21.87.
		{"current interest partly paid", func(t *testing.T) LoanState {
			st := workedState(t, Date{2026, 4, 1}, true)
			st.Paid[1] = Components{InterestFen: 13850, PrincipalFen: 77830}
			st.Paid[2] = Components{InterestFen: 5000}
			return st
		}, accrued, PayoffQuote{AsOf: Date{2026, 4, 1}, PayoffFen: 845490 + 2187, PrincipalFen: 845490, InterestFen: 2187}},
		// Day 5 of a 7-day cooling-off: principal only, and the 100 CNY fee
		// deducted at disbursement is credited: the borrower returns 9,900.
		{"cooling-off", func(t *testing.T) LoanState { return workedState(t, Date{2026, 1, 20}, false) }, accrued,
			PayoffQuote{AsOf: Date{2026, 1, 20}, PayoffFen: 990000, PrincipalFen: 1000000, CreditFen: 10000, CoolingOff: true}},
		{"last cooling-off day", func(t *testing.T) LoanState { return workedState(t, Date{2026, 1, 22}, false) }, accrued,
			PayoffQuote{AsOf: Date{2026, 1, 22}, PayoffFen: 990000, PrincipalFen: 1000000, CreditFen: 10000, CoolingOff: true}},
		// Day 8: 10000 × 18% × 8/360 = 40.00 of interest.
		{"first day after cooling-off", func(t *testing.T) LoanState { return workedState(t, Date{2026, 1, 23}, false) }, accrued,
			PayoffQuote{AsOf: Date{2026, 1, 23}, PayoffFen: 1004000, PrincipalFen: 1000000, InterestFen: 4000}},
		// Nothing paid, as of Mar 1: installment 1 is 14 days late, 11 beyond
		// grace: penalty 766.80 × 24% × 11/360 = 5.6232 -> 5.62. Current
		// period Feb 15 -> Mar 1 = 14 days on 9233.20: 64.6324 -> 64.63.
		// 766.80 + 150.00 + 5.62 + 9233.20 + 64.63 = 10220.25.
		{"overdue with penalty", overdue, accrued,
			PayoffQuote{AsOf: Date{2026, 3, 1}, PayoffFen: 1022025, PrincipalFen: 1000000, InterestFen: 21463, PenaltyFen: 562}},
		// After maturity everything is past due: 12 × 916.80 + 0.01.
		{"after maturity", func(t *testing.T) LoanState { return workedState(t, Date{2027, 1, 16}, false) }, accrued,
			PayoffQuote{AsOf: Date{2027, 1, 16}, PayoffFen: 1100161, PrincipalFen: 1000000, InterestFen: 100161}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Payoff(c.st(t), c.p)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Fatalf("payoff = %+v\n          want %+v", got, c.want)
			}
		})
	}
}

func TestPayoffServiceAndUpfrontFees(t *testing.T) {
	// Fee-on-first-installment golden case, as of day 10 after the 7-day
	// cooling-off: installment 1 carries its 3.00 service fee and the 50.00
	// upfront fee; later service fees are unearned.
	st := LoanState{Schedule: mustSchedule(t, goldenSchedules[8].terms), AsOf: Date{2026, 3, 10}}
	got, err := Payoff(st, testProduct())
	if err != nil {
		t.Fatal(err)
	}
	// 3000.00 × 10% × 10/360 = 8.3333 -> 8.33.
	want := PayoffQuote{AsOf: Date{2026, 3, 10}, PayoffFen: 300000 + 833 + 5300, PrincipalFen: 300000, InterestFen: 833, FeeFen: 5300}
	if got != want {
		t.Fatalf("payoff = %+v, want %+v", got, want)
	}
}

func TestPenalty(t *testing.T) {
	due := Date{2026, 2, 15}
	days := []struct {
		asOf  Date
		grace int
		want  int
	}{
		{Date{2026, 2, 15}, 3, 0}, {Date{2026, 2, 18}, 3, 0}, {Date{2026, 2, 19}, 3, 1},
		{Date{2026, 3, 1}, 3, 11}, {Date{2026, 3, 1}, 0, 14}, {Date{2026, 2, 10}, 0, 0}, {Date{2026, 3, 1}, -5, 14},
	}
	for _, c := range days {
		if got := PenaltyDays(due, c.asOf, c.grace); got != c.want {
			t.Errorf("PenaltyDays(%v, grace %d) = %d, want %d", c.asOf, c.grace, got, c.want)
		}
	}
	amounts := []struct {
		principal   money.Fen
		days        int
		rate, capBP money.BP
		want        money.Fen
		wantErr     bool
	}{
		{100000, 30, 1200, 2400, 1000, false}, // 1000.00 × 12% × 30/360 = 10.00
		{100000, 30, 5000, 2400, 2000, false}, // clipped to the 24% cap
		{100000, 30, 5000, 9000, 3000, false}, // and never above 36% whatever the cap says
		{76680, 11, 2400, 2400, 562, false},   // 5.6232 -> 5.62
		{1, 1, 2400, 2400, 0, false},          // 0.0000667 -> 0
		{0, 100, 2400, 2400, 0, false},
		{-1, 1, 2400, 2400, 0, true},
		{100, -1, 2400, 2400, 0, true},
		{100, 1, -1, 2400, 0, true},
		{MaxLoanFen, 1_000_001, 2400, 2400, 0, true},
		{1<<63 - 1, 1_000_000, 3600, 3600, 0, true}, // overflow is an error, not a wrap
	}
	for _, c := range amounts {
		got, err := PenaltyFor(c.principal, c.days, c.rate, c.capBP)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("PenaltyFor(%d, %d, %d, %d) = %d, %v; want %d (error %v)", c.principal, c.days, c.rate, c.capBP, got, err, c.want, c.wantErr)
		}
	}
}

func TestAccruePenaltiesNeverDecreases(t *testing.T) {
	st := workedState(t, Date{2026, 3, 1}, false)
	st.PenaltyAccruedFen = make([]money.Fen, 12)
	st.PenaltyAccruedFen[0] = 9999 // accrued earlier at a time when more was overdue
	pen, err := AccruePenalties(st, testProduct(), DefaultCapBP)
	if err != nil || pen[0] != 9999 || pen[1] != 0 {
		t.Fatalf("penalties = %v, %v", pen, err)
	}
}

func TestServicingInvalid(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*LoanState, *Product)
		field string
	}{
		{"as-of before start", func(s *LoanState, _ *Product) { s.AsOf = Date{2026, 1, 14} }, "as_of"},
		{"invalid as-of", func(s *LoanState, _ *Product) { s.AsOf = Date{2026, 2, 30} }, "as_of"},
		{"empty schedule", func(s *LoanState, _ *Product) { s.Schedule.Installments = nil }, "schedule"},
		{"paid entries missing", func(s *LoanState, _ *Product) { s.Paid = make([]Components, 3) }, "paid"},
		{"penalty entries missing", func(s *LoanState, _ *Product) { s.PenaltyAccruedFen = make([]money.Fen, 13) }, "paid"},
		{"overpaid principal", func(s *LoanState, _ *Product) {
			s.Paid = make([]Components, 12)
			s.Paid[0].PrincipalFen = 76681
		}, "paid"},
		{"negative paid", func(s *LoanState, _ *Product) {
			s.Paid = make([]Components, 12)
			s.Paid[3].FeeFen = -1
		}, "paid"},
		{"penalty paid beyond accrued", func(s *LoanState, _ *Product) {
			s.Paid = make([]Components, 12)
			s.Paid[0].PenaltyFen = 1
		}, "paid"},
		{"negative accrued penalty", func(s *LoanState, _ *Product) {
			s.PenaltyAccruedFen = make([]money.Fen, 12)
			s.PenaltyAccruedFen[0] = -5
		}, "penalty_accrued_fen"},
		{"due dates out of order", func(s *LoanState, _ *Product) {
			s.Schedule.Installments[2].DueDate = Date{2026, 1, 1}
		}, "schedule"},
		{"bad allocation order", func(_ *LoanState, p *Product) { p.AllocationOrder = p.AllocationOrder[1:] }, "allocation_order"},
		{"bad payoff convention", func(_ *LoanState, p *Product) { p.EarlyPayoff = "never" }, "early_payoff"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, p := workedState(t, Date{2026, 3, 5}, false), testProduct()
			c.edit(&st, &p)
			_, err := Payoff(st, p)
			assertInvalid(t, err, c.field)
			_, err = Allocate(st, p, 1000, AllocateRegular)
			assertInvalid(t, err, c.field)
		})
	}
}
