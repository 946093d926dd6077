package api

import (
	"net/http"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
)

// ConsentAccept is consent-accept (POST /v1/consents {agreement, version},
// signed). Only the current version of a known agreement can be accepted;
// the record keeps who, which text (by SHA-256), when, IP, user agent and
// request id. Accepting twice returns the first record.
func ConsentAccept(a *app.App) http.Handler {
	return Route("POST /v1/consents", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Agreement string `json:"agreement"`
			Version   int    `json:"version"`
		}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		cur, ok := consent.Current(in.Agreement)
		if !ok {
			return apierr.Invalid("agreement", "unknown", "no such agreement")
		}
		if in.Version != cur.Version {
			return &apierr.Error{Code: apierr.FailedPrecondition, Field: "version", Reason: "outdated_version",
				Message: "please read and accept the current version of this agreement"}
		}
		ctx := r.Context()
		rec, err := mysql.Consents{DB: a.DB}.Accept(ctx, consent.Record{
			UserID: SessionFrom(ctx).UserID, Code: cur.Code, Version: cur.Version, SHA256: cur.SHA256,
			AcceptedAt: a.Clock.Now(), ClientIP: ClientIP(r), UserAgent: r.UserAgent(), RequestID: scf.RequestID(ctx),
		})
		if err != nil {
			return err
		}
		scf.WriteJSON(w, http.StatusOK, map[string]any{"consent_id": rec.ID, "accepted_at": rec.AcceptedAt.Format(time.RFC3339)})
		return nil
	})))
}

// Agreements is agreement-list (GET /v1/agreements): the current version of
// every agreement with its text, so the mini-program shows exactly what is
// accepted. Public (it must be readable before sign-in), rate limited.
func Agreements(a *app.App) http.Handler {
	return Route("GET /v1/agreements", Func(func(w http.ResponseWriter, r *http.Request) error {
		if err := a.Auth.CheckRate(r.Context(), "ip", ClientIP(r), scf.RequestID(r.Context())); err != nil {
			return err
		}
		var out []map[string]any
		seen := map[string]bool{}
		for _, ag := range consent.Registry() {
			if seen[ag.Code] {
				continue
			}
			seen[ag.Code] = true
			cur, _ := consent.Current(ag.Code)
			out = append(out, map[string]any{"agreement": cur.Code, "version": cur.Version, "title": cur.Title, "sha256": cur.SHA256, "text": cur.Text})
		}
		scf.WriteJSON(w, http.StatusOK, map[string]any{"agreements": out})
		return nil
	}))
}

// requireConsents refuses a step whose agreements the borrower has not
// accepted (failed_precondition naming the first missing one).
func requireConsents(r *http.Request, a *app.App, step consent.Step) error {
	accepted, err := mysql.Consents{DB: a.DB}.Accepted(r.Context(), SessionFrom(r.Context()).UserID)
	if err != nil {
		return err
	}
	if miss := consent.Missing(accepted, step); len(miss) > 0 {
		return &apierr.Error{Code: apierr.FailedPrecondition, Field: "agreement", Reason: "consent_required",
			Message: "please accept the agreement " + miss[0] + " first"}
	}
	return nil
}
