package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/scf/scftest"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// repayStack serves repay-create and loan-payoff-quote with the WeChat
// Pay fake, and the transfer callback that makes loans active.
type repayStack struct {
	*stack
	d    payments.Deps
	fake *wxpaytest.Fake
}

func newRepayStack(t *testing.T) *repayStack {
	t.Helper()
	env := apptest.New(t, apptest.Options{IPPerMinute: 100000, UserPerMinute: 100000})
	fake := wxpaytest.New(wxpaytest.Options{AutoConfirm: true})
	wx := httptest.NewServer(fake)
	t.Cleanup(func() { fake.Close(); wx.Close() })
	var d payments.Deps
	var ready sync.WaitGroup
	ready.Add(1)
	late := func(h func(payments.Deps) http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ready.Wait(); h(d).ServeHTTP(w, r) })
	}
	a := env.App
	srv := scftest.Server(t, a.Log,
		scftest.Route{Pattern: "POST /v1/auth/login", Handler: api.Login(a)},
		scftest.Route{Pattern: "POST /v1/loans/repay/{id}", Handler: late(func(d payments.Deps) http.Handler { return api.RepayCreate(a, d) })},
		scftest.Route{Pattern: "GET /v1/loans/payoff/{id}", Handler: late(func(d payments.Deps) http.Handler { return api.LoanPayoffQuote(a, d) })},
		scftest.Route{Pattern: "POST " + wxpay.NotifyPathTransfer, Handler: late(payments.TransferNotify)},
	)
	c, err := wxpay.New(context.Background(), wxpaytest.DevConfig(wx.URL, srv.URL))
	if err != nil {
		t.Fatal(err)
	}
	d = payments.Deps{DB: a.DB, Pay: c, Clock: a.Clock, Log: a.Log, NameOf: func(context.Context, int64) (string, error) { return "张三", nil }}
	ready.Done()
	t.Cleanup(func() { ledgerVerified(t, env) })
	return &repayStack{stack: &stack{env: env, url: srv.URL}, d: d, fake: fake}
}

// activeLoan disburses a signed 6-month loan of amount to the borrower.
func (s *repayStack) activeLoan(t *testing.T, c *apitest.Client, amount money.Fen) int64 {
	t.Helper()
	ctx, db := context.Background(), s.env.App.DB
	id, _ := mysqltest.SignedLoan(t, db, c.UserID, 10_000_000, amount, s.env.Clock.Now())
	if err := payments.Disburse(ctx, s.d, id); err != nil {
		t.Fatal(err)
	}
	fctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := s.fake.Flush(fctx); err != nil {
		t.Fatal(err)
	}
	if l, err := (mysql.Loans{DB: db}).ByID(ctx, id); err != nil || l.Status != loan.Active {
		t.Fatalf("loan %d: %+v %v", id, l, err)
	}
	return id
}

func (s *repayStack) repay(t *testing.T, c *apitest.Client, loanID any, key string, body any, status int, code string) *apitest.Response {
	t.Helper()
	path := "/v1/loans/repay/" + strconvAny(loanID)
	resp, err := c.SendWith(context.Background(), http.MethodPost, path, body, map[string]string{"Idempotency-Key": key})
	want(t, resp, err, status, code)
	return resp
}

func strconvAny(v any) string {
	if n, ok := v.(int64); ok {
		return strconv.FormatInt(n, 10)
	}
	return v.(string)
}

// keysOf is the sorted field names of a JSON object.
func keysOf(t *testing.T, raw []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%v: %s", err, raw)
	}
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestRepayCreateAnswersTheAPIContract: repay-create's body, its replay,
// and its refusals, as api.md gives them.
func TestRepayCreateAnswersTheAPIContract(t *testing.T) {
	s := newRepayStack(t)
	c := s.client(t, "rita")
	other := s.client(t, "otto")
	loanID := s.activeLoan(t, c, 300_000)
	body := map[string]any{"kind": "amount", "amount_fen": 12_345}

	resp := s.repay(t, c, loanID, "contract-key-1", body, 200, "")
	if got := keysOf(t, resp.Body); !slices.Equal(got, []string{"amount_fen", "kind", "out_trade_no", "pay_params", "repayment_id"}) {
		t.Fatalf("fields %v: %s", got, resp.Body)
	}
	var first struct {
		RepaymentID int64           `json:"repayment_id"`
		OutTradeNo  string          `json:"out_trade_no"`
		AmountFen   money.Fen       `json:"amount_fen"`
		Kind        string          `json:"kind"`
		PayParams   json.RawMessage `json:"pay_params"`
	}
	if err := json.Unmarshal(resp.Body, &first); err != nil {
		t.Fatal(err)
	}
	if first.AmountFen != 12_345 || first.Kind != "amount" || first.OutTradeNo != mysql.RepaymentTradeNo(loanID, first.RepaymentID) {
		t.Fatalf("answer %s", resp.Body)
	}
	if got := keysOf(t, first.PayParams); !slices.Equal(got, []string{"appId", "nonceStr", "package", "paySign", "signType", "timeStamp"}) {
		t.Fatalf("pay_params fields %v", got)
	}
	again := s.repay(t, c, loanID, "contract-key-1", body, 200, "")
	var replay struct {
		RepaymentID int64 `json:"repayment_id"`
	}
	if err := json.Unmarshal(again.Body, &replay); err != nil || replay.RepaymentID != first.RepaymentID {
		t.Fatalf("replay %s", again.Body)
	}

	s.repay(t, c, loanID, "contract-key-1", map[string]any{"kind": "amount", "amount_fen": 999}, 409, "conflict")
	s.repay(t, c, loanID, "short", body, 400, "invalid_argument")
	s.repay(t, c, loanID, "contract-key-2", map[string]any{"kind": "everything"}, 400, "invalid_argument")
	s.repay(t, c, loanID, "contract-key-3", map[string]any{"kind": "due", "amount_fen": 5}, 400, "invalid_argument")
	s.repay(t, c, loanID, "contract-key-4", []byte(`{"kind":`), 400, "invalid_argument")
	s.repay(t, c, loanID, "contract-key-5", map[string]any{"kind": "amount", "amount_fen": 10_000_000}, 409, "failed_precondition")
	s.repay(t, other, loanID, "contract-key-6", body, 404, "not_found")
	s.repay(t, c, "abc", "contract-key-7", body, 404, "not_found")
	s.repay(t, c, int64(0), "contract-key-8", body, 404, "not_found")
	if n := s.count(t, "repayments"); n != 1 {
		t.Fatalf("%d repayments", n)
	}
}

// TestLoanPayoffQuoteAnswersTheAPIContract: the payoff quote's fields, and
// not_found for another borrower's loan or a bad id.
func TestLoanPayoffQuoteAnswersTheAPIContract(t *testing.T) {
	s := newRepayStack(t)
	c := s.client(t, "paula")
	other := s.client(t, "oliver")
	loanID := s.activeLoan(t, c, 300_000)
	resp, err := c.Get(context.Background(), apitest.LoanPath("payoff", loanID))
	want(t, resp, err, 200, "")
	wantKeys := []string{"as_of", "cooling_off", "credit_fen", "fee_fen", "interest_fen", "loan_id", "payoff_fen", "penalty_fen", "principal_fen"}
	if got := keysOf(t, resp.Body); !slices.Equal(got, wantKeys) {
		t.Fatalf("fields %v: %s", got, resp.Body)
	}
	var q struct {
		LoanID       int64     `json:"loan_id"`
		PayoffFen    money.Fen `json:"payoff_fen"`
		PrincipalFen money.Fen `json:"principal_fen"`
		AsOf         string    `json:"as_of"`
		CoolingOff   bool      `json:"cooling_off"`
	}
	if err := json.Unmarshal(resp.Body, &q); err != nil {
		t.Fatal(err)
	}
	if q.LoanID != loanID || q.PrincipalFen != 300_000 || q.PayoffFen < q.PrincipalFen || !q.CoolingOff ||
		q.AsOf != lending.ShanghaiDate(s.env.Clock.Now()).String() {
		t.Fatalf("quote %s", resp.Body)
	}
	resp, err = other.Get(context.Background(), apitest.LoanPath("payoff", loanID))
	want(t, resp, err, 404, "not_found")
	resp, err = c.Get(context.Background(), "/v1/loans/payoff/x1")
	want(t, resp, err, 404, "not_found")
}
