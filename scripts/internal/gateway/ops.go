package gateway

import (
	"database/sql"
	"net/http"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/ops"
)

// opsLimit bounds GET /_local/ops.
const opsLimit = 500

// opsHTTP is GET /_local/ops[?state=open&kind=recon_break]: the operations
// queue (ops_items), newest first, until the back office works it.
func (g *Gateway) opsHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	state, kind := q.Get("state"), ops.Kind(q.Get("kind"))
	if state != "" && state != ops.Open && state != ops.Resolved && state != ops.Dismissed {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "state must be open, resolved or dismissed"})
		return
	}
	g.withDB(w, r, func(db *sql.DB) (any, error) {
		items, err := mysql.OpsItems{DB: db}.List(r.Context(), state, kind, opsLimit)
		if err != nil {
			return nil, err
		}
		out := []map[string]any{}
		for _, it := range items {
			out = append(out, map[string]any{"id": it.ID, "kind": it.Kind, "subject_type": it.SubjectType, "subject_id": it.SubjectID,
				"dedupe_key": it.DedupeKey, "amount_fen": it.AmountFen, "moves_money": it.MovesMoney, "reason": it.Reason,
				"evidence": it.Evidence, "state": it.State, "created_at": businessTime(it.CreatedAt),
				"resolved_at": businessTime(it.ResolvedAt), "resolved_by": it.ResolvedBy, "resolution": it.Resolution})
		}
		return map[string]any{"items": out}, nil
	})
}

// withDB opens the stack's database, answers what fn returns as JSON
// (500 with the error otherwise) and closes it.
func (g *Gateway) withDB(w http.ResponseWriter, r *http.Request, fn func(*sql.DB) (any, error)) {
	db, err := g.openDB(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	defer db.Close()
	out, err := fn(db)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// businessTime is t in Shanghai (RFC 3339), "" for the zero time.
func businessTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(lending.Shanghai).Format(time.RFC3339)
}

// reconHTTP is GET /_local/recon?date=YYYY-MM-DD: job-reconcile's report
// of that bill date per merchant account.
func (g *Gateway) reconHTTP(w http.ResponseWriter, r *http.Request) {
	date := r.URL.Query().Get("date")
	if _, err := time.Parse(time.DateOnly, date); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "date must be YYYY-MM-DD"})
		return
	}
	g.withDB(w, r, func(db *sql.DB) (any, error) {
		runs, err := mysql.Recon{DB: db}.OnDate(r.Context(), date)
		if err != nil {
			return nil, err
		}
		out := []map[string]any{}
		for _, x := range runs {
			rate := 0.0
			if x.TotalFen > 0 {
				rate = float64(x.UnexplainedFen) / float64(x.TotalFen) // a ratio for people, not money
			}
			out = append(out, map[string]any{"mch_id": x.MchID, "date": x.BillDate, "state": x.State, "attempts": x.Attempts,
				"last_error": x.LastError, "lines": x.Lines, "matched": x.Matched, "auto_resolved": x.AutoResolved,
				"open_breaks": x.OpenBreaks, "total_fen": x.TotalFen, "unexplained_fen": x.UnexplainedFen, "error_rate": rate,
				"bill_net_fen": x.BillNetFen, "ledger_net_fen": x.LedgerNetFen})
		}
		return map[string]any{"date": date, "accounts": out}, nil
	})
}

// alertsLimit bounds GET /_local/alerts.
const alertsLimit = 200

// alertsHTTP is GET /_local/alerts: the alerts raised (alerts table),
// newest first, with how their delivery to the WeCom robot went, and what
// the local robot received.
func (g *Gateway) alertsHTTP(w http.ResponseWriter, r *http.Request) {
	g.withDB(w, r, func(db *sql.DB) (any, error) {
		as, err := mysql.Alerts{DB: db}.List(r.Context(), alertsLimit)
		if err != nil {
			return nil, err
		}
		out := []map[string]any{}
		for _, a := range as {
			out = append(out, map[string]any{"id": a.ID, "name": a.Name, "dedupe_key": a.DedupeKey, "severity": a.Severity,
				"title": a.Title, "body": a.Body, "delivery": a.Delivery, "delivery_error": a.DeliveryError,
				"created_at": businessTime(a.CreatedAt)})
		}
		return map[string]any{"alerts": out, "robot_messages": g.Robot.Messages()}, nil
	})
}
