package risk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/money"
)

// Outcome is the decision.
type Outcome string

// Outcomes.
const (
	OutcomeApprove Outcome = "approve"
	OutcomeDecline Outcome = "decline"
	OutcomeReview  Outcome = "review"
)

// ProductTerms are the parts of the loan product a decision needs (from
// lending.Product).
type ProductTerms struct {
	Code      string   `json:"code"`
	MinAge    int      `json:"min_age"`
	MaxAge    int      `json:"max_age"`
	MinRateBP money.BP `json:"min_annual_rate_bp"`
	MaxRateBP money.BP `json:"max_annual_rate_bp"`
}

// DecisionInput is everything a decision depends on; it is recorded in the
// Decision and is all Replay needs besides the compiled parts.
type DecisionInput struct {
	DecisionID string       `json:"decision_id"` // made and stored by the caller first
	UserID     string       `json:"user_id"`
	At         time.Time    `json:"at"` // business time of the decision, UTC
	Features   *Features    `json:"features"`
	Product    ProductTerms `json:"product"`
	CapBP      money.BP     `json:"cap_bp"` // the all-in annual cost cap in force
}

// Timings of one decision, zero unless Plan.Now is set. Not replayed.
type Timings struct {
	RulesNS int64 `json:"rules_ns"`
	ScoreNS int64 `json:"score_ns"`
	TotalNS int64 `json:"total_ns"`
}

// Decision is the decision record: input snapshot, rule hits, score,
// versions, arm and outcome. It round-trips through JSON, and Replay of
// the decoded record with the same compiled parts gives an Equivalent one.
type Decision struct {
	DecisionID     string         `json:"decision_id"`
	UserID         string         `json:"user_id"`
	At             time.Time      `json:"at"`
	Outcome        Outcome        `json:"outcome"`
	Arm            string         `json:"arm"`
	SplitBucket    int            `json:"split_bucket"` // -1 when the arm was not chosen by a Router
	RuleSetVersion int            `json:"rule_set_version"`
	RuleSetDigest  string         `json:"rule_set_digest"`
	ModelVersion   int            `json:"model_version"`
	ModelDigest    string         `json:"model_digest"`
	Input          DecisionInput  `json:"input"`
	Hits           []Hit          `json:"hits"`
	Score          float64        `json:"score"`
	PD             float64        `json:"pd"`
	Contributions  []Contribution `json:"contributions"`
	Band           string         `json:"band"`
	// LimitFen and AnnualRateBP are the offer of an approval, and the
	// proposed offer of a review whose score band approves; zero otherwise.
	LimitFen     money.Fen `json:"limit_fen"`
	AnnualRateBP money.BP  `json:"annual_rate_bp"`
	// Reasons explain a decline or review to the borrower; empty on approval.
	Reasons []Reason `json:"reasons"`
	Timings Timings  `json:"timings"`
}

// Plan is one strategy with its compiled parts, built by NewPlan once per
// (strategy, versions) and shared by all decisions of that arm.
type Plan struct {
	Strategy Strategy
	Rules    *CompiledRuleSet
	Model    *CompiledModel
	// Now, if set, times the decision (Decision.Timings); the domain never
	// reads the clock itself.
	Now func() time.Time
	ok  bool
}

// NewPlan checks that the compiled parts are the strategy's own (rule set
// named after the strategy at its version, model at its version) and the
// limit policy is valid (ErrInvalidStrategy).
func NewPlan(s Strategy, rules *CompiledRuleSet, model *CompiledModel) (Plan, error) {
	switch {
	case !validIdent(s.Name):
		return Plan{}, strategyErr("strategy name %q", s.Name)
	case rules == nil || model == nil:
		return Plan{}, strategyErr("%s: rule set and model are required", s.Name)
	case rules.Strategy() != s.Name || rules.Version() != s.RuleSetVersion:
		return Plan{}, strategyErr("%s wants rule set v%d, got %s v%d", s.Name, s.RuleSetVersion, rules.Strategy(), rules.Version())
	case model.Version() != s.ModelVersion:
		return Plan{}, strategyErr("%s wants model v%d, got v%d", s.Name, s.ModelVersion, model.Version())
	}
	if err := s.Limits.Validate(); err != nil {
		return Plan{}, fmt.Errorf("%s: %w", s.Name, err)
	}
	return Plan{Strategy: s, Rules: rules, Model: model, ok: true}, nil
}

func (in DecisionInput) validate() error {
	p := in.Product
	switch {
	case in.DecisionID == "" || len(in.DecisionID) > 64:
		return inputErr("decision_id must be 1..64 bytes")
	case in.UserID == "" || len(in.UserID) > 128:
		return inputErr("user_id must be 1..128 bytes")
	case in.At.IsZero():
		return inputErr("at is required")
	case in.Features == nil:
		return inputErr("features are required")
	case p.MinAge < 18 || p.MaxAge > 100 || p.MinAge > p.MaxAge:
		return inputErr("product age window %d..%d must lie within 18..100", p.MinAge, p.MaxAge)
	case in.CapBP < 1 || in.CapBP > maxRateBP:
		return inputErr("cap_bp must be 1..%d", maxRateBP)
	case p.MinRateBP < 1 || p.MaxRateBP < p.MinRateBP || p.MinRateBP > in.CapBP:
		return inputErr("product rate range %s..%s is empty or above the cap %s", p.MinRateBP, p.MaxRateBP, in.CapBP)
	}
	for _, name := range derivedFeatures {
		if in.Features.Has(name) {
			return inputErr("feature %s is derived from the product; do not set it", name)
		}
	}
	if m := in.Features.MissingRequired(); len(m) > 0 {
		return fmt.Errorf("%w: %s", ErrMissingFeature, strings.Join(m, ", "))
	}
	return nil
}

// Decide makes one decision: every rule is evaluated and the scorecard
// always runs (both are recorded), then
//   - any decline hit → decline, reasons from the decline hits;
//   - else any review hit → review, reasons from the review hits;
//   - else the score band: the worst band declines (S190 and the
//     scorecard's adverse reasons), any other approves with the band's
//     limit and its rate clamped into [product min, min(product max, cap)].
//
// Flags are recorded only. Errors: ErrInvalidStrategy (plan not from
// NewPlan), ErrInvalidInput, ErrMissingFeature (a Required feature is
// absent: fetch it and retry), ErrEvaluation (a bug). None is the
// borrower's doing (the caller builds the input), so each comes wrapped in
// an apierr internal error: the detail is for the log.
func Decide(in DecisionInput, p Plan) (Decision, error) {
	return decide(in, p, -1)
}

func decide(in DecisionInput, p Plan, bucket int) (d Decision, err error) {
	defer func() {
		if r := recover(); r != nil {
			d, err = Decision{}, fmt.Errorf("%w: %v", ErrEvaluation, r)
		}
		if err != nil {
			err = apierr.Wrap(apierr.Internal, err, "the decision could not be made")
		}
	}()
	if !p.ok {
		return Decision{}, strategyErr("plan not built by NewPlan")
	}
	if err := in.validate(); err != nil {
		return Decision{}, err
	}
	var t0, t1, t2 time.Time
	if p.Now != nil {
		t0 = p.Now()
	}
	f := in.Features.Clone()
	_ = f.SetInt("product_min_age", int64(in.Product.MinAge))
	_ = f.SetInt("product_max_age", int64(in.Product.MaxAge))
	hits := p.Rules.Evaluate(f)
	if p.Now != nil {
		t1 = p.Now()
	}
	sr := p.Model.Score(f)
	if p.Now != nil {
		t2 = p.Now()
	}
	d = Decision{
		DecisionID: in.DecisionID, UserID: in.UserID, At: in.At,
		Arm: p.Strategy.Name, SplitBucket: bucket,
		RuleSetVersion: p.Rules.Version(), RuleSetDigest: p.Rules.Digest(),
		ModelVersion: p.Model.Version(), ModelDigest: p.Model.Digest(),
		Input: in, Hits: hits,
		Score: sr.Score, PD: sr.PD, Contributions: sr.Contributions,
	}
	outcome(&d, in, p.Strategy.Limits, sr)
	if p.Now != nil {
		t3 := p.Now()
		d.Timings = Timings{RulesNS: t1.Sub(t0).Nanoseconds(), ScoreNS: t2.Sub(t1).Nanoseconds(), TotalNS: t3.Sub(t0).Nanoseconds()}
	}
	return d, nil
}

func outcome(d *Decision, in DecisionInput, lp LimitPolicy, sr ScoreResult) {
	band := lp.BandFor(sr.Score)
	d.Band = band.Name
	if declines := hitReasons(d.Hits, ActionDecline); len(declines) > 0 {
		d.Outcome, d.Reasons = OutcomeDecline, declines
		return
	}
	if band.Approve {
		d.LimitFen = band.LimitFen
		d.AnnualRateBP = clampRate(band.RateBP, in.Product.MinRateBP, in.Product.MaxRateBP, in.CapBP)
	}
	if reviews := hitReasons(d.Hits, ActionReview); len(reviews) > 0 {
		d.Outcome, d.Reasons = OutcomeReview, reviews
		return
	}
	if !band.Approve {
		d.Outcome = OutcomeDecline
		d.Reasons = reasonTexts(append([]string{ReasonScoreBelowThreshold}, sr.Reasons...))
		return
	}
	d.Outcome = OutcomeApprove
}

func hitReasons(hits []Hit, a Action) []Reason {
	var codes []string
	for _, h := range hits {
		if h.Action == a {
			codes = append(codes, h.ReasonCode)
		}
	}
	return reasonTexts(codes)
}

func reasonTexts(codes []string) []Reason {
	var out []Reason
	seen := map[string]bool{}
	for _, c := range codes {
		if seen[c] {
			continue
		}
		seen[c] = true
		if r, ok := reasonRegistry[c]; ok {
			out = append(out, r)
		}
	}
	return out
}

// Router picks a user's arm by the Split and decides with that arm's Plan,
// recording the bucket.
type Router struct {
	split Split
	plans map[string]Plan
}

// NewRouter checks the split and that every arm has exactly one plan
// (ErrInvalidStrategy).
func NewRouter(s Split, plans ...Plan) (*Router, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	r := &Router{split: s, plans: map[string]Plan{}}
	for _, p := range plans {
		if !p.ok {
			return nil, strategyErr("plan not built by NewPlan")
		}
		if _, dup := r.plans[p.Strategy.Name]; dup {
			return nil, strategyErr("two plans for %s", p.Strategy.Name)
		}
		r.plans[p.Strategy.Name] = p
	}
	for _, a := range s.Arms {
		if _, ok := r.plans[a.Strategy]; !ok {
			return nil, strategyErr("no plan for arm %s", a.Strategy)
		}
	}
	return r, nil
}

// Decide chooses the arm of in.UserID and decides with it (see Decide).
func (r *Router) Decide(in DecisionInput) (Decision, error) {
	arm, bucket := r.split.Choose(in.UserID)
	return decide(in, r.plans[arm], bucket)
}

// Replay decides again from a stored record with the compiled parts the
// record names; ErrReplayMismatch when p's arm, versions or digests differ
// from the record's. The result is Equivalent to the record when nothing
// has changed.
func Replay(rec Decision, p Plan) (Decision, error) {
	if !p.ok {
		return Decision{}, strategyErr("plan not built by NewPlan")
	}
	if rec.Arm != p.Strategy.Name || rec.RuleSetVersion != p.Rules.Version() || rec.RuleSetDigest != p.Rules.Digest() ||
		rec.ModelVersion != p.Model.Version() || rec.ModelDigest != p.Model.Digest() {
		return Decision{}, fmt.Errorf("%w: record %s rules v%d model v%d, plan %s rules v%d model v%d", ErrReplayMismatch,
			rec.Arm, rec.RuleSetVersion, rec.ModelVersion, p.Strategy.Name, p.Rules.Version(), p.Model.Version())
	}
	p.Now = nil
	return decide(rec.Input, p, rec.SplitBucket)
}

// Equivalent reports whether two decisions are the same apart from Timings.
func (d Decision) Equivalent(o Decision) bool {
	d.Timings, o.Timings = Timings{}, Timings{}
	a, errA := json.Marshal(d)
	b, errB := json.Marshal(o)
	return errA == nil && errB == nil && bytes.Equal(a, b)
}

// ReplayUnder decides a stored record's input again under another plan
// (what-if: a rule set or model version not yet active, shown to the
// checker before approval). Unlike Replay it does not insist on the
// record's versions; the split bucket stays the record's.
func ReplayUnder(rec Decision, p Plan) (Decision, error) {
	if !p.ok {
		return Decision{}, strategyErr("plan not built by NewPlan")
	}
	p.Now = nil
	return decide(rec.Input, p, rec.SplitBucket)
}
