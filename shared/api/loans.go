package api

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

var (
	idemKeyFormat = regexp.MustCompile(`^[A-Za-z0-9_.:-]{8,64}$`)
	quoteIDFormat = regexp.MustCompile(`^[0-9a-f]{32}$`)
)

// LoanCreate is loan-create (POST /v1/loans/create {quote_id} + Idempotency-Key,
// signed). In one transaction: claim the idempotency key, check the quote
// (the borrower's own, unexpired, unused), draw the amount from the credit
// line with a conditional update, mark the quote used and insert the loan
// as applied — after a fast re-check that the account is active and the
// person not blacklisted since the credit decision. The same key with the same body answers the first response.
// Errors: invalid_argument, not_found (quote), conflict (key reused with
// another body, quote used), failed_precondition (expired quote, credit).
func LoanCreate(a *app.App) http.Handler {
	return Route("POST /v1/loans/create", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			QuoteID string `json:"quote_id"`
		}
		key, body, err := idempotentRequest(r, &in)
		if err != nil {
			return err
		}
		if !quoteIDFormat.MatchString(in.QuoteID) {
			return apierr.Invalid("quote_id", "format", "quote_id is not a quote id")
		}
		resp, err := createLoan(r.Context(), a, SessionFrom(r.Context()).UserID, key, requestHash("", body), in.QuoteID)
		if err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(resp.Status)
		_, _ = w.Write(resp.Body)
		return nil
	})))
}

func createLoan(ctx context.Context, a *app.App, userID int64, key, hash, quoteID string) (mysql.StoredResponse, error) {
	var resp mysql.StoredResponse
	err := mysql.InTx(ctx, a.DB, a.Clock.Now(), func(tx *mysql.Tx) error {
		prior, err := tx.ClaimIdempotency(ctx, userID, key, "loan-create", hash)
		if err != nil || prior != nil {
			if prior != nil {
				resp = *prior
			}
			return err
		}
		if ok, err := tx.DrawAllowed(ctx, userID); err != nil || !ok {
			if err == nil {
				err = &apierr.Error{Code: apierr.FailedPrecondition, Reason: "draw_refused", Message: "a loan cannot be granted at this time"}
			}
			return err
		}
		q, err := tx.UseQuote(ctx, quoteID, userID)
		if err != nil {
			return err
		}
		if err := tx.ReserveCredit(ctx, userID, q.Result.AmountFen); err != nil {
			return err
		}
		id, err := tx.CreateLoan(ctx, userID, q)
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]any{"loan_id": id, "status": loan.Applied})
		resp = mysql.StoredResponse{Status: http.StatusCreated, Body: body}
		return tx.FinishIdempotency(ctx, userID, key, resp)
	})
	return resp, err
}

// loanView is api.md's loan: status, schedule, contract, disbursement,
// and in loan-get the bill (bill.go).
type loanView struct {
	LoanID       int64                `json:"loan_id"`
	Status       loan.Status          `json:"status"`
	AmountFen    int64                `json:"amount_fen"`
	TermMonths   int                  `json:"term_months"`
	Method       lending.Method       `json:"method"`
	AnnualRateBP int64                `json:"annual_rate_bp"`
	APRBP        int64                `json:"apr_bp"`
	CreatedAt    time.Time            `json:"created_at"`
	Schedule     *lending.QuoteResult `json:"schedule,omitempty"`
	Contract     any                  `json:"contract"`
	Disbursement any                  `json:"disbursement"`
	Bill         *lending.Bill        `json:"bill,omitempty"`
	// With the bill (loan-get): days past due on today's business date,
	// the overdue installments' outstanding, the unpaid penalty.
	DPD        *int       `json:"dpd,omitempty"`
	OverdueFen *money.Fen `json:"overdue_fen,omitempty"`
	PenaltyFen *money.Fen `json:"penalty_fen,omitempty"`
}

// withDelinquency adds dpd, overdue_fen and penalty_fen from the bill.
func (v *loanView) withDelinquency() {
	if v.Bill == nil {
		return
	}
	dpd, overdue, penalty := v.Bill.DaysPastDue(), v.Bill.OverdueFen(), v.Bill.Totals.Outstanding.PenaltyFen
	v.DPD, v.OverdueFen, v.PenaltyFen = &dpd, &overdue, &penalty
}

func view(l loan.Loan, full bool) loanView {
	v := loanView{LoanID: l.ID, Status: l.Status, AmountFen: int64(l.Quote.AmountFen), TermMonths: l.Quote.TermMonths,
		Method: l.Quote.Method, AnnualRateBP: int64(l.Quote.AnnualRateBP), APRBP: int64(l.Quote.APRBP), CreatedAt: l.CreatedAt}
	if full {
		q := l.Quote
		v.Schedule = &q
	}
	return v
}

// LoanGet is loan-get (GET /v1/loans/detail/{id}): the borrower's own loan only;
// anyone else's is not_found.
func LoanGet(a *app.App) http.Handler {
	return Route("GET /v1/loans/detail/{id}", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		l, err := mysql.Loans{DB: a.DB}.Get(r.Context(), id, SessionFrom(r.Context()).UserID)
		if err != nil {
			return err
		}
		v := view(l, true)
		if v.Contract, err = contractSummary(r.Context(), a, l.ID); err != nil {
			return err
		}
		if v.Disbursement, err = disbursementView(r.Context(), a, l.ID); err != nil {
			return err
		}
		if v.Bill, err = billOf(r.Context(), a, l); err != nil {
			return err
		}
		v.withDelinquency()
		scf.WriteJSON(w, http.StatusOK, v)
		return nil
	})))
}

// LoanList is loan-list (GET /v1/loans): the borrower's newest 100 loans.
func LoanList(a *app.App) http.Handler {
	return Route("GET /v1/loans", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		ls, err := mysql.Loans{DB: a.DB}.List(r.Context(), SessionFrom(r.Context()).UserID, 100)
		if err != nil {
			return err
		}
		out := make([]loanView, 0, len(ls))
		for _, l := range ls {
			out = append(out, view(l, false))
		}
		scf.WriteJSON(w, http.StatusOK, map[string]any{"loans": out})
		return nil
	})))
}

// LoanCancel is loan-cancel (POST /v1/loans/cancel/{id}, signed): before
// disbursement only; the credit line gets the amount back in the same
// transaction. Errors: not_found, failed_precondition (too late).
func LoanCancel(a *app.App) http.Handler {
	return Route("POST /v1/loans/cancel/{id}", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		var in struct{}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		ctx, userID := r.Context(), SessionFrom(r.Context()).UserID
		l, err := mysql.Loans{DB: a.DB}.Get(ctx, id, userID)
		if err != nil {
			return err
		}
		if l.Status != loan.Applied && l.Status != loan.Signed {
			return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_cancellable", Message: "the loan can no longer be cancelled"}
		}
		err = mysql.Loans{DB: a.DB}.Transition(ctx, mysql.Transition{LoanID: id, From: l.Status, To: loan.Cancelled, Reason: "borrower_cancelled",
			Also: func(tx *mysql.Tx) error { return tx.ReleaseCredit(ctx, userID, l.Quote.AmountFen) }}, a.Clock.Now())
		if err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]any{"loan_id": id, "status": loan.Cancelled})
		return nil
	})))
}

func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, apierr.New(apierr.NotFound, "loan not found")
	}
	return id, nil
}

func contractSummary(ctx context.Context, a *app.App, loanID int64) (any, error) {
	c, ok, err := mysql.Contracts{DB: a.DB}.ByLoan(ctx, loanID)
	if err != nil || !ok {
		return nil, err
	}
	return map[string]any{"contract_id": c.ID, "status": c.Status, "sha256": c.SHA256, "sign_url": nilIfEmpty(c.SignURL)}, nil
}

// disbursementView is api.md's disbursement object; confirm is present
// while the borrower must confirm receipt (wx.requestMerchantTransfer).
func disbursementView(ctx context.Context, a *app.App, loanID int64) (any, error) {
	rows, err := mysql.Disbursements{DB: a.DB}.ForLoan(ctx, loanID)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	parts := disbursement.Current(rows) // a rerouted number is history
	var total money.Fen
	state := "SUCCESS"
	transfers := make([]map[string]any, 0, len(parts))
	var confirm any
	for _, p := range parts {
		total += p.AmountFen
		transfers = append(transfers, map[string]any{"out_bill_no": p.OutBillNo, "state": p.State, "amount_fen": p.AmountFen, "mch_id": p.MchID})
		if p.State != "SUCCESS" {
			state = p.State
		}
		if p.State == "WAIT_USER_CONFIRM" && p.PackageInfo != "" && confirm == nil {
			confirm = map[string]string{"mch_id": p.MchID, "app_id": a.Cfg.WeChatAppID, "package_info": p.PackageInfo}
		}
	}
	out := map[string]any{"state": state, "amount_fen": total, "transfers": transfers}
	if confirm != nil {
		out["confirm"] = confirm
	}
	return out, nil
}
