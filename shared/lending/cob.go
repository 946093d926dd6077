package lending

import (
	"slices"

	"github.com/wxlend/wxlend/shared/money"
)

// The close of business (job-cob) closes one business date at a time for
// each loan being repaid. This file is its arithmetic; the job stores what
// it returns.
//
// Days past due (DPD): an installment is overdue once more than the
// product's grace days have passed since its due date with something of it
// unpaid; from then on its DPD counts from the due date (the day after the
// due date is DPD 1). An installment paid within its grace days was never
// overdue. A loan's DPD is that of its oldest overdue installment, 0 when
// none is overdue.

// DPDBucket is a days-past-due bucket kept for reports (batch.md §4, the China
// convention): C current, M1 1–30, M2 31–60, M3 61–90, M3+ beyond.
type DPDBucket string

// Buckets.
const (
	BucketCurrent DPDBucket = "C"
	BucketM1      DPDBucket = "M1"
	BucketM2      DPDBucket = "M2"
	BucketM3      DPDBucket = "M3"
	BucketM3Plus  DPDBucket = "M3+"
)

// BucketOf is the bucket of a loan dpd days past due.
func BucketOf(dpd int) DPDBucket {
	switch {
	case dpd <= 0:
		return BucketCurrent
	case dpd <= 30:
		return BucketM1
	case dpd <= 60:
		return BucketM2
	case dpd <= 90:
		return BucketM3
	}
	return BucketM3Plus
}

// DaysPastDue is the loan's DPD on the bill's as-of date: the days past
// due of its oldest overdue installment, 0 when none is overdue (within
// the grace days an installment is due, not overdue, and counts nothing).
func (b Bill) DaysPastDue() int {
	dpd := 0
	for _, in := range b.Installments {
		if in.State == InstallmentOverdue {
			dpd = max(dpd, in.DaysPastDue)
		}
	}
	return dpd
}

// OverdueFen is what the overdue installments still owe, every part
// (principal, interest, fee and penalty) included.
func (b Bill) OverdueFen() money.Fen {
	var f money.Fen
	for _, in := range b.Installments {
		if in.State == InstallmentOverdue {
			f += in.Outstanding.TotalFen
		}
	}
	return f
}

// penaltyUnit is the denominator of the penalty carry: one fen is
// 3,600,000 units (360 days × 10,000 bp), so a day's penalty on P fen at
// r bp a year is exactly P×r units.
const penaltyUnit = 360 * 10000

// DayClose is a loan after closing one business date.
type DayClose struct {
	State      LoanState // AsOf the closed date, the day's penalty added
	PenaltyFen money.Fen // accrued for the closed date, all installments
	DPD        int       // on the closed date
	Bucket     DPDBucket
	OverdueFen money.Fen // outstanding of the overdue installments, penalty included
	// PaidOnTime counts the installments due on the closed date and paid
	// in full by its end (the limit raise counts them).
	PaidOnTime int
}

// CloseDay closes business date day for a loan in state st (p is the
// product version it was signed under, capBP the all-in annual cost cap).
// Each installment overdue on day (PenaltyDays > 0: past its grace days,
// its principal unpaid) accrues one day of penalty on its unpaid principal
// at min(p.PenaltyRateBP, capBP, MaxCapBP) a year, actual/360. The exact
// amount is kept in st.PenaltyCarry (fractions of a fen) and only whole
// fen are accrued, so the accrued penalty is the cumulative amount rounded
// down: it never exceeds the cap whatever the principal, and closing n
// days one by one or in a catch-up gives the same fen. Errors:
// invalid_argument for a malformed state, product or cap.
func CloseDay(st LoanState, p Product, capBP money.BP, day Date) (DayClose, error) {
	if err := CheckCap(capBP); err != nil {
		return DayClose{}, err
	}
	st.AsOf = day
	if err := st.validate(); err != nil {
		return DayClose{}, err
	}
	if err := p.validateDays(); err != nil {
		return DayClose{}, err
	}
	if p.PenaltyRateBP < 0 {
		return DayClose{}, invalidf("penalty_rate_bp", ReasonOutOfRange, "penalty rate must be non-negative")
	}
	rate := int64(min(p.PenaltyRateBP, capBP, MaxCapBP))
	n := len(st.Schedule.Installments)
	next := st.clone()
	next.PenaltyCarry = make([]int64, n)
	copy(next.PenaltyCarry, st.PenaltyCarry)
	var total money.Fen
	onTime := 0
	for i, in := range st.Schedule.Installments {
		if in.DueDate == day && st.unpaid(i).TotalFen() == 0 {
			onTime++
		}
		if PenaltyDays(in.DueDate, day, p.GraceDays) == 0 {
			continue
		}
		units := next.PenaltyCarry[i] + int64(st.unpaid(i).PrincipalFen)*rate
		fen := money.Fen(units / penaltyUnit)
		next.PenaltyCarry[i] = units % penaltyUnit
		next.PenaltyAccruedFen[i] += fen
		total += fen
	}
	if !slices.ContainsFunc(next.PenaltyCarry, func(c int64) bool { return c != 0 }) {
		next.PenaltyCarry = nil
	}
	b, err := NewBill(next, p, StandingRepaying)
	if err != nil {
		return DayClose{}, err
	}
	dpd := b.DaysPastDue()
	return DayClose{State: next, PenaltyFen: total, DPD: dpd, Bucket: BucketOf(dpd), OverdueFen: b.OverdueFen(), PaidOnTime: onTime}, nil
}
