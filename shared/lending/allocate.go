package lending

import (
	"github.com/wxlend/wxlend/shared/money"
)

// AllocationMode says which debts a payment may reach.
type AllocationMode string

// Allocation modes, matching api.md's repayment kinds.
const (
	// AllocateRegular (kind due or amount): past-due debt, the whole current
	// installment, then principal of later installments (a prepayment).
	AllocateRegular AllocationMode = "regular"
	// AllocatePayoff (kind payoff): the Payoff view; a payment of at least
	// the payoff amount settles the loan and waives what is unearned.
	AllocatePayoff AllocationMode = "payoff"
)

// InstallmentAllocation is what one payment does to one installment.
type InstallmentAllocation struct {
	Seq    int        `json:"seq"`
	Timing Timing     `json:"timing"`
	Paid   Components `json:"paid"`
	Waived Components `json:"waived"`
}

// Allocation is the split of one payment. Invariants: AllocatedFen +
// RefundFen = AmountFen; AllocatedFen = Σ Paid = Totals.TotalFen(); no Paid
// component exceeds what the installment owed in that component, and none is
// negative. Waived is non-zero only when Settled: the unearned interest and
// fees (and a cooling-off credit) the settlement forgives, for the ledger.
type Allocation struct {
	AmountFen    money.Fen               `json:"amount_fen"`
	AllocatedFen money.Fen               `json:"allocated_fen"`
	RefundFen    money.Fen               `json:"refund_fen"`
	Totals       Components              `json:"totals"`
	Settled      bool                    `json:"settled"`
	Installments []InstallmentAllocation `json:"installments"`
}

// Allocate splits a payment of amountFen over the loan's debts in the
// order p.AllocationOrder gives for the 12 buckets {past_due, due_now,
// not_yet_due} × {penalty, fee, interest, principal}; within a bucket the
// oldest installment goes first. Whatever no bucket can take is RefundFen
// (overpayment, refunded to the borrower).
//
// Allocation is bookkeeping on the signed schedule. After a payment that
// reached not-yet-due principal, the loan service adds the allocation to
// LoanState.Paid and calls Reamortize, which lowers the later installments
// so no interest is charged on prepaid principal. Errors: invalid_argument
// for amount_fen <= 0, an unknown mode or a malformed state.
func Allocate(st LoanState, p Product, amountFen money.Fen, mode AllocationMode) (Allocation, error) {
	if amountFen <= 0 || amountFen > 10*MaxLoanFen {
		return Allocation{}, invalidf("amount_fen", ReasonOutOfRange, "payment amount must be positive and at most %s CNY", 10*MaxLoanFen)
	}
	var v view
	var err error
	switch mode {
	case AllocateRegular:
		v, err = regularView(st, p)
	case AllocatePayoff:
		v, err = payoffView(st, p)
	default:
		return Allocation{}, invalidf("mode", ReasonUnknown, "allocation mode must be regular or payoff")
	}
	if err != nil {
		return Allocation{}, err
	}
	a := Allocation{AmountFen: amountFen, Installments: make([]InstallmentAllocation, len(v.owed))}
	left := amountFen
	for _, b := range p.AllocationOrder {
		for i := range v.owed {
			if v.timings[i] != b.Timing || left == 0 {
				continue
			}
			owed := v.owed[i].field(b.Component)
			take := min(left, *owed)
			*owed -= take
			*a.Installments[i].Paid.field(b.Component) += take
			left -= take
		}
	}
	a.RefundFen = left
	a.AllocatedFen = amountFen - left
	a.finish(st, v)
	return a, nil
}

// finish fills seq, timing and totals, and decides settlement: the loan is
// settled when nothing collectable remains owed. Every view owes all
// outstanding principal (less any cooling-off credit), so that also means no
// principal is left.
func (a *Allocation) finish(st LoanState, v view) {
	settled := true
	for i := range a.Installments {
		ia := &a.Installments[i]
		ia.Seq, ia.Timing = st.Schedule.Installments[i].Seq, v.timings[i]
		a.Totals = a.Totals.plus(ia.Paid)
		if v.owed[i].TotalFen() != 0 {
			settled = false
		}
	}
	a.Settled = settled
	if !settled {
		return
	}
	for i := range a.Installments {
		a.Installments[i].Waived = st.unpaid(i).minus(a.Installments[i].Paid)
	}
}
