package tcloud

import (
	"context"
	"fmt"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/kyc"
)

// FaceID implements kyc.Verifier with Tencent Cloud FaceID (faceid
// 2018-03-01). The SDK's faceid module cannot be downloaded here, so the
// actions go through the SDK's common client (generic request, the same
// TC3 signing and error parsing).
type FaceID struct {
	Endpoint Endpoint
	Cred     func() *common.Credential
	RuleID   string // the liveness rule configured in the FaceID console
}

var faceIDProduct = product{service: "faceid", version: "2018-03-01", host: "faceid.tencentcloudapi.com",
	unavailable: "identity verification is unavailable, try again"}

func (f FaceID) call(ctx context.Context, action string, params map[string]any, out any) error {
	return callCommon(ctx, f.Endpoint, f.Cred(), faceIDProduct, action, params, out)
}

type resultAnswer struct {
	Result      string
	Description string
	RequestId   string
}

// outcome maps FaceID Result codes; codes meaning "the authority is down"
// become unavailable errors rather than outcomes.
func outcome(action string, a resultAnswer, mismatch ...string) (kyc.Check, error) {
	c := kyc.Check{ProviderCode: a.Result, RequestID: a.RequestId}
	switch {
	case a.Result == "0":
		c.Outcome = kyc.Match
	case contains(mismatch, a.Result):
		c.Outcome = kyc.Mismatch
	case a.Result == "-5" && action == "IdCardVerification", a.Result == "-9" && action == "PhoneVerification":
		c.Outcome = kyc.NoRecord
	case a.Result == "-2" || a.Result == "-3" || a.Result == "-6" || a.Result == "-7" || a.Result == "-8":
		c.Outcome = kyc.Invalid
	default:
		return c, apierr.Wrap(apierr.Unavailable, fmt.Errorf("faceid %s result %s: %s", action, a.Result, a.Description),
			"identity verification is unavailable, try again")
	}
	return c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// VerifyIdentity is IdCardVerification (name + ID number).
func (f FaceID) VerifyIdentity(ctx context.Context, name, id string) (kyc.Check, error) {
	var a resultAnswer
	if err := f.call(ctx, "IdCardVerification", map[string]any{"Name": name, "IdCard": id}, &a); err != nil {
		return kyc.Check{}, err
	}
	return outcome("IdCardVerification", a, "-1")
}

// VerifyPhone is PhoneVerification (operator three-factor).
func (f FaceID) VerifyPhone(ctx context.Context, name, id, phone string) (kyc.Check, error) {
	var a resultAnswer
	if err := f.call(ctx, "PhoneVerification", map[string]any{"Name": name, "IdCard": id, "Phone": phone}, &a); err != nil {
		return kyc.Check{}, err
	}
	return outcome("PhoneVerification", a, "-4")
}

// VerifyBankCard is BankCard4EVerification (name, ID, phone, card).
func (f FaceID) VerifyBankCard(ctx context.Context, name, id, phone, card string) (kyc.Check, error) {
	var a resultAnswer
	err := f.call(ctx, "BankCard4EVerification", map[string]any{"Name": name, "IdCard": id, "Phone": phone, "BankCard": card, "CertType": 0}, &a)
	if err != nil {
		return kyc.Check{}, err
	}
	return outcome("BankCard4EVerification", a, "-1")
}

// StartLiveness is DetectAuth bound to the verified identity, so the face is
// compared with that ID's photo (人证合一).
func (f FaceID) StartLiveness(ctx context.Context, name, id, redirect string) (kyc.Liveness, error) {
	var a struct{ Url, BizToken, RequestId string }
	params := map[string]any{"RuleId": f.RuleID, "IdCard": id, "Name": name}
	if redirect != "" {
		params["RedirectUrl"] = redirect
	}
	if err := f.call(ctx, "DetectAuth", params, &a); err != nil {
		return kyc.Liveness{}, err
	}
	if a.BizToken == "" {
		return kyc.Liveness{}, apierr.New(apierr.Unavailable, "identity verification is unavailable, try again")
	}
	return kyc.Liveness{BizToken: a.BizToken, URL: a.Url}, nil
}

// LivenessResult is GetDetectInfoEnhanced (text part only: no images are
// fetched or kept). ErrCode null means the borrower has not finished.
func (f FaceID) LivenessResult(ctx context.Context, bizToken string) (kyc.LivenessCheck, error) {
	var a struct {
		Text *struct {
			ErrCode *int64
			ErrMsg  string
			IdCard  string
		}
		RequestId string
	}
	if err := f.call(ctx, "GetDetectInfoEnhanced", map[string]any{"BizToken": bizToken, "RuleId": f.RuleID, "InfoType": "1"}, &a); err != nil {
		return kyc.LivenessCheck{}, err
	}
	r := kyc.LivenessCheck{RequestID: a.RequestId}
	if a.Text == nil || a.Text.ErrCode == nil {
		return r, nil
	}
	r.Done, r.Passed, r.IDNumber = true, *a.Text.ErrCode == 0, a.Text.IdCard
	r.ProviderCode = fmt.Sprint(*a.Text.ErrCode)
	return r, nil
}
