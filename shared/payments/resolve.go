package payments

import (
	"context"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// Resolution is what WeChat Pay answered about one number, and whether
// the answer was applied to a record of ours (through the same apply-once
// path as its notification).
type Resolution struct {
	State     string
	AmountFen money.Fen
	Applied   bool // ours, and applied as the notification would have been
	Ours      bool // we hold a record under that number
}

// ResolvePayment asks WeChat Pay about repayment order no and applies a
// paid one exactly as its lost notification would have been (once,
// whatever arrives later; an overpayment's refund is sent after).
func ResolvePayment(ctx context.Context, d Deps, no string) (Resolution, error) {
	d = d.withDefaults()
	o, err := d.Pay.QueryOrder(ctx, no)
	if err != nil {
		return Resolution{}, err
	}
	res := Resolution{State: o.TradeState, AmountFen: o.AmountFen}
	rp, err := mysql.Repayments{DB: d.DB}.ByTradeNo(ctx, no)
	if apierr.CodeOf(err) == apierr.NotFound {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.Ours = true
	if o.TradeState != wxpay.TradeSuccess || o.AmountFen != rp.AmountFen {
		return res, nil
	}
	rf, err := applyPayment(ctx, d, wxpay.TransactionEvent{OutTradeNo: no, TransactionID: o.TransactionID, TradeState: o.TradeState,
		AmountFen: o.AmountFen}, "", "")
	if err == nil && rf != nil {
		if err := sendRefund(ctx, d, *rf); err != nil {
			d.Log.Warn("repay: refund left for the sweeper", "out_refund_no", rf.OutRefundNo, "error", err.Error())
		}
	}
	res.Applied = err == nil
	return res, err
}

// ResolveRefund asks WeChat Pay about refund no and applies the answer to
// ours as its notification would.
func ResolveRefund(ctx context.Context, d Deps, no string) (Resolution, error) {
	d = d.withDefaults()
	r, err := d.Pay.QueryRefund(ctx, no)
	if err != nil {
		return Resolution{}, err
	}
	res := Resolution{State: r.Status, AmountFen: r.RefundFen}
	rf, err := mysql.Refunds{DB: d.DB}.ByNo(ctx, no)
	if apierr.CodeOf(err) == apierr.NotFound {
		return res, nil
	}
	if err != nil {
		return res, err
	}
	res.Ours = true
	if r.RefundFen != rf.AmountFen {
		return res, nil
	}
	err = applyRefund(ctx, d, refundUpdate{OutRefundNo: no, Status: r.Status, RefundID: r.RefundID, AmountFen: r.RefundFen})
	res.Applied = err == nil
	return res, err
}

// ResolveTransfer asks merchant account c about transfer no and applies
// the answer to our part as its notification would.
func ResolveTransfer(ctx context.Context, d Deps, c *wxpay.Client, no string) (Resolution, error) {
	d = d.withDefaults()
	b, err := c.QueryTransfer(ctx, no)
	if err != nil {
		return Resolution{}, err
	}
	res := Resolution{State: b.State, AmountFen: b.AmountFen}
	if _, err := d.store().ByBillNo(ctx, no); err != nil {
		if apierr.CodeOf(err) == apierr.NotFound {
			return res, nil
		}
		return res, err
	}
	res.Ours = true
	err = apply(ctx, d, billUpdate(no, b, false))
	res.Applied = err == nil
	return res, err
}
