package api

import (
	"net/http"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/auth"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

// Login is auth-login (POST /v1/auth/login): {code, captcha?} -> session.
// It is the one borrower POST without a signature (there is no sign_key
// yet), so it is rate limited per IP before anything else; after repeated
// failed sign-ins from the IP it needs a captcha (auth.SignIn).
func Login(a *app.App) http.Handler {
	return Route("POST /v1/auth/login", Func(func(w http.ResponseWriter, r *http.Request) error {
		ctx := r.Context()
		if err := a.Auth.CheckRate(ctx, "ip", ClientIP(r), scf.RequestID(ctx)); err != nil {
			return err
		}
		var in struct {
			Code    string              `json:"code"`
			Captcha *auth.CaptchaAnswer `json:"captcha"`
		}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		res, err := a.Auth.SignIn(ctx, in.Code, ClientIP(r), scf.RequestID(ctx), in.Captcha)
		if err != nil {
			return err
		}
		a.Log.InfoContext(scf.WithUserID(ctx, res.UserID), "login", "new_user", res.NewUser)
		scf.WriteJSON(w, http.StatusOK, res)
		return nil
	}))
}

// Logout is auth-logout (POST /v1/auth/logout, signed): revokes the session.
func Logout(a *app.App) http.Handler {
	return Route("POST /v1/auth/logout", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct{}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		if err := a.Auth.Logout(r.Context(), SessionFrom(r.Context())); err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]string{"status": "signed_out"})
		return nil
	})))
}

// KYCStatus is the borrower's verification level in GET /v1/me.
type KYCStatus struct {
	Identity string `json:"identity"`
	Liveness string `json:"liveness"`
	BankCard string `json:"bank_card"`
}

// Me is user-me (GET /v1/me): masked phone, KYC levels and the credit
// line (null until one is granted).
func Me(a *app.App) http.Handler {
	return Route("GET /v1/me", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		ctx, userID := r.Context(), SessionFrom(r.Context()).UserID
		k, err := mysql.KYC{DB: a.DB}.State(ctx, userID)
		if err != nil {
			return err
		}
		out := map[string]any{
			"user_id":      userID,
			"phone_masked": nilIfEmpty(k.PhoneMasked),
			"kyc":          KYCStatus{Identity: k.Identity, Liveness: k.Liveness, BankCard: k.BankCard},
			"credit_line":  nil,
		}
		line, err := mysql.CreditLines{DB: a.DB}.Get(ctx, userID)
		if err == nil {
			out["credit_line"] = lineView(line)
		} else if apierr.CodeOf(err) != apierr.NotFound {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, out)
		return nil
	})))
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// lineView is api.md's credit line.
func lineView(c loan.CreditLine) map[string]any {
	return map[string]any{"limit_fen": c.LimitFen, "used_fen": c.UsedFen, "available_fen": c.AvailableFen(),
		"annual_rate_bp": c.AnnualRateBP, "status": c.Status, "expires_at": c.ExpiresAt.Format(time.RFC3339)}
}
