package payments

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/disbursement"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/scf/scftest"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

type rig struct {
	env       *apptest.Env
	fake      *wxpaytest.Fake   // the first merchant account
	fakes     []*wxpaytest.Fake // one per route
	d         Deps
	notifyURL string
}

func newRig(t *testing.T, opts wxpaytest.Options, partLimit money.Fen) *rig {
	return newRoutedRig(t, opts, partLimit, 1)
}

// routeMchIDs are the merchant numbers of a routed rig's accounts.
var routeMchIDs = []string{wxpaytest.DevMchID, "1230000110", "1230000111"}

// newRoutedRig has routes merchant accounts, each its own fake on its own
// host, all notifying the one transfer callback.
func newRoutedRig(t *testing.T, opts wxpaytest.Options, partLimit money.Fen, routes int) *rig {
	t.Helper()
	env := apptest.New(t, apptest.Options{})
	var h atomic.Pointer[http.Handler]
	srv := scftest.Server(t, env.App.Log, scftest.Route{Pattern: "POST " + wxpay.NotifyPathTransfer,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*h.Load()).ServeHTTP(w, r) })})
	r := &rig{env: env, notifyURL: srv.URL + wxpay.NotifyPathTransfer}
	var clients []*wxpay.Client
	for i := range routes {
		o := opts
		o.MchID = routeMchIDs[i]
		fake := wxpaytest.New(o)
		api := httptest.NewServer(fake)
		t.Cleanup(func() { fake.Close(); api.Close() })
		cfg := wxpaytest.DevConfig(api.URL, srv.URL)
		cfg.MchID = o.MchID
		c, err := wxpay.New(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		r.fakes, clients = append(r.fakes, fake), append(clients, c)
	}
	r.fake = r.fakes[0]
	r.d = Deps{DB: env.App.DB, Pay: clients[0], Routes: clients, Clock: env.App.Clock, Log: env.App.Log, PartLimitFen: partLimit,
		NameOf: func(context.Context, int64) (string, error) { return "张三", nil }}.withDefaults()
	var handler http.Handler = TransferNotify(r.d)
	h.Store(&handler)
	t.Cleanup(func() { r.ledgerVerified(t) })
	return r
}

func (r *rig) ledgerVerified(t *testing.T) {
	v, err := mysql.Ledger{DB: r.env.App.DB}.Verify(context.Background())
	if err != nil || len(v) != 0 {
		t.Errorf("ledger verifier: %v %+v", err, v)
	}
}

func (r *rig) balance(t *testing.T, a ledger.Account) int64 {
	t.Helper()
	b, err := mysql.Ledger{DB: r.env.App.DB}.Balance(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// signedLoan makes a borrower with a credit line and a signed loan of
// amount (as loan-create and contract-sign would).
func (r *rig) signedLoan(t *testing.T, amount money.Fen) (loanID, userID int64) {
	t.Helper()
	db, now := r.env.App.DB, r.env.Clock.Now()
	u, _, err := mysql.Users{DB: db}.FindOrCreate(context.Background(), "openid-"+randHex(8), "", now)
	if err != nil {
		t.Fatal(err)
	}
	loanID, _ = mysqltest.SignedLoan(t, db, u.ID, amount*2, amount, now)
	return loanID, u.ID
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (r *rig) status(t *testing.T, loanID int64) loan.Status {
	t.Helper()
	l, err := mysql.Loans{DB: r.env.App.DB}.ByID(context.Background(), loanID)
	if err != nil {
		t.Fatal(err)
	}
	return l.Status
}

func (r *rig) parts(t *testing.T, loanID int64) []disbursement.Part {
	t.Helper()
	ps, err := r.d.store().ForLoan(context.Background(), loanID)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

func (r *rig) flush(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, f := range r.fakes {
		if err := f.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
}

func (r *rig) used(t *testing.T, userID int64) money.Fen {
	t.Helper()
	line, err := mysql.CreditLines{DB: r.env.App.DB}.Get(context.Background(), userID)
	if err != nil {
		t.Fatal(err)
	}
	return line.UsedFen
}

func TestSplitFen(t *testing.T) {
	cases := []struct {
		amount, limit money.Fen
		want          []money.Fen
	}{
		{100, 100, []money.Fen{100}},
		{101, 100, []money.Fen{51, 50}},
		{250000, 100000, []money.Fen{83334, 83333, 83333}},
		{2_000_000, DefaultPartLimitFen, []money.Fen{2_000_000}},
		{0, 100, nil},
		{-5, 100, nil},
		{100, 0, nil},
	}
	for _, c := range cases {
		got := SplitFen(c.amount, c.limit)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("SplitFen(%d, %d) = %v, want %v", c.amount, c.limit, got, c.want)
		}
		var sum money.Fen
		for _, g := range got {
			sum += g
			if g > c.limit {
				t.Errorf("part %d above limit %d", g, c.limit)
			}
		}
		if len(got) > 0 && sum != c.amount {
			t.Errorf("SplitFen(%d) sums to %d", c.amount, sum)
		}
	}
	if no := OutBillNo(42, 3, 1); no != "D42P3" {
		t.Fatal(no)
	}
	if no := OutBillNo(42, 3, 2); no != "D42P3A2" {
		t.Fatal(no)
	}
}

func TestConcurrentTriggersMakeOneTransferPerPart(t *testing.T) {
	r := newRig(t, wxpaytest.Options{}, 100_000)
	loanID, userID := r.signedLoan(t, 250_000)
	var wg sync.WaitGroup
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Disburse(context.Background(), r.d, loanID); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	parts := r.parts(t, loanID)
	if len(parts) != 3 || r.fake.Stats().TransfersCreated != 3 {
		t.Fatalf("%d parts, %d transfers", len(parts), r.fake.Stats().TransfersCreated)
	}
	for _, p := range parts {
		if n := r.fake.TransferCreateCalls(p.OutBillNo); n != 1 {
			t.Fatalf("%s created %d times", p.OutBillNo, n)
		}
		if p.State != wxpay.TransferWaitUserConfirm || p.PackageInfo == "" {
			t.Fatalf("part %+v", p)
		}
	}
	if s := r.status(t, loanID); s != loan.Disbursing {
		t.Fatalf("status %s", s)
	}
	for _, p := range parts {
		if err := r.fake.ConfirmPackage(p.PackageInfo, ""); err != nil {
			t.Fatal(err)
		}
	}
	r.flush(t)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s after confirmation", s)
	}
	if b := r.balance(t, ledger.LoanAccount(loanID, ledger.Principal)); b != 250_000 {
		t.Fatalf("principal receivable %d", b)
	}
	if b := r.balance(t, ledger.Clearing(r.d.Pay.MchID())); b != -250_000 {
		t.Fatalf("clearing %d", b)
	}
	if u := r.used(t, userID); u != 250_000 {
		t.Fatalf("credit used %d", u)
	}
}

// deliver posts one signed notification (id, plain) to the handler.
func (r *rig) deliver(t *testing.T, id string, plain map[string]any, forge string) int {
	t.Helper()
	body, err := wxpaytest.NewNotificationBody(id, wxpay.EventTransferFinished, "商家转账单据终态通知", "mch_payment", plain, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, r.notifyURL, bytes.NewReader(body))
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

func transferPlain(tr wxpaytest.Transfer) map[string]any {
	m := map[string]any{"mchid": wxpaytest.DevMchID, "out_bill_no": tr.OutBillNo, "transfer_bill_no": tr.TransferBillNo,
		"state": tr.State, "transfer_amount": tr.AmountFen, "openid": tr.OpenID,
		"create_time": tr.CreateTime.Format(time.RFC3339), "update_time": tr.UpdateTime.Format(time.RFC3339)}
	if tr.FailReason != "" {
		m["fail_reason"] = tr.FailReason
	}
	return m
}

func TestDuplicatedShuffledNotificationsApplyOnce(t *testing.T) {
	r := newRig(t, wxpaytest.Options{}, 100_000)
	r.fake.HoldNotifications()
	type want struct {
		loanID, userID int64
		amount         money.Fen
		fail           bool
	}
	var loans []want
	for i := range 6 {
		id, uid := r.signedLoan(t, money.Fen(150_000+i*10_000))
		loans = append(loans, want{id, uid, money.Fen(150_000 + i*10_000), i%3 == 2})
		if err := Disburse(context.Background(), r.d, id); err != nil {
			t.Fatal(err)
		}
	}
	type copyOf struct {
		id    string
		plain map[string]any
	}
	var copies []copyOf
	rng := mrand.New(mrand.NewPCG(7, 11))
	for _, l := range loans {
		for _, p := range r.parts(t, l.loanID) {
			reason := ""
			if l.fail {
				reason = "ACCOUNT_FROZEN"
			}
			if err := r.fake.ConfirmTransfer(p.OutBillNo, reason); err != nil {
				t.Fatal(err)
			}
			tr, _ := r.fake.Transfer(p.OutBillNo)
			id := "EV-" + randHex(10)
			for range 1 + rng.IntN(5) {
				copies = append(copies, copyOf{id, transferPlain(tr)})
			}
		}
	}
	rng.Shuffle(len(copies), func(i, j int) { copies[i], copies[j] = copies[j], copies[i] })
	var wg sync.WaitGroup
	for _, c := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code := r.deliver(t, c.id, c.plain, ""); code != http.StatusNoContent {
				t.Errorf("delivery answered %d", code)
			}
		}()
	}
	wg.Wait()
	var paid int64
	for _, l := range loans {
		st, principal, used := r.status(t, l.loanID), r.balance(t, ledger.LoanAccount(l.loanID, ledger.Principal)), r.used(t, l.userID)
		switch {
		case l.fail && (st != loan.Cancelled || principal != 0 || used != 0):
			t.Errorf("failed loan %d: %s principal %d used %d", l.loanID, st, principal, used)
		case !l.fail && (st != loan.Active || principal != int64(l.amount) || used != l.amount):
			t.Errorf("paid loan %d: %s principal %d used %d", l.loanID, st, principal, used)
		}
		if !l.fail {
			paid += int64(l.amount)
		}
	}
	if b := r.balance(t, ledger.Clearing(r.d.Pay.MchID())); b != -paid {
		t.Fatalf("clearing %d, want %d", b, -paid)
	}
}

func TestFaultsStillEndEveryLoanFinal(t *testing.T) {
	if n := faultRun(t, newRig(t, wxpaytest.Options{AutoConfirm: true}, 100_000)); n != 0 {
		t.Fatalf("%d numbers rerouted with one merchant account", n)
	}
}

// With three merchant accounts each refusing 20% of calls (NOT_ENOUGH
// among them, which reroutes), every part is still paid exactly once.
func TestFaultsOverRoutedMerchantsStillEndEveryLoanFinal(t *testing.T) {
	if n := faultRun(t, newRoutedRig(t, wxpaytest.Options{AutoConfirm: true}, 100_000, 3)); n == 0 {
		t.Fatal("no NOT_ENOUGH rerouted (fault seeds changed?)")
	}
}

// faultRun disburses eight loans under random faults until every one is
// final, checks each part was paid once, and returns how many numbers
// were rerouted.
func faultRun(t *testing.T, r *rig) int {
	for i, f := range r.fakes {
		f.SetFaultRate(0.2, uint64(42+i), "SYSTEM_ERROR", "FREQUENCY_LIMITED", "NOT_ENOUGH", wxpaytest.FaultCorrupt)
	}
	var ids []int64
	var total int64
	for i := range 8 {
		amount := money.Fen(120_000 + i*7_001)
		id, _ := r.signedLoan(t, amount)
		ids = append(ids, id)
		total += int64(amount)
		_ = Disburse(context.Background(), r.d, id)
	}
	for round := 0; ; round++ {
		r.flush(t)
		open := 0
		for _, id := range ids {
			if s := r.status(t, id); !s.Final() && s != loan.Active {
				open++
			}
		}
		if open == 0 {
			break
		}
		if round == 100 {
			t.Fatalf("%d loans still open", open)
		}
		_, _ = SweepTransfers(context.Background(), r.d, 0, 100)
	}
	var parts, created, faults, rerouted int
	for _, id := range ids {
		if s := r.status(t, id); s != loan.Active {
			t.Errorf("loan %d %s", id, s)
		}
		rows := r.parts(t, id)
		for _, p := range rows {
			if p.State == disbursement.Rerouted {
				rerouted++
			}
		}
		cur := disbursement.Current(rows)
		for _, p := range cur {
			if p.State != wxpay.TransferSuccess {
				t.Errorf("part %+v", p)
			}
		}
		parts += len(cur)
	}
	var cleared int64
	for i, f := range r.fakes {
		st := f.Stats()
		created, faults = created+st.TransfersCreated, faults+st.FaultsInjected
		cleared += r.balance(t, ledger.Clearing(routeMchIDs[i]))
	}
	if created != parts || faults == 0 {
		t.Fatalf("%d transfers for %d parts, %d faults", created, parts, faults)
	}
	if cleared != -total {
		t.Fatalf("clearing %d, want %d", cleared, -total)
	}
	t.Logf("%d parts, %d faults served, %d numbers rerouted", parts, faults, rerouted)
	return rerouted
}

func TestSweeperFinishesADisbursementKilledAfterCreate(t *testing.T) {
	r := newRig(t, wxpaytest.Options{AutoConfirm: true}, 0)
	r.fake.HoldNotifications()
	ctx := context.Background()
	loanID, userID := r.signedLoan(t, 80_000)
	uid, parts, err := startDisbursement(ctx, r.d, loanID)
	if err != nil || uid != userID || len(parts) != 1 {
		t.Fatalf("%d %v %v", uid, parts, err)
	}
	// The process claims the call, sends it, and dies before saving.
	if ok, err := claim(ctx, r.d, &parts[0]); !ok || err != nil {
		t.Fatalf("claim %v %v", ok, err)
	}
	req, err := transferRequest(ctx, r.d, userID, parts[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.d.Pay.CreateTransfer(ctx, req); err != nil {
		t.Fatal(err)
	}
	if p := r.parts(t, loanID)[0]; p.State != disbursement.Creating {
		t.Fatalf("state %s", p.State)
	}
	if err := Disburse(ctx, r.d, loanID); err != nil {
		t.Fatal(err)
	}
	if n, err := SweepTransfers(ctx, r.d, 0, 10); n != 1 || err != nil {
		t.Fatalf("swept %d %v", n, err)
	}
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	if n := r.fake.TransferCreateCalls(parts[0].OutBillNo); n != 1 || r.fake.Stats().TransfersCreated != 1 {
		t.Fatalf("create calls %d", n)
	}
	if n, _ := SweepTransfers(ctx, r.d, 0, 10); n != 0 {
		t.Fatalf("swept a final part again: %d", n)
	}
}

func TestSweeperResendsANumberNeverSent(t *testing.T) {
	r := newRig(t, wxpaytest.Options{AutoConfirm: true}, 0)
	ctx := context.Background()
	loanID, _ := r.signedLoan(t, 80_000)
	if _, _, err := startDisbursement(ctx, r.d, loanID); err != nil {
		t.Fatal(err)
	}
	if _, err := SweepTransfers(ctx, r.d, 0, 10); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	if n := r.fake.TransferCreateCalls(OutBillNo(loanID, 1, 1)); n != 1 {
		t.Fatalf("create calls %d", n)
	}
}

func TestFinalTransferFailureCancelsTheLoan(t *testing.T) {
	r := newRig(t, wxpaytest.Options{}, 0)
	loanID, userID := r.signedLoan(t, 80_000)
	r.fake.FailNext(wxpaytest.APICreateTransfer, "ACCOUNT_FROZEN")
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	if s := r.status(t, loanID); s != loan.Cancelled {
		t.Fatalf("status %s", s)
	}
	if u := r.used(t, userID); u != 0 {
		t.Fatalf("credit used %d", u)
	}
	if p := r.parts(t, loanID)[0]; p.State != wxpay.TransferFail || p.FailReason != "ACCOUNT_FROZEN" {
		t.Fatalf("part %+v", p)
	}
}

func TestForgedStaleAndMismatchedCallbacksAreRefused(t *testing.T) {
	r := newRig(t, wxpaytest.Options{}, 0)
	r.fake.HoldNotifications()
	loanID, _ := r.signedLoan(t, 80_000)
	if err := Disburse(context.Background(), r.d, loanID); err != nil {
		t.Fatal(err)
	}
	no := OutBillNo(loanID, 1, 1)
	if err := r.fake.ConfirmTransfer(no, ""); err != nil {
		t.Fatal(err)
	}
	tr, _ := r.fake.Transfer(no)
	good := transferPlain(tr)
	bad := transferPlain(tr)
	bad["transfer_amount"] = tr.AmountFen + 1
	unknown := transferPlain(tr)
	unknown["out_bill_no"] = "D999999P1"
	foreign := transferPlain(tr)
	foreign["mchid"] = "1900000999"
	cases := []struct {
		name  string
		plain map[string]any
		forge string
		code  int
	}{
		{"forged signature", good, wxpaytest.ForgeSignature, 401},
		{"stale timestamp", good, wxpaytest.ForgeStaleTimestamp, 400},
		{"amount mismatch", bad, "", 400},
		{"unknown bill", unknown, "", 400},
		{"another merchant", foreign, "", 400},
	}
	for _, c := range cases {
		if code := r.deliver(t, "EV-"+randHex(8), c.plain, c.forge); code != c.code {
			t.Errorf("%s: answered %d, want %d", c.name, code, c.code)
		}
		if s := r.status(t, loanID); s != loan.Disbursing {
			t.Fatalf("%s changed the loan to %s", c.name, s)
		}
	}
	id := "EV-" + randHex(8)
	for range 3 {
		if code := r.deliver(t, id, good, ""); code != http.StatusNoContent {
			t.Fatalf("genuine answered %d", code)
		}
	}
	if s := r.status(t, loanID); s != loan.Active {
		t.Fatalf("status %s", s)
	}
	if b := r.balance(t, ledger.LoanAccount(loanID, ledger.Principal)); b != 80_000 {
		t.Fatalf("principal %d", b)
	}
}
