package lending

import (
	"github.com/wxlend/wxlend/shared/money"
)

// Overdue penalty (罚息), and how it stays under the cap:
//
//   - It accrues only on overdue principal, never on overdue interest, fees
//     or penalty: no compounding.
//   - Once an installment is past due, its principal stops earning the
//     contract rate (its interest was fixed by the schedule) and earns the
//     penalty rate instead, per day at rate/360.
//   - Validate refuses a product whose penalty rate exceeds the cap, and
//     PenaltyFor clips the rate to the cap again. Overdue money therefore
//     never costs more than the cap per year, and since the contract flows
//     themselves are within the cap, so is the loan's total cost.
//   - Within GraceDays after a due date nothing accrues; after that, only
//     the days beyond the grace period count (the grace is not clawed back).

// PenaltyDays is how many days of penalty an installment due on due has
// accrued by asOf, given graceDays: 0 within the grace period, the days
// beyond it afterwards.
func PenaltyDays(due, asOf Date, graceDays int) int {
	return max(asOf.DaysSince(due)-max(graceDays, 0), 0)
}

// PenaltyFor is the penalty on overduePrincipalFen for days days at
// min(rateBP, capBP) a year, actual/360, rounded half-up once. The overdue
// run uses it per interval over which the overdue principal did not change.
// Negative inputs and results beyond int64 are invalid_argument.
func PenaltyFor(overduePrincipalFen money.Fen, days int, rateBP, capBP money.BP) (money.Fen, error) {
	if overduePrincipalFen < 0 || days < 0 || rateBP < 0 || capBP < 0 || days > 1_000_000 {
		return 0, invalidf("penalty", ReasonOutOfRange, "penalty inputs must be non-negative")
	}
	rate := min(rateBP, capBP, MaxCapBP)
	v, err := money.MulDiv(overduePrincipalFen, int64(rate)*int64(days), 360*10000)
	if err != nil {
		return 0, invalidf("penalty", ReasonOutOfRange, "penalty out of range")
	}
	return v, nil
}

// AccruePenalties returns the penalty each installment has accrued by
// st.AsOf, assuming its unpaid principal has been the same since it fell due
// (true for a loan with no partial payments since; otherwise accrue per
// interval with PenaltyFor and add). Installments not past due, or within
// the grace period, accrue nothing. Never less than what st already holds.
func AccruePenalties(st LoanState, p Product, capBP money.BP) ([]money.Fen, error) {
	if err := CheckCap(capBP); err != nil {
		return nil, err
	}
	if err := st.validate(); err != nil {
		return nil, err
	}
	if err := p.validateDays(); err != nil {
		return nil, err
	}
	out := make([]money.Fen, len(st.Schedule.Installments))
	for i, in := range st.Schedule.Installments {
		days := PenaltyDays(in.DueDate, st.AsOf, p.GraceDays)
		pen, err := PenaltyFor(st.unpaid(i).PrincipalFen, days, p.PenaltyRateBP, capBP)
		if err != nil {
			return nil, err
		}
		out[i] = max(pen, st.penaltyAccrued(i))
	}
	return out, nil
}
