package payments

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// Repayment kinds (api.md POST /v1/loans/repay/{id}).
const (
	KindDue    = "due"
	KindPayoff = "payoff"
	KindAmount = "amount"
)

// RepayDescription is shown to the payer in WeChat Pay.
const RepayDescription = "微信信用借还款"

// modeOf is the allocation a repayment kind asks for.
func modeOf(kind string) lending.AllocationMode {
	if kind == KindPayoff {
		return lending.AllocatePayoff
	}
	return lending.AllocateRegular
}

// RepaymentRequest is a borrower's request for a repayment order (api.md
// POST /v1/loans/repay/{id}).
type RepaymentRequest struct {
	UserID, LoanID int64
	Kind           string    // KindDue, KindPayoff or KindAmount
	AmountFen      money.Fen // KindAmount only
	// Key is the borrower's Idempotency-Key; Hash identifies the request as
	// received. The same key and hash answer the first repayment; the same
	// key with another hash is a conflict.
	Key, Hash string
}

// RepaymentOrder is a stored repayment and the JSAPI parameters that pay
// it. Its JSON is repay-create's answer (api.md); without pay_params it is
// the answer stored under the Idempotency-Key.
type RepaymentOrder struct {
	RepaymentID int64            `json:"repayment_id"`
	OutTradeNo  string           `json:"out_trade_no"`
	AmountFen   money.Fen        `json:"amount_fen"`
	Kind        string           `json:"kind"`
	PayParams   *wxpay.PayParams `json:"pay_params,omitempty"`
}

// CreateRepayment makes the JSAPI order that repays the borrower's own
// active or overdue loan. The amount is fixed now: due = past due + the
// current installment; payoff = lending.Payoff today; amount = as given
// (1 fen up to the payoff). One transaction claims the key and stores the
// repayment with its out_trade_no; then the order is made (same number
// and parameters on every retry) and its pay_params signed. The same key
// and hash answer the same repayment (pay_params signed afresh for the
// same order). Errors: invalid_argument (kind, amount), not_found,
// conflict (key reused with another request), failed_precondition (not
// repaying, nothing due, amount above the payoff, already paid),
// unavailable (WeChat Pay; retry with the same key).
func CreateRepayment(ctx context.Context, d Deps, req RepaymentRequest) (RepaymentOrder, error) {
	d = d.withDefaults()
	if err := checkRepayRequest(req.Kind, req.AmountFen); err != nil {
		return RepaymentOrder{}, err
	}
	order, err := storeRepayment(ctx, d, req)
	if err != nil {
		return order, err
	}
	order.PayParams, err = prepay(ctx, d, order.RepaymentID)
	return order, err
}

func checkRepayRequest(kind string, amount money.Fen) error {
	switch {
	case kind != KindDue && kind != KindPayoff && kind != KindAmount:
		return apierr.Invalid("kind", "enum", "kind must be due, payoff or amount")
	case kind == KindAmount && (amount < 1 || amount > lending.MaxLoanFen):
		return apierr.Invalid("amount_fen", "range", fmt.Sprintf("amount_fen must be from 1 to %d", int64(lending.MaxLoanFen)))
	case kind != KindAmount && amount != 0:
		return apierr.Invalid("amount_fen", "unexpected", "amount_fen is only for kind amount")
	}
	return nil
}

// storeRepayment claims the key and stores the repayment, or returns the
// order stored under the key.
func storeRepayment(ctx context.Context, d Deps, req RepaymentRequest) (RepaymentOrder, error) {
	var order RepaymentOrder
	err := mysql.InTx(ctx, d.DB, d.Clock.Now(), func(tx *mysql.Tx) error {
		prior, err := tx.ClaimIdempotency(ctx, req.UserID, req.Key, "repay-create", req.Hash)
		if err != nil {
			return err
		}
		if prior != nil {
			return json.Unmarshal(prior.Body, &order)
		}
		l, err := tx.LockOwnLoan(ctx, req.LoanID, req.UserID)
		if err != nil {
			return err
		}
		if err := repayable(l); err != nil {
			return err
		}
		sv, err := tx.Servicing(ctx, l.ID, l.Quote.Schedule)
		if err != nil {
			return err
		}
		pv, err := tx.ProductVersion(ctx, l.ProductCode, l.ProductVersion)
		if err != nil {
			return err
		}
		sv.State.AsOf = asOf(sv.State.Schedule, tx.Now())
		amount, err := repayAmount(sv.State, pv.Product, req.Kind, req.AmountFen)
		if err != nil {
			return err
		}
		rp, err := tx.InsertRepayment(ctx, mysql.Repayment{LoanID: l.ID, UserID: req.UserID, Kind: req.Kind, AmountFen: amount})
		if err != nil {
			return err
		}
		order = RepaymentOrder{RepaymentID: rp.ID, OutTradeNo: rp.OutTradeNo, AmountFen: amount, Kind: req.Kind}
		b, _ := json.Marshal(order)
		return tx.FinishIdempotency(ctx, req.UserID, req.Key, mysql.StoredResponse{Status: http.StatusOK, Body: b})
	})
	return order, err
}

// repayAmount fixes what a repayment of kind asks the borrower to pay.
func repayAmount(st lending.LoanState, p lending.Product, kind string, given money.Fen) (money.Fen, error) {
	q, err := lending.Payoff(st, p)
	if err != nil {
		return 0, err
	}
	switch kind {
	case KindPayoff:
		return q.PayoffFen, nil
	case KindAmount:
		if given > q.PayoffFen {
			return 0, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "above_payoff",
				Message: fmt.Sprintf("the amount exceeds what settles the loan today (%d fen)", q.PayoffFen)}
		}
		return given, nil
	}
	due, err := dueFen(st, p)
	if err != nil {
		return 0, err
	}
	if due <= 0 {
		return 0, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "nothing_due", Message: "nothing is due now"}
	}
	return due, nil
}

// prepay makes (or finds) the JSAPI order of a stored repayment; the same
// number and parameters every time, so a retry never makes a second order.
func prepay(ctx context.Context, d Deps, repaymentID int64) (*wxpay.PayParams, error) {
	rp, err := mysql.Repayments{DB: d.DB}.ByID(ctx, repaymentID)
	if err != nil {
		return nil, err
	}
	if rp.State == mysql.RepaymentPaid {
		return nil, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "already_paid", Message: "this repayment is already paid"}
	}
	u, err := mysql.Users{DB: d.DB}.ByID(ctx, rp.UserID)
	if err != nil {
		return nil, fmt.Errorf("borrower %d: %w", rp.UserID, err)
	}
	pp, err := d.Pay.Prepay(ctx, wxpay.PrepayRequest{OutTradeNo: rp.OutTradeNo, Description: RepayDescription, AmountFen: rp.AmountFen,
		PayerOpenID: u.OpenID})
	if err != nil {
		d.Log.Warn("repay: prepay failed", "out_trade_no", rp.OutTradeNo, "error", err.Error())
		return nil, apierr.New(apierr.Unavailable, "WeChat Pay is unavailable; retry with the same Idempotency-Key")
	}
	return &pp, nil
}
