package underwriting_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/wxlend/wxlend/shared/app/apptest"
	"github.com/wxlend/wxlend/shared/auth"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/risk/risktest"
	"github.com/wxlend/wxlend/shared/underwriting"
)

// flaky fails its first Blacklist call, as a provider timing out would.
type flaky struct {
	risktest.Provider
	calls atomic.Int32
}

func (f *flaky) Blacklist(ctx context.Context, idHash string) (risk.BlacklistResult, error) {
	if f.calls.Add(1) == 1 {
		return risk.BlacklistResult{}, errors.New("provider timed out")
	}
	return f.Provider.Blacklist(ctx, idHash)
}

// TestStepFailingOnceIsRetriedAndStoredOnce runs the chain by hand: the
// antifraud step fails (SCF retries the invocation), the retry succeeds,
// a duplicate changes nothing, and the decision is stored once.
func TestStepFailingOnceIsRetriedAndStoredOnce(t *testing.T) {
	env := apptest.New(t, apptest.Options{})
	ctx, a := context.Background(), env.App
	u, _, err := a.Users.FindOrCreate(ctx, "oUNDERWRITING", "", env.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	first := "11010519900307002"
	c, _ := pii.IDCheckChar(first)
	verify(t, env, u, first+string(c))
	id, err := mysql.Applications{DB: a.DB}.Create(ctx, mysql.Application{UserID: u.ID, ProductCode: "standard",
		Device: json.RawMessage(`{"fingerprint_id":"fp-underwriting-0123456789"}`), ClientIP: "203.0.113.5"},
		"fp-underwriting-0123456789", env.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	p := &flaky{}
	d := underwriting.New(a, p)
	payload := json.RawMessage(fmt.Sprintf(`{"application_id":%d}`, id))
	run := func(step string) error { return underwriting.Step(d, step)(ctx, payload) }
	if err := run(underwriting.StepAntifraud); err == nil {
		t.Fatal("a provider failure must fail the invocation so the platform retries it")
	}
	for _, step := range []string{underwriting.StepAntifraud, underwriting.StepAntifraud, underwriting.StepRules, underwriting.StepRules,
		underwriting.StepScore, underwriting.StepDecide, underwriting.StepDecide} {
		if err := run(step); err != nil {
			t.Fatalf("%s: %v", step, err)
		}
	}
	var steps, decisions int
	_ = env.DB.QueryRow("SELECT COUNT(*) FROM risk_steps WHERE application_id = ?", id).Scan(&steps)
	_ = env.DB.QueryRow("SELECT COUNT(*) FROM risk_decisions WHERE application_id = ?", id).Scan(&decisions)
	got, _ := mysql.Applications{DB: a.DB}.Get(ctx, id, 0)
	if steps != 3 || decisions != 1 || got.Status == "pending" || got.RuleSetVersion != 1 || got.Arm != "champion" {
		t.Fatalf("steps %d, decisions %d, application %+v", steps, decisions, got)
	}
}

func verify(t *testing.T, env *apptest.Env, u auth.User, id string) {
	ctx, a, now := context.Background(), env.App, env.Clock.Now()
	seal := func(field, plain, masked string) mysql.Sealed {
		enc, err := a.Vault.Encrypt(ctx, field, plain)
		if err != nil {
			t.Fatal(err)
		}
		return mysql.Sealed{Enc: enc, Index: pii.BlindIndex(a.Cfg.PIIIndexKey, field, plain), Masked: masked}
	}
	k := mysql.KYC{DB: a.DB}
	if err := k.SetPhone(ctx, u.ID, seal(pii.FieldPhone, "13812345678", "138****5678"), now); err != nil {
		t.Fatal(err)
	}
	if err := k.SaveIdentity(ctx, u.ID, pii.BlindIndex(a.Cfg.PIIIndexKey, pii.FieldPhone, "13812345678"), seal(pii.FieldName, "张三", "张*"), seal(pii.FieldIDNumber, id, pii.MaskIDNumber(id)), now); err != nil {
		t.Fatal(err)
	}
	if _, err := env.DB.Exec("UPDATE users SET kyc_liveness = 'verified' WHERE id = ?", u.ID); err != nil {
		t.Fatal(err)
	}
}
