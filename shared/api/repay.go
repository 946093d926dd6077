package api

import (
	"net/http"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/scf"
)

// RepayCreate is repay-create (POST /v1/loans/repay/{id} {kind,
// amount_fen?} + Idempotency-Key, signed): payments.CreateRepayment for
// the borrower's own loan, answered with the repayment and the JSAPI
// pay_params. The key's request is the path and the body as sent, so the
// same key and body answer the same repayment. Errors: invalid_argument,
// not_found, conflict (key reused with another body), failed_precondition
// (not repaying, nothing due, amount above the payoff), unavailable
// (WeChat Pay; retry with the same key).
func RepayCreate(a *app.App, d payments.Deps) http.Handler {
	return Route("POST /v1/loans/repay/{id}", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in struct {
			Kind      string    `json:"kind"`
			AmountFen money.Fen `json:"amount_fen"`
		}
		key, body, err := idempotentRequest(r, &in)
		if err != nil {
			return err
		}
		order, err := payments.CreateRepayment(r.Context(), d, payments.RepaymentRequest{UserID: SessionFrom(r.Context()).UserID, LoanID: id,
			Kind: in.Kind, AmountFen: in.AmountFen, Key: key, Hash: requestHash(r.URL.Path+"\n", body)})
		if err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, order)
		return nil
	})))
}

// LoanPayoffQuote is loan-payoff-quote (GET /v1/loans/payoff/{id}): what
// settling the borrower's own active or overdue loan costs today
// (payments.PayoffQuote). Errors: not_found (not the borrower's loan),
// failed_precondition (not repaying).
func LoanPayoffQuote(a *app.App, d payments.Deps) http.Handler {
	return Route("GET /v1/loans/payoff/{id}", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		q, err := payments.PayoffQuote(r.Context(), d, id, SessionFrom(r.Context()).UserID)
		if err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]any{"loan_id": id, "payoff_fen": q.PayoffFen, "principal_fen": q.PrincipalFen,
			"interest_fen": q.InterestFen, "penalty_fen": q.PenaltyFen, "fee_fen": q.FeeFen, "credit_fen": q.CreditFen,
			"cooling_off": q.CoolingOff, "as_of": q.AsOf})
		return nil
	})))
}
