package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/scf/scftest"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// billRig serves loan-get beside repay-create and the WeChat Pay
// callbacks, against the wxpay fake (transfers confirmed at once), so a
// repayment is paid the way a borrower pays it.
type billRig struct {
	*stack
	fake *wxpaytest.Fake
	d    payments.Deps
}

func newBillRig(t *testing.T) *billRig {
	t.Helper()
	env := apptest.New(t, apptest.Options{IPPerMinute: 100000, UserPerMinute: 100000})
	fake := wxpaytest.New(wxpaytest.Options{AutoConfirm: true})
	wx := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Close(); wx.Close() })
	r := &billRig{fake: fake}
	var ready sync.WaitGroup
	ready.Add(1)
	late := func(h func(payments.Deps) http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { ready.Wait(); h(r.d).ServeHTTP(w, req) })
	}
	a := env.App
	srv := scftest.Server(t, a.Log, append(loanRoutes(a),
		scftest.Route{Pattern: "POST /v1/loans/repay/{id}", Handler: late(func(d payments.Deps) http.Handler { return api.RepayCreate(a, d) })},
		scftest.Route{Pattern: "POST " + wxpay.NotifyPathTransaction, Handler: late(payments.TransactionNotify)},
		scftest.Route{Pattern: "POST " + wxpay.NotifyPathRefund, Handler: late(payments.RefundNotify)},
		scftest.Route{Pattern: "POST " + wxpay.NotifyPathTransfer, Handler: late(payments.TransferNotify)},
	)...)
	c, err := wxpay.New(context.Background(), wxpaytest.DevConfig(wx.URL, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	r.d = payments.Deps{DB: a.DB, Pay: c, Clock: a.Clock, Log: a.Log, NameOf: func(context.Context, int64) (string, error) { return "张三", nil }}
	ready.Done()
	r.stack = &stack{env: env, url: srv.URL}
	t.Cleanup(func() { ledgerVerified(t, env) })
	return r
}

// loanRoutes serves a borrower who signs in, quotes, borrows and reads
// the loan; each stack adds its own endpoints.
func loanRoutes(a *app.App) []scftest.Route {
	return []scftest.Route{
		{Pattern: "POST /v1/auth/login", Handler: api.Login(a)},
		{Pattern: "POST /v1/loans/quote", Handler: api.Quote(a)},
		{Pattern: "POST /v1/loans/create", Handler: api.LoanCreate(a)},
		{Pattern: "GET /v1/loans/detail/{id}", Handler: api.LoanGet(a)},
	}
}

// loanBody is loan-get's answer, bill decoded with lending's own types.
type loanBody struct {
	Status     loan.Status         `json:"status"`
	Schedule   lending.QuoteResult `json:"schedule"`
	Bill       *lending.Bill       `json:"bill"`
	DPD        int                 `json:"dpd"`
	OverdueFen money.Fen           `json:"overdue_fen"`
	PenaltyFen money.Fen           `json:"penalty_fen"`
}

// createdLoan quotes amount for 6 months and creates the loan with key;
// it returns the loan's id.
func createdLoan(t *testing.T, c *apitest.Client, key string, amount int64) int64 {
	t.Helper()
	resp, err := createLoan(c, key, quote(t, c, amount))
	want(t, resp, err, 201, "")
	var created struct {
		LoanID int64 `json:"loan_id"`
	}
	_ = resp.Decode(&created)
	return created.LoanID
}

func getLoan(t *testing.T, c *apitest.Client, loanID int64) loanBody {
	t.Helper()
	resp, err := c.Get(context.Background(), apitest.LoanPath("detail", loanID))
	want(t, resp, err, 200, "")
	var b loanBody
	if err := json.Unmarshal(resp.Body, &b); err != nil || b.Bill == nil {
		t.Fatalf("loan-get %v: %s", err, resp.Body)
	}
	return b
}

// repay makes a repayment order, pays it in the fake and waits for the
// notification; it returns the order's amount.
func (r *billRig) repay(t *testing.T, c *apitest.Client, loanID int64, key string, body map[string]any) money.Fen {
	t.Helper()
	resp, err := c.SendWith(context.Background(), http.MethodPost, apitest.LoanPath("repay", loanID), body,
		map[string]string{"Idempotency-Key": key})
	want(t, resp, err, 200, "")
	var out struct {
		OutTradeNo string    `json:"out_trade_no"`
		AmountFen  money.Fen `json:"amount_fen"`
	}
	_ = resp.Decode(&out)
	if err := r.fake.PayOrder(out.OutTradeNo); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	return out.AmountFen
}

func (r *billRig) flush(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.fake.Flush(ctx); err != nil {
		t.Fatal(err)
	}
}

func (r *billRig) balance(t *testing.T, a ledger.Account) money.Fen {
	t.Helper()
	b, err := mysql.Ledger{DB: r.env.DB.DB}.Balance(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	return money.Fen(b)
}

// checkBillInvariants: per installment and part scheduled = paid + waived
// + outstanding; the totals are the sums over the installments, their
// principal the loan amount; what the bill says is paid is what the
// ledger booked for the loan.
func (r *billRig) checkBillInvariants(t *testing.T, loanID int64, b loanBody, booked bool) {
	t.Helper()
	var sum lending.BillTotals
	for _, in := range b.Bill.Installments {
		for _, p := range []struct {
			name                              string
			scheduled, paid, waived, outstand money.Fen
		}{
			{"principal", in.Scheduled.PrincipalFen, in.Paid.PrincipalFen, in.Waived.PrincipalFen, in.Outstanding.PrincipalFen},
			{"interest", in.Scheduled.InterestFen, in.Paid.InterestFen, in.Waived.InterestFen, in.Outstanding.InterestFen},
			{"fee", in.Scheduled.FeeFen, in.Paid.FeeFen, in.Waived.FeeFen, in.Outstanding.FeeFen},
			{"penalty", in.Scheduled.PenaltyFen, in.Paid.PenaltyFen, in.Waived.PenaltyFen, in.Outstanding.PenaltyFen},
			{"total", in.Scheduled.TotalFen, in.Paid.TotalFen, in.Waived.TotalFen, in.Outstanding.TotalFen},
		} {
			if p.scheduled != p.paid+p.waived+p.outstand || p.paid < 0 || p.waived < 0 || p.outstand < 0 {
				t.Fatalf("installment %d %s: scheduled %d != paid %d + waived %d + outstanding %d", in.Seq, p.name, p.scheduled, p.paid, p.waived, p.outstand)
			}
		}
		sum = lending.BillTotals{Scheduled: plus(sum.Scheduled, in.Scheduled), Paid: plus(sum.Paid, in.Paid),
			Waived: plus(sum.Waived, in.Waived), Outstanding: plus(sum.Outstanding, in.Outstanding)}
	}
	if sum != b.Bill.Totals || sum.Scheduled.PrincipalFen != b.Schedule.AmountFen {
		t.Fatalf("totals %+v, sums %+v, amount %d", b.Bill.Totals, sum, b.Schedule.AmountFen)
	}
	if !booked {
		return
	}
	paid := sum.Paid
	if got := b.Schedule.AmountFen - r.balance(t, ledger.LoanAccount(loanID, ledger.Principal)); got != paid.PrincipalFen+sum.Waived.PrincipalFen {
		t.Fatalf("ledger: principal repaid %d, bill says %d paid", got, paid.PrincipalFen)
	}
	if got := -r.balance(t, ledger.InterestIncome); got != paid.InterestFen {
		t.Fatalf("ledger: interest income %d, bill says %d paid", got, paid.InterestFen)
	}
}

func plus(a, b lending.BillAmounts) lending.BillAmounts {
	return lending.BillAmounts{PrincipalFen: a.PrincipalFen + b.PrincipalFen, InterestFen: a.InterestFen + b.InterestFen,
		FeeFen: a.FeeFen + b.FeeFen, PenaltyFen: a.PenaltyFen + b.PenaltyFen, TotalFen: a.TotalFen + b.TotalFen}
}

func states(b loanBody) []lending.InstallmentState {
	out := make([]lending.InstallmentState, len(b.Bill.Installments))
	for i, in := range b.Bill.Installments {
		out[i] = in.State
	}
	return out
}

func wantStates(t *testing.T, b loanBody, want ...lending.InstallmentState) {
	t.Helper()
	if got := states(b); !slices.Equal(got, want) {
		t.Fatalf("states %v, want %v", got, want)
	}
}

// TestBillFollowsEveryRepayment: a 6-month loan shown before
// disbursement, then after a partial repayment, the rest of installment 1,
// two installments paid once overdue, and a payoff, all driven through
// repay-create and the WeChat Pay fake's notifications. After each step
// the bill adds up to the fen and agrees with the ledger; the amount of a
// repayment of kind due is the bill's due_now_fen.
func TestBillFollowsEveryRepayment(t *testing.T) {
	r := newBillRig(t)
	ctx := context.Background()
	c := r.client(t, "bill")
	grantCredit(t, r.env, c.UserID, 1_000_000)
	id := createdLoan(t, c, "key-bill-loan", 600_000)
	const notDue, due, partly, paid, overdue = lending.InstallmentNotDue, lending.InstallmentDue, lending.InstallmentPartlyPaid,
		lending.InstallmentPaid, lending.InstallmentOverdue

	b := getLoan(t, c, id)
	wantStates(t, b, notDue, notDue, notDue, notDue, notDue, notDue)
	if b.Bill.Standing != lending.StandingPending || b.Bill.DueNowFen != 0 || b.Bill.Totals.Paid.TotalFen != 0 ||
		b.Bill.Totals.Outstanding.TotalFen != b.Schedule.TotalRepayFen || b.Bill.GraceDays != 3 {
		t.Fatalf("before disbursement: %+v", b.Bill)
	}
	r.checkBillInvariants(t, id, b, false)

	if err := (mysql.Loans{DB: r.env.App.DB}).Transition(ctx, mysql.Transition{LoanID: id, From: loan.Applied, To: loan.Signed, Reason: "signed"}, r.env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := payments.Disburse(ctx, r.d, id); err != nil {
		t.Fatal(err)
	}
	r.flush(t)
	b = getLoan(t, c, id)
	first := b.Schedule.Installments[0]
	wantStates(t, b, due, notDue, notDue, notDue, notDue, notDue)
	if b.Status != loan.Active || b.Bill.DueNowFen != first.TotalFen || b.Bill.AsOf != lending.ShanghaiDate(r.env.Clock.Now()) {
		t.Fatalf("after disbursement: %s %+v", b.Status, b.Bill)
	}
	r.checkBillInvariants(t, id, b, true)

	// 300.00: the standard product takes installment 1's interest first.
	r.repay(t, c, id, "key-bill-part", map[string]any{"kind": "amount", "amount_fen": 300_00})
	b = getLoan(t, c, id)
	wantStates(t, b, partly, notDue, notDue, notDue, notDue, notDue)
	in := b.Bill.Installments[0]
	if in.Paid != (lending.BillAmounts{InterestFen: first.InterestFen, PrincipalFen: 300_00 - first.InterestFen, TotalFen: 300_00}) ||
		in.Outstanding.TotalFen != first.TotalFen-300_00 || b.Bill.DueNowFen != in.Outstanding.TotalFen {
		t.Fatalf("after 300.00: %+v, due now %d", in, b.Bill.DueNowFen)
	}
	r.checkBillInvariants(t, id, b, true)

	// Kind due takes exactly the rest of installment 1.
	if got := r.repay(t, c, id, "key-bill-due1", map[string]any{"kind": "due"}); got != b.Bill.DueNowFen {
		t.Fatalf("kind due charged %d, the bill said %d", got, b.Bill.DueNowFen)
	}
	b = getLoan(t, c, id)
	wantStates(t, b, paid, notDue, notDue, notDue, notDue, notDue)
	if in := b.Bill.Installments[0]; in.Paid != in.Scheduled || in.Outstanding != (lending.BillAmounts{}) || b.Bill.DueNowFen != 0 {
		t.Fatalf("after installment 1: %+v", in)
	}
	r.checkBillInvariants(t, id, b, true)

	// Four days after installment 2's due date (3 grace days): overdue;
	// installment 3 is the current one. Kind due pays both.
	second := b.Schedule.Installments[1]
	r.env.Clock.Advance(time.Date(second.DueDate.Year, second.DueDate.Month, second.DueDate.Day+4, 12, 0, 0, 0, lending.Shanghai).Sub(r.env.Clock.Now()))
	c = r.client(t, "bill") // the session expired meanwhile
	b = getLoan(t, c, id)
	wantStates(t, b, paid, overdue, due, notDue, notDue, notDue)
	if b.Bill.Installments[1].DaysPastDue != 4 || b.Bill.Installments[2].DaysPastDue != 0 ||
		b.Bill.DueNowFen != second.TotalFen+b.Schedule.Installments[2].TotalFen {
		t.Fatalf("overdue: %+v", b.Bill)
	}
	if b.DPD != 4 || b.OverdueFen != second.TotalFen || b.PenaltyFen != 0 {
		t.Fatalf("overdue: dpd %d, overdue %d, penalty %d (no close of business has run)", b.DPD, b.OverdueFen, b.PenaltyFen)
	}
	r.checkBillInvariants(t, id, b, true)
	if got := r.repay(t, c, id, "key-bill-due2", map[string]any{"kind": "due"}); got != b.Bill.DueNowFen {
		t.Fatalf("kind due charged %d, the bill said %d", got, b.Bill.DueNowFen)
	}
	b = getLoan(t, c, id)
	wantStates(t, b, paid, paid, paid, notDue, notDue, notDue)
	if b.DPD != 0 || b.OverdueFen != 0 {
		t.Fatalf("after paying: dpd %d, overdue %d", b.DPD, b.OverdueFen)
	}
	r.checkBillInvariants(t, id, b, true)

	// Payoff: settled; later interest is waived, never paid.
	before := b.Bill.Totals
	off := r.repay(t, c, id, "key-bill-payoff", map[string]any{"kind": "payoff"})
	b = getLoan(t, c, id)
	wantStates(t, b, paid, paid, paid, paid, paid, paid)
	tot := b.Bill.Totals
	if b.Status != loan.Settled || b.Bill.Standing != lending.StandingSettled || tot.Outstanding != (lending.BillAmounts{}) ||
		tot.Paid.TotalFen != before.Paid.TotalFen+off || tot.Paid.PrincipalFen != b.Schedule.AmountFen || tot.Waived.InterestFen <= 0 ||
		tot.Paid.TotalFen+tot.Waived.TotalFen != tot.Scheduled.TotalFen {
		t.Fatalf("after payoff of %d: %s %+v", off, b.Status, tot)
	}
	r.checkBillInvariants(t, id, b, true)
}

// TestLoanGetOnlyAddsTheBill: loan-get keeps every field it had and adds
// bill, dpd, overdue_fen and penalty_fen; loan-list does not grow one; a cancelled loan has none.
func TestLoanGetOnlyAddsTheBill(t *testing.T) {
	s := loanStack(t)
	ctx := context.Background()
	c := s.client(t, "bea")
	grantCredit(t, s.env, c.UserID, 1_000_000)
	loanID := createdLoan(t, c, "key-bill-keys", 100_000)
	path := apitest.LoanPath("detail", loanID)
	keys := func(raw []byte) []string {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		slices.Sort(out)
		return out
	}
	before := []string{"amount_fen", "annual_rate_bp", "apr_bp", "contract", "created_at", "disbursement", "loan_id", "method", "schedule",
		"status", "term_months"}
	resp, err := c.Get(ctx, path)
	want(t, resp, err, 200, "")
	if got := keys(resp.Body); !slices.Equal(got, slices.Sorted(slices.Values(append(slices.Clone(before), "bill", "dpd", "overdue_fen", "penalty_fen")))) {
		t.Fatalf("loan-get keys %v", got)
	}
	resp, err = c.Get(ctx, "/v1/loans")
	want(t, resp, err, 200, "")
	var list struct {
		Loans []json.RawMessage `json:"loans"`
	}
	_ = resp.Decode(&list)
	if len(list.Loans) != 1 || !slices.Equal(keys(list.Loans[0]), slices.DeleteFunc(slices.Clone(before), func(k string) bool { return k == "schedule" })) {
		t.Fatalf("loan-list %s", resp.Body)
	}
	resp, err = c.Post(ctx, apitest.LoanPath("cancel", loanID), map[string]any{})
	want(t, resp, err, 200, "")
	resp, err = c.Get(ctx, path)
	want(t, resp, err, 200, "")
	if got := keys(resp.Body); !slices.Equal(got, before) {
		t.Fatalf("a cancelled loan's keys %v", got)
	}
}
