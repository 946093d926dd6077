package wxpay_test

import (
	"bytes"
	"errors"
	"maps"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

func TestConfigsFromEnv(t *testing.T) {
	env := wxpaytest.DevEnv("http://127.0.0.1:9000", "http://127.0.0.1:9000")
	maps.Copy(env, wxpaytest.DevRouteEnv(2, "1230000110", "http://127.0.0.1:9001"))
	get := func(k string) string { return env[k] }
	cfgs, err := wxpay.ConfigsFromEnv(get)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfgs) != 2 || cfgs[0].MchID != wxpaytest.DevMchID || cfgs[1].MchID != "1230000110" ||
		cfgs[1].BaseURL != "http://127.0.0.1:9001" || cfgs[1].AppID != wxpaytest.DevAppID ||
		cfgs[1].NotifyURLs.Transfer != "http://127.0.0.1:9000/notify/wxpay/transfer" {
		t.Fatalf("%+v", cfgs)
	}
	delete(env, "WXPAY_2_APIV3_KEY")
	if _, err := wxpay.ConfigsFromEnv(get); err == nil || !strings.Contains(err.Error(), "WXPAY_2_APIV3_KEY") {
		t.Fatalf("missing key of route 2: %v", err)
	}
	maps.Copy(env, wxpaytest.DevRouteEnv(2, wxpaytest.DevMchID, "http://127.0.0.1:9001"))
	if _, err := wxpay.ConfigsFromEnv(get); err == nil || !strings.Contains(err.Error(), "twice") {
		t.Fatalf("one merchant twice: %v", err)
	}
	one := wxpaytest.DevEnv("http://127.0.0.1:9000", "http://127.0.0.1:9000")
	if cfgs, err := wxpay.ConfigsFromEnv(func(k string) string { return one[k] }); err != nil || len(cfgs) != 1 {
		t.Fatalf("single merchant: %d %v", len(cfgs), err)
	}
}

// The operating account's balance and the merchant's daily limit are
// refused before a bill exists, each with its own class.
func TestBalanceAndMerchantLimitRefusals(t *testing.T) {
	e := newEnv(t)
	e.fake.SetBalance(100)
	_, err := e.client.CreateTransfer(ctx, transferReq("NE1", 200))
	if we := wxErr(t, err); !errors.Is(err, wxpay.ErrNotEnough) || !we.Retryable || we.Final || we.HTTPStatus != 403 {
		t.Fatalf("%+v", we)
	}
	e.fake.SetBalance(-1)
	e.fake.SetDayQuota(300)
	if _, err := e.client.CreateTransfer(ctx, transferReq("Q1", 200)); err != nil {
		t.Fatal(err)
	}
	_, err = e.client.CreateTransfer(ctx, transferReq("Q2", 200))
	if we := wxErr(t, err); !errors.Is(err, wxpay.ErrMerchantLimit) || !errors.Is(err, wxpay.ErrInvalidRequest) || !we.Final {
		t.Fatalf("%+v", we)
	}
	for _, no := range []string{"NE1", "Q2"} {
		if _, err := e.client.QueryTransfer(ctx, no); !errors.Is(err, wxpay.ErrNotFound) {
			t.Fatalf("%s: a refused transfer exists: %v", no, err)
		}
	}
	// A failed bill gives its amount back to the day's limit.
	e.fake.SetDayQuota(0)
	e.fake.SetBalance(1000)
	if _, err := e.client.CreateTransfer(ctx, transferReq("B1", 600)); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.ForceTransferState("B1", wxpaytest.TransferFail, "PAYER_ACCOUNT_ABNORMAL"); err != nil {
		t.Fatal(err)
	}
	if bal, limited := e.fake.Balance(); bal != 1000 || !limited {
		t.Fatalf("balance %d after a failed bill", bal)
	}
	if !wxpay.PayerSideFailure("PAYER_ACCOUNT_ABNORMAL") || wxpay.PayerSideFailure("NAME_NOT_CORRECT") ||
		wxpay.PayerSideFailure("MERCHANT_REJECT") || !wxpay.PayeeDailyLimit("DAY_RECEIVED_QUOTA_EXCEED") {
		t.Fatal("fail reason classes")
	}
}

// A notification is parsed by whichever route's merchant it names.
func TestParseNotificationAny(t *testing.T) {
	cfgA := wxpaytest.DevConfig("http://127.0.0.1:1", "http://127.0.0.1:2")
	cfgB := cfgA
	cfgB.MchID = "1230000110"
	a, errA := wxpay.New(ctx, cfgA)
	b, errB := wxpay.New(ctx, cfgB)
	if errA != nil || errB != nil {
		t.Fatal(errA, errB)
	}
	post := func(mch, forge string, clients ...*wxpay.Client) (wxpay.Notification, error) {
		plain := map[string]any{"mchid": mch, "out_bill_no": "D1P1", "state": "SUCCESS", "transfer_amount": 100}
		body, err := wxpaytest.NewNotificationBody("N-"+mch+forge, wxpay.EventTransferFinished, "s", "mch_payment", plain, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		r, _ := http.NewRequest(http.MethodPost, "/notify/wxpay/transfer", bytes.NewReader(body))
		wxpaytest.SignNotification(r.Header, body, forge)
		return wxpay.ParseNotificationAny(ctx, r, clients)
	}
	if n, err := post("1230000110", "", a, b); err != nil || n.ID != "N-1230000110" {
		t.Fatalf("second merchant's notification: %v", err)
	}
	if _, err := post(wxpaytest.DevMchID, "", a, b); err != nil {
		t.Fatalf("first merchant's notification: %v", err)
	}
	if _, err := post("1230000999", "", a, b); !errors.Is(err, wxpay.ErrWrongMerchant) {
		t.Fatalf("foreign merchant: %v", err)
	}
	if _, err := post("1230000110", "signature", a, b); !errors.Is(err, wxpay.ErrBadSignature) {
		t.Fatalf("forged: %v", err)
	}
	if _, err := post("1230000110", "stale_timestamp", a, b); !errors.Is(err, wxpay.ErrStaleTimestamp) {
		t.Fatalf("stale: %v", err)
	}
	if _, err := post("1230000110", ""); !errors.Is(err, wxpay.ErrBadSignature) {
		t.Fatalf("no merchant configured: %v", err)
	}
}
