package api

import (
	"net/http"
	"regexp"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/kyc"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

// LivenessStart is kyc-liveness-start (POST /v1/kyc/liveness {}, signed):
// a FaceID liveness session bound to the verified identity, so the face is
// compared with that ID's photo (人证合一). Needs the biometrics consent.
func LivenessStart(a *app.App) http.Handler {
	return Route("POST /v1/kyc/liveness", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct{}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		if err := requireConsents(r, a, consent.StepLiveness); err != nil {
			return err
		}
		ctx, userID := r.Context(), SessionFrom(r.Context()).UserID
		id, err := mysql.KYC{DB: a.DB}.Identity(ctx, userID)
		if err != nil {
			return err
		}
		if err := checkBudget(ctx, a, userID, "liveness"); err != nil {
			return err
		}
		name, number, err := decrypted(ctx, a, id)
		if err != nil {
			return err
		}
		l, err := a.Verifier.StartLiveness(ctx, name, number, "")
		if err != nil {
			return err
		}
		recordCheck(ctx, a, userID, "liveness", kyc.Check{Outcome: "started"})
		if err := (mysql.KYC{DB: a.DB}).StartLiveness(ctx, userID, l.BizToken, a.Clock.Now()); err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]string{"biz_token": l.BizToken, "url": l.URL})
		return nil
	})))
}

var bizTokenFormat = regexp.MustCompile(`^[A-Za-z0-9-]{8,128}$`)

// LivenessResult is kyc-liveness-result (GET /v1/kyc/liveness-results/{biz_token}):
// pending until the borrower finishes; verified only when FaceID says live
// and matching AND the session was bound to the borrower's own verified ID
// number; otherwise failed. Another borrower's token is not_found.
func LivenessResult(a *app.App) http.Handler {
	return Route("GET /v1/kyc/liveness-results/{biz_token}", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		tok := r.PathValue("biz_token")
		if !bizTokenFormat.MatchString(tok) {
			return apierr.New(apierr.NotFound, "liveness session not found")
		}
		ctx, userID := r.Context(), SessionFrom(r.Context()).UserID
		store := mysql.KYC{DB: a.DB}
		status, err := store.LivenessStatus(ctx, userID, tok)
		if err != nil || status != "pending" {
			if err == nil {
				scf.WriteJSON(w, http.StatusOK, map[string]string{"status": status})
			}
			return err
		}
		res, err := a.Verifier.LivenessResult(ctx, tok)
		if err != nil {
			return err
		}
		if !res.Done {
			scf.WriteJSON(w, http.StatusOK, map[string]string{"status": "pending"})
			return nil
		}
		id, err := store.Identity(ctx, userID)
		if err != nil {
			return err
		}
		_, number, err := decrypted(ctx, a, id)
		if err != nil {
			return err
		}
		status = "failed"
		if res.Passed && res.IDNumber == number {
			status = "verified"
		}
		recordCheck(ctx, a, userID, "liveness", kyc.Check{Outcome: kyc.Outcome(status), ProviderCode: res.ProviderCode, RequestID: res.RequestID})
		if err := store.FinishLiveness(ctx, userID, tok, status, res.ProviderCode, a.Clock.Now()); err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]string{"status": status})
		return nil
	})))
}
