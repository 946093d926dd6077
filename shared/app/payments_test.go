package app_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// paymentsEnv is a valid payments environment (two merchant accounts)
// with changes applied; a value of "" unsets the variable.
func paymentsEnv(changes map[string]string) func(string) string {
	env := wxpaytest.DevEnv("https://api.mch.weixin.qq.com", "https://pay.example.com")
	maps.Copy(env, wxpaytest.DevRouteEnv(2, "1230000110", "https://api.mch.weixin.qq.com"))
	env["WXLEND_ENV"] = "test" // the fakes' keys: refused with prod (TestProductionRefusesEveryDevValue)
	maps.Copy(env, changes)
	return func(k string) string { return env[k] }
}

func TestLoadPaymentsDefaultsAndValues(t *testing.T) {
	c, err := app.LoadPayments(paymentsEnv(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Merchants) != 2 || c.Merchants[0].MchID != wxpaytest.DevMchID || c.Merchants[1].MchID != "1230000110" {
		t.Fatalf("merchants %+v", c.Merchants)
	}
	if c.PartLimitFen != 2_000_000 || c.SceneID != app.DefaultTransferSceneID {
		t.Fatalf("defaults %d %q", c.PartLimitFen, c.SceneID)
	}
	c, err = app.LoadPayments(paymentsEnv(map[string]string{"DISBURSE_PART_LIMIT_FEN": "500000", "WXPAY_TRANSFER_SCENE_ID": "1005",
		"WXPAY_HTTP_TIMEOUT_MS": "25000", "WXPAY_2_HTTP_TIMEOUT_MS": "100"}))
	if err != nil || c.PartLimitFen != money.Fen(500_000) || c.SceneID != "1005" {
		t.Fatalf("%+v %v", c, err)
	}
	if _, err := app.LoadPayments(paymentsEnv(map[string]string{"WXLEND_ENV": "dev", wxpay.EnvBaseURL: "http://127.0.0.1:9000"})); err != nil {
		t.Fatalf("plain HTTP in dev: %v", err)
	}
}

// Every bad setting is refused with its variable's name.
func TestLoadPaymentsNamesEveryBadSetting(t *testing.T) {
	cases := []struct {
		changes map[string]string
		names   []string
	}{
		{map[string]string{"DISBURSE_PART_LIMIT_FEN": "9"}, []string{"DISBURSE_PART_LIMIT_FEN"}},
		{map[string]string{"DISBURSE_PART_LIMIT_FEN": "2000001"}, []string{"DISBURSE_PART_LIMIT_FEN"}},
		{map[string]string{"DISBURSE_PART_LIMIT_FEN": "1e6"}, []string{"DISBURSE_PART_LIMIT_FEN"}},
		{map[string]string{"WXPAY_TRANSFER_SCENE_ID": "abc"}, []string{"WXPAY_TRANSFER_SCENE_ID"}},
		{map[string]string{"WXPAY_TRANSFER_SCENE_ID": "12345678901"}, []string{"WXPAY_TRANSFER_SCENE_ID"}},
		{map[string]string{"WXPAY_HTTP_TIMEOUT_MS": "99"}, []string{"WXPAY_HTTP_TIMEOUT_MS"}},
		{map[string]string{"WXPAY_HTTP_TIMEOUT_MS": "30000"}, []string{"WXPAY_HTTP_TIMEOUT_MS"}},
		{map[string]string{"WXPAY_2_HTTP_TIMEOUT_MS": "30000"}, []string{"WXPAY_2_HTTP_TIMEOUT_MS"}},
		{map[string]string{wxpay.EnvMchID: "", wxpay.EnvNotifyBase: ""}, []string{"WXPAY_MCHID", "WXPAY_NOTIFY_BASE"}},
		{map[string]string{wxpay.EnvAPIv3Key: "", "DISBURSE_PART_LIMIT_FEN": "0"}, []string{"WXPAY_APIV3_KEY", "DISBURSE_PART_LIMIT_FEN"}},
		{map[string]string{"WXLEND_ENV": "prod", wxpay.EnvBaseURL: "http://127.0.0.1:9000"}, []string{"WXPAY_API_BASE"}},
		{map[string]string{"WXLEND_ENV": "prod", "WXPAY_2_API_BASE": "http://127.0.0.1:9000"}, []string{"WXPAY_2_API_BASE"}},
		// the fakes' published keys in production
		{map[string]string{"WXLEND_ENV": "prod"}, []string{"WXPAY_PRIVATE_KEY holds the dev WeChat Pay merchant private key",
			"WXPAY_APIV3_KEY holds", "WXPAY_2_APIV3_KEY holds", "WXPAY_MCHID holds", "WXPAY_PUBLIC_KEY holds"}},
		{map[string]string{"WXPAY_2_PRIVATE_KEY": ""}, []string{"WXPAY_2_PRIVATE_KEY"}},
		{map[string]string{wxpay.EnvPrivateKey: "not a key"}, []string{"WXPAY_PRIVATE_KEY"}},
	}
	for _, tc := range cases {
		_, err := app.LoadPayments(paymentsEnv(tc.changes))
		if err == nil {
			t.Errorf("%v: accepted", tc.changes)
			continue
		}
		for _, name := range tc.names {
			if !strings.Contains(err.Error(), name) {
				t.Errorf("%v: %q does not name %s", tc.changes, err, name)
			}
		}
	}
}
