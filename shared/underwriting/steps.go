package underwriting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/risk"
)

// antifraud gathers device, velocity, blacklist and third-party features
// and the KYC facts (age, identity and liveness verified), reading MySQL
// once. A provider failure is returned, so the platform retries the step.
func (d *Deps) antifraud(ctx context.Context, a mysql.Application) (*risk.Features, error) {
	f := risk.NewFeatures()
	var dev risk.DeviceSignals
	if err := json.Unmarshal(a.Device, &dev); err != nil {
		return nil, fmt.Errorf("device: %w", err)
	}
	dev.ApplyTo(f)
	devHash := sha256.Sum256([]byte(dev.FingerprintID))
	facts, err := mysql.RiskEvents{DB: d.App.DB}.Facts(ctx, a.UserID, a.ClientIP, dev.FingerprintID, devHash[:], d.App.Clock.Now())
	if err != nil {
		return nil, err
	}
	facts.Velocity.ApplyTo(f)
	if err := f.Set("blacklist_internal", facts.Blacklisted); err != nil {
		return nil, err
	}
	id, err := d.App.Vault.Decrypt(ctx, pii.FieldIDNumber, facts.IDNumberEnc)
	if err != nil {
		return nil, err
	}
	if err := d.kycFeatures(facts, id, f); err != nil {
		return nil, err
	}
	return f, d.thirdParty(ctx, f, IDHash(d.App.Cfg.PIIIndexKey, id))
}

// IDHash is how the data providers know the borrower: a keyed hash of the
// ID number, never the number itself.
func IDHash(key []byte, idNumber string) string {
	return hex.EncodeToString(pii.BlindIndex(key, "risk.provider_id", idNumber))
}

func (d *Deps) thirdParty(ctx context.Context, f *risk.Features, idHash string) error {
	bl, err := d.Provider.Blacklist(ctx, idHash)
	if err != nil {
		return err
	}
	bl.ApplyTo(f)
	ml, err := d.Provider.MultiLending(ctx, idHash)
	if err != nil {
		return err
	}
	ml.ApplyTo(f)
	sc, err := d.Provider.ThirdPartyScore(ctx, idHash)
	if err != nil {
		return err
	}
	sc.ApplyTo(f)
	return nil
}

// rulesOutput is what the rules step stores: the features decided on, the
// arm and versions (pinned for the decision) and the hits.
type rulesOutput struct {
	Features       *risk.Features `json:"features"`
	Strategy       string         `json:"strategy"`
	RuleSetVersion int            `json:"rule_set_version"`
	ModelVersion   int            `json:"model_version"`
	Hits           []risk.Hit     `json:"hits"`
}

// rules picks the arm by the stable split and evaluates the strategy's
// active rule set (compiled once per version and process) on the
// antifraud step's features, recording the version.
func (d *Deps) rules(ctx context.Context, in mysql.StepInput) (rulesOutput, error) {
	var f risk.Features
	if err := json.Unmarshal(in.Prev, &f); err != nil {
		return rulesOutput{}, err
	}
	strategy := d.arm(in.UserID)
	v, err := mysql.RuleSets{DB: d.App.DB}.ActiveVersion(ctx, strategy.Name)
	if err != nil {
		return rulesOutput{}, err
	}
	compiled, err := d.ruleSet(ctx, strategy.Name, v)
	if err != nil {
		return rulesOutput{}, err
	}
	return rulesOutput{Features: &f, Strategy: strategy.Name, RuleSetVersion: v, ModelVersion: strategy.ModelVersion,
		Hits: compiled.Evaluate(&f)}, nil
}

// kycFeatures sets the KYC facts: age on the business date (from the ID
// number), identity and liveness verified, student status.
func (d *Deps) kycFeatures(facts mysql.Facts, raw string, f *risk.Features) error {
	today := pii.DateOf(d.App.Clock.Now())
	id, err := pii.ParseIDNumber(raw, today)
	if err != nil {
		return err
	}
	for name, v := range map[string]any{
		"age": id.AgeOn(today), "identity_verified": facts.Identity == "verified", "liveness_verified": facts.Liveness == "verified",
		// Student status is not collected from the borrower; a data
		// provider that knows it sets it. Absent knowledge is "no".
		"is_student": false,
	} {
		if err := f.Set(name, v); err != nil {
			return err
		}
	}
	return nil
}

// arm is the strategy of the user's traffic bucket (stable per user).
func (d *Deps) arm(userID int64) risk.Strategy {
	split := risk.DefaultSplit()
	b := risk.SplitBucket(split.Salt, fmt.Sprint(userID))
	name, acc := split.Arms[0].Strategy, 0
	for _, arm := range split.Arms {
		if acc += arm.WeightBP; b < acc {
			name = arm.Strategy
			break
		}
	}
	s := risk.DefaultStrategy()
	s.Name = name
	return s
}

// ruleSet is strategy's version v, compiled (cached per process: a
// version is never edited).
func (d *Deps) ruleSet(ctx context.Context, strategy string, v int) (*risk.CompiledRuleSet, error) {
	if rules, ok := d.Cache.RuleSet(strategy, v); ok {
		return rules, nil
	}
	rs, err := mysql.RuleSets{DB: d.App.DB}.Version(ctx, strategy, v)
	if err != nil {
		return nil, err
	}
	return d.Cache.CompileRuleSet(rs)
}

// plan compiles the pinned rule-set and model versions (cached per process).
func (d *Deps) plan(ctx context.Context, o rulesOutput) (risk.Plan, error) {
	rules, err := d.ruleSet(ctx, o.Strategy, o.RuleSetVersion)
	if err != nil {
		return risk.Plan{}, err
	}
	model, ok := d.Cache.Model(o.ModelVersion)
	if !ok {
		m, err := mysql.RuleSets{DB: d.App.DB}.Model(ctx, o.ModelVersion)
		if err != nil {
			return risk.Plan{}, err
		}
		if model, err = d.Cache.CompileModel(m); err != nil {
			return risk.Plan{}, err
		}
	}
	s := d.arm(0)
	s.Name, s.RuleSetVersion, s.ModelVersion = o.Strategy, o.RuleSetVersion, o.ModelVersion
	p, err := risk.NewPlan(s, rules, model)
	p.Now = time.Now
	return p, err
}

// product is version v of the product code (cached per process: a
// published version is never edited).
func (d *Deps) product(ctx context.Context, code string, v int) (lending.Product, error) {
	key := fmt.Sprintf("%s:%d", code, v)
	if p, ok := d.products.Load(key); ok {
		return p.(lending.Product), nil
	}
	if v == 0 {
		return lending.Product{}, fmt.Errorf("product %s has no active version", code)
	}
	pv, err := mysql.Products{DB: d.App.DB}.Version(ctx, code, v)
	if err != nil {
		return lending.Product{}, err
	}
	d.products.Store(key, pv.Product)
	return pv.Product, nil
}

// score runs the scorecard of the pinned model on the rules step's features.
func (d *Deps) score(ctx context.Context, in mysql.StepInput) (risk.ScoreResult, error) {
	var o rulesOutput
	if err := json.Unmarshal(in.Prev, &o); err != nil {
		return risk.ScoreResult{}, err
	}
	p, err := d.plan(ctx, o)
	if err != nil {
		return risk.ScoreResult{}, err
	}
	return p.Model.Score(o.Features), nil
}

var outcomes = map[risk.Outcome]string{risk.OutcomeApprove: "approved", risk.OutcomeDecline: "declined", risk.OutcomeReview: "review"}

// decide makes the decision with the pinned versions and stores it with
// the credit line in one transaction.
func (d *Deps) decide(ctx context.Context, in mysql.StepInput, ph *phases) error {
	var o rulesOutput
	if err := json.Unmarshal(in.Prev, &o); err != nil {
		return err
	}
	p, err := d.plan(ctx, o)
	if err != nil {
		return err
	}
	product, err := d.product(ctx, in.ProductCode, in.ProductVersion)
	if err != nil {
		return err
	}
	a, now := in.Application, d.App.Clock.Now()
	dec, err := risk.Decide(risk.DecisionInput{DecisionID: fmt.Sprintf("app-%d", a.ID), UserID: fmt.Sprint(a.UserID), At: now,
		Features: o.Features, CapBP: money.BP(d.App.Cfg.RateCapBP), Product: terms(product)}, p)
	ph.mark(&ph.compute)
	if err != nil {
		return err
	}
	defer ph.mark(&ph.write)
	_, err = mysql.Applications{DB: d.App.DB}.Decide(ctx, mysql.Decided{ApplicationID: a.ID, UserID: a.UserID, Outcome: outcomes[dec.Outcome],
		LimitFen: approvedOnly(dec, dec.LimitFen), AnnualRateBP: money.BP(approvedOnly(dec, money.Fen(dec.AnnualRateBP))), Reasons: dec.Reasons,
		Arm: dec.Arm, RuleSetVersion: dec.RuleSetVersion, ModelVersion: dec.ModelVersion, Record: dec, ExpiresAt: now.AddDate(1, 0, 0)}, now)
	return err
}

func approvedOnly(d risk.Decision, v money.Fen) money.Fen {
	if d.Outcome != risk.OutcomeApprove {
		return 0
	}
	return v
}

func terms(p lending.Product) risk.ProductTerms {
	return risk.ProductTerms{Code: p.Code, MinAge: p.MinAge, MaxAge: p.MaxAge, MinRateBP: p.MinAnnualRateBP, MaxRateBP: p.MaxAnnualRateBP}
}
