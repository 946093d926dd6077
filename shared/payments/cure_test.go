package payments

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/cob"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
)

// drawErr tries to draw 100 yuan more from userID's line.
func (r *repayRig) drawErr(userID int64) error {
	return mysql.InTx(context.Background(), r.env.App.DB, r.env.Clock.Now(), func(tx *mysql.Tx) error {
		return tx.ReserveCredit(context.Background(), userID, 100_00)
	})
}

func TestAnOverdueLoanIsCuredByRepaymentAndItsLineUnfrozen(t *testing.T) {
	r := newRepayRig(t)
	c := r.borrower(t, "cured")
	loanID, _ := r.activeLoan(t, c.UserID, 300_000)
	l, err := mysql.Loans{DB: r.env.App.DB}.ByID(context.Background(), loanID)
	if err != nil {
		t.Fatal(err)
	}
	due := l.Quote.Installments[0].DueDate
	// 00:30 five days after the due date: the close of business closes
	// due+4, one day past the 3 grace days.
	at := time.Date(due.Year, due.Month, due.Day, 0, 30, 0, 0, lending.Shanghai).AddDate(0, 0, 5)
	r.env.Clock.Advance(at.Sub(r.env.Clock.Now()))
	if res, err := cob.Run(context.Background(), r.env.App, cob.Limits{}); err != nil || !res.Done || res.PenaltyFen <= 0 {
		t.Fatalf("cob: %+v %v", res, err)
	}
	if s := r.status(t, loanID); s != loan.Overdue {
		t.Fatalf("loan %s after grace", s)
	}
	var ae *apierr.Error
	if err := r.drawErr(c.UserID); !errors.As(err, &ae) || ae.Reason != "line_frozen" {
		t.Fatalf("draw while overdue: %v", err)
	}
	penalty := r.balance(t, ledger.LoanAccount(loanID, ledger.Penalty))

	r.env.Clock.Advance(9 * time.Hour)
	order := r.repay(t, c, loanID, "key-cure-0001", map[string]any{"kind": "due"}, 200)
	r.pay(t, order.OutTradeNo)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("loan %s after paying what was due", s)
	}
	if err := r.drawErr(c.UserID); err != nil {
		t.Fatalf("draw after the cure: %v", err)
	}
	if got := r.balance(t, ledger.LoanAccount(loanID, ledger.Penalty)); penalty <= 0 || got != 0 {
		t.Fatalf("penalty receivable %d before, %d after paying it", penalty, got)
	}
	if n := r.count(t, `SELECT COUNT(*) FROM loan_events WHERE loan_id = ? AND from_status = 'overdue' AND to_status = 'active' AND reason = 'cured'`, loanID); n != 1 {
		t.Fatalf("%d cure events", n)
	}
	// The night after, the COB finds nothing overdue and leaves it active.
	r.env.Clock.Advance(24 * time.Hour)
	if _, err := cob.Run(context.Background(), r.env.App, cob.Limits{}); err != nil {
		t.Fatal(err)
	}
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("loan %s after the next close", s)
	}
}
