package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/auth"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/mysql"
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
		began := time.Now()
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
		apps := mysql.Applications{DB: a.DB}
		st, err := apps.ApplyState(ctx, userID)
		if err != nil {
			return err
		}
		if st.Identity != "verified" || st.Liveness != "verified" {
			return &apierr.Error{Code: apierr.FailedPrecondition, Reason: "kyc_required", Message: "complete identity and face verification first"}
		}
		if st.PendingID != 0 {
			scf.WriteJSON(w, http.StatusAccepted, map[string]any{"application_id": st.PendingID, "status": "pending"})
			return nil
		}
		dev, _ := json.Marshal(in.Device)
		checked := time.Now()
		id, err := apps.Create(ctx, mysql.Application{UserID: userID, ProductCode: DefaultProduct, Device: dev, ClientIP: ClientIP(r)},
			in.Device.FingerprintID, a.Clock.Now())
		if err != nil {
			return err
		}
		written := time.Now()
		// The application row is the chain's outbox: a lost invocation is
		// re-driven by job-risk-redrive.
		if err := a.Invoker.InvokeAsync(ctx, "risk-antifraud", map[string]int64{"application_id": id}); err != nil {
			a.Log.WarnContext(ctx, "risk-antifraud invoke failed, the re-drive will", "application_id", id, "error", err.Error())
		}
		// Where the handler's time went (scripts/bench risk reads it).
		a.Log.DebugContext(ctx, "credit apply phases", "application_id", id, "checks_us", checked.Sub(began).Microseconds(),
			"write_us", written.Sub(checked).Microseconds(), "invoke_us", time.Since(written).Microseconds())
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
