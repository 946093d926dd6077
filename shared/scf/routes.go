package scf

import (
	"net/http"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Routes serves mux and answers what it has no pattern for in the api.md
// envelope instead of net/http's plain text: a path mux serves under other
// methods is 405 method_not_allowed with Allow listing them, anything else
// 404 not_found. Every answer has a request id (one is minted when the
// context has none, as in the local gateway).
func Routes(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if RequestID(r.Context()) == "" {
			r = r.WithContext(WithRequestID(r.Context(), ""))
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		// mux's own answer to a miss tells 404 from 405 (and has Allow).
		miss := newRecorder()
		h.ServeHTTP(miss, r)
		if miss.status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", miss.header.Get("Allow"))
			WriteError(w, r, apierr.New(apierr.MethodNotAllowed, "this endpoint does not accept the method"))
			return
		}
		WriteError(w, r, apierr.New(apierr.NotFound, "no such endpoint"))
	})
}
