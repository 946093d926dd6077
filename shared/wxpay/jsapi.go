package wxpay

import (
	"context"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments"
	"github.com/wechatpay-apiv3/wechatpay-go/services/payments/jsapi"

	"github.com/wxlend/wxlend/shared/money"
)

// Trade states of a JSAPI order (trade_state). SUCCESS, REFUND, CLOSED,
// REVOKED and PAYERROR do not change by themselves; NOTPAY and USERPAYING
// do.
const (
	TradeSuccess    = "SUCCESS"
	TradeRefund     = "REFUND"
	TradeNotPay     = "NOTPAY"
	TradeClosed     = "CLOSED"
	TradeRevoked    = "REVOKED"
	TradeUserPaying = "USERPAYING"
	TradePayError   = "PAYERROR"
)

// PrepayRequest is a JSAPI order for wx.requestPayment. OutTradeNo is made
// and stored by the caller before the call (6–32 of [0-9A-Za-z_-|*]); a
// retry reuses it with the same parameters.
type PrepayRequest struct {
	OutTradeNo  string
	Description string // ≤127 bytes, shown to the payer
	AmountFen   money.Fen
	PayerOpenID string
	TimeExpire  time.Time // optional
	Attach      string    // optional, echoed back in the notification
	NotifyURL   string    // optional; Config.NotifyURLs.Transaction otherwise
}

// PayParams are the arguments of wx.requestPayment (api.md pay_params).
type PayParams struct {
	AppID     string `json:"appId"`
	TimeStamp string `json:"timeStamp"`
	NonceStr  string `json:"nonceStr"`
	Package   string `json:"package"`
	SignType  string `json:"signType"`
	PaySign   string `json:"paySign"`
}

// Order is a JSAPI order as queried.
type Order struct {
	OutTradeNo     string
	TransactionID  string // empty until paid
	TradeState     string
	TradeStateDesc string
	AmountFen      money.Fen // amount.total
	PayerTotalFen  money.Fen // amount.payer_total (after coupons)
	PayerOpenID    string
	SuccessTime    time.Time // zero until paid
}

// Prepay creates (or, with the same number and parameters, finds) a JSAPI
// order and signs the wx.requestPayment parameters with the merchant key.
// Errors: *Error (see the package doc).
func (c *Client) Prepay(ctx context.Context, req PrepayRequest) (PayParams, error) {
	const op = "jsapi.prepay"
	if req.OutTradeNo == "" || len(req.OutTradeNo) > 32 || req.Description == "" || req.AmountFen <= 0 || req.PayerOpenID == "" {
		return PayParams{}, invalid(op, "out_trade_no, description, a positive amount and the payer openid are required")
	}
	notifyURL := firstNonEmpty(req.NotifyURL, c.cfg.NotifyURLs.Transaction)
	if notifyURL == "" {
		return PayParams{}, invalid(op, "no notify URL for transactions")
	}
	pr := jsapi.PrepayRequest{
		Appid: core.String(c.cfg.AppID), Mchid: core.String(c.cfg.MchID),
		Description: core.String(req.Description), OutTradeNo: core.String(req.OutTradeNo),
		NotifyUrl: core.String(notifyURL),
		Amount:    &jsapi.Amount{Total: core.Int64(int64(req.AmountFen)), Currency: core.String("CNY")},
		Payer:     &jsapi.Payer{Openid: core.String(req.PayerOpenID)},
	}
	if !req.TimeExpire.IsZero() {
		t := req.TimeExpire.In(shanghai).Truncate(time.Second)
		pr.TimeExpire = &t
	}
	if req.Attach != "" {
		pr.Attach = core.String(req.Attach)
	}
	svc := jsapi.JsapiApiService{Client: c.core}
	resp, result, err := svc.PrepayWithRequestPayment(ctx, pr)
	if err != nil {
		return PayParams{}, classify(op, result, err)
	}
	return PayParams{AppID: deref(resp.Appid), TimeStamp: deref(resp.TimeStamp), NonceStr: deref(resp.NonceStr),
		Package: deref(resp.Package), SignType: deref(resp.SignType), PaySign: deref(resp.PaySign)}, nil
}

// QueryOrder reads an order by its out_trade_no. A number WeChat Pay does
// not know is an *Error matching ErrNotFound.
func (c *Client) QueryOrder(ctx context.Context, outTradeNo string) (Order, error) {
	const op = "jsapi.query"
	if outTradeNo == "" {
		return Order{}, invalid(op, "out_trade_no is required")
	}
	svc := jsapi.JsapiApiService{Client: c.core}
	tx, result, err := svc.QueryOrderByOutTradeNo(ctx, jsapi.QueryOrderByOutTradeNoRequest{
		OutTradeNo: core.String(outTradeNo), Mchid: core.String(c.cfg.MchID)})
	if err != nil {
		return Order{}, classify(op, result, err)
	}
	return orderFrom(tx), nil
}

func orderFrom(tx *payments.Transaction) Order {
	o := Order{OutTradeNo: deref(tx.OutTradeNo), TransactionID: deref(tx.TransactionId), TradeState: deref(tx.TradeState),
		TradeStateDesc: deref(tx.TradeStateDesc), SuccessTime: parseTime(deref(tx.SuccessTime))}
	if tx.Amount != nil {
		o.AmountFen, o.PayerTotalFen = money.Fen(derefInt(tx.Amount.Total)), money.Fen(derefInt(tx.Amount.PayerTotal))
	}
	if tx.Payer != nil {
		o.PayerOpenID = deref(tx.Payer.Openid)
	}
	return o
}

// CloseOrder closes an unpaid order so it can no longer be paid; closing a
// closed order succeeds. A paid order answers an *Error (Final, 4xx):
// query it and handle the payment instead.
func (c *Client) CloseOrder(ctx context.Context, outTradeNo string) error {
	const op = "jsapi.close"
	if outTradeNo == "" {
		return invalid(op, "out_trade_no is required")
	}
	svc := jsapi.JsapiApiService{Client: c.core}
	result, err := svc.CloseOrder(ctx, jsapi.CloseOrderRequest{OutTradeNo: core.String(outTradeNo), Mchid: core.String(c.cfg.MchID)})
	return classify(op, result, err)
}

// shanghai is China Standard Time; China has no daylight saving, so a
// fixed zone needs no tzdata.
var shanghai = time.FixedZone("CST", 8*3600)

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func derefInt(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseTime reads an RFC 3339 instant; an absent or malformed one is the
// zero time (times are informative, the state is what counts).
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
