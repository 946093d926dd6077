package gateway

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/scripts/internal/wxpaylocal"
	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
	"github.com/wxlend/wxlend/shared/wechat/wechattest"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// Handler serves everything on one address: the declared routes, the
// /_local control endpoints, the Tencent Cloud API fake (POST / with
// X-TC-Action) and the WeChat API fake at its real paths. Anything else is
// answered in the api.md envelope with a request id (scf.Routes): 405
// method_not_allowed with Allow on a known path, else 404 not_found.
func (g *Gateway) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, r := range g.Manifest.Routes() {
		mux.Handle(r.MuxPattern(), g.route(r.Function))
	}
	mux.HandleFunc("GET /_local/health", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"status": "ok", "functions": g.Manifest.Names(),
			"wxpay_merchants": []map[string]string{{"mch_id": wxpaytest.DevMchID, "api": "http://" + g.cfg.Addr},
				{"mch_id": wxpaytest.DevMchID2, "api": g.WxPay2URL}}})
	})
	mux.HandleFunc("GET /_local/stats", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, g.Stats())
	})
	mux.HandleFunc("POST /_local/timers/{function}", g.fireTimerHTTP)
	clk := ClockHandler(g.Clock)
	mux.Handle("GET /_local/clock", clk)
	mux.Handle("POST /_local/clock", clk)
	mux.HandleFunc("GET /_local/ledger", g.ledgerHTTP)
	mux.HandleFunc("GET /_local/messages", g.messagesHTTP)
	mux.HandleFunc("POST /_local/invoke/{function}", g.invokeHTTP)
	mux.Handle("POST /_local/faceid/{biz_token}", g.faceDone)
	mux.Handle("POST /_local/ess/sign/{flow_id}", g.ESS)
	mux.Handle(wxpaytest.APIPrefix, g.WxPay.Handler())
	mux.Handle(wxpaylocal.Prefix, wxpaylocal.Handler(g.WxPay, g.WxPay2)) // ?mch_id= picks, a transfer number finds its account
	wx := g.WeChat.Handler()
	for _, p := range wechattest.Paths {
		mux.Handle(p, wx)
	}
	mux.HandleFunc("POST /{$}", func(w http.ResponseWriter, r *http.Request) {
		if tcloudtest.IsAPIRequest(r) {
			g.TCloud.ServeHTTP(w, r)
			return
		}
		scf.WriteError(w, r, apierr.New(apierr.NotFound, "no such endpoint"))
	})
	return scf.Routes(mux)
}

// maxEventBytes is SCF's bound on a synchronous invocation's event.
const maxEventBytes = 6 << 20

// route turns an HTTP request into an API gateway event for function and
// the function's APIGatewayResponse back into HTTP.
func (g *Gateway) route(function string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxEventBytes+1))
		if errors.Is(err, os.ErrDeadlineExceeded) {
			scf.WriteError(w, r, apierr.Invalid("body", "timeout", "request body was not received in time"))
			return
		}
		if err != nil {
			scf.WriteError(w, r, apierr.Invalid("body", "unreadable", "request body could not be read"))
			return
		}
		if len(body) > maxEventBytes {
			scf.WriteError(w, r, apierr.Invalid("body", "too_large", "request body is too large"))
			return
		}
		rid := scf.RequestID(r.Context())
		if rid == "" {
			rid = scf.NewID()
		}
		ip, _, _ := net.SplitHostPort(r.RemoteAddr)
		if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" && isLoopback(ip) {
			ip = strings.TrimSpace(strings.Split(fwd, ",")[0]) // local tests simulate many clients
		}
		ev, _ := json.Marshal(scf.EventFromRequest(r, body, rid, ip))
		out, err := g.Invoke(r.Context(), function, rid, ev)
		if err != nil {
			g.cfg.Log.Error("invoke failed", "function", function, "request_id", rid, "error", err)
			writeGatewayError(w, rid, err)
			return
		}
		var resp events.APIGatewayResponse
		if err := json.Unmarshal(out, &resp); err != nil || resp.StatusCode == 0 {
			writeGatewayError(w, rid, errors.New("function did not return an API gateway response"))
			return
		}
		writeResponse(w, resp)
	})
}

func writeResponse(w http.ResponseWriter, resp events.APIGatewayResponse) {
	for k, v := range resp.Headers {
		w.Header().Set(k, v)
	}
	body := []byte(resp.Body)
	if resp.IsBase64Encoded {
		if b, err := base64.StdEncoding.DecodeString(resp.Body); err == nil {
			body = b
		}
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(body)
}

// writeGatewayError answers like the platform does when the function
// itself failed (an error, a crash: ErrExited, not retried): 502 internal,
// the client learns nothing about why; a timeout is 504 unavailable.
func writeGatewayError(w http.ResponseWriter, rid string, err error) {
	status, code := http.StatusBadGateway, "internal"
	if errors.Is(err, ErrTimeout) {
		status, code = http.StatusGatewayTimeout, "unavailable"
	}
	w.Header().Set("X-Request-Id", rid)
	writeJSON(w, status, map[string]string{"code": code, "message": "the service failed to answer", "request_id": rid})
}

func (g *Gateway) fireTimerHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("function")
	out, err := g.FireTimer(r.Context(), name, time.Now())
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"function": name, "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"function": name, "result": json.RawMessage(orNull(out))})
}

func (g *Gateway) invokeHTTP(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("function")
	body, _ := io.ReadAll(io.LimitReader(r.Body, 6<<20))
	if len(body) == 0 {
		body = []byte("{}")
	}
	out, err := g.Invoke(r.Context(), name, scf.NewID(), body)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"function": name, "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"function": name, "result": json.RawMessage(orNull(out))})
}

func orNull(b []byte) []byte {
	if len(b) == 0 || !json.Valid(b) {
		return []byte("null")
	}
	return b
}

func isLoopback(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && p.IsLoopback()
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// ledgerHTTP reports every ledger balance and the verifier's findings of
// the functions' database (for scripts/demo and people).
func (g *Gateway) ledgerHTTP(w http.ResponseWriter, r *http.Request) {
	db, err := g.openDB(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	defer db.Close()
	balances, err := mysql.Ledger{DB: db}.Balances(r.Context(), 1000)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	violations, err := mysql.Ledger{DB: db}.Verify(r.Context())
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"balances": balances, "violations": violations})
}

// openDB opens the local stack's database for a /_local endpoint.
func (g *Gateway) openDB(ctx context.Context) (*sql.DB, error) {
	dsn := g.cfg.Env["MYSQL_DSN"]
	if dsn == "" {
		dsn = DevEnv(g.cfg.Addr)["MYSQL_DSN"]
	}
	return mysql.Open(ctx, dsn, 2)
}
