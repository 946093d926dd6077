package wxpaytest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Trade states and refund statuses the fake uses.
const (
	TradeSuccess  = "SUCCESS"
	TradeRefund   = "REFUND"
	TradeNotPay   = "NOTPAY"
	TradeClosed   = "CLOSED"
	TradePayError = "PAYERROR"

	RefundProcessing = "PROCESSING"
	RefundSuccess    = "SUCCESS"
	RefundAbnormal   = "ABNORMAL"
	RefundClosed     = "CLOSED"
)

// Order is a JSAPI order as the fake holds it.
type Order struct {
	OutTradeNo, PrepayID, TransactionID string
	Description, Attach, NotifyURL      string
	OpenID                              string
	AmountFen, RefundedFen              int64
	State                               string
	CreateTime, SuccessTime, TimeExpire time.Time
}

// Refund is a refund as the fake holds it.
type Refund struct {
	OutRefundNo, RefundID, OutTradeNo, TransactionID string
	Reason, NotifyURL                                string
	RefundFen, TotalFen                              int64
	Status                                           string
	CreateTime, SuccessTime                          time.Time
}

type order struct {
	Order
	fingerprint string
}

type refund struct {
	Refund
	fingerprint string
}

func (f *Fake) apiMux() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v3/pay/transactions/jsapi", f.wrap(APIPrepay, f.prepay))
	mux.Handle("GET /v3/pay/transactions/out-trade-no/{no}", f.wrap(APIQueryOrder, f.queryOrder))
	mux.Handle("POST /v3/pay/transactions/out-trade-no/{no}/close", f.wrap(APICloseOrder, f.closeOrder))
	mux.Handle("POST /v3/refund/domestic/refunds", f.wrap(APIRefund, f.createRefund))
	mux.Handle("GET /v3/refund/domestic/refunds/{no}", f.wrap(APIQueryRefund, f.queryRefund))
	mux.Handle("POST /v3/fund-app/mch-transfer/transfer-bills", f.wrap(APICreateTransfer, f.createTransfer))
	mux.Handle("GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{no}", f.wrap(APIQueryTransfer, f.queryTransfer))
	mux.Handle("POST /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/{no}/cancel", f.wrap(APICancelTransfer, f.cancelTransfer))
	mux.Handle("GET /v3/bill/tradebill", f.wrap(APITradeBill, f.tradeBill))
	mux.Handle("GET /v3/bill/fundflowbill", f.wrap(APIFundFlowBill, f.fundFlowBill))
	mux.Handle("GET /v3/billdownload/file", f.wrap(APIBillDownload, f.downloadBill))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		f.writeError(w, &apiError{status: http.StatusNotFound, code: "NOT_FOUND", message: "the fake does not serve " + r.Method + " " + r.URL.Path})
	})
	return mux
}

func fail(code, message string) answer { return answer{err: apiErr(code, message)} }

func okJSON(body any) answer { return answer{status: http.StatusOK, body: body} }

// validNotifyURL is an absolute http(s) URL without a query, as WeChat Pay
// requires (https only on WeChat Pay; the fake accepts loopback http).
func validNotifyURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" && u.RawQuery == ""
}

func (f *Fake) prepay(r *http.Request, body []byte, _ string) answer {
	var in struct {
		AppID       string `json:"appid"`
		MchID       string `json:"mchid"`
		Description string `json:"description"`
		OutTradeNo  string `json:"out_trade_no"`
		TimeExpire  string `json:"time_expire"`
		Attach      string `json:"attach"`
		NotifyURL   string `json:"notify_url"`
		Amount      struct {
			Total    int64  `json:"total"`
			Currency string `json:"currency"`
		} `json:"amount"`
		Payer struct {
			OpenID string `json:"openid"`
		} `json:"payer"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return fail("PARAM_ERROR", "请求体不是合法的 JSON")
	}
	switch {
	case in.MchID != f.mchID:
		return fail("PARAM_ERROR", "mchid 与请求商户不符")
	case in.AppID != f.appID:
		return fail("APPID_MCHID_NOT_MATCH", "appid 和 mch_id 不匹配")
	case len(in.OutTradeNo) < 6 || len(in.OutTradeNo) > 32 || in.Description == "" || in.Payer.OpenID == "":
		return fail("PARAM_ERROR", "out_trade_no、description、payer.openid 有误")
	case in.Amount.Total <= 0 || (in.Amount.Currency != "" && in.Amount.Currency != "CNY"):
		return fail("PARAM_ERROR", "amount.total 必须为正整数（分）")
	case !validNotifyURL(in.NotifyURL):
		return fail("PARAM_ERROR", "notify_url 格式有误")
	}
	var expire time.Time
	if in.TimeExpire != "" {
		t, err := time.Parse(time.RFC3339, in.TimeExpire)
		if err != nil {
			return fail("PARAM_ERROR", "time_expire 格式有误")
		}
		expire = t
	}
	fp := fmt.Sprintf("%s|%d|%s|%s", in.Description, in.Amount.Total, in.Payer.OpenID, in.Attach)
	f.mu.Lock()
	defer f.mu.Unlock()
	if o, ok := f.orders[in.OutTradeNo]; ok {
		switch {
		case o.fingerprint != fp:
			return fail("INVALID_REQUEST", "商户订单号重复，且参数与原订单不一致")
		case o.State == TradeSuccess || o.State == TradeRefund:
			return fail("ORDERPAID", "该订单已支付")
		case o.State == TradeClosed:
			return fail("ORDER_CLOSED", "订单已关闭")
		}
		return okJSON(map[string]string{"prepay_id": o.PrepayID})
	}
	now := f.nowCST()
	o := &order{Order: Order{OutTradeNo: in.OutTradeNo, PrepayID: "wx" + now.Format("20060102150405") + randomHex(20),
		Description: in.Description, Attach: in.Attach, NotifyURL: in.NotifyURL, OpenID: in.Payer.OpenID,
		AmountFen: in.Amount.Total, State: TradeNotPay, CreateTime: now, TimeExpire: expire}, fingerprint: fp}
	f.orders[o.OutTradeNo] = o
	f.prepays[o.PrepayID] = o.OutTradeNo
	f.stats.OrdersCreated++
	return okJSON(map[string]string{"prepay_id": o.PrepayID})
}

// transaction is the Transaction JSON of an order (query answer and the
// TRANSACTION.SUCCESS resource).
func (f *Fake) transaction(o *order) map[string]any {
	t := map[string]any{
		"appid": f.appID, "mchid": f.mchID, "out_trade_no": o.OutTradeNo, "trade_type": "JSAPI",
		"trade_state": o.State, "trade_state_desc": tradeStateDesc[o.State], "attach": o.Attach,
		"payer":  map[string]string{"openid": o.OpenID},
		"amount": map[string]any{"total": o.AmountFen, "currency": "CNY"},
	}
	if o.TransactionID != "" {
		t["transaction_id"] = o.TransactionID
		t["bank_type"] = "OTHERS"
		t["success_time"] = rfc3339(o.SuccessTime)
		t["amount"] = map[string]any{"total": o.AmountFen, "payer_total": o.AmountFen, "currency": "CNY", "payer_currency": "CNY"}
	}
	return t
}

var tradeStateDesc = map[string]string{
	TradeSuccess: "支付成功", TradeRefund: "转入退款", TradeNotPay: "未支付", TradeClosed: "已关闭", TradePayError: "支付失败",
}

func (f *Fake) queryOrder(r *http.Request, _ []byte, _ string) answer {
	if r.URL.Query().Get("mchid") != f.mchID {
		return fail("PARAM_ERROR", "mchid 有误")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[r.PathValue("no")]
	if !ok {
		return fail("ORDER_NOT_EXIST", "订单不存在")
	}
	return okJSON(f.transaction(o))
}

func (f *Fake) closeOrder(r *http.Request, body []byte, _ string) answer {
	var in struct {
		MchID string `json:"mchid"`
	}
	if json.Unmarshal(body, &in) != nil || in.MchID != f.mchID {
		return fail("PARAM_ERROR", "mchid 有误")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[r.PathValue("no")]
	switch {
	case !ok:
		return fail("ORDER_NOT_EXIST", "订单不存在")
	case o.State == TradeSuccess || o.State == TradeRefund:
		return fail("ORDERPAID", "订单已支付，不能关闭")
	}
	o.State = TradeClosed
	return answer{status: http.StatusNoContent}
}

// payOrder is the payer completing wx.requestPayment (f.mu held).
func (f *Fake) payOrder(o *order) (*notice, error) {
	if o.State != TradeNotPay && o.State != TradePayError {
		return nil, fmt.Errorf("order %s is %s, not payable", o.OutTradeNo, o.State)
	}
	now := f.nowCST()
	if !o.TimeExpire.IsZero() && now.After(o.TimeExpire) {
		return nil, fmt.Errorf("order %s expired at %s", o.OutTradeNo, rfc3339(o.TimeExpire))
	}
	o.State, o.SuccessTime = TradeSuccess, now
	o.TransactionID = fmt.Sprintf("4200%s%014d", now.Format("20060102"), f.nextSeq())
	return f.newNotice(o.NotifyURL, "TRANSACTION.SUCCESS", "支付成功", "transaction", f.transaction(o)), nil
}

func (f *Fake) createRefund(_ *http.Request, body []byte, _ string) answer {
	var in struct {
		OutTradeNo    string `json:"out_trade_no"`
		TransactionID string `json:"transaction_id"`
		OutRefundNo   string `json:"out_refund_no"`
		Reason        string `json:"reason"`
		NotifyURL     string `json:"notify_url"`
		Amount        struct {
			Refund   int64  `json:"refund"`
			Total    int64  `json:"total"`
			Currency string `json:"currency"`
		} `json:"amount"`
	}
	if err := json.Unmarshal(body, &in); err != nil {
		return fail("PARAM_ERROR", "请求体不是合法的 JSON")
	}
	if in.OutRefundNo == "" || len(in.OutRefundNo) > 64 || in.Amount.Refund <= 0 || (in.NotifyURL != "" && !validNotifyURL(in.NotifyURL)) {
		return fail("PARAM_ERROR", "out_refund_no、amount.refund 或 notify_url 有误")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o := f.orders[in.OutTradeNo]
	if o == nil && in.TransactionID != "" {
		for _, c := range f.orders {
			if c.TransactionID == in.TransactionID {
				o = c
			}
		}
	}
	if o == nil {
		return fail("RESOURCE_NOT_EXISTS", "订单不存在")
	}
	fp := fmt.Sprintf("%s|%d|%d", o.OutTradeNo, in.Amount.Refund, in.Amount.Total)
	if rf, ok := f.refunds[in.OutRefundNo]; ok {
		if rf.fingerprint != fp {
			return fail("INVALID_REQUEST", "商户退款单号重复，且参数与原退款不一致")
		}
		return okJSON(f.refundJSON(rf))
	}
	switch {
	case o.State != TradeSuccess && o.State != TradeRefund:
		return fail("INVALID_REQUEST", "订单未支付，不能退款")
	case in.Amount.Total != o.AmountFen:
		return fail("PARAM_ERROR", "订单金额与原订单不一致")
	case o.RefundedFen+in.Amount.Refund > o.AmountFen:
		return fail("INVALID_REQUEST", "申请退款金额超过订单可退金额")
	}
	rf := &refund{Refund: Refund{OutRefundNo: in.OutRefundNo, RefundID: fmt.Sprintf("50%s%022d", f.nowCST().Format("20060102"), f.nextSeq()),
		OutTradeNo: o.OutTradeNo, TransactionID: o.TransactionID, Reason: in.Reason, NotifyURL: in.NotifyURL,
		RefundFen: in.Amount.Refund, TotalFen: o.AmountFen, Status: RefundProcessing, CreateTime: f.nowCST()}, fingerprint: fp}
	f.refunds[rf.OutRefundNo] = rf
	o.RefundedFen += rf.RefundFen
	o.State = TradeRefund
	f.stats.RefundsCreated++
	a := okJSON(f.refundJSON(rf))
	if !f.settings.manualRefunds {
		a.notices = f.finishRefund(rf, RefundSuccess)
	}
	return a
}

// finishRefund moves a refund to a final status and makes its
// notification (f.mu held).
func (f *Fake) finishRefund(rf *refund, status string) []*notice {
	if rf.Status == status {
		return nil
	}
	rf.Status = status
	if status == RefundSuccess {
		rf.SuccessTime = f.nowCST()
	}
	if status == RefundClosed {
		if o := f.orders[rf.OutTradeNo]; o != nil {
			o.RefundedFen -= rf.RefundFen
		}
	}
	if status == RefundProcessing {
		return nil
	}
	plain := map[string]any{"mchid": f.mchID, "out_trade_no": rf.OutTradeNo, "transaction_id": rf.TransactionID,
		"out_refund_no": rf.OutRefundNo, "refund_id": rf.RefundID, "refund_status": status,
		"user_received_account": "支付用户零钱",
		"amount":                map[string]int64{"total": rf.TotalFen, "refund": rf.RefundFen, "payer_total": rf.TotalFen, "payer_refund": rf.RefundFen}}
	if status == RefundSuccess {
		plain["success_time"] = rfc3339(rf.SuccessTime)
	}
	summary := map[string]string{RefundSuccess: "退款成功", RefundAbnormal: "退款异常", RefundClosed: "退款关闭"}[status]
	return []*notice{f.newNotice(rf.NotifyURL, "REFUND."+status, summary, "refund", plain)}
}

func (f *Fake) refundJSON(rf *refund) map[string]any {
	m := map[string]any{
		"refund_id": rf.RefundID, "out_refund_no": rf.OutRefundNo, "transaction_id": rf.TransactionID,
		"out_trade_no": rf.OutTradeNo, "channel": "ORIGINAL", "user_received_account": "支付用户零钱",
		"create_time": rfc3339(rf.CreateTime), "status": rf.Status, "funds_account": "AVAILABLE",
		"amount": map[string]any{"total": rf.TotalFen, "refund": rf.RefundFen, "payer_total": rf.TotalFen,
			"payer_refund": rf.RefundFen, "settlement_refund": rf.RefundFen, "settlement_total": rf.TotalFen,
			"discount_refund": 0, "currency": "CNY", "from": []any{}},
		"promotion_detail": []any{},
	}
	if !rf.SuccessTime.IsZero() {
		m["success_time"] = rfc3339(rf.SuccessTime)
	}
	return m
}

func (f *Fake) queryRefund(r *http.Request, _ []byte, _ string) answer {
	f.mu.Lock()
	defer f.mu.Unlock()
	rf, ok := f.refunds[r.PathValue("no")]
	if !ok {
		return fail("RESOURCE_NOT_EXISTS", "退款单不存在")
	}
	return okJSON(f.refundJSON(rf))
}
