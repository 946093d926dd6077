// Package journey plays a borrower through the whole product on a local
// stack (sign-in, KYC, credit, loan, e-sign, payout, repayment): the demo
// (scripts/demo) and the journey benchmark (scripts/bench) run it.
package journey

import (
	"github.com/wxlend/wxlend/shared/api/apitest"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Journey runs one borrower end to end on the LOCAL stack and prints each
// step to out: onboarding, bank card, credit application, quote, loan,
// contract signing, disbursement with confirmation, and the ledger at the
// end, which must reconcile. idNumber must be a valid ID whose provider
// hash approves (see README fixtures).
// JourneyOptions add optional legs to Journey.
type JourneyOptions struct {
	// Failover takes a second loan with the first merchant account's
	// operating balance at zero in the fake, so the disbursement is
	// rerouted to the second account, and pays it off.
	Failover bool
}

func Journey(ctx context.Context, base string, out io.Writer, user, idNumber, card string, opts ...JourneyOptions) error {
	c := apitest.New(base)
	step := func(format string, args ...any) { fmt.Fprintf(out, "==> "+format+"\n", args...) }
	step("onboarding %s (consents, phone, identity, liveness, bank card, credit application)", user)
	limit, err := Approve(ctx, c, user, "王小明", idNumber, card, "13912345678")
	if err != nil {
		return err
	}
	step("approved: limit %d fen", limit)
	loanID, err := takeLoan(ctx, c, out, limit)
	if err != nil {
		return err
	}
	if err := signAndDisburse(ctx, c, base, out, loanID); err != nil {
		return err
	}
	if err := repay(ctx, c, base, out, loanID, "due"); err != nil {
		return err
	}
	if err := repay(ctx, c, base, out, loanID, "payoff"); err != nil {
		return err
	}
	if len(opts) > 0 && opts[0].Failover {
		step("second loan while the first merchant account has no balance")
		if err := failoverLoan(ctx, c, base, out, limit); err != nil {
			return err
		}
	}
	return printLedger(ctx, base, out)
}

// failoverLoan empties the first merchant account in the fake, takes,
// signs and pays off a loan, and shows which account paid it.
func failoverLoan(ctx context.Context, c *apitest.Client, base string, out io.Writer, limit int64) error {
	const first = "1230000109" // wxpaytest.DevMchID
	if err := localPost(base + "/_local/wxpay/settings?balance_fen=0&mch_id=" + first); err != nil {
		return err
	}
	defer localPost(base + "/_local/wxpay/settings?balance_fen=-1&mch_id=" + first) //nolint:errcheck // best effort
	loanID, err := takeLoan(ctx, c, out, limit)
	if err != nil {
		return err
	}
	if err := signAndDisburse(ctx, c, base, out, loanID); err != nil {
		return err
	}
	var l struct {
		Disbursement struct {
			Transfers []struct {
				OutBillNo string `json:"out_bill_no"`
				MchID     string `json:"mch_id"`
				State     string `json:"state"`
			} `json:"transfers"`
		} `json:"disbursement"`
	}
	if err := callJSON(ctx, c, "GET", apitest.LoanPath("detail", loanID), nil, nil, &l); err != nil {
		return err
	}
	for _, t := range l.Disbursement.Transfers {
		fmt.Fprintf(out, "==> transfer %s paid by merchant %s: %s\n", t.OutBillNo, t.MchID, t.State)
		if t.MchID == first {
			return fmt.Errorf("transfer %s was paid by the empty account", t.OutBillNo)
		}
	}
	return repay(ctx, c, base, out, loanID, "payoff")
}

func takeLoan(ctx context.Context, c *apitest.Client, out io.Writer, limit int64) (int64, error) {
	return quoteAndTake(ctx, c, out, min(limit, 100000), 3)
}

func quoteAndTake(ctx context.Context, c *apitest.Client, out io.Writer, amount int64, term int) (int64, error) {
	var q struct {
		QuoteID       string `json:"quote_id"`
		APRBP         int64  `json:"apr_bp"`
		TotalRepayFen int64  `json:"total_repay_fen"`
	}
	if err := callJSON(ctx, c, "POST", "/v1/loans/quote", map[string]any{"amount_fen": amount, "term_months": term, "method": "equal_installment"}, nil, &q); err != nil {
		return 0, err
	}
	fmt.Fprintf(out, "==> quote %s: %d fen over %d months, APR %d bp, total %d fen\n", q.QuoteID, amount, term, q.APRBP, q.TotalRepayFen)
	var l struct {
		LoanID int64  `json:"loan_id"`
		Status string `json:"status"`
	}
	if err := callJSON(ctx, c, "POST", "/v1/loans/create", map[string]string{"quote_id": q.QuoteID}, map[string]string{"Idempotency-Key": "demo-" + apitest.NewNonce()[:16]}, &l); err != nil {
		return 0, err
	}
	fmt.Fprintf(out, "==> loan %d %s\n", l.LoanID, l.Status)
	return l.LoanID, nil
}

func signAndDisburse(ctx context.Context, c *apitest.Client, base string, out io.Writer, loanID int64) error {
	path := apitest.LoanPath("detail", loanID)
	var doc struct {
		SHA256 string `json:"sha256"`
	}
	if err := callJSON(ctx, c, "GET", apitest.LoanPath("contract", loanID), nil, nil, &doc); err != nil {
		return err
	}
	var sign struct {
		SignURL string `json:"sign_url"`
	}
	signStart := time.Now()
	if err := callJSON(ctx, c, "POST", apitest.LoanPath("contract-sign", loanID), map[string]any{}, nil, &sign); err != nil {
		return err
	}
	fmt.Fprintf(out, "==> contract sha256 %s, signing at %s\n", doc.SHA256, sign.SignURL)
	if err := localPost(sign.SignURL + "?action=sign"); err != nil {
		return err
	}
	var loan struct {
		Status       string `json:"status"`
		Disbursement *struct {
			State     string `json:"state"`
			Transfers []struct {
				OutBillNo string `json:"out_bill_no"`
			} `json:"transfers"`
		} `json:"disbursement"`
	}
	confirmed := false
	return poll(ctx, 20*time.Second, func() (bool, error) {
		if err := callJSON(ctx, c, "GET", path, nil, nil, &loan); err != nil {
			return false, err
		}
		if loan.Disbursement != nil && loan.Disbursement.State == "WAIT_USER_CONFIRM" && !confirmed {
			fmt.Fprintf(out, "==> transfer waiting for the borrower: confirming %s\n", loan.Disbursement.Transfers[0].OutBillNo)
			for _, t := range loan.Disbursement.Transfers {
				// 409: the bill left WAIT_USER_CONFIRM meanwhile (an
				// auto-confirming fake); the loan view catches up.
				if err := localPost(base + "/_local/wxpay/transfers/" + t.OutBillNo + "/confirm"); err != nil && !errors.Is(err, errConflict) {
					return false, err
				}
			}
			confirmed = true
		}
		if loan.Status == "active" {
			fmt.Fprintf(out, "==> loan %d active (contract-sign -> active %d ms)\n", loanID, time.Since(signStart).Milliseconds())
		}
		return loan.Status == "active", nil
	})
}

// repay pays kind (due or payoff) through a JSAPI order the borrower pays
// in the fake, and waits until the notification is applied: the payoff
// amount drops (due) or the loan is settled (payoff).
func repay(ctx context.Context, c *apitest.Client, base string, out io.Writer, loanID int64, kind string) error {
	_, err := Pay(ctx, c, base, out, loanID, kind, 0)
	return err
}

// Pay pays kind (due, payoff, or amount with amountFen) through a JSAPI
// order the borrower pays in the fake, and waits until the notification is
// applied: the payoff amount drops or the loan is settled. It answers the
// amount paid.
func Pay(ctx context.Context, c *apitest.Client, base string, out io.Writer, loanID int64, kind string, amountFen int64) (int64, error) {
	path := apitest.LoanPath("detail", loanID)
	var before, now struct {
		PayoffFen int64 `json:"payoff_fen"`
	}
	if err := callJSON(ctx, c, "GET", apitest.LoanPath("payoff", loanID), nil, nil, &before); err != nil {
		return 0, err
	}
	var r struct {
		RepaymentID int64             `json:"repayment_id"`
		AmountFen   int64             `json:"amount_fen"`
		PayParams   map[string]string `json:"pay_params"`
	}
	body := map[string]any{"kind": kind}
	if kind == "amount" {
		body["amount_fen"] = amountFen
	}
	if err := callJSON(ctx, c, "POST", apitest.LoanPath("repay", loanID), body,
		map[string]string{"Idempotency-Key": "demo-" + kind + "-" + apitest.NewNonce()[:12]}, &r); err != nil {
		return 0, err
	}
	fmt.Fprintf(out, "==> repayment %d (%s): %d fen of payoff %d fen\n", r.RepaymentID, kind, r.AmountFen, before.PayoffFen)
	if err := localPost(base + "/_local/wxpay/pay?package=" + url.QueryEscape(r.PayParams["package"])); err != nil {
		return 0, err
	}
	var loan struct {
		Status string `json:"status"`
	}
	return r.AmountFen, poll(ctx, 20*time.Second, func() (bool, error) {
		if err := callJSON(ctx, c, "GET", path, nil, nil, &loan); err != nil {
			return false, err
		}
		if loan.Status == "settled" {
			fmt.Fprintf(out, "==> loan %d settled\n", loanID)
			return true, nil
		}
		if kind == "payoff" {
			return false, nil
		}
		if err := callJSON(ctx, c, "GET", apitest.LoanPath("payoff", loanID), nil, nil, &now); err != nil {
			if strings.Contains(err.Error(), "not_repayable") {
				return false, nil // settled since the read above: the next poll sees it
			}
			return false, err
		}
		if now.PayoffFen < before.PayoffFen {
			fmt.Fprintf(out, "==> installment applied; payoff now %d fen\n", now.PayoffFen)
			return true, nil
		}
		return false, nil
	})
}

func printLedger(ctx context.Context, base string, out io.Writer) error {
	resp, err := http.Get(base + "/_local/ledger")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var l struct {
		Balances   map[string]int64 `json:"balances"`
		Violations []any            `json:"violations"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&l); err != nil {
		return err
	}
	var sum int64
	fmt.Fprintln(out, "==> ledger balances (fen, + debit / - credit):")
	for k, v := range l.Balances {
		fmt.Fprintf(out, "    %-40s %12d\n", k, v)
		sum += v
	}
	if sum != 0 || len(l.Violations) > 0 {
		return fmt.Errorf("ledger does not reconcile: sum %d, violations %v", sum, l.Violations)
	}
	fmt.Fprintln(out, "==> ledger reconciles: every transaction balances, balances sum to 0")
	return nil
}

// errConflict marks a local endpoint's 409 (wrong state).
var errConflict = errors.New("conflict")

func localPost(url string) error {
	r, err := http.Post(url, "application/json", strings.NewReader("{}"))
	if err != nil {
		return err
	}
	defer r.Body.Close()
	if r.StatusCode >= 300 {
		b, _ := io.ReadAll(r.Body)
		err := fmt.Errorf("POST %s: %d %s", url, r.StatusCode, b)
		if r.StatusCode == http.StatusConflict {
			err = fmt.Errorf("%w: %w", errConflict, err)
		}
		return err
	}
	return nil
}

func expectOK(resp *apitest.Response, err error) error {
	if err != nil {
		return err
	}
	if resp.Status >= 300 || strings.Contains(string(resp.Body), "mismatch") {
		return fmt.Errorf("%d %s", resp.Status, resp.Body)
	}
	return nil
}

// JSON sends a request (signed if a POST) and decodes a 2xx answer into v.
func callJSON(ctx context.Context, c *apitest.Client, method, path string, body any, headers map[string]string, v any) error {
	resp, err := c.SendWith(ctx, method, path, body, headers)
	if err := expectOK(resp, err); err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	return resp.Decode(v)
}

func poll(ctx context.Context, limit time.Duration, done func() (bool, error)) error {
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		ok, err := done()
		if err != nil || ok {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("not done within %s", limit)
}
