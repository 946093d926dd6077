package gateway

import (
	"net/http"
	"strconv"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
)

// messagesLimit bounds GET /_local/messages.
const messagesLimit = 200

// messagesHTTP is GET /_local/messages[?user_id=N]: the reminders job-remind
// recorded (the messages table, the audit the job itself writes), newest
// first: channel, template, masked recipient and parameters, status, the
// provider's code and the business time of the last attempt.
func (g *Gateway) messagesHTTP(w http.ResponseWriter, r *http.Request) {
	var userID int64
	if v := r.URL.Query().Get("user_id"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "user_id must be a positive integer"})
			return
		}
		userID = n
	}
	db, err := g.openDB(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
		return
	}
	defer db.Close()
	ms, err := mysql.Messages{DB: db}.List(r.Context(), userID, messagesLimit)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": err.Error()})
		return
	}
	out := []map[string]any{}
	for _, m := range ms {
		out = append(out, map[string]any{"id": m.ID, "user_id": m.UserID, "loan_id": m.LoanID, "installment": m.Seq, "kind": m.Kind,
			"channel": m.Channel, "template": m.Template, "template_id": m.TemplateID, "recipient": m.Recipient, "params": m.Params,
			"status": m.Status, "result": m.Result, "attempts": m.Attempts, "business_date": m.BusinessDate,
			"business_time": m.SentAt.In(lending.Shanghai).Format(time.RFC3339)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": out})
}
