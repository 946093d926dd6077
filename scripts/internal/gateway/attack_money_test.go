package gateway_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
)

// quote asks c for a quote of amount fen over 3 months and answers its id.
func quote(t *testing.T, c *apitest.Client, amount int64) string {
	t.Helper()
	resp, err := c.Post(context.Background(), "/v1/loans/quote", map[string]any{"amount_fen": amount, "term_months": 3, "method": "equal_installment"})
	expect(t, resp, err, 200, "")
	var q struct {
		QuoteID string `json:"quote_id"`
	}
	if err := resp.Decode(&q); err != nil || q.QuoteID == "" {
		t.Fatalf("quote: %s", resp.Body)
	}
	return q.QuoteID
}

func createLoan(c *apitest.Client, key string, body any) (*apitest.Response, error) {
	return c.SendWith(context.Background(), http.MethodPost, "/v1/loans/create", body, map[string]string{"Idempotency-Key": key})
}

// wantReason is expect with the error's reason too.
func wantReason(t *testing.T, resp *apitest.Response, err error, status int, code, reason string) {
	t.Helper()
	expect(t, resp, err, status, code)
	if !strings.Contains(string(resp.Body), `"reason":"`+reason+`"`) {
		t.Fatalf("%s, want reason %q", resp.Body, reason)
	}
}

// attackLoanCreate: money on loan-create. The borrower's line is read
// from the API; two quotes that each fit it but not together make the
// second draw go over the line. Answers the loan the first draw made
// (applied, contract not yet signed).
func attackLoanCreate(t *testing.T, db *mysqltest.DB, a, other *apitest.Client) int64 {
	ctx := context.Background()
	resp, err := a.Get(ctx, "/v1/credit/line")
	expect(t, resp, err, 200, "")
	var line struct {
		AvailableFen int64 `json:"available_fen"`
	}
	const least = 50000 // the standard product's smallest loan
	if err := resp.Decode(&line); err != nil || line.AvailableFen < least {
		t.Fatalf("line: %s, want at least %d fen available", resp.Body, least)
	}
	small := quote(t, a, least)
	all := quote(t, a, line.AvailableFen) // fits now; not once small is drawn
	theirs := quote(t, other, least)      // another borrower's (a line-less illustration)
	key := "money-" + apitest.NewNonce()[:16]

	before := snapshot(t, db)
	for _, c := range []struct {
		name, key string
		body      any
		code      string
		field     string
	}{
		{"no key", "", map[string]any{"quote_id": small}, "invalid_argument", "Idempotency-Key"},
		{"short key", "short", map[string]any{"quote_id": small}, "invalid_argument", "Idempotency-Key"},
		{"amount instead of a quote", key, map[string]any{"amount_fen": 1000}, "invalid_argument", "quote_id"},
		{"numeric quote id", key, map[string]any{"quote_id": 1000}, "invalid_argument", "quote_id"},
	} {
		resp, err := createLoan(a, c.key, c.body)
		expect(t, resp, err, 400, c.code)
		if !strings.Contains(string(resp.Body), `"field":"`+c.field+`"`) {
			t.Fatalf("%s: %s, want field %s", c.name, resp.Body, c.field)
		}
	}
	resp, err = createLoan(a, key, map[string]any{"quote_id": theirs})
	expect(t, resp, err, 404, "not_found")
	unchanged(t, db, before, "refused loan-creates")

	resp, err = createLoan(a, key, map[string]any{"quote_id": small})
	expect(t, resp, err, 201, "")
	first := resp.Body
	var l struct {
		LoanID int64 `json:"loan_id"`
	}
	_ = resp.Decode(&l)

	before = snapshot(t, db)
	resp, err = createLoan(a, key, map[string]any{"quote_id": all}) // the same key, another body
	wantReason(t, resp, err, 409, "conflict", "idempotency_key_reused")
	resp, err = createLoan(a, key, map[string]any{"quote_id": small}) // the same key, the same body
	expect(t, resp, err, 201, "")
	if !bytes.Equal(resp.Body, first) {
		t.Fatalf("a retry answered %s, the first %s", resp.Body, first)
	}
	resp, err = createLoan(a, "money-"+apitest.NewNonce()[:16], map[string]any{"quote_id": small}) // the quote again
	wantReason(t, resp, err, 409, "conflict", "quote_used")
	resp, err = createLoan(a, "money-"+apitest.NewNonce()[:16], map[string]any{"quote_id": all}) // over the line now
	wantReason(t, resp, err, 409, "failed_precondition", "insufficient_credit")
	unchanged(t, db, before, "a reused key, a used quote and a draw over the line")
	return l.LoanID
}

// essPost sends one ESS callback: msgData inside the v2 message, encrypted
// with key ("" = plaintext) and signed with token ("" = unsigned).
func essPost(t *testing.T, base, token, key string, msgData map[string]any) (int, string) {
	t.Helper()
	msg, _ := json.Marshal(map[string]any{"MsgId": "yDwMsgAttack" + apitest.NewNonce()[:8], "MsgType": "FlowStatusChange",
		"MsgVersion": "CustomApp", "MsgData": msgData})
	body := msg
	if key != "" {
		body, _ = json.Marshal(map[string]string{"encrypt": tcloudtest.EncryptESSCallback(key, msg)})
	}
	req, _ := http.NewRequest(http.MethodPost, base+"/notify/ess", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Content-Signature", tcloudtest.SignESSCallback(token, body))
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// attackESS: forged, stale, future, downgraded and crossed e-sign callbacks
// on a contract being signed, and a replay of the signed one. signing is a
// loan whose contract is out for signature; signed one whose contract is
// signed.
func attackESS(t *testing.T, base string, db *mysqltest.DB, signing, signed int64) {
	flowOf := func(loanID int64) (int64, string) {
		var id int64
		var flow string
		if err := db.QueryRow("SELECT id, flow_id FROM contracts WHERE loan_id = ?", loanID).Scan(&id, &flow); err != nil {
			t.Fatalf("contract of loan %d: %v", loanID, err)
		}
		return id, flow
	}
	openID, openFlow := flowOf(signing)
	doneID, doneFlow := flowOf(signed)
	userData := func(contractID int64) string {
		return base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("wxlend:contract:%d", contractID)))
	}
	data := func(flow string, contractID int64, status int, at time.Time) map[string]any {
		return map[string]any{"FlowId": flow, "FlowCallbackStatus": status, "UpdatedOn": at.Unix(), "UserData": userData(contractID)}
	}
	now := time.Now() // the callbacks' freshness is checked on wall time
	token, key := tcloudtest.DevESSCallbackToken, tcloudtest.DevESSCallbackKey
	for _, c := range []struct {
		name       string
		token, key string
		data       map[string]any
		status     int
		answer     string
	}{
		{"unsigned", "", key, data(openFlow, openID, 4, now), 401, `"code":"FAIL"`},
		{"signed with another token", "not-the-ess-token", key, data(openFlow, openID, 4, now), 401, `"code":"FAIL"`},
		{"encrypted with another key", token, strings.Repeat("k", 32), data(openFlow, openID, 4, now), 401, `"code":"FAIL"`},
		{"plaintext (a downgrade)", token, "", data(openFlow, openID, 4, now), 401, `"code":"FAIL"`},
		{"stale", token, key, data(openFlow, openID, 4, now.Add(-25*time.Hour)), 401, `"code":"FAIL"`},
		{"from the future", token, key, data(openFlow, openID, 4, now.Add(time.Hour)), 401, `"code":"FAIL"`},
		{"another contract's user data", token, key, data(openFlow, doneID, 4, now), 400, "does not match its flow"},
		// Authentic, answered 200 so ESS stops, and nothing done:
		{"a replay of the signed flow", token, key, data(doneFlow, doneID, 4, now), 200, `"code":"SUCCESS"`},
		{"the signed flow rejected afterwards", token, key, data(doneFlow, doneID, 3, now), 200, `"code":"SUCCESS"`},
		{"a flow not ours", token, key, data("yDwFlowNotOurs0000000000", openID, 4, now), 200, `"code":"SUCCESS"`},
	} {
		before := snapshot(t, db)
		status, body := essPost(t, base, c.token, c.key, c.data)
		if status != c.status || !strings.Contains(body, c.answer) {
			t.Errorf("%s: %d %s, want %d %s", c.name, status, body, c.status, c.answer)
		}
		unchanged(t, db, before, "an e-sign callback "+c.name)
	}
}

// attackRepayAmounts: amounts on repay-create for the borrower's own
// active loan. Malformed ones name amount_fen; one above what settles the
// loan is refused as such. Nothing is ordered.
func attackRepayAmounts(t *testing.T, db *mysqltest.DB, a *apitest.Client, loanID int64) {
	ctx := context.Background()
	before := snapshot(t, db)
	for _, c := range []struct {
		body         map[string]any
		status       int
		code, reason string
	}{
		{map[string]any{"kind": "amount", "amount_fen": 0}, 400, "invalid_argument", "range"},
		{map[string]any{"kind": "amount", "amount_fen": -1}, 400, "invalid_argument", "range"},
		{map[string]any{"kind": "amount"}, 400, "invalid_argument", "range"},
		{map[string]any{"kind": "amount", "amount_fen": 1.5}, 400, "invalid_argument", "type"},
		{map[string]any{"kind": "amount", "amount_fen": "100"}, 400, "invalid_argument", "type"},
		{map[string]any{"kind": "amount", "amount_fen": 1e30}, 400, "invalid_argument", "type"},
		{map[string]any{"kind": "payoff", "amount_fen": 100}, 400, "invalid_argument", "unexpected"},
		{map[string]any{"kind": "amount", "amount_fen": int64(1) << 62}, 400, "invalid_argument", "range"},
		{map[string]any{"kind": "amount", "amount_fen": int64(lending.MaxLoanFen)}, 409, "failed_precondition", "above_payoff"},
	} {
		resp, err := a.SendWith(ctx, http.MethodPost, apitest.LoanPath("repay", loanID), c.body, map[string]string{"Idempotency-Key": "repay-" + apitest.NewNonce()[:16]})
		wantReason(t, resp, err, c.status, c.code, c.reason)
		if c.status == 400 && !strings.Contains(string(resp.Body), `"field":"amount_fen"`) {
			t.Fatalf("%v: %s, want field amount_fen", c.body, resp.Body)
		}
	}
	unchanged(t, db, before, "repayments of bad amounts")
}
