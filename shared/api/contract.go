package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/contract"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/scf"
)

// ensureContract renders and stores the loan's contract on first use, from
// the quoted terms (re-dated to today when the quote's start date has
// passed: the same terms, due dates from the signing day), with masked
// party data only. The first stored render is the contract.
func ensureContract(ctx context.Context, a *app.App, l loan.Loan) (mysql.Contract, error) {
	store := mysql.Contracts{DB: a.DB}
	if c, ok, err := store.ByLoan(ctx, l.ID); err != nil || ok {
		return c, err
	}
	id, err := mysql.KYC{DB: a.DB}.Identity(ctx, l.UserID)
	if err != nil {
		return mysql.Contract{}, err
	}
	pv, err := mysql.Products{DB: a.DB}.Version(ctx, l.ProductCode, l.ProductVersion)
	if err != nil {
		return mysql.Contract{}, err
	}
	today := lending.ShanghaiDate(a.Clock.Now())
	q := l.Quote
	if q.StartDate.Before(today) {
		req := lending.QuoteRequest{AmountFen: q.AmountFen, TermMonths: q.TermMonths, Method: q.Method, AnnualRateBP: q.AnnualRateBP}
		if q, err = lending.Quote(pv.Product, req, today, money.BP(a.Cfg.RateCapBP)); err != nil {
			return mysql.Contract{}, err
		}
	}
	doc, err := contract.Render(contract.CurrentVersion, contract.Terms{
		ContractNo: fmt.Sprintf("WXL%010d", l.ID), LoanID: fmt.Sprint(l.ID), LenderName: a.Cfg.LenderName, LenderUSCC: a.Cfg.LenderUSCC,
		BorrowerNameMasked: id.NameMasked, BorrowerIDMasked: id.IDNumberMask, Schedule: q.Schedule, APRBP: q.APRBP,
		PenaltyRateBP: pv.PenaltyRateBP, GraceDays: pv.GraceDays, CoolingOffDays: pv.CoolingOffDays, SignDate: today,
	})
	if err != nil {
		return mysql.Contract{}, fmt.Errorf("render contract of loan %d: %w", l.ID, err)
	}
	return store.Save(ctx, l.ID, doc, a.Clock.Now())
}

func contractView(c mysql.Contract) map[string]any {
	return map[string]any{"contract_id": c.ID, "template_version": c.TemplateVersion, "sha256": c.SHA256, "sm3": c.SM3,
		"status": c.Status, "sections": contract.SectionsOf(c.Document), "sign_url": nilIfEmpty(c.SignURL)}
}

// ContractGet is contract-get (GET /v1/loans/contract/{id}): the contract
// rendered with the quoted terms, its hashes and sections.
func ContractGet(a *app.App) http.Handler {
	return Route("GET /v1/loans/contract/{id}", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		l, err := ownLoan(r, a)
		if err != nil {
			return err
		}
		c, err := ensureContract(r.Context(), a, l)
		if err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, contractView(c))
		return nil
	})))
}

// ContractSign is contract-sign (POST /v1/loans/contract-sign/{id} {},
// signed): starts a Tencent e-sign flow for the borrower (identity
// verified by ESS) and answers the mini-program signing link. An applied
// loan only; a flow already started is answered as it is.
func ContractSign(a *app.App) http.Handler {
	return Route("POST /v1/loans/contract-sign/{id}", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct{}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		l, err := ownLoan(r, a)
		if err != nil {
			return err
		}
		if l.Status != loan.Applied {
			return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "not_signable", Message: "this loan's contract cannot be signed now"}
		}
		c, err := ensureContract(r.Context(), a, l)
		if err != nil {
			return err
		}
		if c.Status != "signing" && c.Status != "signed" {
			if c, err = startSigning(r.Context(), a, l, c); err != nil {
				return err
			}
		}
		scf.WriteJSON(w, http.StatusOK, map[string]any{"status": c.Status, "sign_url": nilIfEmpty(c.SignURL)})
		return nil
	})))
}

// startSigning starts the e-sign flow with the borrower's verified name,
// ID number and phone: the phone is the one operator three-factor checked
// with that identity (mysql.KYC keeps it from changing once verified).
func startSigning(ctx context.Context, a *app.App, l loan.Loan, c mysql.Contract) (mysql.Contract, error) {
	k := mysql.KYC{DB: a.DB}
	id, err := k.Identity(ctx, l.UserID)
	if err != nil {
		return c, err
	}
	st, err := k.State(ctx, l.UserID)
	if err != nil {
		return c, err
	}
	if st.Identity != "verified" || st.PhoneEnc == "" {
		return c, &apierr.Error{Code: apierr.FailedPrecondition, Reason: "identity_required", Message: "verify your identity first"}
	}
	name, number, err := decrypted(ctx, a, id)
	if err != nil {
		return c, err
	}
	phone, err := a.Vault.Decrypt(ctx, pii.FieldPhone, st.PhoneEnc)
	if err != nil {
		return c, err
	}
	flow, err := a.Signer.StartSigning(ctx, contract.SignRequest{ContractNo: fmt.Sprintf("WXL%010d", l.ID),
		FileName: fmt.Sprintf("借款合同-WXL%010d.pdf", l.ID), PDFOrText: []byte(c.Document), SignerName: name, SignerMobile: phone,
		SignerIDNumber: number, Deadline: a.Wall.Now().Add(24 * time.Hour), UserData: fmt.Sprintf("contract:%d", c.ID)})
	if err != nil {
		return c, err
	}
	if _, err := (mysql.Contracts{DB: a.DB}).StartSigning(ctx, c.ID, flow.FlowID, flow.SignURL); err != nil {
		return c, err
	}
	c, _, err = mysql.Contracts{DB: a.DB}.ByLoan(ctx, l.ID)
	return c, err
}

func ownLoan(r *http.Request, a *app.App) (loan.Loan, error) {
	id, err := pathID(r)
	if err != nil {
		return loan.Loan{}, err
	}
	return mysql.Loans{DB: a.DB}.Get(r.Context(), id, SessionFrom(r.Context()).UserID)
}
