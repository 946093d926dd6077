package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/scripts/internal/journey"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/underwriting"
)

// idFor finds a valid ID number whose provider hash ends in digit, which
// drives the local data provider (shared/risk/risktest).
func idFor(t *testing.T, digit byte, salt int) string {
	for seq := 0; seq < 100000; seq++ {
		first := fmt.Sprintf("110105198%d0307%03d", salt%10, seq%1000) + ""
		first = first[:17]
		c, ok := pii.IDCheckChar(first)
		if !ok {
			continue
		}
		id := first + string(c)
		if h := underwriting.IDHash([]byte(gateway.DevEnv("")["PII_INDEX_KEY"]), id); h[len(h)-1] == digit {
			return id
		}
	}
	t.Fatal("no ID found")
	return ""
}

// onboard takes a borrower through consents, phone, identity and liveness
// over the local gateway, as the mini-program would.
func onboard(t *testing.T, base, user, id string) *apitest.Client {
	t.Helper()
	ctx := context.Background()
	c := apitest.New(base)
	c.FromIP(apitest.LoopbackIP(len(user)))
	resp, err := c.Login(ctx, user+"."+apitest.NewNonce())
	expect(t, resp, err, 200, "")
	for _, code := range []string{consent.PrivacyPolicy, consent.IdentityVerification, consent.BiometricProcessing, consent.CreditQuery} {
		resp, err = c.Post(ctx, "/v1/consents", map[string]any{"agreement": code, "version": 1})
		expect(t, resp, err, 200, "")
	}
	resp, err = c.Post(ctx, "/v1/auth/phone", map[string]string{"code": "phone:1391234" + fmt.Sprintf("%04d", len(user)*7) + "." + user})
	expect(t, resp, err, 200, "")
	resp, err = c.Post(ctx, "/v1/kyc/identity", map[string]string{"name": "李四", "id_number": id})
	expect(t, resp, err, 200, "")
	if !strings.Contains(string(resp.Body), `"verified"`) {
		t.Fatalf("identity: %s", resp.Body)
	}
	resp, err = c.Post(ctx, "/v1/kyc/liveness", map[string]any{})
	expect(t, resp, err, 200, "")
	var l struct {
		BizToken string `json:"biz_token"`
	}
	_ = resp.Decode(&l)
	if r, err := http.Post(base+"/_local/faceid/"+l.BizToken+"?result=pass", "", nil); err != nil || r.StatusCode != 204 {
		t.Fatalf("liveness: %v %v", err, r)
	}
	resp, err = c.Get(ctx, "/v1/kyc/liveness-results/"+l.BizToken)
	expect(t, resp, err, 200, "")
	return c
}

type decision struct {
	Status       string `json:"status"`
	LimitFen     int64  `json:"limit_fen"`
	AnnualRateBP int64  `json:"annual_rate_bp"`
	Reasons      []struct{ Code, Text string }
}

func applyAndWait(t *testing.T, c *apitest.Client, device map[string]any) (int64, decision) {
	t.Helper()
	ctx := context.Background()
	resp, err := c.Post(ctx, "/v1/credit/applications", map[string]any{"device": device, "captcha": journey.DevCaptcha()})
	expect(t, resp, err, 202, "")
	var app struct {
		ApplicationID int64 `json:"application_id"`
	}
	_ = resp.Decode(&app)
	return app.ApplicationID, waitDecision(t, c, app.ApplicationID)
}

func waitDecision(t *testing.T, c *apitest.Client, id int64) decision {
	t.Helper()
	var d decision
	for i := 0; i < 400; i++ {
		resp, err := c.Get(context.Background(), fmt.Sprintf("/v1/credit/decisions/%d", id))
		expect(t, resp, err, 200, "")
		_ = resp.Decode(&d)
		if d.Status != "pending" {
			return d
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("application %d still pending", id)
	return d
}

func device(fp string, rooted bool) map[string]any {
	return map[string]any{"fingerprint_id": "fp-" + fp + "-0123456789abcdef", "emulator": false, "rooted": rooted, "hooked": false}
}

func TestRiskChainThroughTheGateway(t *testing.T) {
	g, base := startStack(t)
	ctx := context.Background()

	good := onboard(t, base, "approve", idFor(t, '9', 1))
	_, d := applyAndWait(t, good, device("good", false))
	if d.Status != "approved" || d.LimitFen < 50000 || d.AnnualRateBP < 720 || d.AnnualRateBP > 2350 {
		t.Fatalf("approve: %+v", d)
	}
	resp, err := good.Get(ctx, "/v1/credit/line")
	expect(t, resp, err, 200, "")
	if !strings.Contains(string(resp.Body), fmt.Sprintf(`"limit_fen":%d`, d.LimitFen)) {
		t.Fatalf("credit line %s", resp.Body)
	}

	listed := onboard(t, base, "decline", idFor(t, '0', 2))
	_, d = applyAndWait(t, listed, device("listed", false))
	if d.Status != "declined" || len(d.Reasons) == 0 || d.Reasons[0].Text == "" || d.LimitFen != 0 {
		t.Fatalf("decline: %+v", d)
	}

	rooted := onboard(t, base, "review", idFor(t, '8', 3))
	id, d := applyAndWait(t, rooted, device("rooted", true))
	if d.Status != "review" || len(d.Reasons) == 0 {
		t.Fatalf("review: %+v", d)
	}

	// A duplicated step invocation after the decision changes nothing.
	for _, fn := range []string{"risk-antifraud", "risk-rules", "risk-decide"} {
		r, err := http.Post(base+"/_local/invoke/"+fn, "application/json", strings.NewReader(fmt.Sprintf(`{"application_id":%d}`, id)))
		if err != nil || r.StatusCode != 200 {
			t.Fatalf("%s: %v %v", fn, err, r)
		}
	}
	if again := waitDecision(t, rooted, id); again.Status != "review" {
		t.Fatalf("after duplicates: %+v", again)
	}
	// The review waits in the operations queue, once.
	s := &servicingStack{base: base}
	var queue struct {
		Items []struct {
			Kind      string `json:"kind"`
			SubjectID string `json:"subject_id"`
			State     string `json:"state"`
		} `json:"items"`
	}
	s.getJSON(t, "/_local/ops?kind=risk_review", &queue)
	if len(queue.Items) != 1 || queue.Items[0].SubjectID != fmt.Sprint(id) || queue.Items[0].State != "open" {
		t.Fatalf("ops queue %+v", queue.Items)
	}
	_ = g
}

func TestUnsignedCreditApplicationIsRefused(t *testing.T) {
	_, base := startStack(t)
	c := apitest.New(base)
	resp, err := c.Login(context.Background(), "nokyc."+apitest.NewNonce())
	expect(t, resp, err, 200, "")
	resp, err = c.Post(context.Background(), "/v1/credit/applications", map[string]any{"device": device("x", false), "captcha": journey.DevCaptcha()})
	expect(t, resp, err, 409, "failed_precondition")
	resp, err = c.Post(context.Background(), "/v1/credit/applications", map[string]any{"device": map[string]any{"fingerprint_id": "short"}})
	expect(t, resp, err, 400, "invalid_argument")
}

func TestStuckApplicationIsRedrivenUnderTheNewRuleSet(t *testing.T) {
	_, base, db := startStackDB(t)
	ctx := context.Background()
	early := onboard(t, base, "early", idFor(t, '7', 4))
	first, d := applyAndWait(t, early, device("early", false))
	if d.Status != "approved" {
		t.Fatalf("first: %+v", d)
	}
	// Version 2 of the rule set is activated while an application is stuck
	// before its rules step (its first invocation was lost).
	late := onboard(t, base, "stuck", idFor(t, '6', 5))
	res, err := db.Exec(`INSERT INTO credit_applications (user_id, product_code, status, step, device, client_ip, created_at, updated_at)
		VALUES (?, 'standard', 'pending', 'antifraud', ?, '203.0.113.9', NOW(6) - INTERVAL 10 MINUTE, NOW(6) - INTERVAL 10 MINUTE)`,
		late.UserID, `{"fingerprint_id":"fp-stuck-0123456789abcdef"}`)
	if err != nil {
		t.Fatal(err)
	}
	stuck, _ := res.LastInsertId()
	store := mysql.RuleSets{DB: db.DB}
	v1, err := store.Active(ctx, "champion")
	if err != nil {
		t.Fatal(err)
	}
	v2 := risk.NextDraft(v1)
	if err := store.SaveDraft(ctx, v2, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	if err := store.Activate(ctx, "champion", v2.Version, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	bad := risk.NextDraft(v2)
	bad.Rules[0].Expr = "age >< 3"
	if err := store.SaveDraft(ctx, bad, time.Now().UTC()); apierr.CodeOf(err) != apierr.InvalidArgument {
		t.Fatalf("a malformed rule must be refused at save time: %v", err)
	}
	if r, err := http.Post(base+"/_local/timers/job-risk-redrive", "", nil); err != nil || r.StatusCode != 200 {
		t.Fatalf("redrive: %v %v", err, r)
	}
	if d := waitDecision(t, late, stuck); d.Status != "approved" {
		t.Fatalf("redriven: %+v", d)
	}
	versions := map[int64]int{}
	for _, id := range []int64{first, stuck} {
		var v int
		if err := db.QueryRow("SELECT rule_set_version FROM credit_applications WHERE id = ?", id).Scan(&v); err != nil {
			t.Fatal(err)
		}
		versions[id] = v
	}
	if versions[first] != 1 || versions[stuck] != 2 {
		t.Fatalf("rule-set versions recorded: %v", versions)
	}
	var recs int
	_ = db.QueryRow("SELECT COUNT(*) FROM risk_decisions WHERE JSON_UNQUOTE(JSON_EXTRACT(decision, '$.arm')) = 'champion'").Scan(&recs)
	if recs != 2 {
		t.Fatalf("decision records with their arm: %d", recs)
	}
}
