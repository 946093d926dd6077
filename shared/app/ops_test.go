package app_test

import (
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/app"
)

func TestOpsSettings(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := app.LoadOps(env(nil))
	if err != nil || c.SwingBP != 1500 || c.MinVolume != 20 || c.RefusalsPerHour != 20 || c.FeeBP != 60 {
		t.Fatalf("defaults %+v %v", c, err)
	}
	c, err = app.LoadOps(env(map[string]string{"MONITOR_REFUSALS_PER_HOUR": "0"}))
	if err != nil || c.RefusalsPerHour != 0 {
		t.Fatalf("refusal alerts off: %+v %v", c, err)
	}
	for _, bad := range []map[string]string{{"MONITOR_REFUSALS_PER_HOUR": "-1"}, {"MONITOR_REFUSALS_PER_HOUR": "many"},
		{"ALERT_WEBHOOK_URL": "ftp://x"}} {
		if _, err := app.LoadOps(env(bad)); err == nil || !strings.Contains(err.Error(), "must be") {
			t.Errorf("%v: %v", bad, err)
		}
	}
}
