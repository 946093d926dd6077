package payments

import (
	"context"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// TestSweeperAppliesAPaymentWhoseNotificationWasLost and closes an order
// left unpaid past its TTL.
func TestSweeperAppliesAPaymentWhoseNotificationWasLost(t *testing.T) {
	r := newRepayRig(t)
	c := r.borrower(t, "lost")
	loanID, q := r.activeLoan(t, c.UserID, 300_000)
	paid := r.repay(t, c, loanID, "key-lost-0001", map[string]any{"kind": "due"}, 200)
	r.fake.HoldNotifications() // the payment notice never arrives
	if err := r.fake.PayOrder(paid.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	r.env.Clock.Advance(2 * time.Minute)
	if n, err := SweepOrders(context.Background(), r.d, time.Minute, 100); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if rp := r.repayment(t, paid.OutTradeNo); rp.State != mysql.RepaymentPaid {
		t.Fatalf("repayment %+v", rp)
	}
	if st := r.servicing(t, loanID, q.Schedule); st.Paid[0].PrincipalFen != q.Installments[0].PrincipalFen {
		t.Fatalf("servicing %+v", st.Paid[0])
	}
	unpaid := r.repay(t, c, loanID, "key-lost-0002", map[string]any{"kind": "amount", "amount_fen": 1000}, 200)
	r.env.Clock.Advance(3 * time.Hour)
	if _, err := SweepOrders(context.Background(), r.d, time.Minute, 100); err != nil {
		t.Fatal(err)
	}
	if rp := r.repayment(t, unpaid.OutTradeNo); rp.State != "CLOSED" {
		t.Fatalf("unpaid order %+v", rp)
	}
	r.fake.ReleaseNotifications(false) // the late notice changes nothing
	r.flush(t)
	if st := r.servicing(t, loanID, q.Schedule); st.Paid[0].PrincipalFen != q.Installments[0].PrincipalFen {
		t.Fatalf("after the late notice %+v", st.Paid[0])
	}
}

// A claimed query plus a create must end before the sweeper looks at the
// part again (mysql.ClaimAttempt): the longest WeChat Pay call the
// configuration allows takes under half the sweep age.
func TestWeChatPayCallsEndWithinHalfTheSweepAge(t *testing.T) {
	if 2*app.MaxWxPayTimeout >= DefaultSweepAge || 2*wxpay.DefaultHTTPTimeout >= DefaultSweepAge {
		t.Fatalf("timeouts %s (ceiling) and %s (default) against sweep age %s", app.MaxWxPayTimeout, wxpay.DefaultHTTPTimeout, DefaultSweepAge)
	}
}
