package payments

import (
	"context"
	"testing"

	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/ops"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// A final transfer contradicted by another final state is queued for a
// person once, however often the contradiction arrives, in the
// transaction that saw it.
func TestConflictingFinalStatesQueueOneOpsItem(t *testing.T) {
	r := newRig(t, wxpaytest.Options{AutoConfirm: true}, 0)
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
	for _, id := range []string{"n-fail-1", "n-fail-2"} {
		if err := apply(ctx, r.d, update{OutBillNo: no, State: wxpay.TransferFail, FailReason: "X", NotificationID: id,
			EventType: wxpay.EventTransferFinished}); err != nil {
			t.Fatal(err)
		}
	}
	items, err := mysql.OpsItems{DB: r.env.App.DB}.List(ctx, ops.Open, ops.ConflictingFinal, 10)
	if err != nil || len(items) != 1 {
		t.Fatalf("items %+v (%v)", items, err)
	}
	it := items[0]
	if it.SubjectID != no || it.AmountFen != 80_000 || it.Evidence["got"] != wxpay.TransferFail || it.Evidence["stored"] != wxpay.TransferSuccess {
		t.Fatalf("item %+v", it)
	}
	if err := (mysql.OpsItems{DB: r.env.App.DB}).Resolve(ctx, it.ID, ops.Resolved, "ops@lender", "confirmed paid with WeChat Pay", r.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := (mysql.OpsItems{DB: r.env.App.DB}).Resolve(ctx, it.ID, ops.Dismissed, "x", "y", r.env.Clock.Now()); err == nil {
		t.Fatal("a resolved item was resolved again")
	}
}

// A refused create that WeChat Pay proves it never accepted ends the part
// as FAIL and queues the refusal with it.
func TestRefusedTransferIsQueuedWithItsFail(t *testing.T) {
	r := newRig(t, wxpaytest.Options{AutoConfirm: true}, 0)
	ctx := context.Background()
	r.fake.FailNext(wxpaytest.APICreateTransfer, "NO_AUTH")
	loanID, _ := r.signedLoan(t, 80_000)
	_ = Disburse(ctx, r.d, loanID)
	r.flush(t)
	no := OutBillNo(loanID, 1, 1)
	it, err := mysql.OpsItems{DB: r.env.App.DB}.ByKey(ctx, string(ops.TransferRefused)+":"+ops.SubjectDisbursement+":"+no)
	if err != nil {
		t.Fatalf("no ops item for the refused transfer: %v (parts %+v)", err, r.parts(t, loanID))
	}
	if it.Evidence["code"] != "NO_AUTH" || it.State != ops.Open {
		t.Fatalf("item %+v", it)
	}
}
