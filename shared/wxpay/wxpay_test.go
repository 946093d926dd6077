package wxpay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

func moneyFen(v int64) money.Fen { return money.Fen(v) }

var ctx = context.Background()

func prepayReq(no string, fen int64) wxpay.PrepayRequest {
	return wxpay.PrepayRequest{OutTradeNo: no, Description: "wxlend 还款", AmountFen: money.Fen(fen), PayerOpenID: "oDEVborrower1"}
}

func TestPrepayPayNotify(t *testing.T) {
	e := newEnv(t)
	pp, err := e.client.Prepay(ctx, prepayReq("R20260305000001", 12345))
	if err != nil {
		t.Fatal(err)
	}
	if pp.AppID != wxpaytest.DevAppID || pp.SignType != "RSA" || !strings.HasPrefix(pp.Package, "prepay_id=wx") || pp.NonceStr == "" {
		t.Fatalf("pay params %+v", pp)
	}
	msg := pp.AppID + "\n" + pp.TimeStamp + "\n" + pp.NonceStr + "\n" + pp.Package + "\n"
	if err := wxpaytest.Verify(wxpaytest.MerchantPublicKey(), msg, pp.PaySign); err != nil {
		t.Fatalf("paySign does not verify with the merchant public key: %v", err)
	}
	again, err := e.client.Prepay(ctx, prepayReq("R20260305000001", 12345))
	if err != nil || again.Package != pp.Package {
		t.Fatalf("same number, same params: %v %q vs %q", err, again.Package, pp.Package)
	}
	_, err = e.client.Prepay(ctx, prepayReq("R20260305000001", 99))
	if we := wxErr(t, err); !we.Final || we.Retryable || !errors.Is(err, wxpay.ErrInvalidRequest) {
		t.Fatalf("same number, other amount: %+v", we)
	}
	o, err := e.client.QueryOrder(ctx, "R20260305000001")
	if err != nil || o.TradeState != wxpay.TradeNotPay || o.AmountFen != 12345 || o.TransactionID != "" {
		t.Fatalf("order before pay %+v %v", o, err)
	}

	if err := e.fake.PayPrepay(pp.Package); err != nil {
		t.Fatal(err)
	}
	n := e.recv.wait(t, wxpay.EventTransactionSuccess, 1)[0]
	ev, err := n.Transaction()
	if err != nil {
		t.Fatal(err)
	}
	if ev.OutTradeNo != "R20260305000001" || ev.AmountFen != 12345 || ev.PayerTotalFen != 12345 || ev.TradeState != wxpay.TradeSuccess ||
		ev.MchID != wxpaytest.DevMchID || ev.AppID != wxpaytest.DevAppID || ev.PayerOpenID != "oDEVborrower1" || ev.TransactionID == "" ||
		!ev.SuccessTime.Equal(businessNow) {
		t.Fatalf("event %+v", ev)
	}
	if n.ID == "" || n.ResourceType != "encrypt-resource" || n.CreateTime.IsZero() {
		t.Fatalf("notification %+v", n)
	}
	o, err = e.client.QueryOrder(ctx, "R20260305000001")
	if err != nil || o.TradeState != wxpay.TradeSuccess || o.TransactionID != ev.TransactionID || o.PayerOpenID != "oDEVborrower1" {
		t.Fatalf("order after pay %+v %v", o, err)
	}
	if _, err := e.client.Prepay(ctx, prepayReq("R20260305000001", 12345)); !errors.Is(err, wxpay.ErrInvalidRequest) || wxErr(t, err).Code != "ORDERPAID" {
		t.Fatalf("prepay of a paid order: %v", err)
	}
	if err := e.client.CloseOrder(ctx, "R20260305000001"); !errors.Is(err, wxpay.ErrInvalidRequest) {
		t.Fatalf("close of a paid order: %v", err)
	}
}

func TestCloseAndNotFound(t *testing.T) {
	e := newEnv(t)
	if _, err := e.client.Prepay(ctx, prepayReq("R20260305000002", 500)); err != nil {
		t.Fatal(err)
	}
	if err := e.client.CloseOrder(ctx, "R20260305000002"); err != nil {
		t.Fatal(err)
	}
	if err := e.client.CloseOrder(ctx, "R20260305000002"); err != nil {
		t.Fatalf("closing twice: %v", err)
	}
	if o, _ := e.client.QueryOrder(ctx, "R20260305000002"); o.TradeState != wxpay.TradeClosed {
		t.Fatalf("state %q", o.TradeState)
	}
	if err := e.fake.PayOrder("R20260305000002"); err == nil {
		t.Fatal("a closed order was paid")
	}
	for name, err := range map[string]error{
		"order":    func() error { _, err := e.client.QueryOrder(ctx, "NOSUCHORDER1"); return err }(),
		"close":    e.client.CloseOrder(ctx, "NOSUCHORDER1"),
		"refund":   func() error { _, err := e.client.QueryRefund(ctx, "NOSUCHREFUND"); return err }(),
		"transfer": func() error { _, err := e.client.QueryTransfer(ctx, "NOSUCHBILL"); return err }(),
		"cancel":   func() error { _, err := e.client.CancelTransfer(ctx, "NOSUCHBILL"); return err }(),
	} {
		if !errors.Is(err, wxpay.ErrNotFound) || !wxErr(t, err).Final || wxErr(t, err).HTTPStatus != http.StatusNotFound {
			t.Errorf("%s: want ErrNotFound, got %v", name, err)
		}
	}
}

func TestRefund(t *testing.T) {
	e := newEnv(t)
	if _, err := e.client.Prepay(ctx, prepayReq("R20260305000003", 10000)); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.PayOrder("R20260305000003"); err != nil {
		t.Fatal(err)
	}
	req := wxpay.RefundRequest{OutTradeNo: "R20260305000003", OutRefundNo: "F20260305000001", RefundFen: 2501, TotalFen: 10000, Reason: "多还退回"}
	rr, err := e.client.Refund(ctx, req)
	if err != nil || rr.Status != wxpay.RefundProcessing || rr.RefundID == "" || rr.RefundFen != 2501 || rr.TotalFen != 10000 {
		t.Fatalf("refund %+v %v", rr, err)
	}
	ev, err := e.recv.wait(t, wxpay.EventRefundSuccess, 1)[0].Refund()
	if err != nil || ev.OutRefundNo != "F20260305000001" || ev.RefundFen != 2501 || ev.TotalFen != 10000 || ev.RefundID != rr.RefundID ||
		ev.RefundStatus != wxpay.RefundSuccess || ev.MchID != wxpaytest.DevMchID {
		t.Fatalf("refund event %+v %v", ev, err)
	}
	q, err := e.client.QueryRefund(ctx, "F20260305000001")
	if err != nil || q.Status != wxpay.RefundSuccess || q.SuccessTime.IsZero() {
		t.Fatalf("query %+v %v", q, err)
	}
	again, err := e.client.Refund(ctx, req)
	if err != nil || again.RefundID != rr.RefundID {
		t.Fatalf("same refund number: %+v %v", again, err)
	}
	over := wxpay.RefundRequest{OutTradeNo: "R20260305000003", OutRefundNo: "F20260305000002", RefundFen: 7500, TotalFen: 10000}
	if _, err := e.client.Refund(ctx, over); !errors.Is(err, wxpay.ErrInvalidRequest) {
		t.Fatalf("refund beyond the order: %v", err)
	}
	if o, _ := e.client.QueryOrder(ctx, "R20260305000003"); o.TradeState != wxpay.TradeRefund {
		t.Fatalf("order state %q", o.TradeState)
	}
	e.fake.SetManualRefunds(true)
	rr2, err := e.client.Refund(ctx, wxpay.RefundRequest{OutTradeNo: "R20260305000003", OutRefundNo: "F20260305000003", RefundFen: 100, TotalFen: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fake.ForceRefundStatus(rr2.OutRefundNo, wxpaytest.RefundAbnormal); err != nil {
		t.Fatal(err)
	}
	if ev, _ := e.recv.wait(t, wxpay.EventRefundAbnormal, 1)[0].Refund(); ev.RefundStatus != wxpay.RefundAbnormal {
		t.Fatalf("abnormal %+v", ev)
	}
}

func TestTransferConfirmFlow(t *testing.T) {
	e := newEnv(t)
	req := transferReq("D20260305000001", 250000)
	req.UserName = "张三"
	b, err := e.client.CreateTransfer(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if b.State != wxpay.TransferWaitUserConfirm || b.PackageInfo == "" || b.TransferBillNo == "" || b.OutBillNo != req.OutBillNo {
		t.Fatalf("bill %+v", b)
	}
	ft, _ := e.fake.Transfer(req.OutBillNo)
	if ft.UserName != "张三" {
		t.Fatalf("fake decrypted user_name %q", ft.UserName)
	}
	if strings.Join(ft.History, ",") != "ACCEPTED,PROCESSING,WAIT_USER_CONFIRM" {
		t.Fatalf("history %v", ft.History)
	}
	again, err := e.client.CreateTransfer(ctx, req)
	if err != nil || again.TransferBillNo != b.TransferBillNo || again.PackageInfo != b.PackageInfo {
		t.Fatalf("same number, same params: %+v %v", again, err)
	}
	other := req
	other.AmountFen = 260000
	if _, err := e.client.CreateTransfer(ctx, other); !errors.Is(err, wxpay.ErrInvalidRequest) || !wxErr(t, err).Final {
		t.Fatalf("number reused with another amount: %v", err)
	}
	if calls, st := e.fake.TransferCreateCalls(req.OutBillNo), e.fake.Stats(); calls != 3 || st.TransfersCreated != 1 {
		t.Fatalf("create calls %d, bills %d", calls, st.TransfersCreated)
	}
	q, err := e.client.QueryTransfer(ctx, req.OutBillNo)
	if err != nil || q.State != wxpay.TransferWaitUserConfirm || q.AmountFen != 250000 || q.OpenID != req.OpenID {
		t.Fatalf("query %+v %v", q, err)
	}

	if err := e.fake.ConfirmPackage(b.PackageInfo, ""); err != nil {
		t.Fatal(err)
	}
	ev, err := e.recv.wait(t, wxpay.EventTransferFinished, 1)[0].Transfer()
	if err != nil || ev.State != wxpay.TransferSuccess || ev.OutBillNo != req.OutBillNo || ev.AmountFen != 250000 ||
		ev.TransferBillNo != b.TransferBillNo || ev.MchID != wxpaytest.DevMchID || ev.OpenID != req.OpenID {
		t.Fatalf("transfer event %+v %v", ev, err)
	}
	if q, _ := e.client.QueryTransfer(ctx, req.OutBillNo); q.State != wxpay.TransferSuccess {
		t.Fatalf("after confirm: %s", q.State)
	}
	if _, err := e.client.CancelTransfer(ctx, req.OutBillNo); !errors.Is(err, wxpay.ErrInvalidRequest) {
		t.Fatalf("cancel of a paid bill: %v", err)
	}
}

func TestTransferUserRejectsOrNameMismatch(t *testing.T) {
	e := newEnv(t)
	b, err := e.client.CreateTransfer(ctx, transferReq("D20260305000002", 5000))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.fake.ConfirmTransfer(b.OutBillNo, "NAME_NOT_CORRECT"); err != nil {
		t.Fatal(err)
	}
	req := transferReq("D20260305000003", 5000)
	req.UserName = "李四不符"
	if b, err := e.client.CreateTransfer(ctx, req); err != nil || b.State != wxpay.TransferAccepted {
		t.Fatalf("mismatching name: %+v %v", b, err)
	}
	got := map[string]wxpay.TransferEvent{}
	for _, n := range e.recv.wait(t, wxpay.EventTransferFinished, 2) {
		ev, err := n.Transfer()
		if err != nil {
			t.Fatal(err)
		}
		got[ev.OutBillNo] = ev
	}
	for _, no := range []string{"D20260305000002", "D20260305000003"} {
		if got[no].State != wxpay.TransferFail || got[no].FailReason != "NAME_NOT_CORRECT" {
			t.Errorf("%s: %+v", no, got[no])
		}
		if q, _ := e.client.QueryTransfer(ctx, no); q.State != wxpay.TransferFail || q.FailReason != "NAME_NOT_CORRECT" {
			t.Errorf("%s query: %+v", no, q)
		}
	}
}

func TestTransferIntermediateStatesAndPackageRecovery(t *testing.T) {
	e := newEnv(t)
	if err := e.fake.SetTransferHold(wxpaytest.TransferAccepted); err != nil {
		t.Fatal(err)
	}
	req := transferReq("D20260305000004", 8800)
	b, err := e.client.CreateTransfer(ctx, req)
	if err != nil || b.State != wxpay.TransferAccepted || b.PackageInfo != "" {
		t.Fatalf("held bill %+v %v", b, err)
	}
	for _, want := range []string{wxpay.TransferProcessing, wxpay.TransferWaitUserConfirm} {
		if _, err := e.fake.AdvanceTransfer(req.OutBillNo); err != nil {
			t.Fatal(err)
		}
		if q, _ := e.client.QueryTransfer(ctx, req.OutBillNo); q.State != want {
			t.Fatalf("want %s, got %s", want, q.State)
		}
	}
	again, err := e.client.CreateTransfer(ctx, req)
	if err != nil || again.State != wxpay.TransferWaitUserConfirm || again.PackageInfo == "" {
		t.Fatalf("package_info recovered by repeating the create: %+v %v", again, err)
	}
}

func TestTransferCancel(t *testing.T) {
	e := newEnv(t)
	b, err := e.client.CreateTransfer(ctx, transferReq("D20260305000005", 3000))
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.client.CancelTransfer(ctx, b.OutBillNo)
	if err != nil || c.State != wxpay.TransferCanceling {
		t.Fatalf("cancel %+v %v", c, err)
	}
	ev, _ := e.recv.wait(t, wxpay.EventTransferFinished, 1)[0].Transfer()
	if ev.State != wxpay.TransferCancelled {
		t.Fatalf("event %+v", ev)
	}
	if q, _ := e.client.QueryTransfer(ctx, b.OutBillNo); q.State != wxpay.TransferCancelled {
		t.Fatalf("query %s", q.State)
	}
	if c, err := e.client.CancelTransfer(ctx, b.OutBillNo); err != nil || c.State != wxpay.TransferCancelled {
		t.Fatalf("cancel again %+v %v", c, err)
	}
	if err := e.fake.ConfirmTransfer(b.OutBillNo, ""); err == nil {
		t.Fatal("a cancelled bill was confirmed")
	}

	e.fake.SetCancelHold(true)
	e.fake.SetNotifyDelay(20 * time.Millisecond)
	b, _ = e.client.CreateTransfer(ctx, transferReq("D20260305000014", 3000))
	if c, err := e.client.CancelTransfer(ctx, b.OutBillNo); err != nil || c.State != wxpay.TransferCanceling {
		t.Fatalf("held cancel %+v %v", c, err)
	}
	if q, _ := e.client.QueryTransfer(ctx, b.OutBillNo); q.State != wxpay.TransferCanceling || wxpay.TransferFinal(q.State) {
		t.Fatalf("query %s", q.State)
	}
	if err := e.fake.ForceTransferState(b.OutBillNo, wxpaytest.TransferCancelled, ""); err != nil {
		t.Fatal(err)
	}
	if ev, _ := e.recv.wait(t, wxpay.EventTransferFinished, 2)[1].Transfer(); ev.State != wxpay.TransferCancelled || !wxpay.TransferFinal(ev.State) {
		t.Fatalf("%+v", ev)
	}
}

func TestFaultsAreClassified(t *testing.T) {
	cases := []struct {
		code      string
		status    int
		retryable bool
		is        error
	}{
		{"SYSTEM_ERROR", 500, true, wxpay.ErrUnknownOutcome},
		{"NOT_ENOUGH", 403, true, wxpay.ErrNotEnough},
		{"FREQUENCY_LIMITED", 429, true, wxpay.ErrRateLimited},
		{"PARAM_ERROR", 400, false, wxpay.ErrInvalidRequest},
		{"INVALID_REQUEST", 400, false, wxpay.ErrInvalidRequest},
		{"SIGN_ERROR", 401, false, wxpay.ErrConfiguration},
		{"NO_AUTH", 403, false, wxpay.ErrConfiguration},
	}
	e := newEnv(t)
	for i, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			req := transferReq(fmt.Sprintf("D2026030510%04d", i), 1000)
			e.fake.FailNext(wxpaytest.APICreateTransfer, tc.code)
			_, err := e.client.CreateTransfer(ctx, req)
			we := wxErr(t, err)
			if msg := we.Error(); !strings.Contains(msg, "transfer.create") || !strings.Contains(msg, tc.code) || strings.Contains(msg, "Header") {
				t.Errorf("message %q", msg)
			}
			if we.Code != tc.code || we.HTTPStatus != tc.status || we.Retryable != tc.retryable || we.Final == tc.retryable || !errors.Is(err, tc.is) {
				t.Fatalf("%+v", we)
			}
			if _, err := e.client.QueryTransfer(ctx, req.OutBillNo); !errors.Is(err, wxpay.ErrNotFound) {
				t.Fatalf("a refused create left a bill: %v", err)
			}
			if b, err := e.client.CreateTransfer(ctx, req); err != nil || b.State != wxpay.TransferWaitUserConfirm {
				t.Fatalf("retry with the same number: %+v %v", b, err)
			}
		})
	}
	t.Run("query faults", func(t *testing.T) {
		e.fake.FailNext(wxpaytest.AnyAPI, "SYSTEM_ERROR")
		if _, err := e.client.QueryOrder(ctx, "WHATEVER01"); !errors.Is(err, wxpay.ErrUnknownOutcome) || !wxErr(t, err).Retryable {
			t.Fatalf("%v", err)
		}
	})
	t.Run("bad answer signature", func(t *testing.T) {
		req := transferReq("D20260305BADSIG", 1000)
		e.fake.FailNext(wxpaytest.APICreateTransfer, wxpaytest.FaultBadSignature)
		_, err := e.client.CreateTransfer(ctx, req)
		if !errors.Is(err, wxpay.ErrUnknownOutcome) || !errors.Is(err, wxpay.ErrConfiguration) || wxErr(t, err).Code != wxpay.CodeResponseInvalid {
			t.Fatalf("%v", err)
		}
		if q, err := e.client.QueryTransfer(ctx, req.OutBillNo); err != nil || q.State != wxpay.TransferWaitUserConfirm {
			t.Fatalf("the bill exists after an unverifiable answer: %+v %v", q, err)
		}
	})
	t.Run("final fail reasons", func(t *testing.T) {
		for _, reason := range []string{"ACCOUNT_FROZEN", "NAME_NOT_CORRECT"} {
			req := transferReq("D20260305F"+strings.ReplaceAll(reason, "_", ""), 1000)
			e.fake.FailNext(wxpaytest.APICreateTransfer, reason)
			if b, err := e.client.CreateTransfer(ctx, req); err != nil || b.State != wxpay.TransferAccepted {
				t.Fatalf("%s: %+v %v", reason, b, err)
			}
			if q, _ := e.client.QueryTransfer(ctx, req.OutBillNo); q.State != wxpay.TransferFail || q.FailReason != reason {
				t.Fatalf("%s: %+v", reason, q)
			}
		}
	})
	t.Run("client-side refusal", func(t *testing.T) {
		bad := transferReq("D-not-alnum", 1000)
		_, err := e.client.CreateTransfer(ctx, bad)
		if we := wxErr(t, err); we.Code != wxpay.CodeClientInvalid || !we.Final || !errors.Is(err, wxpay.ErrInvalidRequest) {
			t.Fatalf("%+v", we)
		}
		if e.fake.TransferCreateCalls("D-not-alnum") != 0 {
			t.Fatal("an invalid request was sent")
		}
	})
	t.Run("fake refuses what the real API refuses", func(t *testing.T) {
		for name, req := range map[string]wxpay.TransferRequest{
			"below 0.1 CNY":     transferReq("D20260305SMALL", 9),
			"2000 CNY, no name": transferReq("D20260305NONAME", 200000),
			"no scene report": func() wxpay.TransferRequest {
				r := transferReq("D20260305NOREP", 1000)
				r.SceneReportInfos = nil
				return r
			}(),
		} {
			if _, err := e.client.CreateTransfer(ctx, req); !errors.Is(err, wxpay.ErrInvalidRequest) || wxErr(t, err).HTTPStatus != 400 {
				t.Errorf("%s: %v", name, err)
			}
		}
	})
}

func TestTimeoutIsUnknownOutcomeAndApplied(t *testing.T) {
	e := newEnv(t, func(_ *wxpaytest.Options, c *wxpay.Config) { c.HTTPTimeout = 300 * time.Millisecond })
	req := transferReq("D20260305000006", 4200)
	e.fake.FailNext(wxpaytest.APICreateTransfer, wxpaytest.FaultTimeout)
	_, err := e.client.CreateTransfer(ctx, req)
	we := wxErr(t, err)
	if !errors.Is(err, wxpay.ErrUnknownOutcome) || !we.Retryable || we.Final || we.Code != wxpay.CodeUnknownOutcome {
		t.Fatalf("%+v", we)
	}
	q, err := e.client.QueryTransfer(ctx, req.OutBillNo)
	if err != nil || q.State != wxpay.TransferWaitUserConfirm || q.AmountFen != 4200 {
		t.Fatalf("the timed-out create was applied: %+v %v", q, err)
	}
	b, err := e.client.CreateTransfer(ctx, req)
	if err != nil || b.TransferBillNo != q.TransferBillNo || b.PackageInfo == "" {
		t.Fatalf("resend with the same number: %+v %v", b, err)
	}
	if st := e.fake.Stats(); st.TransfersCreated != 1 {
		t.Fatalf("%d bills for one number", st.TransfersCreated)
	}

	ctx2, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	e.fake.FailNext(wxpaytest.APIQueryTransfer, wxpaytest.FaultTimeout)
	if _, err := e.client.QueryTransfer(ctx2, req.OutBillNo); !errors.Is(err, wxpay.ErrUnknownOutcome) {
		t.Fatalf("caller deadline: %v", err)
	}
}

func TestConcurrentRetriesUnderRandomFaultsMakeOneBill(t *testing.T) {
	e := newEnv(t)
	e.fake.SetFaultRate(0.3, 42)
	req := transferReq("D20260305000007", 6600)
	var wg sync.WaitGroup
	bills := make([]string, 8)
	for i := range bills {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for attempt := 0; attempt < 50; attempt++ {
				b, err := e.client.CreateTransfer(ctx, req)
				if err == nil {
					bills[i] = b.TransferBillNo
					return
				}
				if we := wxErr(t, err); !we.Retryable {
					t.Errorf("random fault not retryable: %+v", we)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, b := range bills {
		if b == "" || b != bills[0] {
			t.Fatalf("bills %v", bills)
		}
	}
	st := e.fake.Stats()
	if st.TransfersCreated != 1 || st.FaultsInjected == 0 {
		t.Fatalf("stats %+v", st)
	}
	e.fake.SetFaultRate(0, 0)
}

func TestNotificationRefusals(t *testing.T) {
	e := newEnv(t)
	plain := map[string]any{"mchid": wxpaytest.DevMchID, "out_bill_no": "D1", "transfer_bill_no": "T1", "state": "SUCCESS",
		"transfer_amount": 100, "openid": "o1"}
	parse := func(r *http.Request) error { _, err := e.client.ParseNotification(ctx, r); return err }
	mk := func(plain any, forge string) *http.Request {
		r, err := wxpaytest.NewNotificationRequest("http://127.0.0.1/notify/wxpay/transfer", wxpay.EventTransferFinished, "商家转账单据终态通知", "mch_payment", plain, forge)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if err := parse(mk(plain, "")); err != nil {
		t.Fatalf("genuine: %v", err)
	}
	resign := func(body []byte) *http.Request {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/n", bytes.NewReader(body))
		wxpaytest.SignNotification(r.Header, body, "")
		return r
	}
	tampered := mk(plain, "")
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(tampered.Body)
	tamperedReq, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/n", strings.NewReader(strings.Replace(body.String(), "encrypt-resource", "encrypt-resourcE", 1)))
	tamperedReq.Header = tampered.Header
	wrongSerial := mk(plain, "")
	wrongSerial.Header.Set("Wechatpay-Serial", "PUB_KEY_ID_OTHER")
	otherMch := map[string]any{"mchid": "1999999999", "out_bill_no": "D1", "state": "SUCCESS", "transfer_amount": 100}
	cases := []struct {
		name string
		r    *http.Request
		want error
	}{
		{"forged signature", mk(plain, wxpaytest.ForgeSignature), wxpay.ErrBadSignature},
		{"stale timestamp", mk(plain, wxpaytest.ForgeStaleTimestamp), wxpay.ErrStaleTimestamp},
		{"tampered body", tamperedReq, wxpay.ErrBadSignature},
		{"unknown serial", wrongSerial, wxpay.ErrBadSignature},
		{"other merchant", mk(otherMch, ""), wxpay.ErrWrongMerchant},
		{"no headers", func() *http.Request { r := mk(plain, ""); r.Header = http.Header{}; return r }(), wxpay.ErrBadSignature},
		{"no resource", resign([]byte(`{"id":"EV-1","event_type":"X"}`)), wxpay.ErrMalformedNotification},
		{"short nonce", resign([]byte(`{"id":"EV-1","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"abc","ciphertext":"AAAA"}}`)), wxpay.ErrMalformedNotification},
		{"undecryptable", resign([]byte(`{"id":"EV-1","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"abcdefghijkl","ciphertext":"AAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}`)), wxpay.ErrMalformedNotification},
	}
	for _, tc := range cases {
		if err := parse(tc.r); !errors.Is(err, tc.want) {
			t.Errorf("%s: want %v, got %v", tc.name, tc.want, err)
		}
	}
	n, err := e.client.ParseNotification(ctx, mk(map[string]any{"mchid": wxpaytest.DevMchID, "out_bill_no": "D1"}, ""))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Transfer(); !errors.Is(err, wxpay.ErrMalformedNotification) {
		t.Errorf("transfer event without state/amount: %v", err)
	}
	if _, err := n.Transaction(); !errors.Is(err, wxpay.ErrMalformedNotification) {
		t.Errorf("transfer notification decoded as a transaction: %v", err)
	}
}

func TestForgedDeliveriesRefusedThenGenuineAccepted(t *testing.T) {
	e := newEnv(t)
	if err := e.fake.ForgeNext(wxpaytest.ForgeSignature); err != nil {
		t.Fatal(err)
	}
	_ = e.fake.ForgeNext(wxpaytest.ForgeStaleTimestamp)
	for _, no := range []string{"D20260305000008", "D20260305000009"} {
		if _, err := e.client.CreateTransfer(ctx, transferReq(no, 1000)); err != nil {
			t.Fatal(err)
		}
		if err := e.fake.ConfirmTransfer(no, ""); err != nil {
			t.Fatal(err)
		}
	}
	e.recv.wait(t, wxpay.EventTransferFinished, 2)
	if err := e.fake.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	_, errs := e.recv.snapshot()
	var sig, stale int
	for _, err := range errs {
		switch {
		case errors.Is(err, wxpay.ErrBadSignature):
			sig++
		case errors.Is(err, wxpay.ErrStaleTimestamp):
			stale++
		}
	}
	if sig != 1 || stale != 1 || len(errs) != 2 {
		t.Fatalf("refusals: %v", errs)
	}
	var forged, ok int
	for _, d := range e.fake.Deliveries() {
		if d.Forged != "" && d.Status == http.StatusUnauthorized {
			forged++
		}
		if d.Forged == "" && d.Status == http.StatusNoContent {
			ok++
		}
	}
	if forged != 2 || ok != 2 {
		t.Fatalf("deliveries %+v", e.fake.Deliveries())
	}
}

func TestDuplicatesRetriesAndOutOfOrder(t *testing.T) {
	e := newEnv(t)
	e.fake.DuplicateNext(3)
	b, _ := e.client.CreateTransfer(ctx, transferReq("D20260305000010", 1000))
	_ = e.fake.ConfirmTransfer(b.OutBillNo, "")
	dups := e.recv.wait(t, wxpay.EventTransferFinished, 3)
	if dups[0].ID != dups[1].ID || dups[1].ID != dups[2].ID {
		t.Fatalf("duplicates carry one id: %v %v %v", dups[0].ID, dups[1].ID, dups[2].ID)
	}

	e.recv.refuse.Store(2)
	b, _ = e.client.CreateTransfer(ctx, transferReq("D20260305000011", 1000))
	_ = e.fake.ConfirmTransfer(b.OutBillNo, "")
	e.recv.wait(t, wxpay.EventTransferFinished, 4)
	_ = e.fake.Flush(ctx)
	var attempts []int
	for _, d := range e.fake.Deliveries() {
		if d.Status == http.StatusInternalServerError {
			attempts = append(attempts, d.Attempt)
		}
	}
	if len(attempts) != 2 {
		t.Fatalf("refused attempts %v", attempts)
	}

	e.fake.HoldNotifications()
	for _, no := range []string{"D20260305000012", "D20260305000013"} {
		b, _ := e.client.CreateTransfer(ctx, transferReq(no, 1000))
		_ = e.fake.ConfirmTransfer(b.OutBillNo, "")
	}
	time.Sleep(50 * time.Millisecond)
	if got, _ := e.recv.snapshot(); len(got) != 4 {
		t.Fatalf("held notifications were delivered: %d", len(got))
	}
	if n := e.fake.ReleaseNotifications(true); n != 2 {
		t.Fatalf("released %d", n)
	}
	got := e.recv.wait(t, wxpay.EventTransferFinished, 6)
	first, _ := got[4].Transfer()
	second, _ := got[5].Transfer()
	_ = e.fake.Flush(ctx)
	if first.OutBillNo != "D20260305000013" || second.OutBillNo != "D20260305000012" {
		t.Fatalf("out of order: %s then %s", first.OutBillNo, second.OutBillNo)
	}
	if st := e.fake.Stats(); st.NotificationsSent != 4 || st.DeliveriesOK != 6 || st.DeliveriesFailed != 2 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRequestFromSCF(t *testing.T) {
	e := newEnv(t)
	r, err := wxpaytest.NewNotificationRequest("http://x/notify/wxpay/transaction", wxpay.EventTransactionSuccess, "支付成功", "transaction",
		map[string]any{"mchid": wxpaytest.DevMchID, "appid": wxpaytest.DevAppID, "out_trade_no": "R1", "trade_state": "SUCCESS",
			"amount": map[string]any{"total": 1}}, "")
	if err != nil {
		t.Fatal(err)
	}
	body := new(bytes.Buffer)
	_, _ = body.ReadFrom(r.Body)
	headers := map[string]string{}
	for k := range r.Header {
		headers[strings.ToLower(k)] = r.Header.Get(k)
	}
	n, err := e.client.ParseNotification(ctx, wxpay.RequestFromSCF("POST", "/notify/wxpay/transaction", headers, body.String()))
	if err != nil {
		t.Fatal(err)
	}
	if ev, err := n.Transaction(); err != nil || ev.OutTradeNo != "R1" || ev.AmountFen != 1 {
		t.Fatalf("%+v %v", ev, err)
	}
}

func TestBillsRoundTrip(t *testing.T) {
	e := newEnv(t)
	amounts := map[string]int64{"R20260305B00001": 1, "R20260305B00002": 12345, "R20260305B00003": 99999999}
	for no, fen := range amounts {
		if _, err := e.client.Prepay(ctx, prepayReq(no, fen)); err != nil {
			t.Fatal(err)
		}
		if err := e.fake.PayOrder(no); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.client.Prepay(ctx, prepayReq("R20260305B00004", 777)); err != nil { // unpaid: not in the bill
		t.Fatal(err)
	}
	if _, err := e.client.Refund(ctx, wxpay.RefundRequest{OutTradeNo: "R20260305B00002", OutRefundNo: "F20260305B00001", RefundFen: 345, TotalFen: 12345}); err != nil {
		t.Fatal(err)
	}
	for _, no := range []string{"D20260305B00001", "D20260305B00002"} {
		if _, err := e.client.CreateTransfer(ctx, transferReq(no, 123456)); err != nil {
			t.Fatal(err)
		}
	}
	_ = e.fake.ConfirmTransfer("D20260305B00001", "")
	if _, err := e.client.TradeBill(ctx, billDate, wxpay.BillAll); !errors.Is(err, wxpay.ErrBillNotReady) {
		t.Fatalf("a bill of today: %v, want not ready", err)
	}
	e.fake.ShiftClock(24 * time.Hour) // 10:30 the next day
	csv, err := e.client.TradeBill(ctx, billDate, wxpay.BillAll)
	if err != nil {
		t.Fatal(err)
	}
	rows, sum, err := wxpay.ParseTradeBill(bytes.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	if err := wxpay.VerifyTradeBill(rows, sum); err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || sum.Count != 4 || sum.SettlementFen != 1+12345+99999999 || sum.RefundFen != 345 ||
		sum.FeeMilliFen != (1+12345+99999999-345)*6 || sum.TotalFen != 1+12345+99999999 {
		t.Fatalf("summary %+v, %d rows", sum, len(rows))
	}
	for _, r := range rows {
		switch r.TradeState {
		case "SUCCESS":
			if money.Fen(amounts[r.OutTradeNo]) != r.SettlementFen || r.TotalFen != r.SettlementFen || r.TransactionID == "" || r.MchID != wxpaytest.DevMchID {
				t.Errorf("payment row %+v", r)
			}
		case "REFUND":
			if r.OutRefundNo != "F20260305B00001" || r.RefundFen != 345 || r.RefundStatus != "SUCCESS" {
				t.Errorf("refund row %+v", r)
			}
		default:
			t.Errorf("row %+v", r)
		}
		if !r.TradeTime.Equal(businessNow) {
			t.Errorf("trade time %v", r.TradeTime)
		}
	}

	fcsv, err := e.client.FundFlowBill(ctx, billDate, wxpay.AccountOperation)
	if err != nil {
		t.Fatal(err)
	}
	frows, fsum, err := wxpay.ParseFundFlowBill(bytes.NewReader(fcsv))
	if err != nil {
		t.Fatal(err)
	}
	if len(frows) != 1 || frows[0].VoucherNo != "D20260305B00001" || frows[0].AmountFen != 123456 || frows[0].Direction != "支出" ||
		fsum.ExpenseFen != 123456 || fsum.Count != 1 || frows[0].BalanceFen != wxpaytest.OpeningBalanceFen-123456 {
		t.Fatalf("fund flow %+v %+v", frows, fsum)
	}

	if _, err := e.client.FundFlowBill(ctx, billDate, wxpay.AccountFees); !errors.Is(err, wxpay.ErrNotFound) {
		t.Fatalf("empty statement: %v", err)
	}
	if _, err := e.client.TradeBill(ctx, "2026-03-04", ""); !errors.Is(err, wxpay.ErrNotFound) {
		t.Fatalf("a day without trades: %v", err)
	}
	e.fake.FailNext(wxpaytest.APIBillDownload, wxpaytest.FaultCorrupt)
	if _, err := e.client.TradeBill(ctx, billDate, wxpay.BillSuccess); wxErr(t, err).Code != wxpay.CodeBillHash || !wxErr(t, err).Retryable {
		t.Fatalf("corrupt file: %v", err)
	}
	if _, err := e.client.TradeBill(ctx, "2026-3-5", ""); !errors.Is(err, wxpay.ErrInvalidRequest) {
		t.Fatalf("bad date: %v", err)
	}
}

func TestConfig(t *testing.T) {
	good := wxpaytest.DevConfig("http://127.0.0.1:1", "http://127.0.0.1:2")
	if _, err := wxpay.New(ctx, good); err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*wxpay.Config){
		"no mchid":           func(c *wxpay.Config) { c.MchID = "" },
		"no private key":     func(c *wxpay.Config) { c.PrivateKey = nil },
		"no platform key":    func(c *wxpay.Config) { c.PlatformPubKey = nil },
		"short apiv3 key":    func(c *wxpay.Config) { c.APIv3Key = "short" },
		"http, not loopback": func(c *wxpay.Config) { c.BaseURL = "http://api.example.com" },
		"base with path":     func(c *wxpay.Config) { c.BaseURL = "https://api.example.com/v3" },
		"ftp":                func(c *wxpay.Config) { c.BaseURL = "ftp://127.0.0.1" },
	} {
		c := good
		mutate(&c)
		if _, err := wxpay.New(ctx, c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	env := wxpaytest.DevEnv("http://127.0.0.1:9000", "http://127.0.0.1:9000/")
	env[wxpay.EnvPrivateKey] = strings.ReplaceAll(env[wxpay.EnvPrivateKey], "\n", `\n`)
	c, err := wxpay.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.NotifyURLs.Transfer != "http://127.0.0.1:9000/notify/wxpay/transfer" || !c.PrivateKey.Equal(wxpaytest.MerchantPrivateKey()) {
		t.Fatalf("%+v", c.NotifyURLs)
	}
	if _, err := wxpay.LoadPublicKey(wxpaytest.DevMerchantPrivateKeyPEM()); err == nil {
		t.Error("a private key loaded as a public key")
	}
	if _, err := wxpay.LoadPrivateKey("not pem"); err == nil {
		t.Error("garbage loaded as a key")
	}
}

func TestWrongKeys(t *testing.T) {
	e := newEnv(t)
	wrongSigner := wxpaytest.DevConfig(e.api.URL, "http://127.0.0.1:2")
	wrongSigner.PrivateKey = wxpaytest.PlatformPrivateKey()
	c, _ := wxpay.New(ctx, wrongSigner)
	_, err := c.QueryTransfer(ctx, "D1")
	if we := wxErr(t, err); we.HTTPStatus != http.StatusUnauthorized || we.Code != "SIGN_ERROR" || !errors.Is(err, wxpay.ErrConfiguration) {
		t.Fatalf("%+v", we)
	}
	if e.fake.Stats().AuthFailures != 1 {
		t.Fatal("the fake did not count the refused signature")
	}
	wrongVerifier := wxpaytest.DevConfig(e.api.URL, "http://127.0.0.1:2")
	wrongVerifier.PlatformPubKey = wxpaytest.MerchantPublicKey()
	c, _ = wxpay.New(ctx, wrongVerifier)
	_, err = c.Prepay(ctx, prepayReq("R20260305KEY001", 100))
	if we := wxErr(t, err); we.Code != wxpay.CodeResponseInvalid || !errors.Is(err, wxpay.ErrUnknownOutcome) || !errors.Is(err, wxpay.ErrConfiguration) {
		t.Fatalf("%+v", we)
	}
	if _, ok := e.fake.Order("R20260305KEY001"); !ok {
		t.Fatal("the order should exist although its answer was not trusted")
	}
}

// TestFakeControls: the control methods the /_local/wxpay endpoints
// (scripts/internal/wxpaylocal, tested there) serve, seen by the client.
func TestFakeControls(t *testing.T) {
	e := newEnv(t)
	e.fake.SetAutoConfirm(true)
	b, err := e.client.CreateTransfer(ctx, transferReq("D20260305L00001", 1000))
	if err != nil || b.State != wxpay.TransferWaitUserConfirm {
		t.Fatalf("%+v %v", b, err)
	}
	if ev, _ := e.recv.wait(t, wxpay.EventTransferFinished, 1)[0].Transfer(); ev.State != wxpay.TransferSuccess {
		t.Fatalf("auto-confirmed bill: %+v", ev)
	}
	e.fake.SetAutoConfirm(false)
	for range 2 {
		e.fake.FailNext(wxpaytest.APICreateTransfer, "NOT_ENOUGH")
	}
	for range 2 {
		if _, err := e.client.CreateTransfer(ctx, transferReq("D20260305L00002", 1000)); !errors.Is(err, wxpay.ErrNotEnough) {
			t.Fatalf("%v", err)
		}
	}
	if _, err := e.client.CreateTransfer(ctx, transferReq("D20260305L00002", 1000)); err != nil {
		t.Fatal(err)
	}
	if err := e.fake.ForceTransferState("D20260305L00002", wxpaytest.TransferFail, "TRANSFER_EXPIRED"); err != nil {
		t.Fatal(err)
	}
	evs := e.recv.wait(t, wxpay.EventTransferFinished, 2)
	if ev, _ := evs[1].Transfer(); ev.State != wxpay.TransferFail || ev.FailReason != "TRANSFER_EXPIRED" {
		t.Fatalf("%+v", ev)
	}
	if err := e.fake.ConfirmTransfer("NOPE", ""); !errors.Is(err, wxpaytest.ErrUnknown) {
		t.Fatalf("unknown bill: %v", err)
	}
	if err := e.fake.ConfirmTransfer("D20260305L00002", ""); err == nil || errors.Is(err, wxpaytest.ErrUnknown) {
		t.Fatalf("confirming a failed bill: %v", err)
	}
}

// SetNotifyChaos (scripts/chaos): with rate 1 every notification arrives
// twice, both copies after the jitter; with zeros one copy again.
func TestNotifyChaosDuplicatesEveryNotification(t *testing.T) {
	e := newEnv(t)
	e.fake.SetNotifyChaos(1, 20*time.Millisecond)
	for _, no := range []string{"D20260305000020", "D20260305000021"} {
		b, _ := e.client.CreateTransfer(ctx, transferReq(no, 1000))
		_ = e.fake.ConfirmTransfer(b.OutBillNo, "")
	}
	got := e.recv.wait(t, wxpay.EventTransferFinished, 4)
	ids := map[string]int{}
	for _, n := range got {
		ids[n.ID]++
	}
	if len(ids) != 2 || ids[got[0].ID] != 2 {
		t.Fatalf("copies per notification: %v", ids)
	}
	e.fake.SetNotifyChaos(0, 0)
	b, _ := e.client.CreateTransfer(ctx, transferReq("D20260305000022", 1000))
	_ = e.fake.ConfirmTransfer(b.OutBillNo, "")
	e.recv.wait(t, wxpay.EventTransferFinished, 5)
	if err := e.fake.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if all, _ := e.recv.snapshot(); len(all) != 5 {
		t.Fatalf("after the chaos: %d notifications received, want 5", len(all))
	}
}
