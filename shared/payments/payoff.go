package payments

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

// LoanPayoffQuote is loan-payoff-quote (GET /v1/loans/{id}/payoff): what
// settling the borrower's own active or overdue loan costs today
// (lending.Payoff; in the cooling-off window the principal only). Errors:
// not_found (not the borrower's loan), failed_precondition (not repaying).
func LoanPayoffQuote(a *app.App, d Deps) http.Handler {
	d = d.withDefaults()
	return api.Route("GET /v1/loans/{id}/payoff", api.Borrower(a, api.Func(func(w http.ResponseWriter, r *http.Request) error {
		id, err := loanIDOf(r)
		if err != nil {
			return err
		}
		l, err := repayableLoan(r.Context(), d, id, api.SessionFrom(r.Context()).UserID)
		if err != nil {
			return err
		}
		sv, p, err := servicingOf(r.Context(), d, l, d.Clock.Now())
		if err != nil {
			return err
		}
		q, err := lending.Payoff(sv.State, p)
		if err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]any{"loan_id": l.ID, "payoff_fen": q.PayoffFen, "principal_fen": q.PrincipalFen,
			"interest_fen": q.InterestFen, "penalty_fen": q.PenaltyFen, "fee_fen": q.FeeFen, "credit_fen": q.CreditFen,
			"cooling_off": q.CoolingOff, "as_of": q.AsOf})
		return nil
	})))
}

func loanIDOf(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apierr.New(apierr.NotFound, "loan not found")
	}
	return id, nil
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

// dueFen is what is past due plus the whole current installment (kind
// due): the regular allocation of an unbounded payment, less what would
// reach later installments.
func dueFen(st lending.LoanState, p lending.Product) (money.Fen, error) {
	a, err := lending.Allocate(st, p, 10*lending.MaxLoanFen, lending.AllocateRegular)
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
