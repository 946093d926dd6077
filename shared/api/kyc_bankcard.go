package api

import (
	"net/http"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/kyc"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/scf"
)

// BankCard is kyc-bank-card (POST /v1/kyc/bank-card {card_number, phone},
// signed): bank-card four-factor (name, ID, bank-reserved phone, card)
// through FaceID. Needs the financial-account consent and a verified
// identity.
func BankCard(a *app.App) http.Handler {
	return Route("POST /v1/kyc/bank-card", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			CardNumber string `json:"card_number"`
			Phone      string `json:"phone"`
		}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		card, err := pii.ParseBankCard(in.CardNumber)
		if err != nil {
			return err
		}
		phone, err := pii.ParsePhone(in.Phone)
		if err != nil {
			return err
		}
		if err := requireConsents(r, a, consent.StepBankCard); err != nil {
			return err
		}
		ctx, userID := r.Context(), SessionFrom(r.Context()).UserID
		id, err := mysql.KYC{DB: a.DB}.Identity(ctx, userID)
		if err != nil {
			return err
		}
		if err := checkBudget(ctx, a, userID, "bank_card"); err != nil {
			return err
		}
		name, number, err := decrypted(ctx, a, id)
		if err != nil {
			return err
		}
		check, err := a.Verifier.VerifyBankCard(ctx, name, number, phone.Plain(), card.Plain())
		if err != nil {
			return err
		}
		recordCheck(ctx, a, userID, "bank_card", check)
		if check.Outcome == kyc.Match {
			if err := saveCard(r, a, userID, card, phone); err != nil {
				return err
			}
		}
		scf.WriteJSON(w, http.StatusOK, map[string]string{"status": kycStatus(check), "card_masked": card.Masked()})
		return nil
	})))
}

func saveCard(r *http.Request, a *app.App, userID int64, card pii.BankCard, phone pii.Phone) error {
	ctx := r.Context()
	c, err := seal(ctx, a, pii.FieldCardNumber, card.Plain(), card.Masked())
	if err != nil {
		return err
	}
	p, err := seal(ctx, a, "bank_cards.reserved_phone", phone.Plain(), phone.Masked())
	if err != nil {
		return err
	}
	return mysql.KYC{DB: a.DB}.SaveBankCard(ctx, userID, c, p, a.Clock.Now())
}
