package lending

import (
	"github.com/wxlend/wxlend/shared/money"
)

// PayoffQuote is what settling the whole loan on AsOf costs (api.md GET
// /v1/loans/payoff/{id}). PayoffFen = PrincipalFen + InterestFen +
// PenaltyFen + FeeFen − CreditFen. CreditFen is non-zero only in the
// cooling-off window: interest and fees already paid or deducted at
// disbursement, given back by netting them against the principal.
type PayoffQuote struct {
	AsOf         Date      `json:"as_of"`
	PayoffFen    money.Fen `json:"payoff_fen"`
	PrincipalFen money.Fen `json:"principal_fen"`
	InterestFen  money.Fen `json:"interest_fen"`
	PenaltyFen   money.Fen `json:"penalty_fen"`
	FeeFen       money.Fen `json:"fee_fen"`
	CreditFen    money.Fen `json:"credit_fen"`
	CoolingOff   bool      `json:"cooling_off"`
}

// Payoff returns the amount that settles the loan on st.AsOf under product
// p (the version the loan was signed under):
//   - in the cooling-off window (AsOf at most p.CoolingOffDays days after
//     the start date): the outstanding principal only, less the credit;
//   - otherwise: everything past due (with accrued penalty), the current
//     installment's principal and fee, the current period's interest per
//     p.EarlyPayoff, and the principal of later installments. Later
//     installments' interest and fees are not owed: they are unearned.
//
// Errors are invalid_argument *Error for a malformed state or product.
// Allocate(st, p, quote.PayoffFen, AllocatePayoff) settles the loan exactly.
func Payoff(st LoanState, p Product) (PayoffQuote, error) {
	v, err := payoffView(st, p)
	if err != nil {
		return PayoffQuote{}, err
	}
	var sum Components
	for _, c := range v.owed {
		sum = sum.plus(c)
	}
	return PayoffQuote{
		AsOf: st.AsOf, PayoffFen: sum.TotalFen(),
		PrincipalFen: sum.PrincipalFen + v.credit, InterestFen: sum.InterestFen,
		PenaltyFen: sum.PenaltyFen, FeeFen: sum.FeeFen, CreditFen: v.credit, CoolingOff: v.coolingOff,
	}, nil
}

// view is what may be collected from each installment right now.
type view struct {
	timings    []Timing
	owed       []Components
	credit     money.Fen // cooling-off credit, already taken off owed principal
	coolingOff bool
}

func checkServicing(st LoanState, p Product) error {
	if err := st.validate(); err != nil {
		return err
	}
	if err := validateOrder(p.AllocationOrder); err != nil {
		return err
	}
	if err := p.validatePayoff(); err != nil {
		return err
	}
	return p.validateDays()
}

// regularView: everything past due and the whole current installment (a
// borrower may pay the bill before its due date) plus later principal
// (a prepayment). Later interest and fees are unearned, so never owed.
func regularView(st LoanState, p Product) (view, error) {
	if err := checkServicing(st, p); err != nil {
		return view{}, err
	}
	v := view{timings: st.timings(), owed: make([]Components, len(st.Schedule.Installments))}
	for i, t := range v.timings {
		u := st.unpaid(i)
		if t == NotYetDue {
			u = Components{PrincipalFen: u.PrincipalFen}
		}
		v.owed[i] = u
	}
	return v, nil
}

// payoffView is regularView with the current period's interest reduced per
// the early-payoff convention, or the cooling-off rule.
func payoffView(st LoanState, p Product) (view, error) {
	v, err := regularView(st, p)
	if err != nil {
		return view{}, err
	}
	if p.CoolingOffDays > 0 && st.AsOf.DaysSince(st.Schedule.StartDate) <= p.CoolingOffDays {
		coolingOff(st, &v)
		return v, nil
	}
	for i, t := range v.timings {
		if t == DueNow && p.EarlyPayoff == PayoffAccruedDays {
			v.owed[i].InterestFen = accruedInterest(st, v, i)
		}
	}
	return v, nil
}

// accruedInterest is the current period's interest still owed at as-of:
// the outstanding (not past due) principal × annual rate × actual days
// since the period began / 360, rounded half-up, never more than the
// scheduled interest, and all of it on the due date itself; less what was
// already paid.
func accruedInterest(st LoanState, v view, i int) money.Fen {
	s := st.Schedule
	in := s.Installments[i]
	if !st.AsOf.Before(in.DueDate) {
		return v.owed[i].InterestFen
	}
	begin := s.StartDate
	if i > 0 {
		begin = s.Installments[i-1].DueDate
	}
	var base money.Fen
	for j := i; j < len(v.owed); j++ {
		base += v.owed[j].PrincipalFen
	}
	days := int64(max(st.AsOf.DaysSince(begin), 0))
	accrued := mustMulDiv(base, int64(s.AnnualRateBP)*days, 360*10000)
	return max(min(accrued, in.InterestFen)-st.paid(i).InterestFen, 0)
}

// coolingOff leaves only principal owed and nets the costs already borne
// (paid interest, fees, penalty, and a deducted upfront fee) against it,
// from the last installment backwards, so the borrower's cost is zero.
func coolingOff(st LoanState, v *view) {
	v.coolingOff = true
	var outstanding, credit money.Fen
	if st.Schedule.UpfrontFeeDeducted {
		credit = st.Schedule.UpfrontFeeFen
	}
	for i := range v.owed {
		v.owed[i] = Components{PrincipalFen: v.owed[i].PrincipalFen}
		outstanding += v.owed[i].PrincipalFen
		pd := st.paid(i)
		credit += pd.PenaltyFen + pd.FeeFen + pd.InterestFen
	}
	v.credit = min(credit, outstanding)
	left := v.credit
	for i := len(v.owed) - 1; i >= 0 && left > 0; i-- {
		take := min(left, v.owed[i].PrincipalFen)
		v.owed[i].PrincipalFen -= take
		left -= take
	}
}
