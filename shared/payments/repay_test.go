package payments

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/scf/scftest"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// repayRig serves every WeChat Pay callback against the wxpay fake
// (disbursements auto-confirmed); borrowers ask for repayments through
// CreateRepayment (shared/api serves it over HTTP).
type repayRig struct {
	*rig
	url string
}

func newRepayRig(t *testing.T) *repayRig {
	t.Helper()
	env := apptest.New(t, apptest.Options{IPPerMinute: 100000, UserPerMinute: 100000})
	// One process serves every concurrent callback here (SCF runs one
	// request per instance): give the pool room for the waiters.
	env.App.DB.SetMaxOpenConns(64)
	fake := wxpaytest.New(wxpaytest.Options{AutoConfirm: true})
	wx := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Close(); wx.Close() })
	var d Deps
	var ready sync.WaitGroup
	ready.Add(1)
	late := func(h func(Deps) http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ready.Wait(); h(d).ServeHTTP(w, r) })
	}
	a := env.App
	srv := scftest.Server(t, a.Log,
		scftest.Route{Pattern: "POST " + wxpay.NotifyPathTransaction, Handler: late(TransactionNotify)},
		scftest.Route{Pattern: "POST " + wxpay.NotifyPathRefund, Handler: late(RefundNotify)},
		scftest.Route{Pattern: "POST " + wxpay.NotifyPathTransfer, Handler: late(TransferNotify)},
	)
	c, err := wxpay.New(context.Background(), wxpaytest.DevConfig(wx.URL, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	d = Deps{DB: a.DB, Pay: c, Clock: env.App.Clock, Log: a.Log,
		NameOf: func(context.Context, int64) (string, error) { return "张三", nil }}.withDefaults()
	ready.Done()
	r := &repayRig{rig: &rig{env: env, fake: fake, fakes: []*wxpaytest.Fake{fake}, d: d, notifyURL: srv.URL + wxpay.NotifyPathTransaction}, url: srv.URL}
	t.Cleanup(func() { r.ledgerVerified(t) })
	return r
}

// borrower is a signed-up borrower.
type borrower struct{ UserID int64 }

func (r *repayRig) borrower(t *testing.T, name string) *borrower {
	t.Helper()
	u, _, err := mysql.Users{DB: r.env.App.DB}.FindOrCreate(context.Background(), "openid-"+name+"-"+randHex(4), "", r.env.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return &borrower{UserID: u.ID}
}

// activeLoan gives userID a credit line and a 6-month loan of amount,
// signed, disbursed and confirmed (active).
func (r *repayRig) activeLoan(t *testing.T, userID int64, amount money.Fen) (int64, lending.QuoteResult) {
	t.Helper()
	loanID, res := mysqltest.SignedLoan(t, r.env.App.DB, userID, 10_000_000, amount, r.env.Clock.Now())
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("loan %d is %s, not active", loanID, s)
	}
	return loanID, res
}

// repay asks for a repayment of body's kind and amount_fen under key and
// wants status: 200, or the HTTP status of the refusal's code.
func (r *repayRig) repay(t *testing.T, c *borrower, loanID int64, key string, body map[string]any, status int) RepaymentOrder {
	t.Helper()
	kind, _ := body["kind"].(string)
	var amount money.Fen
	switch a := body["amount_fen"].(type) {
	case int:
		amount = money.Fen(a)
	case money.Fen:
		amount = a
	}
	out, err := CreateRepayment(context.Background(), r.d, RepaymentRequest{UserID: c.UserID, LoanID: loanID, Kind: kind, AmountFen: amount,
		Key: key, Hash: fmt.Sprint(loanID, body)})
	if got := http.StatusOK; err != nil {
		got = apierr.CodeOf(err).Status()
		if got != status {
			t.Fatalf("repay %v: %v (%d), want %d", body, err, got, status)
		}
		return out
	}
	if status != http.StatusOK {
		t.Fatalf("repay %v: %+v, want %d", body, out, status)
	}
	if out.PayParams == nil || out.PayParams.Package == "" || out.PayParams.PaySign == "" || out.OutTradeNo == "" {
		t.Fatalf("no pay_params: %+v", out)
	}
	return out
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func (r *repayRig) pay(t *testing.T, outTradeNo string) {
	t.Helper()
	if err := r.fake.PayOrder(outTradeNo); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
}

func (r *repayRig) repayment(t *testing.T, outTradeNo string) mysql.Repayment {
	t.Helper()
	rp, err := mysql.Repayments{DB: r.env.App.DB}.ByTradeNo(context.Background(), outTradeNo)
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func (r *repayRig) servicing(t *testing.T, l int64, sched lending.Schedule) lending.LoanState {
	t.Helper()
	sv, err := mysql.Loans{DB: r.env.App.DB}.Servicing(context.Background(), l, sched)
	if err != nil {
		t.Fatal(err)
	}
	return sv.State
}

func (r *repayRig) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := r.env.App.DB.QueryRow(query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPayAnInstallmentThenPayOff(t *testing.T) {
	r := newRepayRig(t)
	c := r.borrower(t, "ann")
	const amount = 600_000
	loanID, q := r.activeLoan(t, c.UserID, amount)
	mch := r.d.Pay.MchID()
	netOut := int64(q.NetAmountFen)
	feeIncome0 := r.balance(t, ledger.FeeIncome)

	first := q.Installments[0]
	due := r.repay(t, c, loanID, "key-due-0001", map[string]any{"kind": "due"}, 200)
	if due.AmountFen != first.TotalFen {
		t.Fatalf("due %d, installment 1 is %d", due.AmountFen, first.TotalFen)
	}
	r.pay(t, due.OutTradeNo)
	if rp := r.repayment(t, due.OutTradeNo); rp.State != mysql.RepaymentPaid || rp.TransactionID == "" {
		t.Fatalf("repayment %+v", rp)
	}
	if b := r.balance(t, ledger.Clearing(mch)); b != -netOut+int64(first.TotalFen) {
		t.Fatalf("clearing %d", b)
	}
	if b := r.balance(t, ledger.LoanAccount(loanID, ledger.Principal)); b != int64(amount-first.PrincipalFen) {
		t.Fatalf("principal receivable %d", b)
	}
	if b := r.balance(t, ledger.InterestIncome); b != -int64(first.InterestFen) {
		t.Fatalf("interest income %d, want %d", b, -first.InterestFen)
	}
	if b := r.balance(t, ledger.FeeIncome) - feeIncome0; b != -int64(first.FeeFen) {
		t.Fatalf("fee income moved %d", b)
	}
	if u := r.used(t, c.UserID); u != amount-first.PrincipalFen {
		t.Fatalf("credit used %d", u)
	}
	st := r.servicing(t, loanID, q.Schedule)
	if st.Paid[0] != (lending.Components{FeeFen: first.FeeFen, InterestFen: first.InterestFen, PrincipalFen: first.PrincipalFen}) {
		t.Fatalf("servicing paid %+v", st.Paid[0])
	}
	r.repay(t, c, loanID, "key-due-0002", map[string]any{"kind": "due"}, http.StatusConflict)

	pq, err := PayoffQuote(context.Background(), r.d, loanID, c.UserID)
	if err != nil || pq.PayoffFen <= 0 || pq.AsOf != lending.ShanghaiDate(r.env.Clock.Now()) {
		t.Fatalf("payoff %+v %v", pq, err)
	}
	off := r.repay(t, c, loanID, "key-payoff-01", map[string]any{"kind": "payoff"}, 200)
	if off.AmountFen != pq.PayoffFen {
		t.Fatalf("payoff order %d, quote %d", off.AmountFen, pq.PayoffFen)
	}
	r.pay(t, off.OutTradeNo)
	if s := r.status(t, loanID); s != loan.Settled {
		t.Fatalf("status %s", s)
	}
	if u := r.used(t, c.UserID); u != 0 {
		t.Fatalf("credit used %d after payoff", u)
	}
	if b := r.balance(t, ledger.LoanAccount(loanID, ledger.Principal)); b != 0 {
		t.Fatalf("principal receivable %d after payoff", b)
	}
	if b := r.balance(t, ledger.Clearing(mch)); b != -netOut+int64(first.TotalFen+off.AmountFen) {
		t.Fatalf("clearing %d", b)
	}
	if n := r.count(t, `SELECT COUNT(*) FROM evidence WHERE kind = 'settlement' AND subject_id = ?`, "loan:"+itoa(loanID)); n != 1 {
		t.Fatalf("%d settlement records", n)
	}
	if n := r.count(t, `SELECT COUNT(*) FROM refunds`); n != 0 {
		t.Fatalf("%d refunds", n)
	}
	r.repay(t, c, loanID, "key-due-0003", map[string]any{"kind": "due"}, http.StatusConflict)
}

func TestOverpaymentIsRefunded(t *testing.T) {
	r := newRepayRig(t)
	c := r.borrower(t, "bob")
	loanID, q := r.activeLoan(t, c.UserID, 400_000)
	mch := r.d.Pay.MchID()
	due := r.repay(t, c, loanID, "over-due-01", map[string]any{"kind": "due"}, 200)
	off := r.repay(t, c, loanID, "over-payoff-01", map[string]any{"kind": "payoff"}, 200)
	r.pay(t, due.OutTradeNo)
	r.pay(t, off.OutTradeNo)
	if s := r.status(t, loanID); s != loan.Settled {
		t.Fatalf("status %s", s)
	}
	rp := r.repayment(t, off.OutTradeNo)
	var a lending.Allocation
	if err := r.env.App.DB.QueryRow(`SELECT allocation FROM repayments WHERE id = ?`, rp.ID).Scan(jsonOf(&a)); err != nil {
		t.Fatal(err)
	}
	if a.RefundFen <= 0 || a.AllocatedFen+a.RefundFen != off.AmountFen {
		t.Fatalf("allocation %+v of %d", a, off.AmountFen)
	}
	rf, err := mysql.Refunds{DB: r.env.App.DB}.ByNo(context.Background(), mysql.RefundNo(off.OutTradeNo))
	if err != nil || rf.State != wxpay.RefundSuccess || rf.AmountFen != a.RefundFen || rf.RefundID == "" {
		t.Fatalf("refund %+v %v", rf, err)
	}
	if fr, ok := r.fake.Refund(rf.OutRefundNo); !ok || fr.RefundFen != int64(a.RefundFen) || fr.Status != wxpaytest.RefundSuccess {
		t.Fatalf("fake refund %+v", fr)
	}
	if b := r.balance(t, ledger.RefundsPayable); b != 0 {
		t.Fatalf("refunds payable %d", b)
	}
	want := -int64(q.NetAmountFen) + int64(due.AmountFen+off.AmountFen-a.RefundFen)
	if b := r.balance(t, ledger.Clearing(mch)); b != want {
		t.Fatalf("clearing %d, want %d", b, want)
	}
	if b := r.balance(t, ledger.LoanAccount(loanID, ledger.Principal)); b != 0 {
		t.Fatalf("principal receivable %d", b)
	}
	if u := r.used(t, c.UserID); u != 0 {
		t.Fatalf("credit used %d", u)
	}
	if st := r.fake.Stats(); st.RefundsCreated != 1 {
		t.Fatalf("%d refunds created", st.RefundsCreated)
	}
	if n, err := SweepRefunds(context.Background(), r.d, 0, 10); n != 0 || err != nil {
		t.Fatalf("swept %d %v", n, err)
	}
}

type jsonScanner struct{ v any }

func (j jsonScanner) Scan(src any) error {
	switch s := src.(type) {
	case []byte:
		return json.Unmarshal(s, j.v)
	case string:
		return json.Unmarshal([]byte(s), j.v)
	}
	return nil
}

func jsonOf(v any) jsonScanner { return jsonScanner{v} }

func transactionPlain(o wxpaytest.Order) map[string]any {
	return map[string]any{"appid": wxpaytest.DevAppID, "mchid": wxpaytest.DevMchID, "out_trade_no": o.OutTradeNo,
		"transaction_id": o.TransactionID, "trade_type": "JSAPI", "trade_state": o.State, "trade_state_desc": "支付成功",
		"payer": map[string]string{"openid": o.OpenID}, "success_time": o.SuccessTime.Format(time.RFC3339),
		"amount": map[string]any{"total": o.AmountFen, "payer_total": o.AmountFen, "currency": "CNY", "payer_currency": "CNY"}}
}

func (r *repayRig) deliverTx(t *testing.T, id string, plain map[string]any, forge string) int {
	t.Helper()
	body, err := wxpaytest.NewNotificationBody(id, wxpay.EventTransactionSuccess, "支付成功", "transaction", plain, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, r.url+wxpay.NotifyPathTransaction, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	wxpaytest.SignNotification(req.Header, body, forge)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestDuplicatedShuffledPaymentNotificationsApplyOnce(t *testing.T) {
	r := newRepayRig(t)
	type paid struct {
		loanID, userID int64
		q              lending.QuoteResult
		no             string
	}
	var loans []paid
	for i := range 4 {
		c := r.borrower(t, "dup"+itoa(int64(i)))
		id, q := r.activeLoan(t, c.UserID, money.Fen(300_000+i*50_000))
		ans := r.repay(t, c, id, "dup-key-"+randHex(4), map[string]any{"kind": "due"}, 200)
		loans = append(loans, paid{id, c.UserID, q, ans.OutTradeNo})
	}
	r.fake.HoldNotifications()
	type copyOf struct {
		id    string
		plain map[string]any
	}
	var copies []copyOf
	rng := mrand.New(mrand.NewPCG(3, 5))
	for _, l := range loans {
		if err := r.fake.PayOrder(l.no); err != nil {
			t.Fatal(err)
		}
		o, _ := r.fake.Order(l.no)
		id := "EV-" + randHex(10)
		for range 1 + rng.IntN(5) {
			copies = append(copies, copyOf{id, transactionPlain(o)})
		}
	}
	rng.Shuffle(len(copies), func(i, j int) { copies[i], copies[j] = copies[j], copies[i] })
	var wg sync.WaitGroup
	for _, c := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := r.deliverTx(t, c.id, c.plain, ""); code != http.StatusNoContent {
				t.Errorf("delivery answered %d", code)
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.Log(r.env.Logs.String())
	}
	r.fake.ReleaseNotifications(true) // WeChat Pay's own copies, other ids: still once
	r.flush(t)
	for _, dl := range r.fake.Deliveries() {
		if dl.Status != http.StatusNoContent {
			t.Errorf("fake delivery %+v", dl)
		}
	}
	var in, out int64
	for _, l := range loans {
		first := l.q.Installments[0]
		out += int64(l.q.NetAmountFen)
		in += int64(first.TotalFen)
		if st := r.servicing(t, l.loanID, l.q.Schedule); st.Paid[0].TotalFen() != first.TotalFen || st.Paid[1].TotalFen() != 0 {
			t.Errorf("loan %d paid %+v", l.loanID, st.Paid[:2])
		}
		if b := r.balance(t, ledger.LoanAccount(l.loanID, ledger.Principal)); b != int64(l.q.AmountFen-first.PrincipalFen) {
			t.Errorf("loan %d principal %d", l.loanID, b)
		}
		if u := r.used(t, l.userID); u != l.q.AmountFen-first.PrincipalFen {
			t.Errorf("loan %d used %d", l.loanID, u)
		}
	}
	if b := r.balance(t, ledger.Clearing(r.d.Pay.MchID())); b != in-out {
		t.Fatalf("clearing %d, want %d", b, in-out)
	}
}

func TestForgedStaleAndMismatchedPaymentCallbacksAreRefused(t *testing.T) {
	r := newRepayRig(t)
	c := r.borrower(t, "eve")
	loanID, q := r.activeLoan(t, c.UserID, 300_000)
	ans := r.repay(t, c, loanID, "forge-key-01", map[string]any{"kind": "due"}, 200)
	r.fake.HoldNotifications()
	if err := r.fake.PayOrder(ans.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	o, _ := r.fake.Order(ans.OutTradeNo)
	good := transactionPlain(o)
	bad := transactionPlain(o)
	bad["amount"] = map[string]any{"total": o.AmountFen - 1, "payer_total": o.AmountFen - 1, "currency": "CNY"}
	unknown := transactionPlain(o)
	unknown["out_trade_no"] = "R999999T000001"
	foreign := transactionPlain(o)
	foreign["mchid"] = "1900000999"
	otherApp := transactionPlain(o)
	otherApp["appid"] = "wx0000000000000000"
	cases := []struct {
		name  string
		plain map[string]any
		forge string
		code  int
	}{
		{"forged signature", good, wxpaytest.ForgeSignature, 401},
		{"stale timestamp", good, wxpaytest.ForgeStaleTimestamp, 400},
		{"amount mismatch", bad, "", 400},
		{"unknown order", unknown, "", 400},
		{"another merchant", foreign, "", 400},
		{"another app", otherApp, "", 400},
	}
	clearing := r.balance(t, ledger.Clearing(r.d.Pay.MchID()))
	for _, tc := range cases {
		if code := r.deliverTx(t, "EV-"+randHex(8), tc.plain, tc.forge); code != tc.code {
			t.Errorf("%s: answered %d, want %d", tc.name, code, tc.code)
		}
		if rp := r.repayment(t, ans.OutTradeNo); rp.State != mysql.RepaymentCreated {
			t.Fatalf("%s: repayment %s", tc.name, rp.State)
		}
		if b := r.balance(t, ledger.Clearing(r.d.Pay.MchID())); b != clearing {
			t.Fatalf("%s moved clearing", tc.name)
		}
	}
	if n := r.count(t, `SELECT COUNT(*) FROM loan_servicing`); n != 0 {
		t.Fatalf("servicing written by a refused callback")
	}
	// Each refusal is counted for job-monitor under its route and reason.
	refused := map[string]int64{}
	counts, err := mysql.CallbackRefusals{DB: r.d.DB}.InHour(context.Background(),
		r.d.Clock.Now().In(lending.Shanghai).Truncate(time.Hour))
	for _, c := range counts {
		refused[c.Route+"/"+c.Reason] += c.N
	}
	want := map[string]int64{"notify-wxpay-transaction/bad_signature": 1, "notify-wxpay-transaction/stale_timestamp": 1,
		"notify-wxpay-transaction/no_match": 2, "notify-wxpay-transaction/wrong_merchant": 2}
	if err != nil || fmt.Sprint(refused) != fmt.Sprint(want) {
		t.Fatalf("refusals counted %v, want %v (%v)", refused, want, err)
	}
	// Counting that fails changes no answer.
	if _, err := r.d.DB.Exec(`DROP TABLE callback_refusals`); err != nil {
		t.Fatal(err)
	}
	if code := r.deliverTx(t, "EV-"+randHex(8), good, wxpaytest.ForgeSignature); code != http.StatusUnauthorized {
		t.Fatalf("forged, uncountable: answered %d", code)
	}
	id := "EV-" + randHex(8)
	for range 3 {
		if code := r.deliverTx(t, id, good, ""); code != http.StatusNoContent {
			t.Fatalf("genuine answered %d", code)
		}
	}
	if b := r.balance(t, ledger.Clearing(r.d.Pay.MchID())); b != clearing+int64(q.Installments[0].TotalFen) {
		t.Fatalf("clearing %d", b)
	}
}

func TestRepayIdempotencyAndValidation(t *testing.T) {
	r := newRepayRig(t)
	c := r.borrower(t, "ida")
	other := r.borrower(t, "oscar")
	loanID, q := r.activeLoan(t, c.UserID, 300_000)
	body := map[string]any{"kind": "amount", "amount_fen": 12_345}
	first := r.repay(t, c, loanID, "idem-key-001", body, 200)
	again := r.repay(t, c, loanID, "idem-key-001", body, 200)
	if first.RepaymentID != again.RepaymentID || first.OutTradeNo != again.OutTradeNo || again.AmountFen != 12_345 ||
		first.PayParams.Package != again.PayParams.Package {
		t.Fatalf("replay %+v vs %+v", again, first)
	}
	if n := r.fake.Stats().OrdersCreated; n != 1 {
		t.Fatalf("%d orders", n)
	}
	if n := r.count(t, `SELECT COUNT(*) FROM repayments`); n != 1 {
		t.Fatalf("%d repayments", n)
	}
	cases := []struct {
		c      *borrower
		loan   int64
		key    string
		body   map[string]any
		status int
	}{
		{c, loanID, "idem-key-001", map[string]any{"kind": "amount", "amount_fen": 999}, http.StatusConflict},
		{other, loanID, "idem-key-002", body, http.StatusNotFound},
		{c, loanID + 1000, "idem-key-003", body, http.StatusNotFound},
		{c, loanID, "idem-key-004", map[string]any{"kind": "everything"}, http.StatusBadRequest},
		{c, loanID, "idem-key-005", map[string]any{"kind": "amount"}, http.StatusBadRequest},
		{c, loanID, "idem-key-006", map[string]any{"kind": "amount", "amount_fen": -1}, http.StatusBadRequest},
		{c, loanID, "idem-key-007", map[string]any{"kind": "due", "amount_fen": 5}, http.StatusBadRequest},
		{c, loanID, "idem-key-008", map[string]any{"kind": "amount", "amount_fen": q.AmountFen + 1}, http.StatusConflict},
	}
	for _, tc := range cases {
		r.repay(t, tc.c, tc.loan, tc.key, tc.body, tc.status)
	}
	if n := r.count(t, `SELECT COUNT(*) FROM repayments`); n != 1 {
		t.Fatalf("%d repayments after refusals", n)
	}
	r.pay(t, first.OutTradeNo)
	if b := r.balance(t, ledger.Clearing(r.d.Pay.MchID())); b != -int64(q.NetAmountFen)+12_345 {
		t.Fatalf("clearing %d", b)
	}
}
