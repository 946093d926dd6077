package api_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf/scftest"
)

func loanStack(t *testing.T) *stack { return loanStackWith(t, apptest.Options{}) }

func loanStackWith(t *testing.T, opts apptest.Options) *stack {
	t.Helper()
	opts.IPPerMinute, opts.UserPerMinute = 100000, 100000
	env := apptest.New(t, opts)
	a := env.App
	srv := scftest.Server(t, a.Log, append(loanRoutes(a),
		scftest.Route{Pattern: "GET /v1/loans", Handler: api.LoanList(a)},
		scftest.Route{Pattern: "POST /v1/loans/cancel/{id}", Handler: api.LoanCancel(a)},
		scftest.Route{Pattern: "GET /v1/me", Handler: api.Me(a)},
	)...)
	t.Cleanup(func() { ledgerVerified(t, env) })
	return &stack{env: env, url: srv.URL}
}

func ledgerVerified(t *testing.T, env *apptest.Env) {
	v, err := mysql.Ledger{DB: env.DB.DB}.Verify(context.Background())
	if err != nil || len(v) != 0 {
		t.Errorf("ledger verifier: %v %+v", err, v)
	}
}

func grantCredit(t *testing.T, env *apptest.Env, userID int64, limit money.Fen) {
	t.Helper()
	err := mysql.InTx(context.Background(), env.DB.DB, env.Clock.Now(), func(tx *mysql.Tx) error {
		return tx.UpsertCreditLine(context.Background(), loan.CreditLine{UserID: userID, LimitFen: limit, AnnualRateBP: 1800,
			Status: "active", ExpiresAt: env.Clock.Now().Add(365 * 24 * time.Hour)}, 0)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func quote(t *testing.T, c *apitest.Client, amount int64) string {
	t.Helper()
	resp, err := c.Post(context.Background(), "/v1/loans/quote", map[string]any{"amount_fen": amount, "term_months": 6, "method": "equal_installment"})
	want(t, resp, err, 200, "")
	var q struct {
		QuoteID string `json:"quote_id"`
	}
	_ = resp.Decode(&q)
	return q.QuoteID
}

func createLoan(c *apitest.Client, key, quoteID string) (*apitest.Response, error) {
	req := map[string]string{"quote_id": quoteID}
	return c.SendWith(context.Background(), "POST", "/v1/loans/create", req, map[string]string{"Idempotency-Key": key})
}

func TestConcurrentDrawsNeverExceedTheLimit(t *testing.T) {
	s := loanStack(t)
	c := s.client(t, "tina")
	grantCredit(t, s.env, c.UserID, 1_000_000)
	quotes := make([]string, 200)
	for i := range quotes {
		quotes[i] = quote(t, c, 100_000)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for i, q := range quotes {
		wg.Add(1)
		go func(i int, q string) {
			defer wg.Done()
			resp, err := createLoan(c, fmt.Sprintf("draw-key-%04d", i), q)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			codes[resp.Status]++
			mu.Unlock()
			if resp.Status != 201 && resp.Status != 409 {
				t.Logf("draw %d: %d %s", i, resp.Status, resp.Body)
			}
		}(i, q)
	}
	wg.Wait()
	if codes[201] != 10 || codes[409] != 190 {
		t.Fatalf("statuses %v: want 10 created and 190 refused", codes)
	}
	line, _ := mysql.CreditLines{DB: s.env.DB.DB}.Get(context.Background(), c.UserID)
	if line.UsedFen != 1_000_000 || s.count(t, "loans") != 10 {
		t.Fatalf("used %d, loans %d", line.UsedFen, s.count(t, "loans"))
	}
}

func TestOneIdempotencyKeyMakesOneLoan(t *testing.T) {
	s := loanStack(t)
	c := s.client(t, "uma")
	grantCredit(t, s.env, c.UserID, 1_000_000)
	q := quote(t, c, 200_000)
	var wg sync.WaitGroup
	ids := make(chan string, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := createLoan(c, "one-key-for-all", q)
			if err != nil || resp.Status != 201 {
				t.Errorf("%v %v", err, resp)
				return
			}
			ids <- string(resp.Body)
		}()
	}
	wg.Wait()
	close(ids)
	first := ""
	for b := range ids {
		if first == "" {
			first = b
		}
		if b != first {
			t.Fatalf("different answers: %s vs %s", first, b)
		}
	}
	if s.count(t, "loans") != 1 {
		t.Fatalf("%d loans", s.count(t, "loans"))
	}
	// The same key with another body is a conflict.
	q2 := quote(t, c, 200_000)
	resp, err := createLoan(c, "one-key-for-all", q2)
	want(t, resp, err, 409, "conflict")
}

func TestLoanLifecycleThroughTheAPI(t *testing.T) {
	s := loanStack(t)
	ctx := context.Background()
	c := s.client(t, "vera")
	other := s.client(t, "walt")
	// No credit line yet.
	resp, err := createLoan(c, "key-no-credit", quote(t, c, 100_000))
	want(t, resp, err, 409, "failed_precondition")
	grantCredit(t, s.env, c.UserID, 500_000)
	q := quote(t, c, 300_000)
	resp, err = createLoan(c, "key-lifecycle", q)
	want(t, resp, err, 201, "")
	var created struct {
		LoanID int64 `json:"loan_id"`
		Status string
	}
	_ = resp.Decode(&created)
	resp, err = createLoan(c, "key-reuse-quote", q)
	want(t, resp, err, 409, "conflict")
	resp, err = createLoan(other, "key-other-user", q)
	want(t, resp, err, 404, "not_found")
	path := apitest.LoanPath("detail", created.LoanID)
	resp, err = c.Get(ctx, path)
	want(t, resp, err, 200, "")
	resp, err = other.Get(ctx, path)
	want(t, resp, err, 404, "not_found")
	resp, err = c.Get(ctx, "/v1/loans")
	want(t, resp, err, 200, "")
	resp, err = other.Post(ctx, apitest.LoanPath("cancel", created.LoanID), map[string]any{})
	want(t, resp, err, 404, "not_found")
	resp, err = c.Post(ctx, apitest.LoanPath("cancel", created.LoanID), map[string]any{})
	want(t, resp, err, 200, "")
	resp, err = c.Post(ctx, apitest.LoanPath("cancel", created.LoanID), map[string]any{})
	want(t, resp, err, 409, "failed_precondition")
	line, _ := mysql.CreditLines{DB: s.env.DB.DB}.Get(ctx, c.UserID)
	if line.UsedFen != 0 {
		t.Fatalf("cancel did not release the credit: used %d", line.UsedFen)
	}
	// An expired quote cannot become a loan.
	q = quote(t, c, 100_000)
	s.env.Clock.Advance(31 * time.Minute)
	c.Now = s.env.Wall.Now
	resp, err = createLoan(c, "key-expired", q)
	want(t, resp, err, 409, "failed_precondition")
}

func TestEveryIllegalTransitionIsRefused(t *testing.T) {
	s := loanStack(t)
	ctx := context.Background()
	c := s.client(t, "xena")
	grantCredit(t, s.env, c.UserID, 100_000_000)
	loans := mysql.Loans{DB: s.env.DB.DB}
	for _, from := range loan.Statuses() {
		for _, to := range loan.Statuses() {
			resp, err := createLoan(c, fmt.Sprintf("key-%s-%s", from, to), quote(t, c, 100_000))
			want(t, resp, err, 201, "")
			var l struct {
				LoanID int64 `json:"loan_id"`
			}
			_ = resp.Decode(&l)
			if _, err := s.env.DB.Exec("UPDATE loans SET status = ? WHERE id = ?", string(from), l.LoanID); err != nil {
				t.Fatal(err)
			}
			err = loans.Transition(ctx, mysql.Transition{LoanID: l.LoanID, From: from, To: to, Reason: "test"}, s.env.Clock.Now())
			if loan.CanTransition(from, to) != (err == nil) {
				t.Errorf("%s -> %s: %v", from, to, err)
			}
			if err != nil && apierr.CodeOf(err) != apierr.FailedPrecondition {
				t.Errorf("%s -> %s: code %s", from, to, apierr.CodeOf(err))
			}
			// A transition from a status the loan is not in is refused too.
			if err == nil {
				if again := loans.Transition(ctx, mysql.Transition{LoanID: l.LoanID, From: from, To: to, Reason: "test"}, s.env.Clock.Now()); again == nil {
					t.Errorf("%s -> %s applied twice", from, to)
				}
			}
		}
	}
	_ = http.StatusOK
}

func TestDrawTimeBlacklistRecheck(t *testing.T) {
	s := loanStack(t)
	c := s.client(t, "zoe")
	verifiedBorrower(t, s, c)
	grantCredit(t, s.env, c.UserID, 1_000_000)
	q := quote(t, c, 100_000)
	if _, err := s.env.DB.Exec(`INSERT INTO blacklist (kind, value_hash, reason, created_at) SELECT 'id_number', id_number_bidx, 'fraud_confirmed', NOW() FROM identities WHERE user_id = ?`, c.UserID); err != nil {
		t.Fatal(err)
	}
	resp, err := createLoan(c, "key-blacklisted", q)
	want(t, resp, err, 409, "failed_precondition")
	if s.count(t, "loans") != 0 {
		t.Fatal("a blacklisted borrower drew a loan")
	}
}

// TestADrawOnAFrozenLineIsRefusedWithItsReason: while the close of
// business holds the line frozen (a loan overdue), loan-create answers
// failed_precondition with reason line_frozen and a message to show.
func TestADrawOnAFrozenLineIsRefusedWithItsReason(t *testing.T) {
	s := loanStack(t)
	c := s.client(t, "fay")
	grantCredit(t, s.env, c.UserID, 1_000_000)
	if _, err := s.env.DB.Exec(`UPDATE credit_lines SET status = 'frozen', frozen_reason = ? WHERE user_id = ?`, mysql.FrozenOverdue, c.UserID); err != nil {
		t.Fatal(err)
	}
	resp, err := createLoan(c, "key-frozen-1", quote(t, c, 100_000))
	want(t, resp, err, 409, "failed_precondition")
	var body struct {
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}
	if err := resp.Decode(&body); err != nil || body.Reason != "line_frozen" || body.Message == "" {
		t.Fatalf("refusal %s", resp.Body)
	}
}
