package monitor

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
)

// Callback routes, as counted in callback_refusals.
const (
	RouteWxpayTransaction = "notify-wxpay-transaction"
	RouteWxpayRefund      = "notify-wxpay-refund"
	RouteWxpayTransfer    = "notify-wxpay-transfer"
	RouteESS              = "notify-ess"
)

// countTimeout bounds the counting: a slow database must not hold the
// answer to the caller.
const countTimeout = time.Second

// Refusals counts refused callbacks (table callback_refusals).
type Refusals struct {
	DB  *sql.DB // nil counts nothing (a handler built without a database)
	Log *slog.Logger
}

// Count adds one refusal of route for reason in now's business hour. It
// is best effort: a failure is logged and never changes the answer, and
// it does not wait on the caller's context (a client gone must still be
// counted).
func (r Refusals) Count(ctx context.Context, now time.Time, route, reason string) {
	if r.DB == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), countTimeout)
	defer cancel()
	hour := now.In(lending.Shanghai).Truncate(time.Hour)
	if err := (mysql.CallbackRefusals{DB: r.DB}).Add(ctx, route, reason, hour, now); err != nil && r.Log != nil {
		r.Log.WarnContext(ctx, "callback refusal not counted", "route", route, "reason", reason, "error", err.Error())
	}
}

// refusals reports the last full hour's refusals per route and reason,
// and alerts for each route above the threshold (once an hour).
func (r *recorder) refusals(hour time.Time) {
	counts, err := mysql.CallbackRefusals{DB: r.d.DB}.InHour(r.ctx, hour)
	if err != nil {
		r.fail(err)
		return
	}
	perRoute := map[string]int64{}
	var routes []string
	for _, c := range counts {
		r.put(mysql.Metric{Name: "callback_refusals", Labels: "route=" + c.Route + ",reason=" + c.Reason, Period: "hour", Start: hour, Value: c.N}, nil)
		if _, seen := perRoute[c.Route]; !seen {
			routes = append(routes, c.Route)
		}
		perRoute[c.Route] += c.N
	}
	for _, route := range routes {
		n := perRoute[route]
		r.put(mysql.Metric{Name: "callback_refusals", Labels: "route=" + route, Period: "hour", Start: hour, Value: n}, nil)
		if r.d.RefusalsPerHour > 0 && n > r.d.RefusalsPerHour {
			body := fmt.Sprintf("%s refused %d callbacks in the hour from %s (threshold %d)", route, n,
				hour.Format("2006-01-02 15:04"), r.d.RefusalsPerHour)
			r.fail(r.d.Alert.Raise(r.ctx, "callback_refusals:"+route, "回调拒收过多 (callback refusals)", body))
		}
	}
}
