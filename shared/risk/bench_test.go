package risk_test

import (
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/risk/risktest"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr/ruleexprtest"
)

var (
	bigOnce  sync.Once
	bigRules *risk.CompiledRuleSet
	bigPlan  risk.Plan
	bigErr   error
)

// bigSets compiles, once per test binary, 5000 generated rules and a plan
// whose rule set is the 14 default rules plus 4986 generated ones.
func bigSets(tb testing.TB) (*risk.CompiledRuleSet, risk.Plan) {
	tb.Helper()
	bigOnce.Do(func() {
		bigRules, bigErr = risk.Compile(risk.RuleSet{Strategy: "bench", Version: 1, Status: risk.StatusActive, Rules: genRules(5000, 42)})
		if bigErr != nil {
			return
		}
		rs := risk.DefaultRuleSet()
		rs.Version = 2
		rs.Rules = append(rs.Rules, genRules(risk.MaxRulesPerSet-len(rs.Rules), 7)...)
		var crs *risk.CompiledRuleSet
		if crs, bigErr = risk.Compile(rs); bigErr != nil {
			return
		}
		var m *risk.CompiledModel
		if m, bigErr = risk.CompileModel(risk.DefaultModel()); bigErr != nil {
			return
		}
		s := risk.DefaultStrategy()
		s.RuleSetVersion = 2
		bigPlan, bigErr = risk.NewPlan(s, crs, m)
	})
	if bigErr != nil {
		tb.Fatal(bigErr)
	}
	return bigRules, bigPlan
}

// decisionInputs are applicants with every feature filled at random and
// the hard-policy features of a good applicant.
func decisionInputs(n int) []risk.DecisionInput {
	good := risktest.GoodApplicant().Map()
	out := make([]risk.DecisionInput, n)
	for i, f := range ruleexprtest.RandomVectors(n, 3) {
		for name, v := range good {
			if err := f.Set(name, v); err != nil {
				panic(err)
			}
		}
		out[i] = risk.DecisionInput{
			DecisionID: "d", UserID: "u", At: time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), Features: f,
			Product: risk.ProductTerms{Code: "p", MinAge: 20, MaxAge: 55, MinRateBP: 800, MaxRateBP: 2400}, CapBP: 2400,
		}
	}
	return out
}

func BenchmarkEvaluate5000Rules(b *testing.B) {
	rules, _ := bigSets(b)
	fs := ruleexprtest.RandomVectors(64, 3)
	hits := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		hits += len(rules.Evaluate(fs[i%len(fs)]))
	}
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
}

func BenchmarkDecide(b *testing.B) {
	_, plan := bigSets(b)
	ins := decisionInputs(64)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		if _, err := risk.Decide(ins[i%len(ins)], plan); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecideLatencyOneCore times 10,000 decisions one by one with
// GOMAXPROCS=1 and reports the mean (as ns/op, per decision) and the
// percentiles of a single decision, GC included.
func BenchmarkDecideLatencyOneCore(b *testing.B) {
	_, plan := bigSets(b)
	ins := decisionInputs(64)
	prev := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(prev)
	const n = 10_000
	lat := make([]time.Duration, n)
	var total time.Duration
	b.ResetTimer()
	for b.Loop() {
		total = 0
		for i := range lat {
			t0 := time.Now()
			if _, err := risk.Decide(ins[i%len(ins)], plan); err != nil {
				b.Fatal(err)
			}
			lat[i] = time.Since(t0)
			total += lat[i]
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[n/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(lat[n*99/100].Nanoseconds()), "p99-ns")
	b.ReportMetric(float64(lat[n-1].Nanoseconds()), "max-ns")
	b.ReportMetric(float64(total.Nanoseconds())/n, "ns/op")
}

func BenchmarkCompile5000Rules(b *testing.B) {
	rs := risk.RuleSet{Strategy: "bench", Version: 1, Status: risk.StatusDraft, Rules: genRules(5000, 42)}
	for b.Loop() {
		if _, err := risk.Compile(rs); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSplitChoose(b *testing.B) {
	s := risk.Split{Salt: "s", Arms: []risk.ArmWeight{{Strategy: "a", WeightBP: 9000}, {Strategy: "b", WeightBP: 1000}}}
	for b.Loop() {
		s.Choose("user-123456")
	}
}
