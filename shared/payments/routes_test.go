package payments

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// attempt is what a test expects of one stored number.
type attempt struct {
	no, mch, state, reason string
}

func (r *rig) wantAttempts(t *testing.T, loanID int64, want []attempt) {
	t.Helper()
	rows := r.parts(t, loanID)
	if len(rows) != len(want) {
		t.Fatalf("%d numbers stored, want %d: %+v", len(rows), len(want), rows)
	}
	for i, w := range want {
		p := rows[i]
		if p.OutBillNo != w.no || p.MchID != w.mch || p.State != w.state || (w.reason != "" && p.FailReason != w.reason) {
			t.Errorf("number %d: %s on %s %s (%s), want %+v", i, p.OutBillNo, p.MchID, p.State, p.FailReason, w)
		}
	}
}

func (r *rig) clearing(t *testing.T, route int) int64 {
	return r.balance(t, ledger.Clearing(routeMchIDs[route]))
}

func (r *rig) sweep(t *testing.T, age time.Duration) int {
	t.Helper()
	n, _ := SweepTransfers(context.Background(), r.d, age, 100)
	r.flush(t)
	return n
}

func TestNotEnoughBalanceFailsOverToTheNextMerchant(t *testing.T) {
	r := newRoutedRig(t, wxpaytest.Options{AutoConfirm: true}, 0, 2)
	r.fakes[0].SetBalance(0)
	ctx := context.Background()
	loanID, _ := r.signedLoan(t, 80_000)
	if err := Disburse(ctx, r.d, loanID); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	no := OutBillNo(loanID, 1, 1)
	r.wantAttempts(t, loanID, []attempt{{no, routeMchIDs[0], disbursement.Rerouted, "NOT_ENOUGH"},
		{OutBillNo(loanID, 1, 2), routeMchIDs[1], wxpay.TransferSuccess, ""}})
	if a, b := r.fakes[0].Stats().TransfersCreated, r.fakes[1].Stats().TransfersCreated; a != 0 || b != 1 {
		t.Fatalf("bills created: %d on the empty account, %d on the second", a, b)
	}
	if n := r.fakes[0].TransferCreateCalls(no); n != 1 {
		t.Fatalf("the refused number was sent %d times", n)
	}
	if a, b := r.clearing(t, 0), r.clearing(t, 1); a != 0 || b != -80_000 {
		t.Fatalf("clearing %d / %d", a, b)
	}
	// The empty account rests: the next loan starts on the second one.
	next, _ := r.signedLoan(t, 50_000)
	if err := Disburse(ctx, r.d, next); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	r.wantAttempts(t, next, []attempt{{OutBillNo(next, 1, 1), routeMchIDs[1], wxpay.TransferSuccess, ""}})
	if n := r.fakes[0].TransferCreateCalls(OutBillNo(next, 1, 1)); n != 0 {
		t.Fatalf("resting account called %d times", n)
	}
	// Once it rests no more, new loans go back to the first account.
	r.env.Clock.Advance(DefaultRouteRest + time.Second)
	r.fakes[0].SetBalance(-1)
	third, _ := r.signedLoan(t, 60_000)
	if err := Disburse(ctx, r.d, third); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	r.wantAttempts(t, third, []attempt{{OutBillNo(third, 1, 1), routeMchIDs[0], wxpay.TransferSuccess, ""}})
}

func TestMerchantDayLimitFailsOverPartByPart(t *testing.T) {
	r := newRoutedRig(t, wxpaytest.Options{AutoConfirm: true}, 40_000, 2)
	r.fakes[0].SetDayQuota(50_000)
	loanID, _ := r.signedLoan(t, 120_000)
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	r.wantAttempts(t, loanID, []attempt{
		{OutBillNo(loanID, 1, 1), routeMchIDs[0], wxpay.TransferSuccess, ""},
		{OutBillNo(loanID, 2, 1), routeMchIDs[0], disbursement.Rerouted, "INVALID_REQUEST"},
		{OutBillNo(loanID, 2, 2), routeMchIDs[1], wxpay.TransferSuccess, ""},
		{OutBillNo(loanID, 3, 1), routeMchIDs[0], disbursement.Rerouted, "INVALID_REQUEST"},
		{OutBillNo(loanID, 3, 2), routeMchIDs[1], wxpay.TransferSuccess, ""},
	})
	if a, b := r.clearing(t, 0), r.clearing(t, 1); a != -40_000 || b != -80_000 {
		t.Fatalf("clearing %d / %d", a, b)
	}
	if p := r.balance(t, ledger.LoanAccount(loanID, ledger.Principal)); p != 120_000 {
		t.Fatalf("principal receivable %d", p)
	}
}

func TestSingleMerchantNotEnoughRetriesTheSameNumber(t *testing.T) {
	r := newRig(t, wxpaytest.Options{AutoConfirm: true}, 0)
	r.fake.SetBalance(10_000)
	loanID, _ := r.signedLoan(t, 80_000)
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	no := OutBillNo(loanID, 1, 1)
	r.wantAttempts(t, loanID, []attempt{{no, routeMchIDs[0], disbursement.Unknown, ""}})
	if n := r.sweep(t, 0); n != 1 {
		t.Fatalf("swept %d", n)
	}
	if s := r.status(t, loanID); s != loan.Disbursing {
		t.Fatalf("status %s", s)
	}
	r.fake.SetBalance(1_000_000) // topped up
	r.sweep(t, 0)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	r.wantAttempts(t, loanID, []attempt{{no, routeMchIDs[0], wxpay.TransferSuccess, ""}})
	if bal, _ := r.fake.Balance(); bal != 1_000_000-80_000 {
		t.Fatalf("operating account %d", bal)
	}
}

func TestSingleMerchantDayLimitWaitsForTomorrow(t *testing.T) {
	r := newRig(t, wxpaytest.Options{AutoConfirm: true}, 0)
	r.fake.SetDayQuota(10_000)
	loanID, _ := r.signedLoan(t, 80_000)
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	p := r.parts(t, loanID)[0]
	if p.State != disbursement.Unknown || !p.NotBefore.After(r.env.Clock.Now()) {
		t.Fatalf("part %+v", p)
	}
	if n := r.sweep(t, 0); n != 0 {
		t.Fatalf("a held part was swept (%d)", n)
	}
	r.env.Clock.Advance(p.NotBefore.Sub(r.env.Clock.Now()) + time.Second)
	r.fake.SetDayQuota(0) // the fake's own day is the real one; lift the limit instead
	r.sweep(t, 0)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	r.wantAttempts(t, loanID, []attempt{{OutBillNo(loanID, 1, 1), routeMchIDs[0], wxpay.TransferSuccess, ""}})
}

func TestPayerSideFailureMovesTheMoneyToTheNextMerchant(t *testing.T) {
	r := newRoutedRig(t, wxpaytest.Options{AutoConfirm: true}, 0, 2)
	r.fakes[0].FailNext(wxpaytest.APICreateTransfer, "PAYER_ACCOUNT_ABNORMAL")
	loanID, userID := r.signedLoan(t, 80_000)
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	if s := r.status(t, loanID); s != loan.Disbursing {
		t.Fatalf("status %s (the failed bill must not cancel the loan)", s)
	}
	r.sweep(t, time.Hour) // a new number is sent at once, whatever the age
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	r.wantAttempts(t, loanID, []attempt{
		{OutBillNo(loanID, 1, 1), routeMchIDs[0], wxpay.TransferFail, "PAYER_ACCOUNT_ABNORMAL"},
		{OutBillNo(loanID, 1, 2), routeMchIDs[1], wxpay.TransferSuccess, ""},
	})
	if u := r.used(t, userID); u != 80_000 {
		t.Fatalf("credit used %d", u)
	}
	if a, b := r.clearing(t, 0), r.clearing(t, 1); a != 0 || b != -80_000 {
		t.Fatalf("clearing %d / %d", a, b)
	}
}

func TestBorrowerDailyLimitRetriesTomorrow(t *testing.T) {
	r := newRig(t, wxpaytest.Options{AutoConfirm: true}, 0)
	r.fake.FailNext(wxpaytest.APICreateTransfer, "DAY_RECEIVED_QUOTA_EXCEED")
	loanID, _ := r.signedLoan(t, 80_000)
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	if n := r.sweep(t, 0); n != 0 {
		t.Fatalf("retried before tomorrow (%d)", n)
	}
	rows := r.parts(t, loanID)
	r.env.Clock.Advance(rows[1].NotBefore.Sub(r.env.Clock.Now()) + time.Second)
	r.sweep(t, 0)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	r.wantAttempts(t, loanID, []attempt{
		{OutBillNo(loanID, 1, 1), routeMchIDs[0], wxpay.TransferFail, "DAY_RECEIVED_QUOTA_EXCEED"},
		{OutBillNo(loanID, 1, 2), routeMchIDs[0], wxpay.TransferSuccess, ""},
	})
}

func TestUnknownOutcomeIsNeverRerouted(t *testing.T) {
	r := newRoutedRig(t, wxpaytest.Options{AutoConfirm: true}, 0, 2)
	r.fakes[0].FailNext(wxpaytest.APICreateTransfer, "SYSTEM_ERROR")
	loanID, _ := r.signedLoan(t, 80_000)
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	no := OutBillNo(loanID, 1, 1)
	r.wantAttempts(t, loanID, []attempt{{no, routeMchIDs[0], disbursement.Unknown, ""}})
	r.sweep(t, 0)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	r.wantAttempts(t, loanID, []attempt{{no, routeMchIDs[0], wxpay.TransferSuccess, ""}})
	if n := r.fakes[1].Stats().Calls[wxpaytest.APICreateTransfer]; n != 0 {
		t.Fatalf("second account called %d times", n)
	}
}

// Many triggers and sweeps racing over a loan whose first account is
// empty still pay each part exactly once, all from the second account.
func TestConcurrentFailoverPaysEachPartOnce(t *testing.T) {
	r := newRoutedRig(t, wxpaytest.Options{AutoConfirm: true}, 30_000, 2)
	r.fakes[0].SetBalance(0)
	loanID, _ := r.signedLoan(t, 90_000)
	ctx := context.Background()
	var wg sync.WaitGroup
	for i := range 300 {
		wg.Go(func() {
			if i%3 == 0 {
				_, _ = SweepTransfers(ctx, r.d, 0, 10)
				return
			}
			_ = Disburse(ctx, r.d, loanID)
		})
	}
	wg.Wait()
	for range 3 {
		r.sweep(t, 0)
	}
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	if a, b := r.fakes[0].Stats().TransfersCreated, r.fakes[1].Stats().TransfersCreated; a != 0 || b != 3 {
		t.Fatalf("bills created %d + %d, want 0 + 3", a, b)
	}
	var paid money.Fen
	for _, p := range disbursement.Current(r.parts(t, loanID)) {
		paid += p.AmountFen
		if p.State != wxpay.TransferSuccess || p.MchID != routeMchIDs[1] {
			t.Fatalf("part %+v", p)
		}
	}
	if paid != 90_000 || r.clearing(t, 1) != -90_000 {
		t.Fatalf("paid %d, clearing %d", paid, r.clearing(t, 1))
	}
}

// A deadlock rerun of apply rests the refusing account once, in the same
// transaction as the part's FAIL: a rolled-back attempt leaves no rest
// behind, a committed one exactly one.
func TestRouteRestCommitsAndRollsBackWithItsTransaction(t *testing.T) {
	r := newRoutedRig(t, wxpaytest.Options{AutoConfirm: true}, 0, 2)
	ctx := context.Background()
	loanID, _ := r.signedLoan(t, 80_000)
	if _, parts, err := startDisbursement(ctx, r.d, loanID); err != nil || len(parts) != 1 {
		t.Fatalf("start: %v %+v", err, parts)
	}
	faulty, faults := r.env.DB.WithFaults(t)
	d := r.d
	d.DB = faulty
	no := OutBillNo(loanID, 1, 1)
	failed := update{OutBillNo: no, State: wxpay.TransferFail, FailReason: "PAYER_ACCOUNT_ABNORMAL", NotificationID: "n-" + no,
		EventType: wxpay.EventTransferFinished}
	rests := func() (n, refusals int) {
		t.Helper()
		if err := r.env.App.DB.QueryRow(`SELECT COUNT(*), COALESCE(SUM(refusals), 0) FROM merchant_routes`).Scan(&n, &refusals); err != nil {
			t.Fatal(err)
		}
		return n, refusals
	}

	faults.FailCommits(mysql.MaxTxAttempts)
	if err := apply(ctx, d, failed); err == nil {
		t.Fatal("apply committed although every commit failed")
	}
	if n := faults.FailedCommits(); n != mysql.MaxTxAttempts {
		t.Fatalf("%d commits failed, want %d", n, mysql.MaxTxAttempts)
	}
	if n, refusals := rests(); n != 0 {
		t.Fatalf("rolled-back attempts left %d route rests (%d refusals)", n, refusals)
	}
	r.wantAttempts(t, loanID, []attempt{{no, routeMchIDs[0], disbursement.Creating, ""}})

	faults.FailCommits(1)
	if err := apply(ctx, d, failed); err != nil {
		t.Fatal(err)
	}
	if n := faults.FailedCommits(); n != mysql.MaxTxAttempts+1 {
		t.Fatalf("%d commits failed: the rerun was not forced", n)
	}
	if n, refusals := rests(); n != 1 || refusals != 1 {
		t.Fatalf("%d route rests with %d refusals after one rerun, want 1 and 1", n, refusals)
	}
	var until time.Time
	if err := r.env.App.DB.QueryRow(`SELECT resting_until FROM merchant_routes WHERE mch_id = ?`, routeMchIDs[0]).Scan(&until); err != nil ||
		!until.Equal(r.env.Clock.Now().Add(DefaultRouteRest)) {
		t.Fatalf("resting until %v (%v)", until, err)
	}
	r.wantAttempts(t, loanID, []attempt{
		{no, routeMchIDs[0], wxpay.TransferFail, "PAYER_ACCOUNT_ABNORMAL"},
		{OutBillNo(loanID, 1, 2), routeMchIDs[1], disbursement.Creating, ""},
	})
}
