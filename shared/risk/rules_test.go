package risk_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/risk/risktest"
)

func compiledDefaults(t testing.TB) *risk.CompiledRuleSet {
	t.Helper()
	c, err := risk.Compile(risk.DefaultRuleSet())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// withProductAges sets the derived features as Decide does.
func withProductAges(f *risk.Features) *risk.Features {
	f = f.Clone()
	_ = f.SetInt("product_min_age", 20)
	_ = f.SetInt("product_max_age", 55)
	return f
}

func TestDefaultRulesEachHitAndMiss(t *testing.T) {
	rules := compiledDefaults(t)
	if got := rules.Evaluate(withProductAges(risktest.GoodApplicant())); len(got) != 0 {
		t.Fatalf("good applicant hits %s", joinIDs(got))
	}
	cases := []struct {
		rule string
		hit  map[string]any
		miss map[string]any
	}{
		{"POL_AGE", map[string]any{"age": 19}, map[string]any{"age": 20}},
		{"POL_AGE", map[string]any{"age": 56}, map[string]any{"age": 55}},
		{"POL_IDENTITY", map[string]any{"identity_verified": false}, nil},
		{"POL_LIVENESS", map[string]any{"liveness_verified": false}, nil},
		{"POL_STUDENT", map[string]any{"is_student": true}, nil},
		{"POL_BLACKLIST", map[string]any{"blacklist_internal": true}, nil},
		{"POL_BLACKLIST", map[string]any{"blacklist_thirdparty": true}, nil},
		{"POL_MULTI_LENDING", map[string]any{"multi_platform_apps_3m": 11}, map[string]any{"multi_platform_apps_3m": 10}},
		{"POL_COURT", map[string]any{"court_enforcement": true}, nil},
		{"POL_COURT", map[string]any{"court_dishonest": true}, nil},
		{"FRD_DEVICE_TAMPER", map[string]any{"device_emulator": true}, nil},
		{"FRD_DEVICE_TAMPER", map[string]any{"device_hooked": true}, nil},
		{"FRD_DEVICE_ROOTED", map[string]any{"device_rooted": true}, nil},
		{"FRD_VELOCITY", map[string]any{"device_velocity_1h": 6}, map[string]any{"device_velocity_1h": 5}},
		{"FRD_VELOCITY", map[string]any{"ip_velocity_1h": 21}, map[string]any{"ip_velocity_1h": 20}},
		{"FRD_VELOCITY", map[string]any{"device_velocity_24h": 21}, map[string]any{"device_velocity_24h": 20}},
		{"FRD_ACCOUNTS_PER_DEVICE", map[string]any{"accounts_per_device": 4}, map[string]any{"accounts_per_device": 3}},
		{"FRD_IMPOSSIBLE_TRAVEL", map[string]any{"impossible_travel": true}, nil},
		{"FRD_PROXY", map[string]any{"ip_is_proxy": true}, nil},
		{"FRD_PROXY", map[string]any{"ip_is_datacenter": true}, nil},
		{"FRD_GEO_MISMATCH", map[string]any{"geo_city_mismatch": true}, nil},
	}
	for _, tc := range cases {
		for _, want := range []bool{true, false} {
			set := tc.hit
			if !want {
				if tc.miss == nil {
					continue
				}
				set = tc.miss
			}
			f := withProductAges(risktest.GoodApplicant())
			for k, v := range set {
				if err := f.Set(k, v); err != nil {
					t.Fatal(err)
				}
			}
			hits := rules.Evaluate(f)
			if got := joinIDs(hits) == tc.rule; got != want {
				t.Errorf("%s with %v: hits [%s], want hit=%v", tc.rule, set, joinIDs(hits), want)
			}
		}
	}
}

func TestDefaultRulesNameTheSpecRules(t *testing.T) {
	rs := risk.DefaultRuleSet()
	exprs := map[string]string{}
	for _, r := range rs.Rules {
		exprs[r.ID] = r.Expr
		if _, ok := risk.LookupReason(r.ReasonCode); !ok {
			t.Errorf("%s: reason %s not registered", r.ID, r.ReasonCode)
		}
	}
	for id, want := range map[string]string{
		"POL_AGE": "product_min_age", "POL_BLACKLIST": "blacklist", "POL_MULTI_LENDING": "> 10",
		"POL_COURT": "court_enforcement", "POL_STUDENT": "is_student", "POL_IDENTITY": "identity_verified",
		"POL_LIVENESS": "liveness_verified", "FRD_VELOCITY": "velocity",
	} {
		if !strings.Contains(exprs[id], want) {
			t.Errorf("%s = %q, want it to mention %q", id, exprs[id], want)
		}
	}
}

func TestHitsInPriorityOrder(t *testing.T) {
	rs := risk.RuleSet{Strategy: "t", Version: 1, Status: risk.StatusDraft, Rules: []risk.Rule{
		{ID: "late", Name: "n", Expr: "age > 1", Action: risk.ActionFlag, ReasonCode: "F301", Priority: 50},
		{ID: "first", Name: "n", Expr: "age > 2", Action: risk.ActionFlag, ReasonCode: "F301", Priority: 10},
		{ID: "tie-a", Name: "n", Expr: "age > 3", Action: risk.ActionFlag, ReasonCode: "F301", Priority: 20},
		{ID: "tie-b", Name: "n", Expr: "age > 4", Action: risk.ActionFlag, ReasonCode: "F301", Priority: 20},
		{ID: "miss", Name: "n", Expr: "age > 100", Action: risk.ActionFlag, ReasonCode: "F301", Priority: 0},
	}}
	c, err := risk.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	f := risk.NewFeatures()
	_ = f.SetInt("age", 30)
	if got := joinIDs(c.Evaluate(f)); got != "first,tie-a,tie-b,late" {
		t.Fatalf("hits %s", got)
	}
	if got := strings.Join(c.Features(), ","); got != "age" {
		t.Errorf("features %s", got)
	}
}

func TestCompileRefusesRuleSets(t *testing.T) {
	good := func() risk.RuleSet { return oneRule("age > 1") }
	many := good()
	for i := 0; i <= risk.MaxRulesPerSet; i++ {
		many.Rules = append(many.Rules, many.Rules[0])
	}
	cases := []struct {
		name  string
		edit  func(*risk.RuleSet)
		field string
		want  string
	}{
		{"bad strategy", func(rs *risk.RuleSet) { rs.Strategy = "Bad Name" }, "strategy", "a-z"},
		{"no strategy", func(rs *risk.RuleSet) { rs.Strategy = "" }, "strategy", "a-z"},
		{"zero version", func(rs *risk.RuleSet) { rs.Version = 0 }, "version", "1..1000000000"},
		{"bad status", func(rs *risk.RuleSet) { rs.Status = "live" }, "status", "draft, active or retired"},
		{"no rules", func(rs *risk.RuleSet) { rs.Rules = nil }, "rules", "1..5000"},
		{"too many rules", func(rs *risk.RuleSet) { *rs = many }, "rules", "1..5000"},
		{"empty id", func(rs *risk.RuleSet) { rs.Rules[0].ID = "" }, "id", "must be"},
		{"bad id", func(rs *risk.RuleSet) { rs.Rules[0].ID = "a b" }, "id", "must be"},
		{"long id", func(rs *risk.RuleSet) { rs.Rules[0].ID = strings.Repeat("a", 65) }, "id", "must be"},
		{"duplicate id", func(rs *risk.RuleSet) { rs.Rules = append(rs.Rules, rs.Rules[0]) }, "id", "duplicate id, also used by rule 0"},
		{"no name", func(rs *risk.RuleSet) { rs.Rules[0].Name = "" }, "name", "1-200"},
		{"unknown action", func(rs *risk.RuleSet) { rs.Rules[0].Action = "block" }, "action", `decline, review or flag, got "block"`},
		{"empty action", func(rs *risk.RuleSet) { rs.Rules[0].Action = "" }, "action", "decline, review or flag"},
		{"unknown reason", func(rs *risk.RuleSet) { rs.Rules[0].ReasonCode = "R999" }, "reason_code", `"R999" is not a registered`},
		{"priority", func(rs *risk.RuleSet) { rs.Rules[0].Priority = 2_000_000 }, "priority", "within"},
		{"bad expr", func(rs *risk.RuleSet) { rs.Rules[0].Expr = "agee > 1" }, "expr", `did you mean "age"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rs := good()
			tc.edit(&rs)
			_, err := risk.Compile(rs)
			var ce *risk.CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want *CompileError", err)
			}
			found := false
			for _, p := range ce.Problems {
				found = found || p.Field == tc.field && strings.Contains(p.Msg, tc.want)
			}
			if !found {
				t.Errorf("problems %+v lack %s: %q", ce.Problems, tc.field, tc.want)
			}
		})
	}
}

func TestCompileReportsEveryProblemBounded(t *testing.T) {
	rs := oneRule("x > 1")
	for i := 0; i < 100; i++ {
		rs.Rules = append(rs.Rules, risk.Rule{ID: "", Name: "", Expr: "nope", Action: "x", ReasonCode: "?"})
	}
	_, err := risk.Compile(rs)
	var ce *risk.CompileError
	if !errors.As(err, &ce) || len(ce.Problems) != 50 || ce.Omitted == 0 {
		t.Fatalf("want 50 problems and the rest counted, got %v", err)
	}
	if !strings.Contains(err.Error(), "more") {
		t.Error("message does not say more problems were omitted")
	}
}

func TestTransitions(t *testing.T) {
	ok := [][2]risk.Status{{"draft", "active"}, {"active", "retired"}, {"draft", "retired"}}
	bad := [][2]risk.Status{{"active", "draft"}, {"retired", "active"}, {"retired", "draft"}, {"active", "active"}, {"draft", "draft"}, {"", "active"}}
	for _, tr := range ok {
		if err := risk.CheckTransition(tr[0], tr[1]); err != nil {
			t.Errorf("%v: %v", tr, err)
		}
	}
	for _, tr := range bad {
		if err := risk.CheckTransition(tr[0], tr[1]); !errors.Is(err, risk.ErrTransition) {
			t.Errorf("%v allowed", tr)
		}
	}
	if risk.CheckEditable(risk.StatusDraft) != nil || !errors.Is(risk.CheckEditable(risk.StatusActive), risk.ErrTransition) ||
		!errors.Is(risk.CheckEditable(risk.StatusRetired), risk.ErrTransition) {
		t.Error("only drafts are editable")
	}
	next := risk.NextDraft(risk.DefaultRuleSet())
	if next.Version != 2 || next.Status != risk.StatusDraft {
		t.Errorf("next draft %d %s", next.Version, next.Status)
	}
	next.Rules[0].Expr = "age > 1"
	if risk.DefaultRuleSet().Rules[0].Expr == "age > 1" {
		t.Error("NextDraft shares rules with its source")
	}
}

func TestDigest(t *testing.T) {
	a := risk.DefaultRuleSet()
	b := risk.DefaultRuleSet()
	b.Status = risk.StatusRetired
	if a.Digest() != b.Digest() {
		t.Error("status changes the digest")
	}
	b.Rules[3].Expr += " && true"
	if a.Digest() == b.Digest() {
		t.Error("an edit does not change the digest")
	}
	c, _ := risk.Compile(a)
	if c.Digest() != a.Digest() || c.Version() != 1 || c.Strategy() != "champion" || c.Len() != len(a.Rules) {
		t.Error("compiled identity differs")
	}
}

func TestParseRuleSetJSON(t *testing.T) {
	good := `{"strategy":"s","version":1,"status":"draft","rules":[{"id":"a","name":"n","expr":"age > 1","action":"flag","reason_code":"F301","priority":0}]}`
	if _, err := risk.ParseRuleSetJSON([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{
		``, `[]`, `{"strategy":1}`, `{"strategy":"s","extra":1}`, good + `{}`,
		`{"rules":[{"id":"a","when":"x"}]}`,
	} {
		if _, err := risk.ParseRuleSetJSON([]byte(bad)); !errors.Is(err, risk.ErrInvalidRuleSet) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

// The largest rule set compiles and evaluates; one more rule is refused.
func TestMaxRuleSet(t *testing.T) {
	rs := risk.RuleSet{Strategy: "big", Version: 1, Status: risk.StatusDraft, Rules: genRules(risk.MaxRulesPerSet, 3)}
	c, err := risk.Compile(rs)
	if err != nil {
		t.Fatal(err)
	}
	if c.Len() != risk.MaxRulesPerSet || len(c.Features()) < 150 {
		t.Errorf("%d rules over %d features", c.Len(), len(c.Features()))
	}
	rs.Rules = append(rs.Rules, rs.Rules[0])
	if _, err := risk.Compile(rs); !errors.Is(err, risk.ErrInvalidRuleSet) {
		t.Error("5001 rules accepted")
	}
}

// A long conjunction is a legitimate rule.
func TestLongConjunctionAccepted(t *testing.T) {
	src := "age > 1" + strings.Repeat(" && age > 1", 150)
	if _, err := risk.Compile(oneRule(src)); err != nil {
		t.Fatal(err)
	}
}
