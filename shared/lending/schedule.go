package lending

import (
	"math/big"

	"github.com/wxlend/wxlend/shared/money"
)

// monthlyDen turns an annual rate in bp into a monthly fraction: the monthly
// rate is AnnualRateBP / 120000 exactly (annual / 12 / 10000).
const monthlyDen = 12 * 10000

// Terms is everything a schedule depends on. Quote derives it from a Product
// and a request; tests and the back office may build it directly.
type Terms struct {
	AmountFen          money.Fen `json:"amount_fen"`
	TermMonths         int       `json:"term_months"`
	Method             Method    `json:"method"`
	AnnualRateBP       money.BP  `json:"annual_rate_bp"`
	StartDate          Date      `json:"start_date"`
	UpfrontFee         FeeRule   `json:"upfront_fee"`
	UpfrontFeeDeducted bool      `json:"upfront_fee_deducted"`
	ServiceFee         FeeRule   `json:"service_fee"`
}

// Installment is one row of a repayment schedule (还款计划), in api.md's
// shape. TotalFen = PrincipalFen + InterestFen + FeeFen;
// RemainingPrincipalFen is the principal still owed after this installment.
type Installment struct {
	Seq                   int       `json:"seq"`
	DueDate               Date      `json:"due_date"`
	PrincipalFen          money.Fen `json:"principal_fen"`
	InterestFen           money.Fen `json:"interest_fen"`
	FeeFen                money.Fen `json:"fee_fen"`
	TotalFen              money.Fen `json:"total_fen"`
	RemainingPrincipalFen money.Fen `json:"remaining_principal_fen"`
}

// Schedule is a complete repayment plan with its totals. Invariants (checked
// by the property tests): Σ principal = AmountFen; Σ total = TotalRepayFen;
// TotalFeeFen = upfront fee + Σ per-installment service fees;
// TotalRepayFen = AmountFen + TotalInterestFen + TotalFeeFen − (upfront fee
// if deducted); NetAmountFen = AmountFen − (upfront fee if deducted).
type Schedule struct {
	AmountFen          money.Fen     `json:"amount_fen"`
	TermMonths         int           `json:"term_months"`
	Method             Method        `json:"method"`
	AnnualRateBP       money.BP      `json:"annual_rate_bp"`
	StartDate          Date          `json:"start_date"`
	UpfrontFeeFen      money.Fen     `json:"upfront_fee_fen"`
	UpfrontFeeDeducted bool          `json:"upfront_fee_deducted"`
	NetAmountFen       money.Fen     `json:"net_amount_fen"`
	TotalInterestFen   money.Fen     `json:"total_interest_fen"`
	TotalFeeFen        money.Fen     `json:"total_fee_fen"`
	TotalRepayFen      money.Fen     `json:"total_repay_fen"`
	Installments       []Installment `json:"installments"`
}

// BuildSchedule computes the schedule for t. It returns an invalid_argument
// *Error naming the field for any input outside the library limits; it
// never panics and never overflows.
func BuildSchedule(t Terms) (Schedule, error) {
	if err := t.validate(); err != nil {
		return Schedule{}, err
	}
	upfront, err := t.UpfrontFee.on(t.AmountFen)
	if err != nil || upfront >= t.AmountFen {
		return Schedule{}, invalidf("upfront_fee", ReasonOutOfRange, "the upfront fee must be less than the amount")
	}
	monthlyFee, err := t.ServiceFee.on(t.AmountFen)
	if err != nil {
		return Schedule{}, invalidf("service_fee", ReasonOutOfRange, "service fee out of range")
	}
	s := Schedule{
		AmountFen: t.AmountFen, TermMonths: t.TermMonths, Method: t.Method,
		AnnualRateBP: t.AnnualRateBP, StartDate: t.StartDate,
		UpfrontFeeFen: upfront, UpfrontFeeDeducted: t.UpfrontFeeDeducted,
		Installments: principalAndInterest(t),
	}
	s.addDatesAndFees(monthlyFee)
	s.addTotals()
	return s, nil
}

func (t Terms) validate() error {
	switch {
	case t.AmountFen < MinLoanFen || t.AmountFen > MaxLoanFen:
		return invalidf("amount_fen", ReasonOutOfRange, "amount must be between %s and %s CNY", MinLoanFen, MaxLoanFen)
	case t.TermMonths < 1 || t.TermMonths > MaxTermMonths:
		return invalidf("term_months", ReasonOutOfRange, "term must be 1-%d months", MaxTermMonths)
	case !t.Method.Valid():
		return invalidf("method", ReasonUnknown, "unknown repayment method")
	case t.AnnualRateBP < 0 || t.AnnualRateBP > MaxCapBP:
		return invalidf("annual_rate_bp", ReasonOutOfRange, "annual rate must be between 0 and %s", MaxCapBP)
	case !t.StartDate.IsValid() || t.StartDate.Year > maxYear-MaxTermMonths/12-1:
		return invalidf("start_date", ReasonOutOfRange, "invalid start date")
	}
	if err := validateFee("upfront_fee", t.UpfrontFee, MaxUpfrontFeeBP, t.AmountFen/2); err != nil {
		return err
	}
	return validateFee("service_fee", t.ServiceFee, MaxServiceFeeBP, t.AmountFen/10)
}

// principalAndInterest fills Seq, PrincipalFen, InterestFen and
// RemainingPrincipalFen according to the method.
func principalAndInterest(t Terms) []Installment {
	switch t.Method {
	case Bullet:
		return bulletPlan(t)
	case InterestFirst:
		return amortize(t, func(int, money.Fen) money.Fen { return 0 })
	case EqualPrincipal:
		each := mustMulDiv(t.AmountFen, 1, int64(t.TermMonths))
		return amortize(t, func(int, money.Fen) money.Fen { return each })
	default:
		pay := pmt(t.AmountFen, t.AnnualRateBP, t.TermMonths)
		return amortize(t, func(_ int, interest money.Fen) money.Fen { return pay - interest })
	}
}

// amortize runs the declining balance for n monthly installments: interest
// on the remaining principal at the monthly rate, rounded half-up; principal
// as the method says, clamped to [0, remaining]; the last installment takes
// all remaining principal, which absorbs every rounding residue.
func amortize(t Terms, principalFor func(k int, interest money.Fen) money.Fen) []Installment {
	n := t.TermMonths
	out := make([]Installment, n)
	remaining := t.AmountFen
	for k := 1; k <= n; k++ {
		interest := mustMulDiv(remaining, int64(t.AnnualRateBP), monthlyDen)
		principal := remaining
		if k < n {
			principal = min(max(principalFor(k, interest), 0), remaining)
		}
		remaining -= principal
		out[k-1] = Installment{Seq: k, PrincipalFen: principal, InterestFen: interest, RemainingPrincipalFen: remaining}
	}
	return out
}

// bulletPlan is one installment at month n with simple interest
// amount × monthly rate × n, rounded once.
func bulletPlan(t Terms) []Installment {
	interest := mustMulDiv(t.AmountFen, int64(t.AnnualRateBP)*int64(t.TermMonths), monthlyDen)
	return []Installment{{Seq: 1, PrincipalFen: t.AmountFen, InterestFen: interest}}
}

// pmt is the equal installment P·r·(1+r)^n / ((1+r)^n − 1), r = a/b with
// a = rate bp and b = 120000, computed exactly as
// P·a·(a+b)^n / (b·((a+b)^n − b^n)) and rounded half-up once. With a zero
// rate it is P/n.
func pmt(p money.Fen, rateBP money.BP, n int) money.Fen {
	if rateBP == 0 {
		return mustMulDiv(p, 1, int64(n))
	}
	a := big.NewInt(int64(rateBP))
	b := big.NewInt(monthlyDen)
	num := new(big.Int).Exp(new(big.Int).Add(a, b), big.NewInt(int64(n)), nil)
	den := new(big.Int).Exp(b, big.NewInt(int64(n)), nil)
	den.Sub(num, den).Mul(den, b)
	num.Mul(num, a).Mul(num, big.NewInt(int64(p)))
	v, err := money.QuoHalfUp(num, den)
	if err != nil {
		panic("lending: pmt out of range despite validated terms: " + err.Error())
	}
	return v
}

// mustMulDiv is money.MulDiv for arguments the library limits keep far from
// int64's edge (amount ≤ 10^10 fen × rate ≤ 3600 bp × months ≤ 60); an
// error here is a programming error, not an input error.
func mustMulDiv(f money.Fen, num, den int64) money.Fen {
	v, err := money.MulDiv(f, num, den)
	if err != nil {
		panic("lending: arithmetic out of range despite validated terms: " + err.Error())
	}
	return v
}

// addDatesAndFees sets due dates (always from the start date, clamped) and
// fees: the monthly service fee times the months an installment covers, plus
// the upfront fee on the first installment when it is not deducted.
func (s *Schedule) addDatesAndFees(monthlyFee money.Fen) {
	for i := range s.Installments {
		in := &s.Installments[i]
		months := 1
		if s.Method == Bullet {
			months = s.TermMonths
		}
		in.DueDate = s.StartDate.AddMonthsClamped(s.period(i))
		in.FeeFen = monthlyFee * money.Fen(months)
		if i == 0 && !s.UpfrontFeeDeducted {
			in.FeeFen += s.UpfrontFeeFen
		}
		in.TotalFen = in.PrincipalFen + in.InterestFen + in.FeeFen
	}
}

func (s *Schedule) addTotals() {
	s.NetAmountFen = s.AmountFen
	s.TotalFeeFen = 0
	if s.UpfrontFeeDeducted {
		s.NetAmountFen -= s.UpfrontFeeFen
		s.TotalFeeFen = s.UpfrontFeeFen
	}
	s.TotalInterestFen, s.TotalRepayFen = 0, 0
	for _, in := range s.Installments {
		s.TotalInterestFen += in.InterestFen
		s.TotalFeeFen += in.FeeFen
		s.TotalRepayFen += in.TotalFen
	}
}

// period is the month (from the start date) at which installment i is due:
// i+1, except the single bullet installment, due at month n.
func (s *Schedule) period(i int) int {
	if s.Method == Bullet {
		return s.TermMonths
	}
	return i + 1
}
