package api

import (
	"context"
	"net/http"
	"regexp"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/kyc"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/scf"
)

// seal encrypts a validated value and computes its blind index; only the
// result goes to MySQL.
func seal(ctx context.Context, a *app.App, field, plain, masked string) (mysql.Sealed, error) {
	enc, err := a.Vault.Encrypt(ctx, field, plain)
	if err != nil {
		return mysql.Sealed{}, err
	}
	return mysql.Sealed{Enc: enc, Index: pii.BlindIndex(a.Cfg.PIIIndexKey, field, plain), Masked: masked}, nil
}

// PhoneBind is auth-phone (POST /v1/auth/phone {code}, signed): the
// getPhoneNumber button's code becomes the borrower's mainland number,
// stored encrypted. Needs the privacy policy. After identity verification
// the number is the one three-factor checked and e-signing uses, so
// another number is refused (failed_precondition, reason phone_locked);
// the same number again is answered as before.
func PhoneBind(a *app.App) http.Handler {
	return Route("POST /v1/auth/phone", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Code string `json:"code"`
		}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		if !loginCode.MatchString(in.Code) {
			return apierr.Invalid("code", "malformed", "code must be the getPhoneNumber code")
		}
		if err := requireConsents(r, a, consent.StepPhone); err != nil {
			return err
		}
		ctx := r.Context()
		raw, err := a.WeChat.PhoneNumber(ctx, in.Code)
		if err != nil {
			return err
		}
		phone, err := pii.ParsePhone(raw)
		if err != nil {
			return err
		}
		sealed, err := seal(ctx, a, pii.FieldPhone, phone.Plain(), phone.Masked())
		if err != nil {
			return err
		}
		if err := (mysql.KYC{DB: a.DB}).SetPhone(ctx, SessionFrom(ctx).UserID, sealed, a.Clock.Now()); err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]string{"phone_masked": phone.Masked()})
		return nil
	})))
}

var loginCode = regexp.MustCompile(`^[A-Za-z0-9._:\-]{1,128}$`)

// checkBudget bounds paid provider checks per user, step and day (a
// sliding 24 h window: Retry-After is when its oldest check leaves it).
func checkBudget(ctx context.Context, a *app.App, userID int64, step string) error {
	now := a.Wall.Now() // a rate window: wall time, like the stamps recordCheck writes
	n, oldest, err := mysql.KYC{DB: a.DB}.ChecksSince(ctx, userID, step, now.Add(-24*time.Hour))
	if err != nil {
		return err
	}
	if n >= a.Cfg.KYCDailyLimit {
		return &apierr.Error{Code: apierr.RateLimited, Reason: "kyc_attempts", RetryAfter: oldest.Add(24 * time.Hour).Sub(now),
			Message: "too many verification attempts today, try again tomorrow"}
	}
	return nil
}

// recordCheck keeps the provider answer for audit (no personal data).
func recordCheck(ctx context.Context, a *app.App, userID int64, step string, c kyc.Check) {
	if err := (mysql.KYC{DB: a.DB}).RecordCheck(ctx, userID, step, string(c.Outcome), c.ProviderCode, c.RequestID, a.Wall.Now()); err != nil {
		a.Log.ErrorContext(ctx, "record kyc check", "step", step, "error", err.Error())
	}
}

// kycStatus is the api.md answer of a factor check: verified, or the
// outcome the borrower can act on (mismatch, no_record, invalid).
func kycStatus(c kyc.Check) string {
	if c.Outcome == kyc.Match {
		return "verified"
	}
	return string(c.Outcome)
}

func decrypted(ctx context.Context, a *app.App, id mysql.Identity) (name, number string, err error) {
	if name, err = a.Vault.Decrypt(ctx, pii.FieldName, id.NameEnc); err != nil {
		return "", "", err
	}
	number, err = a.Vault.Decrypt(ctx, pii.FieldIDNumber, id.IDNumberEnc)
	return name, number, err
}
