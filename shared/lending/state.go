package lending

import (
	"github.com/wxlend/wxlend/shared/money"
)

// Components is an amount split by what it pays. It is used for what was
// paid, what is owed, what a payment allocates and what a settlement waives.
type Components struct {
	PenaltyFen   money.Fen `json:"penalty_fen"`
	FeeFen       money.Fen `json:"fee_fen"`
	InterestFen  money.Fen `json:"interest_fen"`
	PrincipalFen money.Fen `json:"principal_fen"`
}

// TotalFen is the sum of the four components.
func (c Components) TotalFen() money.Fen {
	return c.PenaltyFen + c.FeeFen + c.InterestFen + c.PrincipalFen
}

func (c *Components) field(comp Component) *money.Fen {
	switch comp {
	case Penalty:
		return &c.PenaltyFen
	case Fee:
		return &c.FeeFen
	case Interest:
		return &c.InterestFen
	}
	return &c.PrincipalFen
}

func (c Components) plus(d Components) Components {
	return Components{c.PenaltyFen + d.PenaltyFen, c.FeeFen + d.FeeFen, c.InterestFen + d.InterestFen, c.PrincipalFen + d.PrincipalFen}
}

func (c Components) minus(d Components) Components {
	return Components{c.PenaltyFen - d.PenaltyFen, c.FeeFen - d.FeeFen, c.InterestFen - d.InterestFen, c.PrincipalFen - d.PrincipalFen}
}

// LoanState is a loan as the servicing side knows it on one business date:
// the schedule signed (from the quote), what has been paid so far per
// installment and component, and the penalty accrued so far per
// installment (by the overdue run, see AccruePenalties). Index i of Paid
// and PenaltyAccruedFen is installment Seq i+1; a nil slice means all
// zeros. The package keeps no other state: a loan's history lives in the
// ledger, and this is its summary.
type LoanState struct {
	Schedule          Schedule     `json:"schedule"`
	Paid              []Components `json:"paid"`
	PenaltyAccruedFen []money.Fen  `json:"penalty_accrued_fen"`
	// PenaltyCarry is, per installment, the penalty accrued beyond the
	// whole fen in PenaltyAccruedFen, in 1/3,600,000 fen (CloseDay); nil
	// means all zeros.
	PenaltyCarry []int64 `json:"penalty_carry,omitempty"`
	AsOf         Date    `json:"as_of"`
}

func (st LoanState) paid(i int) Components {
	if st.Paid == nil {
		return Components{}
	}
	return st.Paid[i]
}

func (st LoanState) penaltyAccrued(i int) money.Fen {
	if st.PenaltyAccruedFen == nil {
		return 0
	}
	return st.PenaltyAccruedFen[i]
}

// charged is what installment i carries in all: its scheduled fee,
// interest and principal and the penalty accrued on it.
func (st LoanState) charged(i int) Components {
	in := st.Schedule.Installments[i]
	return Components{st.penaltyAccrued(i), in.FeeFen, in.InterestFen, in.PrincipalFen}
}

// unpaid is what installment i still carries: scheduled minus paid, and
// accrued minus paid penalty.
func (st LoanState) unpaid(i int) Components {
	return st.charged(i).minus(st.paid(i))
}

// validate refuses a state this package cannot reason about, with
// invalid_argument errors; it bounds every amount so sums cannot overflow.
func (st LoanState) validate() error {
	s := st.Schedule
	n := len(s.Installments)
	if n == 0 || n > MaxTermMonths || !s.StartDate.IsValid() {
		return invalidf("schedule", ReasonInconsistent, "schedule has no valid installments")
	}
	if (st.Paid != nil && len(st.Paid) != n) || (st.PenaltyAccruedFen != nil && len(st.PenaltyAccruedFen) != n) ||
		(st.PenaltyCarry != nil && len(st.PenaltyCarry) != n) {
		return invalidf("paid", ReasonInconsistent, "one entry per installment is required")
	}
	if !st.AsOf.IsValid() || st.AsOf.Before(s.StartDate) {
		return invalidf("as_of", ReasonOutOfRange, "as-of date must be on or after the start date")
	}
	prev := s.StartDate
	for i, in := range s.Installments {
		if !in.DueDate.After(prev) || !inRange(in.PrincipalFen) || !inRange(in.InterestFen) || !inRange(in.FeeFen) {
			return invalidf("schedule", ReasonInconsistent, "installment %d is malformed", i+1)
		}
		prev = in.DueDate
		if st.PenaltyCarry != nil && (st.PenaltyCarry[i] < 0 || st.PenaltyCarry[i] >= penaltyUnit) {
			return invalidf("penalty_carry", ReasonOutOfRange, "penalty carry of installment %d is out of range", i+1)
		}
		if !inRange(st.penaltyAccrued(i)) {
			return invalidf("penalty_accrued_fen", ReasonOutOfRange, "accrued penalty of installment %d is out of range", i+1)
		}
		if u, p := st.unpaid(i), st.paid(i); u.PenaltyFen < 0 || u.FeeFen < 0 || u.InterestFen < 0 || u.PrincipalFen < 0 ||
			p.PenaltyFen < 0 || p.FeeFen < 0 || p.InterestFen < 0 || p.PrincipalFen < 0 {
			return invalidf("paid", ReasonOutOfRange, "paid amounts of installment %d must be between 0 and the amount due", i+1)
		}
	}
	return nil
}

func inRange(f money.Fen) bool { return f >= 0 && f <= MaxLoanFen }

// timings classifies each installment as of st.AsOf: past_due if its due
// date is before as-of, due_now for the first one due on or after as-of,
// not_yet_due for the rest.
func (st LoanState) timings() []Timing {
	out := make([]Timing, len(st.Schedule.Installments))
	current := false
	for i, in := range st.Schedule.Installments {
		switch {
		case in.DueDate.Before(st.AsOf):
			out[i] = PastDue
		case !current:
			out[i] = DueNow
			current = true
		default:
			out[i] = NotYetDue
		}
	}
	return out
}
