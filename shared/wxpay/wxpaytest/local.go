package wxpaytest

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrUnknown is returned by the control methods for a number the fake does
// not hold.
var ErrUnknown = errors.New("wxpaytest: no such order, refund or transfer")

// ConfirmTransfer plays the borrower in wx.requestMerchantTransfer: the
// bill (WAIT_USER_CONFIRM) goes TRANSFERING → SUCCESS, or FAIL with
// failReason (e.g. NAME_NOT_CORRECT) when failReason is not empty. The
// notification goes out before it returns.
func (f *Fake) ConfirmTransfer(outBillNo, failReason string) error {
	f.mu.Lock()
	t, ok := f.transfers[outBillNo]
	if !ok {
		f.mu.Unlock()
		return ErrUnknown
	}
	if t.State != TransferWaitUserConfirm && t.State != TransferTransfering {
		f.mu.Unlock()
		return fmt.Errorf("wxpaytest: bill %s is %s, not awaiting confirmation", outBillNo, t.State)
	}
	var ns []*notice
	if failReason != "" {
		ns = f.setState(t, TransferFail, failReason)
	} else {
		f.setState(t, TransferTransfering, "")
		ns = f.setState(t, TransferSuccess, "")
	}
	f.mu.Unlock()
	f.dispatch(ns)
	return nil
}

// ConfirmPackage is ConfirmTransfer by the package_info the mini-program
// holds (wx.requestMerchantTransfer's package).
func (f *Fake) ConfirmPackage(packageInfo, failReason string) error {
	f.mu.Lock()
	no, ok := f.packages[packageInfo]
	f.mu.Unlock()
	if !ok {
		return ErrUnknown
	}
	return f.ConfirmTransfer(no, failReason)
}

// AdvanceTransfer moves a held bill one step: ACCEPTED → PROCESSING →
// WAIT_USER_CONFIRM (→ SUCCESS with AutoConfirm). It answers the new state.
func (f *Fake) AdvanceTransfer(outBillNo string) (string, error) {
	f.mu.Lock()
	t, ok := f.transfers[outBillNo]
	if !ok {
		f.mu.Unlock()
		return "", ErrUnknown
	}
	var ns []*notice
	switch t.State {
	case TransferAccepted:
		f.setState(t, TransferProcessing, "")
	case TransferProcessing:
		f.setState(t, TransferWaitUserConfirm, "")
	case TransferWaitUserConfirm:
		if f.settings.autoConfirm {
			f.setState(t, TransferTransfering, "")
			ns = f.setState(t, TransferSuccess, "")
		}
	}
	state := t.State
	f.mu.Unlock()
	f.dispatch(ns)
	return state, nil
}

// ForceTransferState sets any state (failReason for FAIL); a final state
// sends its notification. Use it for expiry (FAIL after ~24 h unclaimed),
// stuck PROCESSING, or CANCELLED after SetCancelHold.
func (f *Fake) ForceTransferState(outBillNo, state, failReason string) error {
	switch state {
	case TransferAccepted, TransferProcessing, TransferWaitUserConfirm, TransferTransfering,
		TransferSuccess, TransferFail, TransferCanceling, TransferCancelled:
	default:
		return fmt.Errorf("wxpaytest: unknown transfer state %q", state)
	}
	f.mu.Lock()
	t, ok := f.transfers[outBillNo]
	if !ok {
		f.mu.Unlock()
		return ErrUnknown
	}
	ns := f.setState(t, state, failReason)
	f.mu.Unlock()
	f.dispatch(ns)
	return nil
}

// PayOrder plays the payer completing wx.requestPayment for an order
// (NOTPAY → SUCCESS, the amount from the order) and sends
// TRANSACTION.SUCCESS.
func (f *Fake) PayOrder(outTradeNo string) error {
	f.mu.Lock()
	o, ok := f.orders[outTradeNo]
	if !ok {
		f.mu.Unlock()
		return ErrUnknown
	}
	n, err := f.payOrder(o)
	f.mu.Unlock()
	if err != nil {
		return fmt.Errorf("wxpaytest: %w", err)
	}
	f.dispatch([]*notice{n})
	return nil
}

// PayPrepay is PayOrder by prepay_id (the mini-program holds
// package="prepay_id=..."; either form is accepted).
func (f *Fake) PayPrepay(prepayID string) error {
	prepayID = strings.TrimPrefix(prepayID, "prepay_id=")
	f.mu.Lock()
	no, ok := f.prepays[prepayID]
	f.mu.Unlock()
	if !ok {
		return ErrUnknown
	}
	return f.PayOrder(no)
}

// ForceOrderState sets an order's trade_state; SUCCESS pays it (with a
// notification), any other state is set as is (CLOSED, PAYERROR, ...).
func (f *Fake) ForceOrderState(outTradeNo, state string) error {
	if state == TradeSuccess {
		return f.PayOrder(outTradeNo)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[outTradeNo]
	if !ok {
		return ErrUnknown
	}
	o.State = state
	return nil
}

// ForceRefundStatus finishes a refund: SUCCESS, ABNORMAL or CLOSED, with
// its REFUND.* notification.
func (f *Fake) ForceRefundStatus(outRefundNo, status string) error {
	if status != RefundSuccess && status != RefundAbnormal && status != RefundClosed && status != RefundProcessing {
		return fmt.Errorf("wxpaytest: unknown refund status %q", status)
	}
	f.mu.Lock()
	rf, ok := f.refunds[outRefundNo]
	if !ok {
		f.mu.Unlock()
		return ErrUnknown
	}
	ns := f.finishRefund(rf, status)
	f.mu.Unlock()
	f.dispatch(ns)
	return nil
}

// Transfer is a copy of a bill.
func (f *Fake) Transfer(outBillNo string) (Transfer, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.transfers[outBillNo]
	if !ok {
		return Transfer{}, false
	}
	c := t.Transfer
	c.History = append([]string(nil), t.History...)
	return c, true
}

// Transfers are copies of all bills.
func (f *Fake) Transfers() []Transfer {
	f.mu.Lock()
	nos := make([]string, 0, len(f.transfers))
	for no := range f.transfers {
		nos = append(nos, no)
	}
	f.mu.Unlock()
	out := make([]Transfer, 0, len(nos))
	for _, no := range nos {
		if t, ok := f.Transfer(no); ok {
			out = append(out, t)
		}
	}
	return out
}

// Order is a copy of an order.
func (f *Fake) Order(outTradeNo string) (Order, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	o, ok := f.orders[outTradeNo]
	if !ok {
		return Order{}, false
	}
	return o.Order, true
}

// Refund is a copy of a refund.
func (f *Fake) Refund(outRefundNo string) (Refund, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rf, ok := f.refunds[outRefundNo]
	if !ok {
		return Refund{}, false
	}
	return rf.Refund, true
}

// localMux serves the endpoints listed at LocalHandler.
func (f *Fake) localMux() http.Handler {
	mux := http.NewServeMux()
	do := func(pattern string, fn func(r *http.Request) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			out, err := fn(r)
			if err != nil {
				writeLocalError(w, err)
				return
			}
			if out == nil {
				out = map[string]string{"status": "ok"}
			}
			writeLocalJSON(w, http.StatusOK, out)
		})
	}
	transferOut := func(no string) (any, error) {
		t, ok := f.Transfer(no)
		if !ok {
			return nil, ErrUnknown
		}
		return t, nil
	}
	do("POST /_local/wxpay/transfers/{no}/confirm", func(r *http.Request) (any, error) {
		if err := f.ConfirmTransfer(r.PathValue("no"), failReason(r)); err != nil {
			return nil, err
		}
		return transferOut(r.PathValue("no"))
	})
	do("POST /_local/wxpay/transfers/confirm", func(r *http.Request) (any, error) {
		return nil, f.ConfirmPackage(r.Form.Get("package"), failReason(r))
	})
	do("POST /_local/wxpay/transfers/{no}/advance", func(r *http.Request) (any, error) {
		if _, err := f.AdvanceTransfer(r.PathValue("no")); err != nil {
			return nil, err
		}
		return transferOut(r.PathValue("no"))
	})
	do("POST /_local/wxpay/transfers/{no}/state", func(r *http.Request) (any, error) {
		if err := f.ForceTransferState(r.PathValue("no"), r.Form.Get("state"), r.Form.Get("reason")); err != nil {
			return nil, err
		}
		return transferOut(r.PathValue("no"))
	})
	do("GET /_local/wxpay/transfers/{no}", func(r *http.Request) (any, error) { return transferOut(r.PathValue("no")) })
	orderOut := func(no string) (any, error) {
		o, ok := f.Order(no)
		if !ok {
			return nil, ErrUnknown
		}
		return o, nil
	}
	do("POST /_local/wxpay/orders/{no}/pay", func(r *http.Request) (any, error) {
		if err := f.PayOrder(r.PathValue("no")); err != nil {
			return nil, err
		}
		return orderOut(r.PathValue("no"))
	})
	do("POST /_local/wxpay/pay", func(r *http.Request) (any, error) {
		return nil, f.PayPrepay(firstNonEmpty(r.Form.Get("prepay_id"), r.Form.Get("package")))
	})
	do("POST /_local/wxpay/orders/{no}/state", func(r *http.Request) (any, error) {
		if err := f.ForceOrderState(r.PathValue("no"), r.Form.Get("state")); err != nil {
			return nil, err
		}
		return orderOut(r.PathValue("no"))
	})
	do("GET /_local/wxpay/orders/{no}", func(r *http.Request) (any, error) { return orderOut(r.PathValue("no")) })
	do("POST /_local/wxpay/refunds/{no}/state", func(r *http.Request) (any, error) {
		return nil, f.ForceRefundStatus(r.PathValue("no"), r.Form.Get("status"))
	})
	do("POST /_local/wxpay/faults", func(r *http.Request) (any, error) {
		n, _ := strconv.Atoi(firstNonEmpty(r.Form.Get("count"), "1"))
		if r.Form.Get("api") == "" || r.Form.Get("code") == "" || n < 1 || n > 1000 {
			return nil, errBadRequest("api, code and 1 <= count <= 1000 are required")
		}
		for range n {
			f.FailNext(r.Form.Get("api"), r.Form.Get("code"))
		}
		return nil, nil
	})
	do("POST /_local/wxpay/faults/rate", func(r *http.Request) (any, error) {
		rate, err := strconv.ParseFloat(r.Form.Get("rate"), 64)
		seed, err2 := strconv.ParseUint(firstNonEmpty(r.Form.Get("seed"), "1"), 10, 64)
		if err != nil || err2 != nil {
			return nil, errBadRequest("rate (0..1) and seed are numbers")
		}
		var codes []string
		if c := r.Form.Get("codes"); c != "" {
			codes = strings.Split(c, ",")
		}
		f.SetFaultRate(rate, seed, codes...)
		return nil, nil
	})
	do("POST /_local/wxpay/settings", func(r *http.Request) (any, error) { return nil, f.applySettings(r) })
	do("POST /_local/wxpay/notifications/hold", func(*http.Request) (any, error) { f.HoldNotifications(); return nil, nil })
	do("POST /_local/wxpay/notifications/release", func(r *http.Request) (any, error) {
		return map[string]int{"released": f.ReleaseNotifications(r.Form.Get("reverse") == "true")}, nil
	})
	do("POST /_local/wxpay/notifications/duplicate", func(r *http.Request) (any, error) {
		n, err := strconv.Atoi(r.Form.Get("n"))
		if err != nil || n < 1 || n > 20 {
			return nil, errBadRequest("n must be 1..20")
		}
		f.DuplicateNext(n)
		return nil, nil
	})
	do("POST /_local/wxpay/notifications/delay", func(r *http.Request) (any, error) {
		ms, err := strconv.Atoi(r.Form.Get("ms"))
		if err != nil || ms < 0 || ms > 600_000 {
			return nil, errBadRequest("ms must be 0..600000")
		}
		f.SetNotifyDelay(time.Duration(ms) * time.Millisecond)
		return nil, nil
	})
	do("POST /_local/wxpay/notifications/forge", func(r *http.Request) (any, error) {
		if err := f.ForgeNext(r.Form.Get("kind")); err != nil {
			return nil, errBadRequest(err.Error())
		}
		return nil, nil
	})
	do("GET /_local/wxpay/notifications", func(*http.Request) (any, error) { return f.Deliveries(), nil })
	do("GET /_local/wxpay/stats", func(*http.Request) (any, error) { return f.Stats(), nil })
	return mux
}

func (f *Fake) applySettings(r *http.Request) error {
	b := func(k string) (bool, bool) {
		v := r.Form.Get(k)
		return v == "true" || v == "1", v != ""
	}
	if v, ok := b("auto_confirm"); ok {
		f.SetAutoConfirm(v)
	}
	if v, ok := b("cancel_hold"); ok {
		f.SetCancelHold(v)
	}
	if v, ok := b("manual_refunds"); ok {
		f.SetManualRefunds(v)
	}
	for k, set := range map[string]func(int64){"balance_fen": f.SetBalance, "day_quota_fen": f.SetDayQuota} {
		if !r.Form.Has(k) {
			continue
		}
		n, err := strconv.ParseInt(r.Form.Get(k), 10, 64)
		if err != nil {
			return errBadRequest(k + " must be an integer (fen)")
		}
		set(n)
	}
	if r.Form.Has("transfer_hold") {
		if err := f.SetTransferHold(r.Form.Get("transfer_hold")); err != nil {
			return errBadRequest(err.Error())
		}
	}
	return nil
}

// failReason reads ?result=fail&reason=X (reason defaults to
// NAME_NOT_CORRECT when result=fail).
func failReason(r *http.Request) string {
	if r.Form.Get("result") != "fail" {
		return ""
	}
	return firstNonEmpty(r.Form.Get("reason"), "NAME_NOT_CORRECT")
}

type badRequest string

func (e badRequest) Error() string { return string(e) }

func errBadRequest(msg string) error { return badRequest(msg) }

func writeLocalError(w http.ResponseWriter, err error) {
	var br badRequest
	switch {
	case errors.Is(err, ErrUnknown):
		writeLocalJSON(w, http.StatusNotFound, map[string]string{"code": "not_found", "message": err.Error()})
	case errors.As(err, &br):
		writeLocalJSON(w, http.StatusBadRequest, map[string]string{"code": "invalid_argument", "message": err.Error()})
	default:
		writeLocalJSON(w, http.StatusConflict, map[string]string{"code": "failed_precondition", "message": err.Error()})
	}
}

func writeLocalJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
