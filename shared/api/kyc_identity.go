package api

import (
	"context"
	"net/http"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/kyc"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/scf"
)

type identityInput struct {
	name   pii.Name
	number pii.IDNumber
}

// parseIdentity validates before anything is called or stored: malformed
// input is invalid_argument, under 18 is failed_precondition.
func parseIdentity(r *http.Request, a *app.App) (identityInput, error) {
	var in struct {
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
	}
	if err := scf.DecodeJSON(r, &in); err != nil {
		return identityInput{}, err
	}
	name, err := pii.ParseName(in.Name)
	if err != nil {
		return identityInput{}, err
	}
	number, err := pii.ParseIDNumber(in.IDNumber, pii.DateOf(a.Clock.Now()))
	if err != nil {
		return identityInput{}, err
	}
	if err := pii.CheckAdult(number.AgeOn(pii.DateOf(a.Clock.Now()))); err != nil {
		return identityInput{}, err
	}
	return identityInput{name: name, number: number}, nil
}

// KYCIdentity is kyc-identity (POST /v1/kyc/identity {name, id_number},
// signed): two-factor (name + ID) and operator three-factor (with the bound
// phone) through FaceID. One real person holds at most one account: an ID
// number already verified on another account is `conflict`, found by blind
// index before any paid call. Outcomes are answered as status; provider
// failures and timeouts are `unavailable` and change nothing.
func KYCIdentity(a *app.App) http.Handler {
	return Route("POST /v1/kyc/identity", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		in, err := parseIdentity(r, a)
		if err != nil {
			return err
		}
		if err := requireConsents(r, a, consent.StepIdentity); err != nil {
			return err
		}
		ctx, userID := r.Context(), SessionFrom(r.Context()).UserID
		status, err := verifyIdentity(ctx, a, userID, in)
		if err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]string{"status": status,
			"name_masked": in.name.Masked(), "id_number_masked": in.number.Masked()})
		return nil
	})))
}

func verifyIdentity(ctx context.Context, a *app.App, userID int64, in identityInput) (string, error) {
	store := mysql.KYC{DB: a.DB}
	st, err := store.State(ctx, userID)
	if err != nil {
		return "", err
	}
	if st.PhoneEnc == "" {
		return "", &apierr.Error{Code: apierr.FailedPrecondition, Reason: "phone_required", Message: "bind your phone number first"}
	}
	idx := pii.BlindIndex(a.Cfg.PIIIndexKey, pii.FieldIDNumber, in.number.Plain())
	if owner, found, err := store.IdentityOwner(ctx, idx); err != nil || found {
		if found && owner == userID {
			return "verified", nil
		}
		if found {
			return "", mysql.ErrIdentityTaken
		}
		return "", err
	}
	if st.Identity == "verified" {
		return "", &apierr.Error{Code: apierr.Conflict, Reason: "identity_set", Message: "this account already has a verified identity"}
	}
	if err := checkBudget(ctx, a, userID, "identity"); err != nil {
		return "", err
	}
	phone, err := a.Vault.Decrypt(ctx, pii.FieldPhone, st.PhoneEnc)
	if err != nil {
		return "", err
	}
	check, err := a.Verifier.VerifyIdentity(ctx, in.name.Plain(), in.number.Plain())
	if err != nil {
		return "", err
	}
	recordCheck(ctx, a, userID, "identity", check)
	if check.Outcome != kyc.Match {
		return kycStatus(check), nil
	}
	three, err := a.Verifier.VerifyPhone(ctx, in.name.Plain(), in.number.Plain(), phone)
	if err != nil {
		return "", err
	}
	recordCheck(ctx, a, userID, "phone", three)
	if three.Outcome != kyc.Match {
		return "phone_" + kycStatus(three), nil
	}
	return "verified", saveIdentity(ctx, a, userID, in, idx, pii.BlindIndex(a.Cfg.PIIIndexKey, pii.FieldPhone, phone))
}

// saveIdentity stores the identity, bound to the phone three-factor checked
// (phoneIdx): a phone changed meanwhile saves nothing (failed_precondition).
func saveIdentity(ctx context.Context, a *app.App, userID int64, in identityInput, idx, phoneIdx []byte) error {
	name, err := seal(ctx, a, pii.FieldName, in.name.Plain(), in.name.Masked())
	if err != nil {
		return err
	}
	number, err := seal(ctx, a, pii.FieldIDNumber, in.number.Plain(), in.number.Masked())
	if err != nil {
		return err
	}
	number.Index = idx
	return mysql.KYC{DB: a.DB}.SaveIdentity(ctx, userID, phoneIdx, name, number, a.Clock.Now())
}
