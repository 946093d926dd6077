package backoffice

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/risk"
)

// ImpactWindow is how far back the impact replay looks, and ImpactMax how
// many decisions it replays at most (the newest are kept).
const (
	ImpactWindow = 30 * 24 * time.Hour
	ImpactMax    = 5000
)

// Counts of outcomes.
type Counts struct {
	Approve int `json:"approve"`
	Decline int `json:"decline"`
	Review  int `json:"review"`
}

func (c *Counts) add(o risk.Outcome) {
	switch o {
	case risk.OutcomeApprove:
		c.Approve++
	case risk.OutcomeDecline:
		c.Decline++
	default:
		c.Review++
	}
}

// rateBP is approvals per decision in basis points.
func (c Counts) rateBP() int {
	n := c.Approve + c.Decline + c.Review
	if n == 0 {
		return 0
	}
	return c.Approve * 10000 / n
}

// Changed is one application whose outcome the new rule set changes, and
// the rules responsible: those hit under one version and not the other.
type Changed struct {
	ApplicationID int64    `json:"application_id"`
	From          string   `json:"from"`
	To            string   `json:"to"`
	Rules         []string `json:"rules"`
}

// Impact is what activating a rule set would have done to the last 30
// days' applications: replayed with their stored features.
type Impact struct {
	Strategy          string    `json:"strategy"`
	Version           int       `json:"version"`
	Since             time.Time `json:"since"`
	Replayed          int       `json:"replayed"`
	Decided           Counts    `json:"decided"`
	Replay            Counts    `json:"replay"`
	ApprovalRateBP    int       `json:"approval_rate_bp"`
	NewApprovalRateBP int       `json:"new_approval_rate_bp"`
	ChangeBP          int       `json:"approval_rate_change_bp"`
	Changed           []Changed `json:"changed"`
}

// RuleSetImpact replays the last ImpactWindow's decisions of strategy
// under rule-set version (with each record's own model version and
// features: risk.ReplayUnder) and compares outcome by outcome.
func (s Service) RuleSetImpact(ctx context.Context, strategy string, version int) (Impact, error) {
	rs, err := mysql.RuleSets{DB: s.A.DB}.Version(ctx, strategy, version)
	if err != nil {
		return Impact{}, err
	}
	rules, err := risk.Compile(rs)
	if err != nil {
		return Impact{}, err
	}
	imp := Impact{Strategy: strategy, Version: version, Since: s.A.Clock.Now().Add(-ImpactWindow), Changed: []Changed{}}
	recs, err := mysql.Reviews{DB: s.A.DB}.DecisionsSince(ctx, imp.Since, ImpactMax)
	if err != nil {
		return imp, err
	}
	plans := map[int]risk.Plan{}
	for _, sd := range recs {
		var rec risk.Decision
		if err := json.Unmarshal(sd.Record, &rec); err != nil {
			return imp, fmt.Errorf("decision of application %d: %w", sd.ApplicationID, err)
		}
		if rec.Arm != strategy {
			continue
		}
		p, ok := plans[rec.ModelVersion]
		if !ok {
			if p, err = s.plan(ctx, strategy, rules, rec.ModelVersion); err != nil {
				return imp, err
			}
			plans[rec.ModelVersion] = p
		}
		again, err := risk.ReplayUnder(rec, p)
		if err != nil {
			return imp, fmt.Errorf("replay application %d: %w", sd.ApplicationID, err)
		}
		imp.Replayed++
		imp.Decided.add(rec.Outcome)
		imp.Replay.add(again.Outcome)
		if again.Outcome != rec.Outcome {
			imp.Changed = append(imp.Changed, Changed{ApplicationID: sd.ApplicationID, From: string(rec.Outcome), To: string(again.Outcome),
				Rules: hitDiff(rec.Hits, again.Hits)})
		}
	}
	imp.ApprovalRateBP, imp.NewApprovalRateBP = imp.Decided.rateBP(), imp.Replay.rateBP()
	imp.ChangeBP = imp.NewApprovalRateBP - imp.ApprovalRateBP
	return imp, nil
}

func (s Service) plan(ctx context.Context, strategy string, rules *risk.CompiledRuleSet, modelVersion int) (risk.Plan, error) {
	m, err := mysql.RuleSets{DB: s.A.DB}.Model(ctx, modelVersion)
	if err != nil {
		return risk.Plan{}, err
	}
	model, err := risk.CompileModel(m)
	if err != nil {
		return risk.Plan{}, err
	}
	st := risk.DefaultStrategy()
	st.Name, st.RuleSetVersion, st.ModelVersion = strategy, rules.Version(), modelVersion
	return risk.NewPlan(st, rules, model)
}

// hitDiff names the rules hit under exactly one of the two versions.
func hitDiff(a, b []risk.Hit) []string {
	ids := func(hs []risk.Hit) []string {
		var out []string
		for _, h := range hs {
			out = append(out, h.RuleID)
		}
		return out
	}
	ai, bi := ids(a), ids(b)
	var out []string
	for _, id := range ai {
		if !slices.Contains(bi, id) {
			out = append(out, id)
		}
	}
	for _, id := range bi {
		if !slices.Contains(ai, id) {
			out = append(out, id)
		}
	}
	return out
}
