package api_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/consent"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/scf/scftest"
)

// Planted personal data: none of it may appear in clear in any table or log.
const (
	plantedName  = "张三丰"
	plantedPhone = "13812345678"
)

// idNumber builds a valid resident ID number born on birth (YYYYMMDD).
func idNumber(t *testing.T, birth, seq string) string {
	first := "110105" + birth + seq
	c, ok := pii.IDCheckChar(first)
	if !ok {
		t.Fatalf("bad ID stem %s", first)
	}
	return first + string(c)
}

// cardNumber appends the Luhn check digit.
func cardNumber(stem string) string {
	for d := 0; d <= 9; d++ {
		if c := stem + fmt.Sprint(d); pii.LuhnValid(c) {
			return c
		}
	}
	return ""
}

func kycStack(t *testing.T) *stack {
	env := apptest.New(t, apptest.Options{})
	srv := scftest.Server(t, env.App.Log, kycRoutes(env.App)...)
	return &stack{env: env, url: srv.URL}
}

// kycRoutes are onboarding's endpoints.
func kycRoutes(a *app.App) []scftest.Route {
	return []scftest.Route{
		{Pattern: "POST /v1/auth/login", Handler: api.Login(a)},
		{Pattern: "GET /v1/me", Handler: api.Me(a)},
		{Pattern: "POST /v1/consents", Handler: api.ConsentAccept(a)},
		{Pattern: "POST /v1/auth/phone", Handler: api.PhoneBind(a)},
		{Pattern: "POST /v1/kyc/identity", Handler: api.KYCIdentity(a)},
		{Pattern: "POST /v1/kyc/liveness", Handler: api.LivenessStart(a)},
		{Pattern: "GET /v1/kyc/liveness-results/{biz_token}", Handler: api.LivenessResult(a)},
		{Pattern: "POST /v1/kyc/bank-card", Handler: api.BankCard(a)},
	}
}

func accept(t *testing.T, c *apitest.Client, codes ...string) {
	t.Helper()
	for _, code := range codes {
		resp, err := c.Post(context.Background(), "/v1/consents", map[string]any{"agreement": code, "version": 1})
		want(t, resp, err, 200, "")
	}
}

func status(t *testing.T, resp *apitest.Response, err error, wantStatus string) {
	t.Helper()
	want(t, resp, err, 200, "")
	var out struct{ Status string }
	_ = resp.Decode(&out)
	if out.Status != wantStatus {
		t.Fatalf("status %q, want %q: %s", out.Status, wantStatus, resp.Body)
	}
}

func TestKYCJourney(t *testing.T) {
	s := kycStack(t)
	ctx := context.Background()
	c := s.client(t, "zhang")
	id := idNumber(t, "19900307", "123")
	card := cardNumber("621700000123456789")

	resp, err := c.Post(ctx, "/v1/auth/phone", map[string]string{"code": "phone:" + plantedPhone})
	want(t, resp, err, 409, "failed_precondition") // privacy policy first
	accept(t, c, consent.PrivacyPolicy)
	resp, err = c.Post(ctx, "/v1/auth/phone", map[string]string{"code": "phone:" + plantedPhone})
	want(t, resp, err, 200, "")
	if !strings.Contains(string(resp.Body), "138****5678") {
		t.Fatalf("phone answer %s", resp.Body)
	}

	identity := func(name, number string) (*apitest.Response, error) {
		return c.Post(ctx, "/v1/kyc/identity", map[string]string{"name": name, "id_number": number})
	}
	resp, err = identity(plantedName, id)
	want(t, resp, err, 409, "failed_precondition") // identity consent first
	accept(t, c, consent.IdentityVerification)
	for _, bad := range []struct{ name, id, field string }{
		{plantedName, id[:17] + "0", "id_number"}, {plantedName, "12345", "id_number"}, {"Zhang San", id, "name"},
		{plantedName, idNumber(t, "20991231", "123"), "id_number"},
	} {
		resp, err = identity(bad.name, bad.id)
		want(t, resp, err, 400, "invalid_argument")
	}
	resp, err = identity(plantedName, idNumber(t, "20150101", "123")) // a child
	want(t, resp, err, 409, "failed_precondition")
	resp, err = identity("王不符", id)
	status(t, resp, err, "mismatch")
	resp, err = identity("钱无记录", id)
	status(t, resp, err, "no_record")
	resp, err = identity("李故障", id)
	want(t, resp, err, 503, "unavailable")
	resp, err = identity(plantedName, id)
	status(t, resp, err, "verified")

	// The same person on a second WeChat account: conflict, before any paid call.
	other := s.client(t, "zhang-alt")
	accept(t, other, consent.PrivacyPolicy, consent.IdentityVerification)
	resp, err = other.Post(ctx, "/v1/auth/phone", map[string]string{"code": "phone:13900001111"})
	want(t, resp, err, 200, "")
	resp, err = other.Post(ctx, "/v1/kyc/identity", map[string]string{"name": plantedName, "id_number": id})
	want(t, resp, err, 409, "conflict")

	livenessSteps(t, s, c)

	bank := func(number, phone string) (*apitest.Response, error) {
		return c.Post(ctx, "/v1/kyc/bank-card", map[string]string{"card_number": number, "phone": phone})
	}
	resp, err = bank(card, plantedPhone)
	want(t, resp, err, 409, "failed_precondition")
	accept(t, c, consent.FinancialAccount)
	resp, err = bank(card[:len(card)-1]+"x", plantedPhone)
	want(t, resp, err, 400, "invalid_argument")
	resp, err = bank(cardNumber("622200012345678901"), plantedPhone)
	status(t, resp, err, "mismatch")
	resp, err = bank(card, plantedPhone)
	status(t, resp, err, "verified")

	resp, err = c.Get(ctx, "/v1/me")
	want(t, resp, err, 200, "")
	if !strings.Contains(string(resp.Body), `"identity":"verified","liveness":"verified","bank_card":"verified"`) {
		t.Fatalf("me: %s", resp.Body)
	}
	assertNoPII(t, s, plantedName, id, plantedPhone, card)
}

func livenessSteps(t *testing.T, s *stack, c *apitest.Client) {
	ctx := context.Background()
	resp, err := c.Post(ctx, "/v1/kyc/liveness", map[string]any{})
	want(t, resp, err, 409, "failed_precondition")
	accept(t, c, consent.BiometricProcessing)
	start := func(result string) string {
		resp, err := c.Post(ctx, "/v1/kyc/liveness", map[string]any{})
		want(t, resp, err, 200, "")
		var l struct {
			BizToken string `json:"biz_token"`
			URL      string `json:"url"`
		}
		_ = resp.Decode(&l)
		if l.BizToken == "" || !strings.Contains(l.URL, l.BizToken) {
			t.Fatalf("liveness start: %s", resp.Body)
		}
		resp, err = c.Get(ctx, "/v1/kyc/liveness-results/"+l.BizToken)
		status(t, resp, err, "pending")
		r, err := http.Post(s.env.CloudURL+"/_local/faceid/"+l.BizToken+"?result="+result, "", nil)
		if err != nil || r.StatusCode != 204 {
			t.Fatalf("complete liveness: %v %v", err, r)
		}
		return l.BizToken
	}
	failed := start("other_person")
	resp, err = c.Get(ctx, "/v1/kyc/liveness-results/"+failed)
	status(t, resp, err, "failed")
	passed := start("pass")
	resp, err = c.Get(ctx, "/v1/kyc/liveness-results/"+passed)
	status(t, resp, err, "verified")
	stranger := s.client(t, "stranger")
	resp, err = stranger.Get(ctx, "/v1/kyc/liveness-results/"+passed)
	want(t, resp, err, 404, "not_found")
}

// assertNoPII dumps every table and all logs and looks for the planted
// values in clear (also without formatting: digits only).
func assertNoPII(t *testing.T, s *stack, planted ...string) {
	t.Helper()
	rows, err := s.env.DB.Query("SHOW TABLES")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		_ = rows.Scan(&n)
		tables = append(tables, n)
	}
	rows.Close()
	var dump strings.Builder
	for _, table := range tables {
		r, err := s.env.DB.Query("SELECT * FROM " + table)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := r.Columns()
		for r.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			_ = r.Scan(ptrs...)
			for _, v := range vals {
				fmt.Fprintf(&dump, "%s|", v)
			}
			dump.WriteString("\n")
		}
		r.Close()
	}
	if len(tables) < 10 || dump.Len() < 1000 {
		t.Fatalf("dump too small to prove anything: %d tables, %d bytes", len(tables), dump.Len())
	}
	logs := s.env.Logs.String()
	for _, p := range planted {
		if strings.Contains(dump.String(), p) {
			t.Errorf("%q found in clear in the database", p)
		}
		if strings.Contains(logs, p) {
			t.Errorf("%q found in clear in the logs", p)
		}
	}
	if !strings.Contains(logs, "request") {
		t.Fatal("no logs captured")
	}
}

func TestKYCTimeoutIsUnavailable(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the client timeout")
	}
	s := kycStack(t)
	c := s.client(t, "zhao")
	accept(t, c, consent.PrivacyPolicy, consent.IdentityVerification)
	resp, err := c.Post(context.Background(), "/v1/auth/phone", map[string]string{"code": "phone:13700001234"})
	want(t, resp, err, 200, "")
	resp, err = c.Post(context.Background(), "/v1/kyc/identity", map[string]string{"name": "赵超时", "id_number": idNumber(t, "19850101", "456")})
	want(t, resp, err, 503, "unavailable")
	var n int
	_ = s.env.DB.QueryRow("SELECT COUNT(*) FROM identities").Scan(&n)
	if n != 0 {
		t.Fatal("a timed-out check stored an identity")
	}
}

func TestPIIKeyRotation(t *testing.T) {
	env := apptest.New(t, apptest.Options{KMSKeyID: "wxlend-pii-key-1"})
	ctx := context.Background()
	old, err := env.App.Vault.Encrypt(ctx, pii.FieldIDNumber, "11010519491231002X")
	if err != nil {
		t.Fatal(err)
	}
	cfg := env.App.Cfg
	cfg.PIIKeyID = "wxlend-pii-key-2"
	a2, err := app.New(ctx, cfg, env.App.Log, env.Clock, env.Wall)
	if err != nil {
		t.Fatal(err)
	}
	defer a2.Close()
	if got, err := a2.Vault.Decrypt(ctx, pii.FieldIDNumber, old); err != nil || got != "11010519491231002X" {
		t.Fatalf("data under key 1 after rotation: %q %v", got, err)
	}
	fresh, _ := a2.Vault.Encrypt(ctx, pii.FieldIDNumber, "11010519491231002X")
	info, err := pii.InspectToken(fresh)
	if err != nil || info.KeyID != "wxlend-pii-key-2" {
		t.Fatalf("new data not under key 2: %+v %v", info, err)
	}
	if _, err := a2.Vault.Decrypt(ctx, pii.FieldPhone, old); err == nil {
		t.Fatal("an ID number ciphertext decrypted as a phone")
	}
}

// TestVerifiedPhoneIsLockedAndSignsTheContract: operator three-factor binds
// name, ID number and phone together, and e-signing sends that phone to
// ESS as the signer's. So once the identity is verified another number is
// refused (the same one is fine), the contract is signed with the checked
// number, and a number changed while a verification was in flight saves no
// identity.
func TestVerifiedPhoneIsLockedAndSignsTheContract(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	a := env.App
	srv := scftest.Server(t, a.Log, append(kycRoutes(a),
		scftest.Route{Pattern: "POST /v1/loans/quote", Handler: api.Quote(a)},
		scftest.Route{Pattern: "POST /v1/loans/create", Handler: api.LoanCreate(a)},
		scftest.Route{Pattern: "POST /v1/loans/contract-sign/{id}", Handler: api.ContractSign(a)})...)
	s := &stack{env: env, url: srv.URL}
	ctx := context.Background()
	c := s.client(t, "phone-lock")
	accept(t, c, consent.PrivacyPolicy, consent.IdentityVerification)
	bind := func(phone, try string) (*apitest.Response, error) {
		return c.Post(ctx, "/v1/auth/phone", map[string]string{"code": "phone:" + phone + "." + try})
	}
	resp, err := bind("13912340000", "1")
	want(t, resp, err, 200, "")
	resp, err = bind(plantedPhone, "2") // before verification the number may change
	want(t, resp, err, 200, "")
	resp, err = c.Post(ctx, "/v1/kyc/identity", map[string]string{"name": plantedName, "id_number": idNumber(t, "19900307", "777")})
	status(t, resp, err, "verified")

	resp, err = bind("13900002222", "3")
	want(t, resp, err, 409, "failed_precondition")
	var refused struct{ Reason string }
	if _ = resp.Decode(&refused); refused.Reason != "phone_locked" {
		t.Fatalf("reason %q: %s", refused.Reason, resp.Body)
	}
	resp, err = bind(plantedPhone, "4")
	want(t, resp, err, 200, "")
	resp, err = c.Get(ctx, "/v1/me")
	if want(t, resp, err, 200, ""); !strings.Contains(string(resp.Body), `"phone_masked":"138****5678"`) {
		t.Fatalf("me: %s", resp.Body)
	}

	grantCredit(t, env, c.UserID, 1_000_000)
	resp, err = createLoan(c, "key-phone-lock", quote(t, c, 500_000))
	want(t, resp, err, 201, "")
	var l struct {
		LoanID int64 `json:"loan_id"`
	}
	_ = resp.Decode(&l)
	resp, err = c.Post(ctx, apitest.LoanPath("contract-sign", l.LoanID), map[string]any{})
	want(t, resp, err, 200, "")
	var flowID string
	_ = env.DB.QueryRow("SELECT flow_id FROM contracts WHERE loan_id = ?", l.LoanID).Scan(&flowID)
	if _, mobile, ok := env.ESS.FlowSigner(flowID); !ok || mobile != plantedPhone {
		t.Fatalf("e-sign flow %q signer mobile %q, want the verified %s", flowID, mobile, plantedPhone)
	}

	// A phone changed between the three-factor check and saving the
	// identity: nothing is saved.
	other := s.client(t, "phone-race")
	k := mysql.KYC{DB: a.DB}
	sealPhone := func(p string) mysql.Sealed {
		enc, _ := a.Vault.Encrypt(ctx, pii.FieldPhone, p)
		return mysql.Sealed{Enc: enc, Index: pii.BlindIndex(a.Cfg.PIIIndexKey, pii.FieldPhone, p), Masked: pii.MaskPhone(p)}
	}
	checked := sealPhone("13700000001")
	if err := k.SetPhone(ctx, other.UserID, checked, env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if err := k.SetPhone(ctx, other.UserID, sealPhone("13700000002"), env.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	id := idNumber(t, "19900307", "778")
	number := mysql.Sealed{Enc: "x", Index: pii.BlindIndex(a.Cfg.PIIIndexKey, pii.FieldIDNumber, id), Masked: pii.MaskIDNumber(id)}
	err = k.SaveIdentity(ctx, other.UserID, checked.Index, mysql.Sealed{Enc: "x", Masked: "张*"}, number, env.Clock.Now())
	if !errors.Is(err, mysql.ErrPhoneChanged) || s.count(t, "identities") != 1 {
		t.Fatalf("identity saved for a phone that changed: %v, %d identities", err, s.count(t, "identities"))
	}
}
