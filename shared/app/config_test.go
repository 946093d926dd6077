package app_test

import (
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/clock"
)

// coreEnv is a valid production environment with changes applied.
func coreEnv(changes map[string]string) func(string) string {
	env := map[string]string{
		"WXLEND_ENV": "prod", "MYSQL_DSN": "u:p@tcp(db:3306)/wxlend", "REDIS_ADDR": "redis:6379",
		"WECHAT_APPID": "wxapp", "WECHAT_SECRET": "secret", "AUTH_SECRET": strings.Repeat("a", 32),
		"PII_KMS_KEY_ID": "key", "PII_INDEX_KEY": strings.Repeat("i", 32), "FACEID_RULE_ID": "1",
		"ESS_OPERATOR_USER_ID": "op", "ESS_CALLBACK_TOKEN": "token", "ESS_CALLBACK_KEY": strings.Repeat("k", 32),
		"LENDER_NAME": "lender", "LENDER_USCC": "91440300MA5DEVTEST",
		"CAPTCHA_APP_ID": "190000001", "CAPTCHA_APP_SECRET_KEY": "captcha-secret",
		// production has no default reminder templates, SMS app or sign
		"REMIND_SMS_TEMPLATES": "due_soon=1,past_due=2", "REMIND_WECHAT_TEMPLATES": "due_soon=a,past_due=b",
		"REMIND_SMS_APP_ID": "1400000000", "REMIND_SMS_SIGN": "微信信用借",
	}
	for k, v := range changes {
		env[k] = v
	}
	return func(k string) string { return env[k] }
}

func TestTheSettableBusinessClockIsRefusedInProduction(t *testing.T) {
	cases := []struct {
		name, env, file string
		ok, shared      bool
	}{
		{"production on the system clock", "prod", "", true, false},
		{"dev on the system clock", "dev", "", true, false},
		{"dev on the shared clock", "dev", "/tmp/wxlend-clock.json", true, true},
		{"test on the shared clock", "test", "/tmp/wxlend-clock.json", true, true},
		{"production on the shared clock", "prod", "/tmp/wxlend-clock.json", false, false},
		{"production on a relative shared clock", "prod", "clock.json", false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			changes := map[string]string{"WXLEND_ENV": c.env, "WXLEND_BUSINESS_CLOCK_FILE": c.file}
			if c.env != "prod" {
				changes["TENCENTCLOUD_API_SCHEME"] = "HTTP"
			}
			cfg, err := app.Load(coreEnv(changes))
			if !c.ok {
				if err == nil || !strings.Contains(err.Error(), "WXLEND_BUSINESS_CLOCK_FILE") {
					t.Fatalf("err = %v, want WXLEND_BUSINESS_CLOCK_FILE refused", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, shared := app.BusinessClock(cfg).(*clock.Shared)
			if shared != c.shared {
				t.Fatalf("business clock %T, want shared %v", app.BusinessClock(cfg), c.shared)
			}
		})
	}
}

// Production cannot run without the captcha application (the credit
// application and repeated sign-ins depend on it); dev and test may, and
// then every captcha check fails closed (auth.CheckCaptcha).
func TestCaptchaSettingsAreRequiredInProduction(t *testing.T) {
	for _, name := range []string{"CAPTCHA_APP_ID", "CAPTCHA_APP_SECRET_KEY"} {
		_, err := app.Load(coreEnv(map[string]string{name: ""}))
		if err == nil || !strings.Contains(err.Error(), name+" is required") {
			t.Fatalf("without %s: err = %v", name, err)
		}
	}
	cfg, err := app.Load(coreEnv(map[string]string{"WXLEND_ENV": "dev", "TENCENTCLOUD_API_SCHEME": "HTTP", "CAPTCHA_APP_ID": "", "CAPTCHA_APP_SECRET_KEY": ""}))
	if err != nil || cfg.CaptchaAppID != 0 {
		t.Fatalf("dev without captcha: %+v %v", cfg.CaptchaAppID, err)
	}
	if _, err := app.Load(coreEnv(map[string]string{"CAPTCHA_APP_ID": "-1"})); err == nil {
		t.Fatal("a negative CAPTCHA_APP_ID was accepted")
	}
}
