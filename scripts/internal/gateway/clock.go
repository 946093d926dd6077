package gateway

import (
	"errors"
	"net/http"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/scf"
)

// ClockEnv names the business clock's file in every function's
// environment (app.Config.BusinessClockFile).
const ClockEnv = "WXLEND_BUSINESS_CLOCK_FILE"

// clockState is the answer of GET and POST /_local/clock.
type clockState struct {
	Now          time.Time    `json:"now"`
	BusinessDate lending.Date `json:"business_date"` // Asia/Shanghai
}

func stateOf(t time.Time) clockState {
	return clockState{Now: t, BusinessDate: lending.ShanghaiDate(t)}
}

// ClockHandler serves the local business clock: GET answers {now,
// business_date}; POST {"now": "<RFC 3339>"} moves it forward and answers
// the same. A malformed body or time, or a time before the current business
// time, is 400 invalid_argument with the field and reason, and nothing
// changes.
func ClockHandler(c *clock.Shared) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_local/clock", func(w http.ResponseWriter, r *http.Request) {
		scf.WriteJSON(w, http.StatusOK, stateOf(c.Now()))
	})
	mux.HandleFunc("POST /_local/clock", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			Now *string `json:"now"`
		}
		if err := scf.DecodeJSON(r, &in); err != nil {
			scf.WriteError(w, r, err)
			return
		}
		if in.Now == nil {
			scf.WriteError(w, r, apierr.Invalid("now", "required", "now is required (RFC 3339)"))
			return
		}
		t, err := time.Parse(time.RFC3339Nano, *in.Now)
		if err != nil {
			scf.WriteError(w, r, apierr.Invalid("now", "malformed", "now must be an RFC 3339 time, e.g. 2026-12-31T09:00:00+08:00"))
			return
		}
		if err := c.Set(t); errors.Is(err, clock.ErrBackwards) {
			scf.WriteError(w, r, apierr.Invalid("now", "backwards", "the business clock only moves forward; it is "+c.Now().Format(time.RFC3339)))
			return
		} else if err != nil {
			scf.WriteError(w, r, err)
			return
		}
		scf.WriteJSON(w, http.StatusOK, stateOf(c.Now()))
	})
	return mux
}
