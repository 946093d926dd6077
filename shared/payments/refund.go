package payments

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/monitor"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/ops"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// RefundReason is shown to the payer with an overpayment refund.
const RefundReason = "超额还款退回"

// refundUpdate is what WeChat Pay said about one refund (answer, query or
// notification).
type refundUpdate struct {
	OutRefundNo    string
	Status         string
	RefundID       string
	AmountFen      money.Fen // 0 when the answer carries none
	NotificationID string
	EventType      string
}

// RefundNotify is notify-wxpay-refund (POST /notify/wxpay/refund,
// REFUND.SUCCESS / ABNORMAL / CLOSED): verified and decrypted by wxpay;
// the refund must be ours with the same amount. Applied once (notification
// id, then the refund's final state): SUCCESS books Debit RefundsPayable /
// Credit Clearing (key "refund:<out_refund_no>"); CLOSED and ABNORMAL are
// recorded for manual handling (the money stays payable). 204 answers it,
// duplicates included; 401/400/500 with {"code":"FAIL"} otherwise.
func RefundNotify(d Deps) http.Handler {
	return notifyHandler(d, monitor.RouteWxpayRefund, func(r *http.Request, d Deps, n wxpay.Notification) error {
		ev, err := n.Refund()
		if err != nil {
			return err
		}
		return applyRefund(r.Context(), d, refundUpdate{OutRefundNo: ev.OutRefundNo, Status: ev.RefundStatus, RefundID: ev.RefundID,
			AmountFen: ev.RefundFen, NotificationID: n.ID, EventType: n.EventType})
	})
}

// applyRefund records u once; a final refund never changes again.
func applyRefund(ctx context.Context, d Deps, u refundUpdate) error {
	if u.OutRefundNo == "" || u.Status == "" {
		return ErrUnknownPayment
	}
	return mysql.InTx(ctx, d.DB, d.Clock.Now(), func(tx *mysql.Tx) error {
		rf, err := tx.LockRefund(ctx, u.OutRefundNo)
		if apierr.CodeOf(err) == apierr.NotFound {
			return ErrUnknownPayment
		}
		if err != nil {
			return err
		}
		if u.AmountFen != 0 && u.AmountFen != rf.AmountFen {
			return ErrPaidMismatch
		}
		if u.NotificationID != "" {
			fresh, err := tx.RecordNotification(ctx, u.NotificationID, u.EventType, u.OutRefundNo)
			if err != nil || !fresh {
				return err
			}
		}
		if mysql.RefundFinal(rf.State) {
			if u.Status != rf.State && mysql.RefundFinal(u.Status) {
				d.Log.Error("refund: conflicting final states; queued for review", "out_refund_no", rf.OutRefundNo, "stored", rf.State, "got", u.Status)
				_, err := tx.AddOpsItem(ctx, ops.New(ops.ConflictingFinal, ops.SubjectRefund, rf.OutRefundNo, "refund: conflicting final states",
					rf.AmountFen, map[string]any{"stored": rf.State, "got": u.Status}))
				return err
			}
			return nil
		}
		if u.Status == rf.State && u.RefundID == "" {
			return nil
		}
		if _, err := tx.UpdateRefund(ctx, rf.OutRefundNo, u.Status, u.RefundID); err != nil {
			return err
		}
		switch u.Status {
		case wxpay.RefundSuccess:
			_, err := tx.Post(ctx, ledger.Transaction{Key: "refund:" + rf.OutRefundNo, Kind: "refund", Entries: []ledger.Entry{
				{Account: ledger.RefundsPayable, AmountFen: rf.AmountFen},
				{Account: ledger.Clearing(d.Pay.MchID()), AmountFen: -rf.AmountFen},
			}})
			return err
		case wxpay.RefundClosed, wxpay.RefundAbnormal:
			d.Log.Error("refund: not paid out; queued for review", "out_refund_no", rf.OutRefundNo, "status", u.Status)
			_, err := tx.AddOpsItem(ctx, ops.New(ops.RefundNotPaid, ops.SubjectRefund, rf.OutRefundNo, "refund not paid out: "+u.Status,
				rf.AmountFen, map[string]any{"status": u.Status, "repayment_id": rf.RepaymentID}))
			return err
		}
		return nil
	})
}

// sendRefund asks WeChat Pay for a stored refund (same number and amount
// on every attempt) and applies the answer.
func sendRefund(ctx context.Context, d Deps, rf mysql.Refund) error {
	rp, err := mysql.Repayments{DB: d.DB}.ByID(ctx, rf.RepaymentID)
	if err != nil {
		return err
	}
	res, err := d.Pay.Refund(ctx, wxpay.RefundRequest{OutTradeNo: rp.OutTradeNo, OutRefundNo: rf.OutRefundNo, RefundFen: rf.AmountFen,
		TotalFen: rp.AmountFen, Reason: RefundReason})
	if err != nil {
		return fmt.Errorf("refund %s: %w", rf.OutRefundNo, err)
	}
	return applyRefund(ctx, d, refundUpdate{OutRefundNo: rf.OutRefundNo, Status: res.Status, RefundID: res.RefundID, AmountFen: res.RefundFen})
}

// SweepRefunds finishes refunds left open (a crash after the commit, a
// lost answer or notification) and untouched for at least age, at most
// limit per run: a refund WeChat Pay knows is applied as queried; one it
// does not know is sent again with the same number. It returns how many it
// looked at and the first failure.
func SweepRefunds(ctx context.Context, d Deps, age time.Duration, limit int) (int, error) {
	d = d.withDefaults()
	open, err := mysql.Refunds{DB: d.DB}.Open(ctx, d.Clock.Now().Add(-age), sweepBatch(limit))
	if err != nil {
		return 0, fmt.Errorf("sweep refunds: %w", err)
	}
	var first error
	for _, rf := range open {
		res, err := d.Pay.QueryRefund(ctx, rf.OutRefundNo)
		switch {
		case err == nil:
			err = applyRefund(ctx, d, refundUpdate{OutRefundNo: rf.OutRefundNo, Status: res.Status, RefundID: res.RefundID, AmountFen: res.RefundFen})
		case errors.Is(err, wxpay.ErrNotFound):
			err = sendRefund(ctx, d, rf)
		}
		if err != nil && first == nil {
			first = err
		}
	}
	return len(open), first
}
