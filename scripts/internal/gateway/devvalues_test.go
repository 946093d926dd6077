package gateway_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// devSecrets are the settings whose local values are published (README,
// DevEnv, the fakes) and must never run in production.
var devSecrets = []string{"AUTH_SECRET", "PII_INDEX_KEY", "PII_KMS_KEY_ID", "WECHAT_APPID", "WECHAT_SECRET",
	"ESS_CALLBACK_TOKEN", "ESS_CALLBACK_KEY", "ESS_OPERATOR_USER_ID", "LENDER_USCC", "TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY",
	"CAPTCHA_APP_SECRET_KEY", "WXPAY_MCHID", "WXPAY_APPID", "WXPAY_CERT_SERIAL", "WXPAY_PRIVATE_KEY", "WXPAY_PUBLIC_KEY_ID", "WXPAY_PUBLIC_KEY", "WXPAY_APIV3_KEY"}

// prodEnv is a production configuration of the lender's own values.
func prodEnv(changes map[string]string) func(string) string {
	env := map[string]string{
		"WXLEND_ENV": "prod", "MYSQL_DSN": "u:p@tcp(db:3306)/wxlend", "REDIS_ADDR": "redis:6379",
		"WECHAT_APPID": "wx1234567890abcdef", "WECHAT_SECRET": "lender-secret", "AUTH_SECRET": strings.Repeat("a", 32),
		"PII_KMS_KEY_ID": "kms-lender", "PII_INDEX_KEY": strings.Repeat("i", 32), "FACEID_RULE_ID": "1",
		"ESS_OPERATOR_USER_ID": "op", "ESS_CALLBACK_TOKEN": "token", "ESS_CALLBACK_KEY": strings.Repeat("k", 32),
		"LENDER_NAME": "lender", "LENDER_USCC": "91440300MA5LENDER1",
		"REMIND_SMS_TEMPLATES": "due_soon=1,past_due=2", "REMIND_WECHAT_TEMPLATES": "due_soon=a,past_due=b",
		"REMIND_SMS_APP_ID": "1400000001", "REMIND_SMS_SIGN": "放款机构",
		"WXPAY_NOTIFY_BASE": "https://pay.example.com",
		"CAPTCHA_APP_ID":    "190000099", "CAPTCHA_APP_SECRET_KEY": "lender-captcha-key",
	}
	maps.Copy(env, changes)
	return func(k string) string { return env[k] }
}

// TestProductionRefusesEveryDevValue: each published development value,
// taken from where the local stack gets it, makes the production loader
// refuse, naming the variable; a lender who copies the local settings gets
// a refusal, not a live system with public keys.
func TestProductionRefusesEveryDevValue(t *testing.T) {
	dev := gateway.DevEnv("127.0.0.1:9000")
	maps.Copy(dev, wxpaytest.DevEnv("https://api.mch.weixin.qq.com", "https://pay.example.com"))
	dev["TENCENTCLOUD_SECRETID"], dev["TENCENTCLOUD_SECRETKEY"] = tcloudtest.DevSecretID, tcloudtest.DevSecretKey
	if _, err := app.Load(prodEnv(nil)); err != nil {
		t.Fatalf("the lender's own production settings refused: %v", err)
	}
	for _, name := range devSecrets {
		v, ok := dev[name]
		if !ok {
			t.Fatalf("%s: no dev value", name)
		}
		env := prodEnv(map[string]string{name: v})
		_, err := app.Load(env)
		if strings.HasPrefix(name, "WXPAY_") {
			_, err = app.LoadPayments(env)
		}
		if err == nil || !strings.Contains(err.Error(), name+" holds") {
			t.Errorf("%s = the dev value: %v", name, err)
		}
	}
}
