package wxpay

import (
	"context"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/refunddomestic"

	"github.com/wxlend/wxlend/shared/money"
)

// Refund statuses. SUCCESS, CLOSED and ABNORMAL (the bank rejected the
// credit; needs manual handling) are final; PROCESSING is not.
const (
	RefundSuccess    = "SUCCESS"
	RefundClosed     = "CLOSED"
	RefundProcessing = "PROCESSING"
	RefundAbnormal   = "ABNORMAL"
)

// RefundRequest refunds part or all of a paid JSAPI order. OutRefundNo is
// made and stored before the call; a retry reuses it.
type RefundRequest struct {
	OutTradeNo  string
	OutRefundNo string
	RefundFen   money.Fen
	TotalFen    money.Fen // the order's amount, checked by WeChat Pay
	Reason      string    // optional, shown to the payer
	NotifyURL   string    // optional; Config.NotifyURLs.Refund otherwise
}

// RefundResult is a refund as created or queried.
type RefundResult struct {
	OutRefundNo   string
	RefundID      string
	OutTradeNo    string
	TransactionID string
	Status        string
	RefundFen     money.Fen
	TotalFen      money.Fen
	CreateTime    time.Time
	SuccessTime   time.Time
}

// Refund asks for a refund; the answer is usually PROCESSING and the
// outcome arrives as a REFUND.* notification or by QueryRefund. Errors:
// *Error (package doc).
func (c *Client) Refund(ctx context.Context, req RefundRequest) (RefundResult, error) {
	const op = "refund.create"
	if req.OutTradeNo == "" || req.OutRefundNo == "" || len(req.OutRefundNo) > 64 || req.RefundFen <= 0 || req.TotalFen < req.RefundFen {
		return RefundResult{}, invalid(op, "out_trade_no, out_refund_no and 0 < refund <= total are required")
	}
	cr := refunddomestic.CreateRequest{
		OutTradeNo: core.String(req.OutTradeNo), OutRefundNo: core.String(req.OutRefundNo),
		Amount: &refunddomestic.AmountReq{Refund: core.Int64(int64(req.RefundFen)), Total: core.Int64(int64(req.TotalFen)), Currency: core.String("CNY")},
	}
	if req.Reason != "" {
		cr.Reason = core.String(req.Reason)
	}
	if u := firstNonEmpty(req.NotifyURL, c.cfg.NotifyURLs.Refund); u != "" {
		cr.NotifyUrl = core.String(u)
	}
	svc := refunddomestic.RefundsApiService{Client: c.core}
	r, result, err := svc.Create(ctx, cr)
	if err != nil {
		return RefundResult{}, classify(op, result, err)
	}
	return refundFrom(r), nil
}

// QueryRefund reads a refund by its out_refund_no; an unknown number is an
// *Error matching ErrNotFound.
func (c *Client) QueryRefund(ctx context.Context, outRefundNo string) (RefundResult, error) {
	const op = "refund.query"
	if outRefundNo == "" {
		return RefundResult{}, invalid(op, "out_refund_no is required")
	}
	svc := refunddomestic.RefundsApiService{Client: c.core}
	r, result, err := svc.QueryByOutRefundNo(ctx, refunddomestic.QueryByOutRefundNoRequest{OutRefundNo: core.String(outRefundNo)})
	if err != nil {
		return RefundResult{}, classify(op, result, err)
	}
	return refundFrom(r), nil
}

func refundFrom(r *refunddomestic.Refund) RefundResult {
	out := RefundResult{OutRefundNo: deref(r.OutRefundNo), RefundID: deref(r.RefundId), OutTradeNo: deref(r.OutTradeNo),
		TransactionID: deref(r.TransactionId)}
	if r.Status != nil {
		out.Status = string(*r.Status)
	}
	if r.Amount != nil {
		out.RefundFen, out.TotalFen = money.Fen(derefInt(r.Amount.Refund)), money.Fen(derefInt(r.Amount.Total))
	}
	if r.CreateTime != nil {
		out.CreateTime = *r.CreateTime
	}
	if r.SuccessTime != nil {
		out.SuccessTime = *r.SuccessTime
	}
	return out
}
