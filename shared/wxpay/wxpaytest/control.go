package wxpaytest

import (
	"errors"
	"fmt"
	"strings"
)

// The control methods: the borrower's side (confirm a transfer, pay an
// order), forced states and copies of what the fake holds. Tests call them
// directly; on the local stack scripts/internal/wxpaylocal serves them
// over HTTP under /_local/wxpay/.

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
