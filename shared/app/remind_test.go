package app_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/remind"
)

// remindEnv is a complete dev environment with changes applied.
func remindEnv(changes map[string]string) func(string) string {
	env := map[string]string{"WXLEND_ENV": "dev", "MYSQL_DSN": "x", "REDIS_ADDR": "x", "WECHAT_APPID": "x", "WECHAT_SECRET": "x",
		"AUTH_SECRET": strings.Repeat("a", 32), "PII_KMS_KEY_ID": "x", "PII_INDEX_KEY": strings.Repeat("b", 32), "FACEID_RULE_ID": "1",
		"ESS_OPERATOR_USER_ID": "x", "ESS_CALLBACK_TOKEN": "x", "ESS_CALLBACK_KEY": strings.Repeat("c", 32), "LENDER_NAME": "x", "LENDER_USCC": "x"}
	maps.Copy(env, changes)
	return func(k string) string { return env[k] }
}

func TestRemindDefaultsAreTheCollectionRules(t *testing.T) {
	c, err := app.Load(remindEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Remind
	if p.StartHour != 8 || p.EndHour != 21 || p.DailyMax != 2 || len(p.Channels) != 2 || p.Channels[0] != remind.WeChat {
		t.Fatalf("%+v", p)
	}
	c, err = app.Load(remindEnv(map[string]string{"REMIND_WINDOW": "09:00-22:00", "REMIND_DAILY_MAX": "3", "REMIND_CHANNELS": "sms"}))
	if err != nil || c.Remind.EndHour != 22 || c.Remind.DailyMax != 3 || len(c.Remind.Channels) != 1 {
		t.Fatalf("%+v %v", c.Remind, err)
	}
}

func TestRemindSettingsOutsideTheRulesAreRefused(t *testing.T) {
	cases := map[string]map[string]string{
		"REMIND_WINDOW":               {"REMIND_WINDOW": "07:00-21:00"},
		"must lie within":             {"REMIND_WINDOW": "08:00-23:00"},
		"REMIND_DAILY_MAX":            {"REMIND_DAILY_MAX": "4"},
		"REMIND_CHANNELS":             {"REMIND_CHANNELS": "wechat,email"},
		`unknown message template`:    {"REMIND_SMS_TEMPLATES": "due_soon=1,past_due=2,final_demand=3"},
		"no template id for past_due": {"REMIND_WECHAT_TEMPLATES": "due_soon=a"},
		"REMIND_SMS_APP_ID":           {"WXLEND_ENV": "prod", "REMIND_SMS_TEMPLATES": "due_soon=1,past_due=2", "REMIND_WECHAT_TEMPLATES": "due_soon=a,past_due=b"},
	}
	for want, changes := range cases {
		_, err := app.Load(remindEnv(changes))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%v: %v, want %q", changes, err, want)
		}
	}
}
