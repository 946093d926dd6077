package api_test

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

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/scf/scftest"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
)

func contractStack(t *testing.T) *stack {
	env := apptest.New(t, apptest.Options{IPPerMinute: 100000, UserPerMinute: 100000})
	a := env.App
	srv := scftest.Server(t, a.Log, append(loanRoutes(a),
		scftest.Route{Pattern: "POST /v1/loans/cancel/{id}", Handler: api.LoanCancel(a)},
		scftest.Route{Pattern: "GET /v1/loans/contract/{id}", Handler: api.ContractGet(a)},
		scftest.Route{Pattern: "POST /v1/loans/contract-sign/{id}", Handler: api.ContractSign(a)},
		scftest.Route{Pattern: "POST /notify/ess", Handler: api.NotifyESS(a)},
	)...)
	env.CallbacksTo(srv.URL)
	t.Cleanup(func() { ledgerVerified(t, env) })
	return &stack{env: env, url: srv.URL}
}

// verifiedBorrower gives c a bound phone and a verified identity, as the
// KYC endpoints would (sealed the same way).
func verifiedBorrower(t *testing.T, s *stack, c *apitest.Client) {
	t.Helper()
	ctx, a, now := context.Background(), s.env.App, s.env.Clock.Now()
	sealed := func(field, plain, masked string) mysql.Sealed {
		enc, err := a.Vault.Encrypt(ctx, field, plain)
		if err != nil {
			t.Fatal(err)
		}
		return mysql.Sealed{Enc: enc, Index: pii.BlindIndex(a.Cfg.PIIIndexKey, field, plain), Masked: masked}
	}
	k := mysql.KYC{DB: a.DB}
	phone := sealed(pii.FieldPhone, "13812345678", "138****5678")
	if err := k.SetPhone(ctx, c.UserID, phone, now); err != nil {
		t.Fatal(err)
	}
	id := idNumber(t, "19900307", fmt.Sprintf("%03d", c.UserID%1000))
	if err := k.SaveIdentity(ctx, c.UserID, phone.Index, sealed(pii.FieldName, "张三丰", "张**"), sealed(pii.FieldIDNumber, id, pii.MaskIDNumber(id)), now); err != nil {
		t.Fatal(err)
	}
}

func TestContractSigningHandsOverToDisbursement(t *testing.T) {
	s := contractStack(t)
	ctx := context.Background()
	c := s.client(t, "signer")
	verifiedBorrower(t, s, c)
	grantCredit(t, s.env, c.UserID, 1_000_000)
	loanID := createdLoan(t, c, "key-contract-1", 500_000)

	resp, err := c.Get(ctx, apitest.LoanPath("contract", loanID))
	want(t, resp, err, 200, "")
	var doc struct {
		SHA256   string `json:"sha256"`
		SM3      string `json:"sm3"`
		Sections []struct{ Title, Body string }
		Status   string
	}
	_ = resp.Decode(&doc)
	if len(doc.SHA256) != 64 || len(doc.SM3) != 64 || len(doc.Sections) < 3 || doc.Status != "rendered" {
		t.Fatalf("contract %s", resp.Body)
	}
	body := string(resp.Body)
	if !strings.Contains(body, "张**") || strings.Contains(body, "张三丰") || !strings.Contains(body, "伍仟元整") {
		t.Fatalf("contract must show the masked borrower and the amount: %.600s", body)
	}
	resp, err = c.Get(ctx, apitest.LoanPath("contract", loanID))
	if !strings.Contains(string(resp.Body), doc.SHA256) {
		t.Fatal("a second view rendered another contract")
	}

	s.env.ESS.SetDuplicates(2) // every callback arrives three times
	resp, err = c.Post(ctx, apitest.LoanPath("contract-sign", loanID), map[string]any{})
	want(t, resp, err, 200, "")
	var sign struct {
		Status  string `json:"status"`
		SignURL string `json:"sign_url"`
	}
	_ = resp.Decode(&sign)
	if sign.Status != "signing" || sign.SignURL == "" {
		t.Fatalf("sign: %s", resp.Body)
	}
	r, err := http.Post(sign.SignURL+"?action=sign", "", nil)
	if err != nil || r.StatusCode >= 300 {
		t.Fatalf("borrower signing: %v %v", err, r)
	}
	waitFor(t, func() bool {
		lv, _ := mysql.Loans{DB: s.env.DB.DB}.Get(ctx, loanID, c.UserID)
		return lv.Status == "signed"
	})
	var events, handovers int
	_ = s.env.DB.QueryRow("SELECT COUNT(*) FROM loan_events WHERE loan_id = ? AND to_status = 'signed'", loanID).Scan(&events)
	_ = s.env.DB.QueryRow("SELECT COUNT(*) FROM outbox WHERE function_name = 'disburse'").Scan(&handovers)
	if events != 1 || handovers != 1 {
		t.Fatalf("signed %d times, %d hand-overs", events, handovers)
	}
	if b, err := mysql.VerifyEvidence(ctx, s.env.DB.DB); b != nil || err != nil {
		t.Fatalf("evidence: %v %v", b, err)
	}
	var kinds string
	_ = s.env.DB.QueryRow("SELECT GROUP_CONCAT(kind ORDER BY seq) FROM evidence").Scan(&kinds)
	if kinds != "contract,signature" {
		t.Fatalf("evidence kinds %q", kinds)
	}
	resp, err = c.Post(ctx, apitest.LoanPath("cancel", loanID), map[string]any{})
	want(t, resp, err, 200, "") // signed but not yet disbursing: still cancellable
}

func TestForgedESSCallbackIsRefused(t *testing.T) {
	s := contractStack(t)
	for _, h := range []map[string]string{{}, {"Content-Signature": "sha256=" + strings.Repeat("0", 64)}} {
		req, _ := http.NewRequest("POST", s.url+"/notify/ess", strings.NewReader(`{"encrypt":"AAAA"}`))
		for k, v := range h {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 401 {
			t.Fatalf("forged callback: %v %v", err, resp.StatusCode)
		}
	}
	// Both are counted for job-monitor (after the answer: waited for).
	hour := s.env.App.Clock.Now().In(lending.Shanghai).Truncate(time.Hour)
	waitFor(t, func() bool {
		counts, err := mysql.CallbackRefusals{DB: s.env.App.DB}.InHour(context.Background(), hour)
		return err == nil && len(counts) == 1 && counts[0].Route == "notify-ess" && counts[0].Reason == "bad_signature" && counts[0].N == 2
	})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for i := 0; i < 200; i++ {
		if cond() {
			return
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatal("condition not reached in 5 s")
}

// TestESSCallbackForAnUnknownFlowIsAcknowledged: an authentic callback for
// a flow wxlend never recorded (started elsewhere on the same ESS
// application) is answered 200 with nothing done and a warning logged, so
// ESS stops redelivering it; before, it was a 500 that ESS would resend.
func TestESSCallbackForAnUnknownFlowIsAcknowledged(t *testing.T) {
	s := contractStack(t)
	now := s.env.Clock.Now()
	for _, status := range []int{4, 3, 5} { // signed, rejected, expired
		msg, _ := json.Marshal(map[string]any{"MsgId": fmt.Sprintf("yDwMsgUnknown%d", status), "MsgType": "FlowStatusChange", "MsgVersion": "CustomApp",
			"MsgData": map[string]any{"FlowId": "yDwFlowNotOurs", "FlowCallbackStatus": status, "UpdatedOn": now.Unix(), "UserData": ""}})
		resp := postESS(t, s.url, msg)
		if resp.StatusCode != 200 || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("status %d callback for an unknown flow: %d", status, resp.StatusCode)
		}
	}
	if n := s.count(t, "evidence") + s.count(t, "loan_events") + s.count(t, "outbox"); n != 0 {
		t.Fatalf("an unknown flow's callback wrote %d rows", n)
	}
	if logs := s.env.Logs.String(); strings.Count(logs, "ess callback for an unknown flow") != 3 || !strings.Contains(logs, "yDwFlowNotOurs") {
		t.Fatalf("no warning naming the flow: %s", logs)
	}
}

// TestESSCallbackNamingAnotherContractIsRefused: an authentic callback for
// a flow wxlend holds, whose user data names another contract, is refused
// with 400 and nothing done (no redelivery can fix it); before, it was a
// 500 that ESS would resend for ever.
func TestESSCallbackNamingAnotherContractIsRefused(t *testing.T) {
	s := contractStack(t)
	ctx := context.Background()
	c := s.client(t, "crossed")
	verifiedBorrower(t, s, c)
	grantCredit(t, s.env, c.UserID, 1_000_000)
	loanID := createdLoan(t, c, "key-crossed-1", 500_000)
	resp, err := c.Post(ctx, apitest.LoanPath("contract-sign", loanID), map[string]any{})
	want(t, resp, err, 200, "")
	var flowID string
	var contractID int64
	if err := s.env.DB.QueryRow("SELECT id, flow_id FROM contracts WHERE loan_id = ?", loanID).Scan(&contractID, &flowID); err != nil {
		t.Fatal(err)
	}
	userData := base64.StdEncoding.EncodeToString([]byte(fmt.Sprintf("wxlend:contract:%d", contractID+1000)))
	msg, _ := json.Marshal(map[string]any{"MsgId": "yDwMsgCrossed", "MsgType": "FlowStatusChange", "MsgVersion": "CustomApp",
		"MsgData": map[string]any{"FlowId": flowID, "FlowCallbackStatus": 4, "UpdatedOn": time.Now().Unix(), "UserData": userData}})
	if r := postESS(t, s.url, msg); r.StatusCode != 400 {
		t.Fatalf("a callback naming another contract: %d, want 400", r.StatusCode)
	}
	var status string
	_ = s.env.DB.QueryRow("SELECT status FROM contracts WHERE id = ?", contractID).Scan(&status)
	if status != "signing" || s.count(t, "outbox WHERE function_name = 'disburse'") != 0 {
		t.Fatalf("contract %s after a crossed callback, or a hand-over made", status)
	}
	if !strings.Contains(s.env.Logs.String(), "ess callback does not match its flow") {
		t.Fatal("not logged")
	}
}

// postESS sends msg to url's notify-ess as ESS does: encrypted with the
// callback key and signed with the token (the body is drained and closed).
func postESS(t *testing.T, url string, msg []byte) *http.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"encrypt": tcloudtest.EncryptESSCallback(tcloudtest.DevESSCallbackKey, msg)})
	req, _ := http.NewRequest("POST", url+"/notify/ess", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Signature", tcloudtest.SignESSCallback(tcloudtest.DevESSCallbackToken, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}
