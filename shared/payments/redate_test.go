package payments

import (
	"context"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// TestScheduleIsDatedFromTheDisbursement: a loan quoted on day 0 and paid
// out on day 3 is due on the same day of month as day 3, with the signed
// amounts unchanged.
func TestScheduleIsDatedFromTheDisbursement(t *testing.T) {
	r := newRig(t, wxpaytest.Options{AutoConfirm: true}, 0)
	loanID, userID := r.signedLoan(t, 120_000)
	before, err := mysql.Loans{DB: r.env.DB.DB}.Get(context.Background(), loanID, userID)
	if err != nil {
		t.Fatal(err)
	}
	r.env.Clock.Advance(3 * 24 * time.Hour)
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	after, _ := mysql.Loans{DB: r.env.DB.DB}.Get(context.Background(), loanID, userID)
	start := lending.ShanghaiDate(r.env.Clock.Now())
	if after.Quote.StartDate != start || after.Quote.TotalRepayFen != before.Quote.TotalRepayFen {
		t.Fatalf("start %s (want %s), total %d vs %d", after.Quote.StartDate, start, after.Quote.TotalRepayFen, before.Quote.TotalRepayFen)
	}
	for i, in := range after.Quote.Installments {
		if in.DueDate != start.AddMonthsClamped(in.Seq) || in.TotalFen != before.Quote.Installments[i].TotalFen {
			t.Fatalf("installment %d: %+v vs %+v", i, in, before.Quote.Installments[i])
		}
	}
}
