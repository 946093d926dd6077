// Package wxpaylocal serves the /_local/wxpay/ control endpoints of the
// local stack: the HTTP form of the WeChat Pay fake's control methods
// (shared/wxpay/wxpaytest), with which developers, scripts/demo and
// scripts/bench play the borrower — confirm a transfer as
// wx.requestMerchantTransfer would, pay an order as wx.requestPayment
// would — force states, inject faults and read the fake's delivery log and
// counters. Tests call the methods directly; only the local gateway
// (scripts/internal/gateway) mounts Handler, under Prefix, so no function
// links it.
//
// Parameters come from the query string or a form body; every answer is
// JSON, errors {"code","message"} with 400, 404 (unknown number or
// merchant) or 409 (wrong state). Without a body of its own an endpoint
// answers {"status":"ok"}.
//
//	POST /_local/wxpay/transfers/{out_bill_no}/confirm?result=success|fail&reason=NAME_NOT_CORRECT
//	POST /_local/wxpay/transfers/confirm?package=...&result=...&reason=...   (by package_info)
//	POST /_local/wxpay/transfers/{out_bill_no}/advance
//	POST /_local/wxpay/transfers/{out_bill_no}/state?state=FAIL&reason=...
//	GET  /_local/wxpay/transfers/{out_bill_no}
//	POST /_local/wxpay/orders/{out_trade_no}/pay
//	POST /_local/wxpay/pay?prepay_id=...      (or package=prepay_id%3D...)
//	POST /_local/wxpay/orders/{out_trade_no}/state?state=CLOSED
//	GET  /_local/wxpay/orders/{out_trade_no}
//	POST /_local/wxpay/refunds/{out_refund_no}/state?status=SUCCESS|ABNORMAL|CLOSED
//	POST /_local/wxpay/faults?api=transfer.create&code=SYSTEM_ERROR[&count=N]
//	POST /_local/wxpay/faults/rate?rate=0.2&seed=1[&codes=SYSTEM_ERROR,FREQUENCY_LIMITED]
//	POST /_local/wxpay/settings?auto_confirm=true&transfer_hold=ACCEPTED&cancel_hold=false&manual_refunds=false&balance_fen=-1&day_quota_fen=0
//	POST /_local/wxpay/notifications/hold
//	POST /_local/wxpay/notifications/release[?reverse=true]
//	POST /_local/wxpay/notifications/drop   (held ones are lost; holding stops)
//	POST /_local/wxpay/notifications/duplicate?n=2
//	POST /_local/wxpay/notifications/delay?ms=500
//	POST /_local/wxpay/notifications/forge?kind=signature|stale_timestamp
//	GET  /_local/wxpay/notifications        (delivery log)
//	POST /_local/wxpay/out-of-band  {"mch_id","kind":"payment"|"refund","amount_fen","out_trade_no"?,"time"?}
//	POST /_local/wxpay/bills/fault?kind=hash|truncated|malformed|unknown_column|other_merchant|   (empty: none)
//	GET  /_local/wxpay/stats
//
// Several merchant accounts are several fakes: ?mch_id= (query string)
// picks one, a transfer number goes to the account that holds it,
// anything else to the first.
package wxpaylocal

import (
	"cmp"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// Prefix is the path under which the gateway mounts Handler.
const Prefix = "/_local/wxpay/"

// Handler serves Prefix for the merchant accounts fakes, the first being
// the default one. It panics without a fake.
func Handler(fakes ...*wxpaytest.Fake) http.Handler {
	if len(fakes) == 0 {
		panic("wxpaylocal: Handler needs a fake")
	}
	a := accounts{fakes: fakes}
	for _, f := range fakes {
		a.muxes = append(a.muxes, mux(f))
	}
	return a
}

type accounts struct {
	fakes []*wxpaytest.Fake
	muxes []http.Handler
}

func (a accounts) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == Prefix+"out-of-band" && r.Method == http.MethodPost {
		a.outOfBand(w, r)
		return
	}
	i := 0
	if m := r.URL.Query().Get("mch_id"); m != "" {
		if i = slices.IndexFunc(a.fakes, func(f *wxpaytest.Fake) bool { return f.MchID() == m }); i < 0 {
			writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found", "message": "no such merchant"})
			return
		}
	} else if rest, ok := strings.CutPrefix(r.URL.Path, Prefix+"transfers/"); ok {
		no, _, _ := strings.Cut(rest, "/")
		i = max(0, slices.IndexFunc(a.fakes, func(f *wxpaytest.Fake) bool { return f.HasTransfer(no) }))
	}
	a.muxes[i].ServeHTTP(w, r)
}

// outOfBand plants a money movement we never started at the account the
// JSON body's mch_id names (the first when empty): it shows in that day's
// bills, so reconciliation finds it.
func (a accounts) outOfBand(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MchID      string `json:"mch_id"`
		Kind       string `json:"kind"`
		AmountFen  int64  `json:"amount_fen"`
		OutTradeNo string `json:"out_trade_no"`
		Time       string `json:"time"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4096)).Decode(&in); err != nil {
		writeError(w, badRequest("body must be JSON {mch_id, kind, amount_fen}"))
		return
	}
	i := 0
	if in.MchID != "" {
		if i = slices.IndexFunc(a.fakes, func(f *wxpaytest.Fake) bool { return f.MchID() == in.MchID }); i < 0 {
			writeError(w, wxpaytest.ErrUnknown)
			return
		}
	}
	m := wxpaytest.OutOfBand{Kind: in.Kind, AmountFen: in.AmountFen, OutTradeNo: in.OutTradeNo}
	if in.Time != "" {
		t, err := time.Parse(time.RFC3339, in.Time)
		if err != nil {
			writeError(w, badRequest("time must be RFC 3339"))
			return
		}
		m.At = t
	}
	no, err := a.fakes[i].PlantOutOfBand(m)
	if err != nil {
		writeError(w, badRequest(err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"mch_id": a.fakes[i].MchID(), "kind": in.Kind, "no": no, "amount_fen": in.AmountFen})
}

// mux serves the endpoints of the package doc for one fake.
func mux(f *wxpaytest.Fake) http.Handler {
	mux := http.NewServeMux()
	do := func(pattern string, fn func(r *http.Request) (any, error)) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			_ = r.ParseForm()
			out, err := fn(r)
			if err != nil {
				writeError(w, err)
				return
			}
			if out == nil {
				out = map[string]string{"status": "ok"}
			}
			writeJSON(w, http.StatusOK, out)
		})
	}
	transferOut := func(no string) (any, error) { return found(f.Transfer(no)) }
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
	orderOut := func(no string) (any, error) { return found(f.Order(no)) }
	do("POST /_local/wxpay/orders/{no}/pay", func(r *http.Request) (any, error) {
		if err := f.PayOrder(r.PathValue("no")); err != nil {
			return nil, err
		}
		return orderOut(r.PathValue("no"))
	})
	do("POST /_local/wxpay/pay", func(r *http.Request) (any, error) {
		return nil, f.PayPrepay(cmp.Or(r.Form.Get("prepay_id"), r.Form.Get("package")))
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
		n, _ := strconv.Atoi(cmp.Or(r.Form.Get("count"), "1"))
		if r.Form.Get("api") == "" || r.Form.Get("code") == "" || n < 1 || n > 1000 {
			return nil, badRequest("api, code and 1 <= count <= 1000 are required")
		}
		for range n {
			f.FailNext(r.Form.Get("api"), r.Form.Get("code"))
		}
		return nil, nil
	})
	do("POST /_local/wxpay/faults/rate", func(r *http.Request) (any, error) {
		rate, err := strconv.ParseFloat(r.Form.Get("rate"), 64)
		seed, err2 := strconv.ParseUint(cmp.Or(r.Form.Get("seed"), "1"), 10, 64)
		if err != nil || err2 != nil {
			return nil, badRequest("rate (0..1) and seed are numbers")
		}
		var codes []string
		if c := r.Form.Get("codes"); c != "" {
			codes = strings.Split(c, ",")
		}
		f.SetFaultRate(rate, seed, codes...)
		return nil, nil
	})
	do("POST /_local/wxpay/settings", func(r *http.Request) (any, error) { return nil, applySettings(f, r) })
	do("POST /_local/wxpay/notifications/hold", func(*http.Request) (any, error) { f.HoldNotifications(); return nil, nil })
	do("POST /_local/wxpay/notifications/release", func(r *http.Request) (any, error) {
		return map[string]int{"released": f.ReleaseNotifications(r.Form.Get("reverse") == "true")}, nil
	})
	do("POST /_local/wxpay/notifications/drop", func(*http.Request) (any, error) {
		return map[string]int{"dropped": f.DropHeldNotifications()}, nil
	})
	do("POST /_local/wxpay/notifications/duplicate", func(r *http.Request) (any, error) {
		n, err := strconv.Atoi(r.Form.Get("n"))
		if err != nil || n < 1 || n > 20 {
			return nil, badRequest("n must be 1..20")
		}
		f.DuplicateNext(n)
		return nil, nil
	})
	do("POST /_local/wxpay/notifications/delay", func(r *http.Request) (any, error) {
		ms, err := strconv.Atoi(r.Form.Get("ms"))
		if err != nil || ms < 0 || ms > 600_000 {
			return nil, badRequest("ms must be 0..600000")
		}
		f.SetNotifyDelay(time.Duration(ms) * time.Millisecond)
		return nil, nil
	})
	do("POST /_local/wxpay/notifications/forge", func(r *http.Request) (any, error) {
		if err := f.ForgeNext(r.Form.Get("kind")); err != nil {
			return nil, badRequest(err.Error())
		}
		return nil, nil
	})
	do("POST /_local/wxpay/bills/fault", func(r *http.Request) (any, error) {
		if err := f.SetBillFault(r.Form.Get("kind")); err != nil {
			return nil, badRequest(err.Error())
		}
		return nil, nil
	})
	do("GET /_local/wxpay/notifications", func(*http.Request) (any, error) { return f.Deliveries(), nil })
	do("GET /_local/wxpay/stats", func(*http.Request) (any, error) { return f.Stats(), nil })
	return mux
}

// found answers a copy the fake holds, or ErrUnknown (404).
func found[T any](v T, ok bool) (any, error) {
	if !ok {
		return nil, wxpaytest.ErrUnknown
	}
	return v, nil
}

func applySettings(f *wxpaytest.Fake, r *http.Request) error {
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
			return badRequest(k + " must be an integer (fen)")
		}
		set(n)
	}
	if r.Form.Has("transfer_hold") {
		if err := f.SetTransferHold(r.Form.Get("transfer_hold")); err != nil {
			return badRequest(err.Error())
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
	return cmp.Or(r.Form.Get("reason"), "NAME_NOT_CORRECT")
}

// badRequest is a caller's mistake: 400 invalid_argument.
type badRequest string

func (e badRequest) Error() string { return string(e) }

// writeError: an unknown number is 404, a bad parameter 400, any other
// refusal of the fake (a wrong state) 409.
func writeError(w http.ResponseWriter, err error) {
	var br badRequest
	switch {
	case errors.Is(err, wxpaytest.ErrUnknown):
		writeJSON(w, http.StatusNotFound, map[string]string{"code": "not_found", "message": err.Error()})
	case errors.As(err, &br):
		writeJSON(w, http.StatusBadRequest, map[string]string{"code": "invalid_argument", "message": err.Error()})
	default:
		writeJSON(w, http.StatusConflict, map[string]string{"code": "failed_precondition", "message": err.Error()})
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
