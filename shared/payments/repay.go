package payments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// Repayment kinds (api.md POST /v1/loans/{id}/repayments).
const (
	KindDue    = "due"
	KindPayoff = "payoff"
	KindAmount = "amount"
)

// RepayDescription is shown to the payer in WeChat Pay.
const RepayDescription = "微信信用借还款"

var repayKeyFormat = regexp.MustCompile(`^[A-Za-z0-9_.:-]{8,64}$`)

// modeOf is the allocation a repayment kind asks for.
func modeOf(kind string) lending.AllocationMode {
	if kind == KindPayoff {
		return lending.AllocatePayoff
	}
	return lending.AllocateRegular
}

type repayResponse struct {
	RepaymentID int64            `json:"repayment_id"`
	OutTradeNo  string           `json:"out_trade_no"`
	AmountFen   money.Fen        `json:"amount_fen"`
	Kind        string           `json:"kind"`
	PayParams   *wxpay.PayParams `json:"pay_params,omitempty"`
}

// RepayCreate is repay-create (POST /v1/loans/{id}/repayments {kind,
// amount_fen?} + Idempotency-Key, signed). The borrower's own active or
// overdue loan only. The amount is fixed now: due = past due + the current
// installment; payoff = lending.Payoff today; amount = as given (1 fen up
// to the payoff). One transaction claims the key and stores the repayment
// with its out_trade_no; then the JSAPI order is made (same number and
// parameters on every retry) and its pay_params returned. The same key and
// body answer the same repayment (pay_params signed afresh for the same
// order). Errors: invalid_argument, not_found, conflict (key reused with
// another body), failed_precondition (not repaying, nothing due, amount
// above the payoff), unavailable (WeChat Pay; retry with the same key).
func RepayCreate(a *app.App, d Deps) http.Handler {
	d = d.withDefaults()
	return api.Route("POST /v1/loans/{id}/repayments", api.Borrower(a, api.Func(func(w http.ResponseWriter, r *http.Request) error {
		id, err := loanIDOf(r)
		if err != nil {
			return err
		}
		key := r.Header.Get("Idempotency-Key")
		if !repayKeyFormat.MatchString(key) {
			return apierr.Invalid("Idempotency-Key", "format", "Idempotency-Key header of 8-64 characters is required")
		}
		body, err := scf.ReadBody(r)
		if err != nil {
			return err
		}
		var in struct {
			Kind      string    `json:"kind"`
			AmountFen money.Fen `json:"amount_fen"`
		}
		if err := scf.DecodeBytes(body, &in); err != nil {
			return err
		}
		if err := checkRepayRequest(in.Kind, in.AmountFen); err != nil {
			return err
		}
		sum := sha256.Sum256(append([]byte(r.URL.Path+"\n"), body...))
		ctx, userID := r.Context(), api.SessionFrom(r.Context()).UserID
		resp, err := storeRepayment(ctx, d, userID, id, key, hex.EncodeToString(sum[:]), in.Kind, in.AmountFen)
		if err != nil {
			return err
		}
		if resp.PayParams, err = prepay(ctx, d, resp.RepaymentID); err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, resp)
		return nil
	})))
}

func checkRepayRequest(kind string, amount money.Fen) error {
	switch {
	case kind != KindDue && kind != KindPayoff && kind != KindAmount:
		return apierr.Invalid("kind", "enum", "kind must be due, payoff or amount")
	case kind == KindAmount && (amount < 1 || amount > lending.MaxLoanFen):
		return apierr.Invalid("amount_fen", "range", "amount_fen must be at least 1")
	case kind != KindAmount && amount != 0:
		return apierr.Invalid("amount_fen", "unexpected", "amount_fen is only for kind amount")
	}
	return nil
}

// storeRepayment claims the key and stores the repayment, or returns the
// response stored under the key.
func storeRepayment(ctx context.Context, d Deps, userID, loanID int64, key, hash, kind string, given money.Fen) (repayResponse, error) {
	var resp repayResponse
	now := d.Clock.Now()
	err := mysql.InTx(ctx, d.DB, now, func(tx *mysql.Tx) error {
		prior, err := tx.ClaimIdempotency(ctx, userID, key, "repay-create", hash)
		if err != nil {
			return err
		}
		if prior != nil {
			return json.Unmarshal(prior.Body, &resp)
		}
		l, err := tx.LockOwnLoan(ctx, loanID, userID)
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
		sv.State.AsOf = asOf(sv.State.Schedule, now)
		amount, err := repayAmount(sv.State, pv.Product, kind, given)
		if err != nil {
			return err
		}
		rp, err := tx.InsertRepayment(ctx, mysql.Repayment{LoanID: loanID, UserID: userID, Kind: kind, AmountFen: amount})
		if err != nil {
			return err
		}
		resp = repayResponse{RepaymentID: rp.ID, OutTradeNo: rp.OutTradeNo, AmountFen: amount, Kind: kind}
		b, _ := json.Marshal(resp)
		return tx.FinishIdempotency(ctx, userID, key, mysql.StoredResponse{Status: http.StatusOK, Body: b})
	})
	return resp, err
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
