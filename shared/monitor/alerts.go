// Package monitor is job-monitor and the alerts of every job: the numbers
// a lender watches (metrics.go), stored in metrics and written as
// structured log lines for CLS, and alerts to a WeCom group robot, each
// at most once an hour and recorded.
package monitor

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
)

// Sender delivers a markdown alert (wecom.Robot).
type Sender interface {
	Markdown(ctx context.Context, content string) error
}

// Alerter raises alerts.
type Alerter struct {
	DB    *sql.DB
	Clock clock.Clock
	Log   *slog.Logger
	Robot Sender // nil records without sending
}

// Raise records the alert name for the current business hour and, the
// first time only, sends it: the same alert goes out at most once an hour.
// A failed delivery is recorded, not retried (the next hour raises it
// again if it still holds).
func (a Alerter) Raise(ctx context.Context, name, title, body string) error {
	now := a.Clock.Now()
	hour := now.In(lending.Shanghai).Format("2006-01-02T15")
	id, fresh, err := mysql.Alerts{DB: a.DB}.Add(ctx, mysql.Alert{DedupeKey: name + "@" + hour, Name: name, Severity: "warning",
		Title: title, Body: body}, now)
	if err != nil || !fresh {
		return err
	}
	a.Log.WarnContext(ctx, "alert", "name", name, "title", title, "body", body)
	if a.Robot == nil {
		return mysql.Alerts{DB: a.DB}.Delivered(ctx, id, "unconfigured", "")
	}
	content := fmt.Sprintf("### <font color=\"warning\">%s</font>\n%s\n> %s", title, body, now.In(lending.Shanghai).Format(time.DateTime))
	if err := a.Robot.Markdown(ctx, content); err != nil {
		a.Log.ErrorContext(ctx, "alert not delivered", "name", name, "error", err.Error())
		return mysql.Alerts{DB: a.DB}.Delivered(ctx, id, "failed", err.Error())
	}
	return mysql.Alerts{DB: a.DB}.Delivered(ctx, id, "sent", "")
}
