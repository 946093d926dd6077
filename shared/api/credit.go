package api

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/auth"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/outbox"
	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/scf"
)

// CreditApply is credit-apply (POST /v1/credit/applications {device,
// captcha}, signed): checks the captcha ticket (auth.CheckCaptcha, before
// anything is stored), stores the application with the device facts and hands it to
// the risk chain (risk-antifraud, asynchronously), answering 202 at once.
// Needs verified identity and liveness and the credit-query consent. A
// borrower with an application in progress gets that one back.
func CreditApply(a *app.App) http.Handler {
	return Route("POST /v1/credit/applications", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Device  risk.DeviceSignals  `json:"device"`
			Captcha *auth.CaptchaAnswer `json:"captcha"`
		}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		if err := in.Device.Validate(); err != nil {
			return apierr.Invalid("device.fingerprint_id", "format", "device fingerprint must be 16-128 characters of [A-Za-z0-9_-]")
		}
		if err := a.Auth.CheckCaptcha(r.Context(), in.Captcha, ClientIP(r)); err != nil {
			return err
		}
		if err := requireConsents(r, a, consent.StepCredit); err != nil {
			return err
		}
		ctx, userID := r.Context(), SessionFrom(r.Context()).UserID
		st, err := mysql.KYC{DB: a.DB}.State(ctx, userID)
		if err != nil {
			return err
		}
		if st.Identity != "verified" || st.Liveness != "verified" {
			return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "kyc_required", Message: "complete identity and face verification first"}
		}
		apps := mysql.Applications{DB: a.DB}
		if cur, ok, err := apps.Pending(ctx, userID); err != nil || ok {
			if ok {
				scf.WriteJSON(w, http.StatusAccepted, map[string]any{"application_id": cur.ID, "status": "pending"})
			}
			return err
		}
		now := a.Clock.Now()
		if err := (mysql.RiskEvents{DB: a.DB}).Record(ctx, userID, in.Device.FingerprintID, ClientIP(r), nil, nil, now); err != nil {
			return err
		}
		dev, _ := json.Marshal(in.Device)
		id, err := apps.Create(ctx, mysql.Application{UserID: userID, ProductCode: DefaultProduct, Device: dev, ClientIP: ClientIP(r)},
			mysql.Message{Function: "risk-antifraud"}, now)
		if err != nil {
			return err
		}
		outbox.DispatchNow(ctx, a, fmt.Sprintf("risk:%d:risk-antifraud", id))
		scf.WriteJSON(w, http.StatusAccepted, map[string]any{"application_id": id, "status": "pending"})
		return nil
	})))
}

// CreditApplicationGet is credit-application-get (GET
// /v1/credit/decisions/{id}): the borrower's own application, with the
// borrower-safe reasons of a decline or review.
func CreditApplicationGet(a *app.App) http.Handler {
	return Route("GET /v1/credit/decisions/{id}", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		app, err := mysql.Applications{DB: a.DB}.Get(r.Context(), id, SessionFrom(r.Context()).UserID)
		if err != nil {
			return err
		}
		var reasons []struct {
			Code string `json:"code"`
			Text string `json:"text"`
		}
		_ = json.Unmarshal(app.Reasons, &reasons)
		scf.WriteJSON(w, http.StatusOK, map[string]any{"application_id": app.ID, "status": app.Status, "limit_fen": app.LimitFen,
			"annual_rate_bp": app.AnnualRateBP, "reasons": reasons})
		return nil
	})))
}

// CreditLineGet is credit-line-get (GET /v1/credit/line).
func CreditLineGet(a *app.App) http.Handler {
	return Route("GET /v1/credit/line", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		line, err := mysql.CreditLines{DB: a.DB}.Get(r.Context(), SessionFrom(r.Context()).UserID)
		if err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, lineView(line))
		return nil
	})))
}
