package payments

import (
	"context"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
)

// PayoffQuote is what settling the borrower's own active or overdue loan
// costs today (lending.Payoff; in the cooling-off window the principal
// only). Errors: not_found (not the borrower's loan), failed_precondition
// (not repaying).
func PayoffQuote(ctx context.Context, d Deps, loanID, userID int64) (lending.PayoffQuote, error) {
	d = d.withDefaults()
	l, err := repayableLoan(ctx, d, loanID, userID)
	if err != nil {
		return lending.PayoffQuote{}, err
	}
	sv, p, err := servicingOf(ctx, d, l, d.Clock.Now())
	if err != nil {
		return lending.PayoffQuote{}, err
	}
	return lending.Payoff(sv.State, p)
}

// repayableLoan is the borrower's own loan if it is active or overdue.
func repayableLoan(ctx context.Context, d Deps, id, userID int64) (loan.Loan, error) {
	l, err := mysql.Loans{DB: d.DB}.Get(ctx, id, userID)
	if err != nil {
		return l, err
	}
	return l, repayable(l)
}

// repayable refuses a loan that is not active or overdue.
func repayable(l loan.Loan) error {
	if l.Status != loan.Active && l.Status != loan.Overdue {
		return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_repayable", Message: "the loan is not being repaid"}
	}
	return nil
}

// servicingOf is the loan's servicing state as of now's business date and
// the product version it was signed under.
func servicingOf(ctx context.Context, d Deps, l loan.Loan, now time.Time) (mysql.Servicing, lending.Product, error) {
	sv, err := mysql.Loans{DB: d.DB}.Servicing(ctx, l.ID, l.Quote.Schedule)
	if err != nil {
		return sv, lending.Product{}, err
	}
	sv.State.AsOf = asOf(sv.State.Schedule, now)
	pv, err := mysql.Products{DB: d.DB}.Version(ctx, l.ProductCode, l.ProductVersion)
	if err != nil {
		return sv, lending.Product{}, err
	}
	return sv, pv.Product, nil
}

// asOf is now's business date, never before the schedule starts.
func asOf(s lending.Schedule, now time.Time) lending.Date {
	d := lending.ShanghaiDate(now)
	if d.Before(s.StartDate) {
		return s.StartDate
	}
	return d
}

// unboundedFen is a payment larger than anything a loan can owe.
const unboundedFen = 10 * lending.MaxLoanFen

// dueFen is what is past due plus the whole current installment (kind
// due): the regular allocation of an unbounded payment, less what would
// reach later installments.
func dueFen(st lending.LoanState, p lending.Product) (money.Fen, error) {
	a, err := lending.Allocate(st, p, unboundedFen, lending.AllocateRegular)
	if err != nil {
		return 0, err
	}
	var due money.Fen
	for _, ia := range a.Installments {
		if ia.Timing != lending.NotYetDue {
			due += ia.Paid.TotalFen()
		}
	}
	return due, nil
}
