package api

import (
	"context"
	"fmt"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
)

// billOf is a loan's bill (api.md loan-get, field bill) on today's business
// date (Asia/Shanghai, from the injected clock): before disbursement the
// signed schedule, all not_due; afterwards the servicing state (what is
// paid per installment and part, the penalty accrued, the schedule as
// re-amortized after prepayments). A cancelled loan has none (nil): nothing
// was lent and nothing will be owed. A stored state or product lending
// cannot read is internal, never the client's invalid_argument.
func billOf(ctx context.Context, a *app.App, l loan.Loan) (*lending.Bill, error) {
	standing, ok := standingOf(l.Status)
	if !ok {
		return nil, nil
	}
	fail := func(err error) (*lending.Bill, error) {
		return nil, apierr.Wrap(apierr.Internal, fmt.Errorf("bill of loan %d: %w", l.ID, err), "internal error")
	}
	pv, err := mysql.Products{DB: a.DB}.Version(ctx, l.ProductCode, l.ProductVersion)
	if err != nil {
		return fail(err)
	}
	st := lending.LoanState{Schedule: l.Quote.Schedule}
	if standing != lending.StandingPending {
		sv, err := mysql.Loans{DB: a.DB}.Servicing(ctx, l.ID, l.Quote.Schedule)
		if err != nil {
			return fail(err)
		}
		st = sv.State
	}
	st.AsOf = lending.ShanghaiDate(a.Clock.Now())
	b, err := lending.NewBill(st, pv.Product, standing)
	if err != nil {
		return fail(err)
	}
	return &b, nil
}

// standingOf maps a loan status onto the bill's standings; false for a
// cancelled loan, which has no bill.
func standingOf(s loan.Status) (lending.Standing, bool) {
	switch s {
	case loan.Applied, loan.Signed, loan.Disbursing:
		return lending.StandingPending, true
	case loan.Active, loan.Overdue, loan.WrittenOff:
		return lending.StandingRepaying, true
	case loan.Settled:
		return lending.StandingSettled, true
	}
	return "", false
}
