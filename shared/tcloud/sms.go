package tcloud

import (
	"context"
	"strings"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	smsapi "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/sms/v20210111"

	"github.com/wxlend/wxlend/shared/remind"
)

// SMS implements remind.SMSSender with Tencent Cloud SMS (sms 2021-01-11
// SendSms), one number per request.
type SMS struct {
	Endpoint Endpoint
	Cred     func() *common.Credential
	AppID    string // SmsSdkAppId
	Sign     string // SignName, required for mainland numbers
}

// SendSMS sends one templated message to one mainland number (11 digits,
// sent as +86...). The per-number SendStatusSet[].Code decides: "Ok" is
// sent, InternalError.* a failure worth a later retry, any other code a
// refusal (limits, blacklist, template mismatch). A request the cloud
// refused as a whole counts the same way by its error code; a request that
// never got an answer is retried (the SDK's own network retries are off, so
// nothing is sent twice by the adapter).
func (s SMS) SendSMS(ctx context.Context, phone, templateID string, params []string) (remind.Result, error) {
	cpf := s.Endpoint.profile("sms.tencentcloudapi.com")
	cpf.NetworkFailureMaxRetries = 0
	c, err := smsapi.NewClient(s.Cred(), s.Endpoint.Region, cpf)
	if err != nil {
		return remind.Result{}, err
	}
	req := smsapi.NewSendSmsRequest()
	req.PhoneNumberSet = common.StringPtrs([]string{"+86" + phone})
	req.SmsSdkAppId = common.StringPtr(s.AppID)
	req.SignName = common.StringPtr(s.Sign)
	req.TemplateId = common.StringPtr(templateID)
	req.TemplateParamSet = common.StringPtrs(params)
	resp, err := c.SendSmsWithContext(ctx, req)
	if err != nil {
		var sdkErr *tcerr.TencentCloudSDKError
		if asSDK(err, &sdkErr) {
			return smsResult(sdkErr.Code), nil
		}
		return remind.Result{Outcome: remind.Retry, Code: "network"}, nil
	}
	if resp.Response == nil || len(resp.Response.SendStatusSet) != 1 || resp.Response.SendStatusSet[0].Code == nil {
		return remind.Result{Outcome: remind.Retry, Code: "no_status"}, nil
	}
	return smsResult(*resp.Response.SendStatusSet[0].Code), nil
}

func smsResult(code string) remind.Result {
	switch {
	case code == "Ok":
		return remind.Result{Outcome: remind.Sent, Code: code}
	case strings.HasPrefix(code, "InternalError"):
		return remind.Result{Outcome: remind.Retry, Code: code}
	}
	return remind.Result{Outcome: remind.Refused, Code: code}
}
