package jobs

import (
	"context"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/monitor"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/recon"
	"github.com/wxlend/wxlend/shared/wecom"
)

// Alerter is the alerter of the operations settings: the WeCom robot of
// ALERT_WEBHOOK_URL, or none (alerts recorded only).
func Alerter(a *app.App, cfg app.OpsConfig) monitor.Alerter {
	al := monitor.Alerter{DB: a.DB, Clock: a.Clock, Log: a.Log}
	if cfg.AlertWebhookURL != "" {
		al.Robot = wecom.New(cfg.AlertWebhookURL)
	}
	return al
}

// Reconcile is job-reconcile (daily 10:30 Asia/Shanghai, business clock):
// every merchant account's closed business dates not yet reconciled
// (recon.Run). Refused bills raise an alert; a bill not ready waits for
// the next run. It returns an error only when a retry can help.
func Reconcile(a *app.App, d payments.Deps, cfg app.OpsConfig) Timer {
	deps := recon.Deps{Pay: d, FeeBP: int64(cfg.FeeBP), Alert: Alerter(a, cfg).Raise}
	return func(ctx context.Context, _ events.TimerEvent) error {
		r, err := recon.Run(ctx, deps)
		a.Log.InfoContext(ctx, "reconcile", "done", r.Done, "waiting", r.Waiting, "refused", r.Refused, "breaks", r.Breaks)
		return err
	}
}

// Monitor is job-monitor (hourly): metrics stored and logged, alerts to
// the WeCom robot at most once an hour each (monitor.Run).
func Monitor(a *app.App, cfg app.OpsConfig) Timer {
	d := monitor.Deps{DB: a.DB, Alert: Alerter(a, cfg), SwingBP: int64(cfg.SwingBP), MinVolume: int64(cfg.MinVolume),
		RefusalsPerHour: int64(cfg.RefusalsPerHour)}
	return func(ctx context.Context, _ events.TimerEvent) error { return monitor.Run(ctx, d) }
}
