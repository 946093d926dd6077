package payments

import (
	"encoding/json"
	"errors"
	"net/http"

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
	return notifyHandlerFor(d, d.Routes, func(r *http.Request, d Deps, n wxpay.Notification) error {
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
func notifyHandler(d Deps, handle func(*http.Request, Deps, wxpay.Notification) error) http.Handler {
	d = d.withDefaults()
	return notifyHandlerFor(d, []*wxpay.Client{d.Pay}, handle)
}

// notifyHandlerFor is notifyHandler for notifications of any of merchants
// (transfers come from every disbursement route).
func notifyHandlerFor(d Deps, merchants []*wxpay.Client, handle func(*http.Request, Deps, wxpay.Notification) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n, err := wxpay.ParseNotificationAny(r.Context(), r, merchants)
		if err == nil {
			err = handle(r, d, n)
		}
		if err != nil {
			notifyRefused(w, d, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// notifyRefused answers a notification that was not applied, with WeChat
// Pay's failure body; the message names the class, never the detail.
func notifyRefused(w http.ResponseWriter, d Deps, err error) {
	status, msg := http.StatusInternalServerError, "processing failed"
	switch {
	case errors.Is(err, wxpay.ErrBadSignature):
		status, msg = http.StatusUnauthorized, "signature invalid"
	case errors.Is(err, wxpay.ErrStaleTimestamp):
		status, msg = http.StatusBadRequest, "timestamp stale"
	case errors.Is(err, wxpay.ErrWrongMerchant), errors.Is(err, ErrWrongMerchant):
		status, msg = http.StatusBadRequest, "wrong merchant"
	case errors.Is(err, wxpay.ErrMalformedNotification):
		status, msg = http.StatusBadRequest, "malformed notification"
	case errors.Is(err, ErrUnknownBill), errors.Is(err, ErrAmountMismatch):
		status, msg = http.StatusBadRequest, "does not match our records"
	}
	level := d.Log.Warn
	if status >= 500 || errors.Is(err, ErrAmountMismatch) || errors.Is(err, ErrWrongMerchant) {
		level = d.Log.Error
	}
	level("wxpay notification refused", "status", status, "error", err.Error())
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"code": "FAIL", "message": msg})
}
