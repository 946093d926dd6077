package lending

import (
	"github.com/wxlend/wxlend/shared/money"
)

// InstallmentState is what the borrower's bill (api.md GET /v1/loans/detail/{id},
// field bill) says of one installment.
type InstallmentState string

// Installment states. Of a loan being repaid, the first rule that holds
// decides, "today" being the bill's as-of business date (Asia/Shanghai):
//
//  1. paid: nothing of the installment is outstanding (principal, interest,
//     fee and the penalty accrued on it all paid).
//  2. overdue: more than the product's grace days have passed since the due
//     date (today − due date > grace_days; with no grace days, a due date
//     before today).
//  3. not_due: it falls due after the current installment (lending's
//     not_yet_due timing): only its principal may be prepaid.
//  4. partly_paid: something of it is paid, not all.
//  5. due: nothing paid yet, and it is the current installment (the first
//     one due on or after today) or past its due date within the grace days.
//
// Before disbursement every installment is not_due. Once the loan is
// settled every installment is paid: what was never paid (unearned
// interest and fees of an early payoff, a cooling-off credit) is waived.
const (
	InstallmentPaid       InstallmentState = "paid"
	InstallmentOverdue    InstallmentState = "overdue"
	InstallmentNotDue     InstallmentState = "not_due"
	InstallmentPartlyPaid InstallmentState = "partly_paid"
	InstallmentDue        InstallmentState = "due"
)

// Standing is where a loan stands in its life, as far as its bill cares.
// The HTTP layer maps loan statuses onto it.
type Standing string

// Standings of a loan.
const (
	// StandingPending: not yet disbursed (applied, signed, disbursing).
	// Nothing is owed yet and the due dates move to the disbursement date.
	StandingPending Standing = "pending"
	// StandingRepaying: disbursed and not settled (active, overdue,
	// written off): the states follow the rules above.
	StandingRepaying Standing = "repaying"
	// StandingSettled: nothing is owed any more; what was not paid was
	// waived by the settlement.
	StandingSettled Standing = "settled"
)

// BillAmounts is an amount split by part, with its total, in the bill's
// JSON shape. TotalFen = PrincipalFen + InterestFen + FeeFen + PenaltyFen.
type BillAmounts struct {
	PrincipalFen money.Fen `json:"principal_fen"`
	InterestFen  money.Fen `json:"interest_fen"`
	FeeFen       money.Fen `json:"fee_fen"`
	PenaltyFen   money.Fen `json:"penalty_fen"`
	TotalFen     money.Fen `json:"total_fen"`
}

func billAmounts(c Components) BillAmounts {
	return BillAmounts{PrincipalFen: c.PrincipalFen, InterestFen: c.InterestFen, FeeFen: c.FeeFen, PenaltyFen: c.PenaltyFen, TotalFen: c.TotalFen()}
}

// BillInstallment is one installment of the bill. Per part:
// Scheduled = Paid + Waived + Outstanding, exactly. Scheduled is the
// installment's principal, interest and fee as the current schedule has
// them (after any re-amortization, see Reamortize) and the penalty accrued
// on it so far. DaysPastDue is the number of days since the due date while
// something is outstanding, 0 otherwise; it is positive but the state
// still due or partly_paid within the grace days.
type BillInstallment struct {
	Seq         int              `json:"seq"`
	DueDate     Date             `json:"due_date"`
	State       InstallmentState `json:"state"`
	DaysPastDue int              `json:"days_past_due"`
	Scheduled   BillAmounts      `json:"scheduled"`
	Paid        BillAmounts      `json:"paid"`
	Waived      BillAmounts      `json:"waived"`
	Outstanding BillAmounts      `json:"outstanding"`
}

// BillTotals are the sums over the installments, per part. Scheduled's
// principal is the loan amount, its interest the schedule's total
// interest, its fee the schedule's total fee less an upfront fee deducted
// at disbursement, its penalty all the penalty accrued.
type BillTotals struct {
	Scheduled   BillAmounts `json:"scheduled"`
	Paid        BillAmounts `json:"paid"`
	Waived      BillAmounts `json:"waived"`
	Outstanding BillAmounts `json:"outstanding"`
}

// Bill is the borrower's view of what each installment is, was and still
// is owed. DueNowFen is the outstanding of the installments due, partly
// paid or overdue: what a repayment of kind due charges today.
type Bill struct {
	AsOf         Date              `json:"as_of"`
	Standing     Standing          `json:"standing"`
	GraceDays    int               `json:"grace_days"`
	DueNowFen    money.Fen         `json:"due_now_fen"`
	Installments []BillInstallment `json:"installments"`
	Totals       BillTotals        `json:"totals"`
}

// NewBill is the bill of a loan in state st (its current schedule, what is
// paid and the penalty accrued, as the servicing side records them) on the
// business date st.AsOf, a date before the start date counting as the
// start date. p is the product version the loan was signed under (its
// grace days). Penalty is what st records (accrued by the overdue run), the
// same figure a repayment collects; the bill accrues none itself.
// Errors: invalid_argument for a malformed state, product or standing.
func NewBill(st LoanState, p Product, standing Standing) (Bill, error) {
	if st.AsOf.Before(st.Schedule.StartDate) {
		st.AsOf = st.Schedule.StartDate
	}
	if err := st.validate(); err != nil {
		return Bill{}, err
	}
	if err := p.validateDays(); err != nil {
		return Bill{}, err
	}
	if standing != StandingPending && standing != StandingRepaying && standing != StandingSettled {
		return Bill{}, invalidf("standing", ReasonUnknown, "standing must be pending, repaying or settled")
	}
	b := Bill{AsOf: st.AsOf, Standing: standing, GraceDays: p.GraceDays, Installments: make([]BillInstallment, len(st.Schedule.Installments))}
	var scheduled, paid, waived, outstanding Components
	for i, t := range st.timings() {
		in := st.Schedule.Installments[i]
		bi := BillInstallment{Seq: in.Seq, DueDate: in.DueDate}
		s, pd, owed := st.charged(i), st.paid(i), st.unpaid(i)
		var w Components
		if standing == StandingSettled {
			w, owed = owed, Components{}
		}
		bi.State, bi.DaysPastDue = installmentState(standing, t, pd, owed, st.AsOf.DaysSince(in.DueDate), p.GraceDays)
		if bi.State != InstallmentNotDue && bi.State != InstallmentPaid {
			b.DueNowFen += owed.TotalFen()
		}
		bi.Scheduled, bi.Paid, bi.Waived, bi.Outstanding = billAmounts(s), billAmounts(pd), billAmounts(w), billAmounts(owed)
		scheduled, paid, waived, outstanding = scheduled.plus(s), paid.plus(pd), waived.plus(w), outstanding.plus(owed)
		b.Installments[i] = bi
	}
	b.Totals = BillTotals{billAmounts(scheduled), billAmounts(paid), billAmounts(waived), billAmounts(outstanding)}
	return b, nil
}

// installmentState applies the rules of InstallmentState to one
// installment whose due date was daysSinceDue days before the as-of date
// (negative: after it); it also returns the days past due.
func installmentState(standing Standing, t Timing, paid, owed Components, daysSinceDue, graceDays int) (InstallmentState, int) {
	switch {
	case standing == StandingPending:
		return InstallmentNotDue, 0
	case owed.TotalFen() == 0:
		return InstallmentPaid, 0
	}
	days := max(daysSinceDue, 0)
	switch {
	case daysSinceDue > graceDays:
		return InstallmentOverdue, days
	case t == NotYetDue:
		return InstallmentNotDue, days
	case paid.TotalFen() > 0:
		return InstallmentPartlyPaid, days
	}
	return InstallmentDue, days
}
