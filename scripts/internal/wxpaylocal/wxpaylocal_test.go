package wxpaylocal_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/wxpaylocal"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

var ctx = context.Background()

// account is one merchant: its fake and a production client talking to it.
type account struct {
	fake   *wxpaytest.Fake
	client *wxpay.Client
}

// stack serves wxpaylocal.Handler for one account per mchID (the first is
// the default) and returns the accounts and the handler's base URL.
// Notifications go to a receiver that takes them all.
func stack(t *testing.T, mchIDs ...string) ([]account, string) {
	t.Helper()
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	t.Cleanup(sink.Close)
	var accounts []account
	var fakes []*wxpaytest.Fake
	for _, mch := range mchIDs {
		f := wxpaytest.New(wxpaytest.Options{MchID: mch, NotifyRetryDelays: []time.Duration{10 * time.Millisecond}})
		api := httptest.NewServer(f)
		t.Cleanup(func() { f.Close(); api.Close() })
		cfg := wxpaytest.DevConfig(api.URL, sink.URL)
		cfg.MchID = mch
		c, err := wxpay.New(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		accounts = append(accounts, account{f, c})
		fakes = append(fakes, f)
	}
	local := httptest.NewServer(wxpaylocal.Handler(fakes...))
	t.Cleanup(local.Close)
	return accounts, local.URL + strings.TrimSuffix(wxpaylocal.Prefix, "/")
}

// call sends method base+path with the parameters q as a form body and
// returns the status and the JSON answer decoded into out (when not nil).
func call(t *testing.T, method, base, path string, q url.Values, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, base+path, strings.NewReader(q.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	if out != nil {
		if err := json.Unmarshal(body, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, body)
		}
	}
	return resp.StatusCode
}

// ok is call that fails the test unless the answer is 200.
func ok(t *testing.T, method, base, path string, q url.Values, out any) {
	t.Helper()
	if st := call(t, method, base, path, q, out); st != http.StatusOK {
		t.Fatalf("%s %s: %d", method, path, st)
	}
}

func transferReq(no string) wxpay.TransferRequest {
	return wxpay.TransferRequest{OutBillNo: no, OpenID: "oDEVborrower1", AmountFen: 1000, Remark: "借款发放",
		SceneID: "1000", SceneReportInfos: []wxpay.SceneReportInfo{{InfoType: "活动名称", InfoContent: "借款"}, {InfoType: "奖励说明", InfoContent: "放款"}}}
}

func TestTransferEndpoints(t *testing.T) {
	accts, base := stack(t, wxpaytest.DevMchID)
	f, c := accts[0].fake, accts[0].client
	var status map[string]string
	ok(t, "POST", base, "/settings", url.Values{"auto_confirm": {"true"}}, &status)
	if status["status"] != "ok" {
		t.Fatalf("settings answered %v", status)
	}
	if _, err := c.CreateTransfer(ctx, transferReq("D1")); err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	ok(t, "GET", base, "/transfers/D1", nil, &raw)
	if raw["OutBillNo"] != "D1" || raw["State"] != wxpaytest.TransferSuccess || raw["History"] == nil {
		t.Fatalf("auto-confirmed bill as JSON: %v", raw)
	}

	ok(t, "POST", base, "/settings", url.Values{"auto_confirm": {"false"}}, nil)
	ok(t, "POST", base, "/faults", url.Values{"api": {wxpaytest.APICreateTransfer}, "code": {"NOT_ENOUGH"}, "count": {"2"}}, nil)
	for range 2 {
		if _, err := c.CreateTransfer(ctx, transferReq("D2")); !errors.Is(err, wxpay.ErrNotEnough) {
			t.Fatalf("injected fault: %v", err)
		}
	}
	if _, err := c.CreateTransfer(ctx, transferReq("D2")); err != nil {
		t.Fatal(err)
	}
	var tr wxpaytest.Transfer
	ok(t, "POST", base, "/transfers/D2/state", url.Values{"state": {"FAIL"}, "reason": {"TRANSFER_EXPIRED"}}, &tr)
	if tr.State != wxpaytest.TransferFail || tr.FailReason != "TRANSFER_EXPIRED" {
		t.Fatalf("forced state: %+v", tr)
	}

	if _, err := c.CreateTransfer(ctx, transferReq("D3")); err != nil {
		t.Fatal(err)
	}
	ok(t, "POST", base, "/transfers/D3/confirm", url.Values{"result": {"fail"}}, &tr)
	if tr.State != wxpaytest.TransferFail || tr.FailReason != "NAME_NOT_CORRECT" {
		t.Fatalf("refused by the borrower (default reason): %+v", tr)
	}
	b, err := c.CreateTransfer(ctx, transferReq("D4"))
	if err != nil {
		t.Fatal(err)
	}
	ok(t, "POST", base, "/transfers/confirm", url.Values{"package": {b.PackageInfo}}, nil)
	if got, _ := f.Transfer("D4"); got.State != wxpaytest.TransferSuccess {
		t.Fatalf("confirmed by package: %s", got.State)
	}

	ok(t, "POST", base, "/settings", url.Values{"transfer_hold": {wxpaytest.TransferAccepted}}, nil)
	if _, err := c.CreateTransfer(ctx, transferReq("D5")); err != nil {
		t.Fatal(err)
	}
	ok(t, "POST", base, "/transfers/D5/advance", nil, &tr)
	if tr.State != wxpaytest.TransferProcessing {
		t.Fatalf("advanced: %s", tr.State)
	}
}

func TestOrderRefundAndAccountEndpoints(t *testing.T) {
	accts, base := stack(t, wxpaytest.DevMchID)
	f, c := accts[0].fake, accts[0].client
	for _, no := range []string{"R00001", "R00002", "R00003"} {
		if _, err := c.Prepay(ctx, wxpay.PrepayRequest{OutTradeNo: no, Description: "wxlend 还款", AmountFen: money.Fen(500), PayerOpenID: "oDEVborrower1"}); err != nil {
			t.Fatal(err)
		}
	}
	r1, _ := f.Order("R00001")
	ok(t, "POST", base, "/pay", url.Values{"package": {"prepay_id=" + r1.PrepayID}}, nil)
	var o wxpaytest.Order
	ok(t, "POST", base, "/orders/R00002/pay", nil, &o)
	if o.State != wxpaytest.TradeSuccess {
		t.Fatalf("paid by number: %+v", o)
	}
	ok(t, "POST", base, "/orders/R00003/state", url.Values{"state": {"CLOSED"}}, &o)
	if o.State != "CLOSED" {
		t.Fatalf("forced order state: %+v", o)
	}
	ok(t, "GET", base, "/orders/R00001", nil, &o)
	if o.State != wxpaytest.TradeSuccess {
		t.Fatalf("paid by prepay_id: %+v", o)
	}

	ok(t, "POST", base, "/settings", url.Values{"manual_refunds": {"1"}, "balance_fen": {"0"}, "day_quota_fen": {"700"}}, nil)
	if _, err := c.Refund(ctx, wxpay.RefundRequest{OutTradeNo: "R00001", OutRefundNo: "F00001", RefundFen: 100, TotalFen: 500}); err != nil {
		t.Fatal(err)
	}
	ok(t, "POST", base, "/refunds/F00001/state", url.Values{"status": {wxpaytest.RefundAbnormal}}, nil)
	if rf, _ := f.Refund("F00001"); rf.Status != wxpaytest.RefundAbnormal {
		t.Fatalf("forced refund status: %+v", rf)
	}
	if bal, limited := f.Balance(); bal != 0 || !limited {
		t.Fatalf("balance %d %v", bal, limited)
	}

	if err := f.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var deliveries []wxpaytest.Delivery
	ok(t, "GET", base, "/notifications", nil, &deliveries)
	var stats wxpaytest.Stats
	ok(t, "GET", base, "/stats", nil, &stats)
	if len(deliveries) != 3 || stats.OrdersCreated != 3 || stats.RefundsCreated != 1 || stats.DeliveriesOK != 3 {
		t.Fatalf("deliveries %+v, stats %+v", deliveries, stats)
	}
}

func TestNotificationEndpoints(t *testing.T) {
	accts, base := stack(t, wxpaytest.DevMchID)
	f, c := accts[0].fake, accts[0].client
	ok(t, "POST", base, "/settings", url.Values{"auto_confirm": {"true"}}, nil)
	ok(t, "POST", base, "/notifications/hold", nil, nil)
	for _, no := range []string{"D1", "D2"} {
		if _, err := c.CreateTransfer(ctx, transferReq(no)); err != nil {
			t.Fatal(err)
		}
	}
	if len(f.Deliveries()) != 0 {
		t.Fatal("held notifications were sent")
	}
	var released map[string]int
	ok(t, "POST", base, "/notifications/release", url.Values{"reverse": {"true"}}, &released)
	if released["released"] != 2 {
		t.Fatalf("released %v", released)
	}
	if err := f.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	ok(t, "POST", base, "/notifications/duplicate", url.Values{"n": {"2"}}, nil)
	ok(t, "POST", base, "/notifications/delay", url.Values{"ms": {"1"}}, nil)
	ok(t, "POST", base, "/notifications/forge", url.Values{"kind": {wxpaytest.ForgeSignature}}, nil)
	ok(t, "POST", base, "/faults/rate", url.Values{"rate": {"0"}}, nil)
	if _, err := c.CreateTransfer(ctx, transferReq("D3")); err != nil {
		t.Fatal(err)
	}
	if err := f.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var copies, forged int
	for _, d := range f.Deliveries() {
		if d.Copy > 0 {
			copies++
		}
		if d.Forged != "" {
			forged++
		}
	}
	if copies == 0 || forged == 0 {
		t.Fatalf("no duplicate or no forged delivery in %+v", f.Deliveries())
	}
}

// Every refusal is JSON {"code","message"}: 404 for an unknown number or
// merchant, 400 for a bad parameter, 409 for a wrong state.
func TestRefusals(t *testing.T) {
	accts, base := stack(t, wxpaytest.DevMchID)
	if _, err := accts[0].client.CreateTransfer(ctx, transferReq("D1")); err != nil {
		t.Fatal(err)
	}
	if err := accts[0].fake.ForceTransferState("D1", wxpaytest.TransferFail, "TRANSFER_EXPIRED"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"POST", "/transfers/NOPE/confirm", http.StatusNotFound, "not_found"},
		{"GET", "/transfers/NOPE", http.StatusNotFound, "not_found"},
		{"GET", "/orders/NOPE", http.StatusNotFound, "not_found"},
		{"POST", "/pay?prepay_id=NOPE", http.StatusNotFound, "not_found"},
		{"POST", "/stats?mch_id=1", http.StatusNotFound, "not_found"},
		{"POST", "/transfers/D1/confirm", http.StatusConflict, "failed_precondition"},
		{"POST", "/transfers/D1/state?state=BOGUS", http.StatusConflict, "failed_precondition"},
		{"POST", "/notifications/duplicate?n=0", http.StatusBadRequest, "invalid_argument"},
		{"POST", "/notifications/delay?ms=-1", http.StatusBadRequest, "invalid_argument"},
		{"POST", "/notifications/forge?kind=nope", http.StatusBadRequest, "invalid_argument"},
		{"POST", "/faults", http.StatusBadRequest, "invalid_argument"},
		{"POST", "/faults/rate?rate=x", http.StatusBadRequest, "invalid_argument"},
		{"POST", "/settings?balance_fen=x", http.StatusBadRequest, "invalid_argument"},
		{"POST", "/settings?transfer_hold=SUCCESS", http.StatusBadRequest, "invalid_argument"},
	} {
		var e map[string]string
		if st := call(t, tc.method, base, tc.path, nil, &e); st != tc.status || e["code"] != tc.code || e["message"] == "" {
			t.Errorf("%s %s: %d %v, want %d %s", tc.method, tc.path, st, e, tc.status, tc.code)
		}
	}
}

// Two merchant accounts: ?mch_id= picks one, a transfer number goes to the
// account that holds it, anything else to the first.
func TestMerchantRouting(t *testing.T) {
	accts, base := stack(t, wxpaytest.DevMchID, wxpaytest.DevMchID2)
	first, second := accts[0], accts[1]
	if _, err := second.client.CreateTransfer(ctx, transferReq("D2")); err != nil {
		t.Fatal(err)
	}
	var tr wxpaytest.Transfer
	ok(t, "POST", base, "/transfers/D2/confirm", nil, &tr)
	if got, _ := second.fake.Transfer("D2"); tr.State != wxpaytest.TransferSuccess || got.State != wxpaytest.TransferSuccess {
		t.Fatalf("the second account's bill: %+v", got)
	}
	ok(t, "POST", base, "/settings?mch_id="+wxpaytest.DevMchID2, url.Values{"balance_fen": {"0"}}, nil)
	ok(t, "POST", base, "/settings", url.Values{"day_quota_fen": {"0"}}, nil)
	if bal, limited := second.fake.Balance(); bal != 0 || !limited {
		t.Fatalf("second balance %d %v", bal, limited)
	}
	if _, limited := first.fake.Balance(); limited {
		t.Fatal("?mch_id= of the second account changed the first")
	}
	var stats wxpaytest.Stats
	ok(t, "GET", base, "/stats?mch_id="+wxpaytest.DevMchID2, nil, &stats)
	if stats.TransfersCreated != 1 {
		t.Fatalf("second account's stats %+v", stats)
	}
	ok(t, "GET", base, "/stats?mch_id="+wxpaytest.DevMchID, nil, &stats)
	if stats.TransfersCreated != 0 {
		t.Fatalf("first account's stats %+v", stats)
	}
}
