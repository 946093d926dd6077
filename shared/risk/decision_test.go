package risk_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/risk/risktest"
)

func defaultPlan(t testing.TB) risk.Plan {
	t.Helper()
	p, err := risk.DefaultPlan()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func input(f *risk.Features) risk.DecisionInput {
	return risk.DecisionInput{
		DecisionID: "dec-1", UserID: "user-1", At: time.Date(2026, 3, 1, 2, 3, 4, 0, time.UTC), Features: f,
		Product: risk.ProductTerms{Code: "cash-12m", MinAge: 20, MaxAge: 55, MinRateBP: 1000, MaxRateBP: 2400},
		CapBP:   2400,
	}
}

func applicant(set map[string]any) *risk.Features {
	f := risktest.GoodApplicant()
	for k, v := range set {
		if err := f.Set(k, v); err != nil {
			panic(err)
		}
	}
	return f
}

func codes(rs []risk.Reason) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func TestDecidePaths(t *testing.T) {
	plan := defaultPlan(t)
	cases := []struct {
		name    string
		set     map[string]any
		outcome risk.Outcome
		reasons []string
		band    string
		limit   money.Fen
		rate    money.BP
	}{
		{"approve B", nil, risk.OutcomeApprove, nil, "B", 8000_00, 1600},
		{"approve A", map[string]any{"internal_on_time_installments": 12, "internal_max_dpd": 0}, risk.OutcomeApprove, nil, "A", 20000_00, 1200},
		{"approve D at the lowest limit", map[string]any{"thirdparty_score": 540},
			risk.OutcomeApprove, nil, "D", 1000_00, 2300},
		{"decline by rule", map[string]any{"is_student": true}, risk.OutcomeDecline, []string{"R004"}, "B", 0, 0},
		{"decline: every decline reason, in order", map[string]any{"age": 17, "blacklist_internal": true, "multi_platform_apps_3m": 11},
			risk.OutcomeDecline, []string{"R001", "R005", "R006"}, "C", 0, 0},
		{"decline beats review", map[string]any{"court_enforcement": true, "device_rooted": true}, risk.OutcomeDecline, []string{"R007"}, "B", 0, 0},
		{"review with proposed offer", map[string]any{"accounts_per_device": 5}, risk.OutcomeReview, []string{"R012"}, "B", 8000_00, 1600},
		{"review, duplicate codes merged", map[string]any{"device_rooted": true, "impossible_travel": true, "ip_is_proxy": true, "ip_is_datacenter": true},
			risk.OutcomeReview, []string{"R010", "R013", "R014"}, "B", 8000_00, 1600},
		{"flag only approves", map[string]any{"geo_city_mismatch": true}, risk.OutcomeApprove, nil, "B", 8000_00, 1600},
		{"decline by score band", map[string]any{"operator_tenure_months": 2, "thirdparty_score": 500, "multi_platform_apps_3m": 8, "bureau_inquiries_3m": 9},
			risk.OutcomeDecline, []string{"S190", "S102", "S101", "S104", "S108"}, "E", 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := risk.Decide(input(applicant(tc.set)), plan)
			if err != nil {
				t.Fatal(err)
			}
			if d.Outcome != tc.outcome || d.Band != tc.band || d.LimitFen != tc.limit || d.AnnualRateBP != tc.rate {
				t.Errorf("got %s band %s limit %s rate %s (score %.1f), want %s %s %s %s", d.Outcome, d.Band, d.LimitFen, d.AnnualRateBP, d.Score, tc.outcome, tc.band, tc.limit, tc.rate)
			}
			if got := codes(d.Reasons); !slices.Equal(got, tc.reasons) {
				t.Errorf("reasons %v, want %v", got, tc.reasons)
			}
			if d.Arm != "champion" || d.RuleSetVersion != 1 || d.ModelVersion != 1 || d.SplitBucket != -1 ||
				len(d.RuleSetDigest) != 64 || len(d.ModelDigest) != 64 || d.PD <= 0 || d.PD >= 1 || len(d.Contributions) != 6 {
				t.Errorf("record incomplete: %+v", d)
			}
			if d.Outcome == risk.OutcomeApprove && len(d.Hits) > 0 && d.Hits[0].Action != risk.ActionFlag {
				t.Errorf("approved with hits %v", d.Hits)
			}
		})
	}
}

func TestRateClampedIntoProductAndCap(t *testing.T) {
	plan := defaultPlan(t)
	cases := []struct {
		name         string
		min, max, cp money.BP
		set          map[string]any
		want         money.BP
	}{
		{"band rate inside", 1000, 2400, 2400, nil, 1600},
		{"product minimum above band", 1800, 2400, 2400, nil, 1800},
		{"product maximum below band", 800, 1500, 2400, nil, 1500},
		{"cap below band", 800, 2400, 1400, nil, 1400},
		{"D band 23% under a 20% cap", 800, 2400, 2000, map[string]any{"thirdparty_score": 540}, 2000},
		{"D band 23% under 36% product max, 24% cap", 800, 3600, 2400, map[string]any{"thirdparty_score": 540}, 2300},
	}
	for _, tc := range cases {
		in := input(applicant(tc.set))
		in.Product.MinRateBP, in.Product.MaxRateBP, in.CapBP = tc.min, tc.max, tc.cp
		d, err := risk.Decide(in, plan)
		if err != nil {
			t.Fatal(err)
		}
		if d.AnnualRateBP != tc.want || d.AnnualRateBP > tc.cp || d.AnnualRateBP < tc.min || d.AnnualRateBP > tc.max {
			t.Errorf("%s: rate %s, want %s", tc.name, d.AnnualRateBP, tc.want)
		}
	}
}

func TestDecideInputErrors(t *testing.T) {
	plan := defaultPlan(t)
	cases := []struct {
		name string
		edit func(*risk.DecisionInput)
		want error
	}{
		{"no decision id", func(in *risk.DecisionInput) { in.DecisionID = "" }, risk.ErrInvalidInput},
		{"no user", func(in *risk.DecisionInput) { in.UserID = "" }, risk.ErrInvalidInput},
		{"no time", func(in *risk.DecisionInput) { in.At = time.Time{} }, risk.ErrInvalidInput},
		{"no features", func(in *risk.DecisionInput) { in.Features = nil }, risk.ErrInvalidInput},
		{"age window", func(in *risk.DecisionInput) { in.Product.MinAge = 17 }, risk.ErrInvalidInput},
		{"age window reversed", func(in *risk.DecisionInput) { in.Product.MinAge, in.Product.MaxAge = 60, 30 }, risk.ErrInvalidInput},
		{"no cap", func(in *risk.DecisionInput) { in.CapBP = 0 }, risk.ErrInvalidInput},
		{"cap over 36%", func(in *risk.DecisionInput) { in.CapBP = 3601 }, risk.ErrInvalidInput},
		{"product min above cap", func(in *risk.DecisionInput) { in.Product.MinRateBP = 2500 }, risk.ErrInvalidInput},
		{"empty rate range", func(in *risk.DecisionInput) { in.Product.MinRateBP, in.Product.MaxRateBP = 2000, 1000 }, risk.ErrInvalidInput},
		{"derived feature set", func(in *risk.DecisionInput) { _ = in.Features.SetInt("product_min_age", 1) }, risk.ErrInvalidInput},
		{"required missing", func(in *risk.DecisionInput) { in.Features.Unset("blacklist_thirdparty") }, risk.ErrMissingFeature},
	}
	for _, tc := range cases {
		in := input(risktest.GoodApplicant())
		tc.edit(&in)
		if _, err := risk.Decide(in, plan); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	in := input(risk.NewFeatures())
	_, err := risk.Decide(in, plan)
	if !errors.Is(err, risk.ErrMissingFeature) || !strings.Contains(err.Error(), "blacklist_internal") {
		t.Errorf("missing features not named: %v", err)
	}
	if _, err := risk.Decide(input(risktest.GoodApplicant()), risk.Plan{}); !errors.Is(err, risk.ErrInvalidStrategy) {
		t.Errorf("zero plan: %v", err)
	}
}

func TestNewPlanChecksParts(t *testing.T) {
	rs, _ := risk.Compile(risk.DefaultRuleSet())
	m, _ := risk.CompileModel(risk.DefaultModel())
	s := risk.DefaultStrategy()
	bad := map[string]func(*risk.Strategy){
		"rule set version": func(s *risk.Strategy) { s.RuleSetVersion = 2 },
		"model version":    func(s *risk.Strategy) { s.ModelVersion = 2 },
		"other strategy":   func(s *risk.Strategy) { s.Name = "challenger" },
		"bad limits":       func(s *risk.Strategy) { s.Limits.Bands = nil },
	}
	for name, edit := range bad {
		s2 := s
		edit(&s2)
		if _, err := risk.NewPlan(s2, rs, m); !errors.Is(err, risk.ErrInvalidStrategy) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := risk.NewPlan(s, nil, m); !errors.Is(err, risk.ErrInvalidStrategy) {
		t.Error("nil rule set accepted")
	}
}

func TestBorrowerSafeReasons(t *testing.T) {
	internal := []string{"黑名单", "blacklist", "模拟器", "emulator", "root", "hook", "越狱", "代理", "proxy",
		"欺诈", "fraud", "规则", "rule", "模型", "model", "score card", "WOE", "阈值", "threshold", "IP"}
	for _, r := range risk.Reasons() {
		if r.Text == "" || r.TextEN == "" {
			t.Errorf("%s: missing text", r.Code)
		}
		hasHan := false
		for _, c := range r.Text {
			hasHan = hasHan || unicode.Is(unicode.Han, c)
			if unicode.IsDigit(c) {
				t.Errorf("%s: %q reveals a number", r.Code, r.Text)
			}
		}
		if !hasHan {
			t.Errorf("%s: %q is not Chinese", r.Code, r.Text)
		}
		for _, w := range internal {
			if strings.Contains(strings.ToLower(r.Text+" "+r.TextEN), strings.ToLower(w)) {
				t.Errorf("%s: %q / %q names an internal detail %q", r.Code, r.Text, r.TextEN, w)
			}
		}
	}
	// Every default rule and model reason is registered, and every decline
	// or review the defaults produce carries at least one reason.
	for _, ch := range risk.DefaultModel().Characteristics {
		if _, ok := risk.LookupReason(ch.ReasonCode); !ok {
			t.Errorf("model reason %s", ch.ReasonCode)
		}
	}
}

func TestDecisionJSONAndReplay(t *testing.T) {
	plan := defaultPlan(t)
	ticks := time.Unix(0, 0)
	plan.Now = func() time.Time { ticks = ticks.Add(time.Microsecond); return ticks }
	for _, set := range []map[string]any{nil, {"is_student": true}, {"accounts_per_device": 9}, {"thirdparty_score": 300, "operator_tenure_months": 1}} {
		d, err := risk.Decide(input(applicant(set)), plan)
		if err != nil {
			t.Fatal(err)
		}
		if d.Timings.TotalNS <= 0 || d.Timings.RulesNS <= 0 {
			t.Errorf("timings %+v", d.Timings)
		}
		b, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		for _, field := range []string{`"limit_fen"`, `"annual_rate_bp"`, `"cap_bp"`, `"rule_set_version"`, `"arm"`, `"features"`, `"hits"`} {
			if !strings.Contains(string(b), field) {
				t.Errorf("record lacks %s", field)
			}
		}
		var rec risk.Decision
		if err := json.Unmarshal(b, &rec); err != nil {
			t.Fatal(err)
		}
		again, err := risk.Replay(rec, plan)
		if err != nil {
			t.Fatal(err)
		}
		if !again.Equivalent(d) {
			a, _ := json.Marshal(again)
			t.Errorf("replay differs:\n%s\n%s", a, b)
		}
		if again.Timings != (risk.Timings{}) {
			t.Error("replay timed itself")
		}
	}
	// Replay refuses other versions.
	d, _ := risk.Decide(input(risktest.GoodApplicant()), plan)
	d.RuleSetDigest = strings.Repeat("0", 64)
	if _, err := risk.Replay(d, plan); !errors.Is(err, risk.ErrReplayMismatch) {
		t.Errorf("replay with another digest: %v", err)
	}
}

func TestRouter(t *testing.T) {
	champ := defaultPlan(t)
	rs := risk.DefaultRuleSet()
	rs.Strategy = "challenger"
	crs, err := risk.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	s := risk.DefaultStrategy()
	s.Name = "challenger"
	s.Limits.Bands[1].LimitFen = 500_00
	chal, err := risk.NewPlan(s, crs, champ.Model)
	if err != nil {
		t.Fatal(err)
	}
	split := risk.Split{Salt: "t1", Arms: []risk.ArmWeight{{Strategy: "champion", WeightBP: 5000}, {Strategy: "challenger", WeightBP: 5000}}}
	r, err := risk.NewRouter(split, champ, chal)
	if err != nil {
		t.Fatal(err)
	}
	arms := map[string]int{}
	for i := 0; i < 200; i++ {
		in := input(risktest.GoodApplicant())
		in.UserID = strings.Repeat("x", i%7) + string(rune('a'+i%26)) + string(rune('0'+i/26))
		d, err := r.Decide(in)
		if err != nil {
			t.Fatal(err)
		}
		want, bucket := split.Choose(in.UserID)
		if d.Arm != want || d.SplitBucket != bucket {
			t.Fatalf("arm %s bucket %d, want %s %d", d.Arm, d.SplitBucket, want, bucket)
		}
		arms[d.Arm]++
	}
	if arms["champion"] == 0 || arms["challenger"] == 0 {
		t.Errorf("arms %v", arms)
	}
	if _, err := risk.NewRouter(split, champ); !errors.Is(err, risk.ErrInvalidStrategy) {
		t.Error("router without a challenger plan accepted")
	}
	if _, err := risk.NewRouter(split, champ, chal, chal); !errors.Is(err, risk.ErrInvalidStrategy) {
		t.Error("duplicate plan accepted")
	}
}

func TestDecideDoesNotMutateInput(t *testing.T) {
	plan := defaultPlan(t)
	in := input(risktest.GoodApplicant())
	before, _ := json.Marshal(in.Features)
	if _, err := risk.Decide(in, plan); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(in.Features)
	if string(before) != string(after) {
		t.Errorf("features changed: %s -> %s", before, after)
	}
}

// TestEvaluationFailureIsInternalNotTheCallersFault: a decision that fails
// on a bug (here a plan whose model was lost after NewPlan) is an internal
// error whose detail a client never sees, not invalid input.
func TestEvaluationFailureIsInternalNotTheCallersFault(t *testing.T) {
	plan := defaultPlan(t)
	plan.Model = nil
	_, err := risk.Decide(input(risktest.GoodApplicant()), plan)
	if !errors.Is(err, risk.ErrEvaluation) {
		t.Fatalf("got %v, want ErrEvaluation", err)
	}
	if code := apierr.CodeOf(err); code != apierr.Internal {
		t.Errorf("code %s, want internal", code)
	}
	if pub := apierr.Public(err); pub.Code != apierr.Internal || strings.Contains(pub.Message, "evaluation") || pub.Field != "" {
		t.Errorf("a client would see %+v", pub)
	}
	for name, edit := range map[string]func(*risk.DecisionInput){
		"malformed input":  func(in *risk.DecisionInput) { in.UserID = "" },
		"required missing": func(in *risk.DecisionInput) { in.Features.Unset("court_enforcement") },
	} {
		in := input(risktest.GoodApplicant())
		edit(&in)
		if _, err := risk.Decide(in, defaultPlan(t)); apierr.CodeOf(err) != apierr.Internal {
			t.Errorf("%s: code %s, want internal: the caller builds the input, not the borrower", name, apierr.CodeOf(err))
		}
	}
}

// TestReplayUnderAnotherRuleSet: the what-if replay of a stored record
// under a new rule-set version uses the record's features and changes the
// outcome only where the new rules say so; under the record's own plan it
// is the record.
func TestReplayUnderAnotherRuleSet(t *testing.T) {
	plan := defaultPlan(t)
	rs := risk.NextDraft(risk.DefaultRuleSet())
	for i, r := range rs.Rules {
		if r.ID == "POL_MULTI_LENDING" {
			rs.Rules[i].Expr = "multi_platform_apps_3m > 2"
		}
	}
	rules, err := risk.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	s := plan.Strategy
	s.RuleSetVersion = rs.Version
	tighter, err := risk.NewPlan(s, rules, plan.Model)
	if err != nil {
		t.Fatal(err)
	}
	for apps, want := range map[int]risk.Outcome{1: risk.OutcomeApprove, 5: risk.OutcomeDecline} {
		rec, err := risk.Decide(input(applicant(map[string]any{"multi_platform_apps_3m": apps})), plan)
		if err != nil || rec.Outcome != risk.OutcomeApprove {
			t.Fatalf("record: %v %v", rec.Outcome, err)
		}
		same, err := risk.ReplayUnder(rec, plan)
		if err != nil || !same.Equivalent(rec) {
			t.Fatalf("under its own plan: %v", err)
		}
		again, err := risk.ReplayUnder(rec, tighter)
		if err != nil || again.Outcome != want || again.RuleSetVersion != rs.Version {
			t.Fatalf("%d apps under v%d: %v v%d %v", apps, rs.Version, again.Outcome, again.RuleSetVersion, err)
		}
	}
	if _, err := risk.ReplayUnder(risk.Decision{}, risk.Plan{}); err == nil {
		t.Fatal("a plan not built by NewPlan replays")
	}
}
