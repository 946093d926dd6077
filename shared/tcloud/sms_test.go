package tcloud_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/wxlend/wxlend/shared/remind"
	"github.com/wxlend/wxlend/shared/tcloud"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
)

func newSMS(t *testing.T, secret string) (tcloud.SMS, *tcloudtest.SMS) {
	srv := tcloudtest.NewServer()
	fake := srv.RegisterSMS()
	api := httptest.NewServer(srv)
	t.Cleanup(api.Close)
	return tcloud.SMS{Endpoint: tcloud.Endpoint{Host: strings.TrimPrefix(api.URL, "http://"), Scheme: "HTTP"},
		Cred:  func() *common.Credential { return common.NewCredential(tcloudtest.DevSecretID, secret) },
		AppID: "1400000000", Sign: "微信信用借"}, fake
}

// SendStatusSet[].Code decides; only InternalError.* is worth a retry.
func TestSMSOutcomesFollowThePerNumberCode(t *testing.T) {
	s, fake := newSMS(t, tcloudtest.DevSecretKey)
	ctx := context.Background()
	fake.FailNext("InternalError.Timeout", "LimitExceeded.PhoneNumberDailyLimit", "FailedOperation.PhoneNumberInBlacklist")
	for _, want := range []remind.Result{
		{Outcome: remind.Retry, Code: "InternalError.Timeout"},
		{Outcome: remind.Refused, Code: "LimitExceeded.PhoneNumberDailyLimit"},
		{Outcome: remind.Refused, Code: "FailedOperation.PhoneNumberInBlacklist"},
		{Outcome: remind.Sent, Code: "Ok"},
	} {
		got, err := s.SendSMS(ctx, "13812345678", "2000001", []string{"175.53", "12月30日", "请按时还款"})
		if err != nil || got != want {
			t.Fatalf("got %+v %v, want %+v", got, err, want)
		}
	}
	sent := fake.Sent()
	if len(sent) != 1 || sent[0].Phone != "+8613812345678" || sent[0].Sign != "微信信用借" || sent[0].TemplateID != "2000001" || len(sent[0].Params) != 3 {
		t.Fatalf("%+v", sent)
	}
}

func TestABadSignatureSendsNothing(t *testing.T) {
	s, fake := newSMS(t, "not-the-secret-key-000000000000")
	got, err := s.SendSMS(context.Background(), "13812345678", "2000001", []string{"1"})
	if err != nil || got.Outcome != remind.Refused || !strings.HasPrefix(got.Code, "AuthFailure") || len(fake.Sent()) != 0 {
		t.Fatalf("%+v %v", got, err)
	}
}
