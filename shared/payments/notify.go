package payments

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/wxlend/wxlend/shared/monitor"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// TransferNotify is notify-wxpay-transfer (POST /notify/wxpay/transfer,
// MCHTRANSFER.BILL.FINISHED): the signature, timestamp (5 minutes) and
// merchant (any disbursement route) are checked and the resource
// decrypted by wxpay; the bill's
// amount and merchant must match our part. The notification is applied
// once (notification id, then the part's final state); 204 answers it,
// duplicates included. A refused notification changes nothing: 401 for a
// bad signature, 400 for a stale, malformed or foreign one, 500 when
// processing failed (WeChat Pay retries).
func TransferNotify(d Deps) http.Handler {
	d = d.withDefaults()
	return notifyHandlerFor(d, monitor.RouteWxpayTransfer, d.Routes, func(r *http.Request, d Deps, n wxpay.Notification) error {
		ev, err := n.Transfer()
		if err != nil {
			return err
		}
		return apply(r.Context(), d, update{OutBillNo: ev.OutBillNo, State: ev.State, TransferBillNo: ev.TransferBillNo,
			FailReason: ev.FailReason, AmountFen: ev.AmountFen, MchID: ev.MchID, NotificationID: n.ID, EventType: n.EventType})
	})
}

// notifyHandler is the shape every WeChat Pay callback shares: verify and
// decrypt (wxpay), then apply once; 204 on success (duplicates included),
// otherwise the refusal of notifyRefused, which changes nothing.
func notifyHandler(d Deps, route string, handle func(*http.Request, Deps, wxpay.Notification) error) http.Handler {
	d = d.withDefaults()
	return notifyHandlerFor(d, route, []*wxpay.Client{d.Pay}, handle)
}

// notifyHandlerFor is notifyHandler for notifications of any of merchants
// (transfers come from every disbursement route). A refusal is counted
// for job-monitor (route, reason) after it is answered.
func notifyHandlerFor(d Deps, route string, merchants []*wxpay.Client, handle func(*http.Request, Deps, wxpay.Notification) error) http.Handler {
	count := monitor.Refusals{DB: d.DB, Log: d.Log}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := wxpay.ParseNotificationAny(r.Context(), r, merchants)
		if err == nil {
			err = handle(r, d, n)
		}
		if err != nil {
			reason := notifyRefused(w, d, err)
			count.Count(r.Context(), d.Clock.Now(), route, reason)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// notifyRefused answers a notification that was not applied, with WeChat
// Pay's failure body; the message names the class, never the detail. It
// returns the reason refusals are counted under.
func notifyRefused(w http.ResponseWriter, d Deps, err error) string {
	status, msg, reason := http.StatusInternalServerError, "processing failed", "failed"
	switch {
	case errors.Is(err, wxpay.ErrBadSignature):
		status, msg, reason = http.StatusUnauthorized, "signature invalid", "bad_signature"
	case errors.Is(err, wxpay.ErrStaleTimestamp):
		status, msg, reason = http.StatusBadRequest, "timestamp stale", "stale_timestamp"
	case errors.Is(err, wxpay.ErrWrongMerchant), errors.Is(err, ErrWrongMerchant):
		status, msg, reason = http.StatusBadRequest, "wrong merchant", "wrong_merchant"
	case errors.Is(err, wxpay.ErrMalformedNotification):
		status, msg, reason = http.StatusBadRequest, "malformed notification", "malformed"
	case errors.Is(err, ErrUnknownBill), errors.Is(err, ErrAmountMismatch):
		status, msg, reason = http.StatusBadRequest, "does not match our records", "no_match"
	}
	level := d.Log.Warn
	if status >= 500 || errors.Is(err, ErrAmountMismatch) || errors.Is(err, ErrWrongMerchant) {
		level = d.Log.Error
	}
	level("wxpay notification refused", "status", status, "error", err.Error())
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": msg})
	return reason
}
