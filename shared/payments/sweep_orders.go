package payments

import (
	"context"
	"errors"
	"time"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// OrderTTL is how long a repayment order may stay unpaid before the
// sweeper closes it (the borrower then starts a new one): two hours.
const OrderTTL = 2 * time.Hour

// SweepOrders finishes repayments whose payment notification was lost: it
// queries orders still open after age; a paid one is applied exactly as the
// notification would (once, whatever arrives later); one unpaid past
// OrderTTL is closed at WeChat Pay and marked CLOSED. At most limit per run.
func SweepOrders(ctx context.Context, d Deps, age time.Duration, limit int) (int, error) {
	d = d.withDefaults()
	now := d.Clock.Now()
	open, err := mysql.Repayments{DB: d.DB}.Open(ctx, now.Add(-age), sweepBatch(limit))
	if err != nil {
		return 0, err
	}
	done := 0
	for _, rp := range open {
		if err := sweepOrder(ctx, d, rp, now); err != nil {
			d.Log.WarnContext(ctx, "order sweep", "out_trade_no", rp.OutTradeNo, "error", err.Error())
			continue
		}
		done++
	}
	return done, nil
}

func sweepOrder(ctx context.Context, d Deps, rp mysql.Repayment, now time.Time) error {
	o, err := d.Pay.QueryOrder(ctx, rp.OutTradeNo)
	if errors.Is(err, wxpay.ErrNotFound) {
		return mysql.Repayments{DB: d.DB}.Close(ctx, rp.OutTradeNo, now) // never created at WeChat Pay
	}
	if err != nil {
		return err
	}
	if o.TradeState == wxpay.TradeSuccess {
		rf, err := applyPayment(ctx, d, wxpay.TransactionEvent{OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID,
			TradeState: o.TradeState, AmountFen: o.AmountFen}, "", "")
		if err == nil && rf != nil {
			err = sendRefund(ctx, d, *rf)
		}
		return err
	}
	if now.Sub(rp.CreatedAt) < OrderTTL {
		return mysql.Repayments{DB: d.DB}.Touch(ctx, rp.OutTradeNo, now)
	}
	if err := d.Pay.CloseOrder(ctx, rp.OutTradeNo); err != nil {
		return err
	}
	return mysql.Repayments{DB: d.DB}.Close(ctx, rp.OutTradeNo, now)
}
