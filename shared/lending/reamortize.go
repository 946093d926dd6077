package lending

import (
	"slices"

	"github.com/wxlend/wxlend/shared/money"
)

// Reamortize rebuilds the schedule after a prepayment of not-yet-due
// principal, so that the borrower stops paying interest on money already
// returned. It keeps the term and the due dates and lowers the later
// installments (Fineract's "reschedule next repayments"):
//
//   - installments up to and including the due_now one are kept as signed;
//     the prepaid principal moves onto the due_now installment (both its
//     principal and its paid principal), so Σ principal still equals the
//     amount and the payment stays on record;
//   - the later installments are recomputed by the loan's method from the
//     principal still outstanding, at the same rate, over the same remaining
//     months, with the usual rounding and last-installment residue; their
//     service fees are unchanged unless no principal is left.
//
// A bullet loan has no later installments, so nothing changes. Later
// installments must carry no paid interest, fee or penalty (Allocate never
// puts any there); otherwise invalid_argument. The input is not modified.
func Reamortize(st LoanState) (LoanState, error) {
	if err := st.validate(); err != nil {
		return LoanState{}, err
	}
	out := st.clone()
	j := slices.Index(st.timings(), DueNow)
	if j < 0 {
		return out, nil
	}
	ins := out.Schedule.Installments
	var prepaid, outstanding money.Fen
	for k := j + 1; k < len(ins); k++ {
		pd := out.Paid[k]
		if pd.InterestFen != 0 || pd.FeeFen != 0 || pd.PenaltyFen != 0 || out.PenaltyAccruedFen[k] != 0 {
			return LoanState{}, invalidf("paid", ReasonInconsistent, "installment %d is not yet due but has interest, fees or penalty paid", k+1)
		}
		prepaid += pd.PrincipalFen
		outstanding += ins[k].PrincipalFen - pd.PrincipalFen
	}
	if prepaid == 0 {
		return out, nil
	}
	ins[j].PrincipalFen += prepaid
	out.Paid[j].PrincipalFen += prepaid
	tail := principalAndInterest(Terms{AmountFen: outstanding, TermMonths: len(ins) - j - 1,
		Method: st.Schedule.Method, AnnualRateBP: st.Schedule.AnnualRateBP})
	for k, t := range tail {
		in := &ins[j+1+k]
		in.PrincipalFen, in.InterestFen = t.PrincipalFen, t.InterestFen
		if outstanding == 0 {
			in.FeeFen = 0
		}
		out.Paid[j+1+k] = Components{}
	}
	out.Schedule.recomputeRows()
	return out, nil
}

// recomputeRows refreshes every installment's total and remaining principal
// and the schedule totals after installments were edited.
func (s *Schedule) recomputeRows() {
	remaining := s.AmountFen
	for i := range s.Installments {
		in := &s.Installments[i]
		remaining -= in.PrincipalFen
		in.TotalFen = in.PrincipalFen + in.InterestFen + in.FeeFen
		in.RemainingPrincipalFen = remaining
	}
	s.addTotals()
}

// clone deep-copies the state, materializing nil Paid and penalty slices.
func (st LoanState) clone() LoanState {
	n := len(st.Schedule.Installments)
	out := st
	out.Schedule.Installments = slices.Clone(st.Schedule.Installments)
	out.Paid = make([]Components, n)
	out.PenaltyAccruedFen = make([]money.Fen, n)
	copy(out.Paid, st.Paid)
	copy(out.PenaltyAccruedFen, st.PenaltyAccruedFen)
	out.PenaltyCarry = slices.Clone(st.PenaltyCarry)
	return out
}
