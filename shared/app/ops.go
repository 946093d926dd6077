package app

import (
	"errors"
	"net/url"
	"os"
)

// OpsConfig is what job-reconcile and job-monitor read (README,
// Reconciliation and monitoring).
type OpsConfig struct {
	// AlertWebhookURL is the WeCom group robot webhook
	// (ALERT_WEBHOOK_URL); empty records alerts without sending them.
	AlertWebhookURL string
	// FeeBP is the agreed WeChat Pay fee rate (RECON_FEE_BP, default 60 = 0.60%).
	FeeBP int
	// SwingBP is the approval-rate swing that alerts (MONITOR_SWING_BP,
	// default 1500 = 15% of the reference rate).
	SwingBP int
	// MinVolume is how many decisions both periods need before a swing
	// means something (MONITOR_MIN_VOLUME, default 20).
	MinVolume int
	// RefusalsPerHour: more refused callbacks than this on one route in
	// an hour alerts (MONITOR_REFUSALS_PER_HOUR, default 20; 0 never).
	// WeChat Pay probes with bad signatures on purpose now and then.
	RefusalsPerHour int
}

// LoadOps reads the operations settings.
func LoadOps(getenv func(string) string) (OpsConfig, error) {
	e := &env{get: getenv}
	c := OpsConfig{AlertWebhookURL: e.str("ALERT_WEBHOOK_URL", "", false), FeeBP: e.int("RECON_FEE_BP", 60, 0, 10000),
		SwingBP: e.int("MONITOR_SWING_BP", 1500, 1, 100000), MinVolume: e.int("MONITOR_MIN_VOLUME", 20, 1, 1_000_000),
		RefusalsPerHour: e.int("MONITOR_REFUSALS_PER_HOUR", 20, 0, 1_000_000)}
	if c.AlertWebhookURL != "" {
		if u, err := url.Parse(c.AlertWebhookURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			e.errs = append(e.errs, errors.New("ALERT_WEBHOOK_URL must be an http(s) URL"))
		}
	}
	return c, errors.Join(e.errs...)
}

// MustLoadOps is LoadOps for a main: a bad setting stops the cold start.
func MustLoadOps(a *App) OpsConfig {
	c, err := LoadOps(os.Getenv)
	if err != nil {
		Fail(a.Log, "configuration", err)
	}
	return c
}
