package api

import (
	"net/http"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/backoffice"
	"github.com/wxlend/wxlend/shared/scf"
)

// Export is user-export (GET /v1/me/export, signed session): the
// borrower's own personal data as JSON (PIPL Art. 45), in clear, to the
// borrower only.
func Export(a *app.App) http.Handler {
	return Route("GET /v1/me/export", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		out, err := backoffice.Service{A: a}.ExportData(r.Context(), SessionFrom(r.Context()).UserID)
		if err != nil {
			return err
		}
		w.Header().Set("Cache-Control", "no-store")
		scf.WriteJSON(w, http.StatusOK, out)
		return nil
	})))
}

// Close is user-close (POST /v1/me/close {confirm: true}, signed): closes
// the account once every loan is settled (PIPL Art. 47). Personal
// information is erased; the records the law requires are kept, and the
// answer says which and why. The session ends with the account.
func Close(a *app.App) http.Handler {
	return Route("POST /v1/me/close", Borrower(a, Func(func(w http.ResponseWriter, r *http.Request) error {
		var in struct {
			Confirm bool `json:"confirm"`
		}
		if err := scf.DecodeJSON(r, &in); err != nil {
			return err
		}
		if !in.Confirm {
			return apierr.Invalid("confirm", "required", "confirm must be true to close the account")
		}
		ctx := r.Context()
		c, err := backoffice.Service{A: a}.CloseAccount(ctx, SessionFrom(ctx).UserID, scf.RequestID(ctx))
		if err != nil {
			return err
		}
		a.Log.InfoContext(ctx, "account closed")
		scf.WriteJSON(w, http.StatusOK, map[string]any{"status": "closed", "erased": c.Erased, "kept": c.Kept, "retention_reason": c.RetentionReason})
		return nil
	})))
}
