package tcloud

import (
	"context"
	"fmt"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/wxlend/wxlend/shared/apierr"
)

// Captcha implements auth.CaptchaVerifier with Tencent Cloud Captcha's
// DescribeCaptchaMiniResult (captcha 2019-07-22, the mini-program
// plugin's tickets). The SDK's captcha module cannot be downloaded here,
// so the action goes through the common client.
type Captcha struct {
	Endpoint  Endpoint
	Cred      func() *common.Credential
	AppID     uint64 // CAPTCHA_APP_ID: CaptchaAppId from the captcha console
	SecretKey string // CAPTCHA_APP_SECRET_KEY: its AppSecretKey
}

var captchaProduct = product{service: "captcha", version: "2019-07-22", host: "captcha.tencentcloudapi.com",
	unavailable: "the captcha check is unavailable, try again"}

// CaptchaCode values of DescribeCaptchaMiniResult: 1 passes; these are
// the borrower's ticket failing (expired, malformed, undecryptable,
// refused, invalid or used). Anything else (7 and 16 app id, 26 system
// error, 31 no package, 100 bad parameters) is our configuration or
// Tencent's fault: unavailable, never the borrower's.
var captchaTicketFailures = map[int64]bool{8: true, 10: true, 15: true, 21: true, 25: true}

// VerifyCaptcha answers whether ticket passed, with the CaptchaCode.
func (c Captcha) VerifyCaptcha(ctx context.Context, ticket, userIP string) (bool, int64, error) {
	var a struct {
		CaptchaCode *int64
		CaptchaMsg  string
		RequestId   string
	}
	params := map[string]any{"CaptchaType": 9, "Ticket": ticket, "UserIp": userIP, "CaptchaAppId": c.AppID, "AppSecretKey": c.SecretKey}
	if err := callCommon(ctx, c.Endpoint, c.Cred(), captchaProduct, "DescribeCaptchaMiniResult", params, &a); err != nil {
		return false, 0, err
	}
	switch {
	case a.CaptchaCode == nil:
		return false, 0, apierr.Wrap(apierr.Unavailable, fmt.Errorf("captcha: no CaptchaCode (request %s)", a.RequestId), captchaProduct.unavailable)
	case *a.CaptchaCode == 1:
		return true, 1, nil
	case captchaTicketFailures[*a.CaptchaCode]:
		return false, *a.CaptchaCode, nil
	}
	return false, *a.CaptchaCode, apierr.Wrap(apierr.Unavailable,
		fmt.Errorf("captcha: CaptchaCode %d %s (request %s)", *a.CaptchaCode, a.CaptchaMsg, a.RequestId), captchaProduct.unavailable)
}
