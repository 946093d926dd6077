package tcloud_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/tcloud"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
)

func newCaptcha(t *testing.T, secretKey string, appID uint64, appKey string) tcloud.Captcha {
	srv := tcloudtest.NewServer()
	srv.RegisterCaptcha()
	api := httptest.NewServer(srv)
	t.Cleanup(api.Close)
	return tcloud.Captcha{Endpoint: tcloud.Endpoint{Host: strings.TrimPrefix(api.URL, "http://"), Scheme: "HTTP"},
		Cred:  func() *common.Credential { return common.NewCredential(tcloudtest.DevSecretID, secretKey) },
		AppID: appID, SecretKey: appKey}
}

// The fixtures through the real TC3-signed call: a pass, a failing
// ticket, a replayed one; faults on Tencent's or our side are unavailable.
func TestCaptchaOutcomes(t *testing.T) {
	c := newCaptcha(t, tcloudtest.DevSecretKey, tcloudtest.DevCaptchaAppID, tcloudtest.DevCaptchaSecretKey)
	ctx := context.Background()
	for _, tc := range []struct {
		ticket  string
		passed  bool
		code    int64
		errCode apierr.Code
	}{
		{"dev-pass-1", true, 1, ""},
		{"dev-pass-1", false, 25, ""}, // replayed
		{"dev-fail-1", false, 21, ""},
		{"dev-expired-1", false, 8, ""},
		{"garbage", false, 15, ""},
		{"dev-down-1", false, 26, apierr.Unavailable},
	} {
		passed, code, err := c.VerifyCaptcha(ctx, tc.ticket, "203.0.113.9")
		if passed != tc.passed || code != tc.code || (err != nil || tc.errCode != "") && apierr.CodeOf(err) != tc.errCode {
			t.Errorf("%s: got %v %d %v, want %v %d %q", tc.ticket, passed, code, err, tc.passed, tc.code, tc.errCode)
		}
	}
}

func TestCaptchaMisconfiguredIsUnavailable(t *testing.T) {
	for name, c := range map[string]tcloud.Captcha{
		"wrong app secret": newCaptcha(t, tcloudtest.DevSecretKey, tcloudtest.DevCaptchaAppID, "not-the-key"),
		"wrong app id":     newCaptcha(t, tcloudtest.DevSecretKey, 42, tcloudtest.DevCaptchaSecretKey),
		"bad TC3 key":      newCaptcha(t, "not-the-secret-key-000000000000", tcloudtest.DevCaptchaAppID, tcloudtest.DevCaptchaSecretKey),
	} {
		passed, _, err := c.VerifyCaptcha(context.Background(), "dev-pass-"+name, "203.0.113.9")
		if passed || apierr.CodeOf(err) != apierr.Unavailable {
			t.Errorf("%s: got %v %v, want unavailable", name, passed, err)
		}
	}
}
