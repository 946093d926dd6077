package risk_test

import (
	"slices"
	"testing"

	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/risk/risktest"
)

func intOf(f *risk.Features, name string) (int64, bool) {
	v, ok := f.Get(name)
	if !ok {
		return 0, false
	}
	return v.(int64), true
}

// scorecardFacts says when each scorecard reason is true of an applicant,
// by what its text tells the borrower (PIPL Art. 24): a reason about a
// value needs that value to be known.
var scorecardFacts = map[string]func(f *risk.Features) bool{
	// 手机号使用时间较短
	"S101": func(f *risk.Features) bool { v, ok := intOf(f, "operator_tenure_months"); return ok && v < 60 },
	// 第三方信用评分较低
	"S102": func(f *risk.Features) bool { v, ok := intOf(f, "thirdparty_score"); return ok && v < 700 },
	// 缺少可用的信用评分信息
	"S103": func(f *risk.Features) bool {
		thin, _ := f.Get("bureau_thin_file")
		return !f.Has("thirdparty_score") || thin == true
	},
	// 近期多平台借贷记录较多
	"S104": func(f *risk.Features) bool { v, ok := intOf(f, "multi_platform_apps_3m"); return ok && v >= 1 },
	// 在本平台的还款记录较少
	"S105": func(f *risk.Features) bool { v, ok := intOf(f, "internal_on_time_installments"); return ok && v < 12 },
	// 在本平台有逾期记录: never true of someone without loans with us.
	"S106": func(f *risk.Features) bool {
		v, ok := intOf(f, "internal_max_dpd")
		loans, known := intOf(f, "internal_loans_count")
		return ok && v >= 1 && !(known && loans == 0)
	},
	// 近期信用查询较多
	"S107": func(f *risk.Features) bool { v, ok := intOf(f, "bureau_inquiries_3m"); return ok && v >= 2 },
	// 部分信息暂时无法获取或核实: some scorecard input is unknown.
	"S108": func(f *risk.Features) bool {
		for _, ch := range risk.DefaultModel().Characteristics {
			if !f.Has(ch.Feature) {
				return true
			}
		}
		return false
	},
}

func withFeatures(f *risk.Features, set map[string]any, unset ...string) *risk.Features {
	for k, v := range set {
		if err := f.Set(k, v); err != nil {
			panic(err)
		}
	}
	for _, name := range unset {
		f.Unset(name)
	}
	return f
}

// truthCases are applicants with missing data: each scorecard feature
// missing in turn from a strong and a weak file, all of them missing, and
// new borrowers with no history with us.
func truthCases() map[string]*risk.Features {
	strong := map[string]any{"internal_loans_count": 4, "internal_on_time_installments": 12, "internal_max_dpd": 0}
	weak := map[string]any{"operator_tenure_months": 3, "thirdparty_score": 520, "multi_platform_apps_3m": 7,
		"internal_loans_count": 2, "internal_on_time_installments": 2, "internal_max_dpd": 10, "bureau_inquiries_3m": 6}
	var scorecard []string
	for _, ch := range risk.DefaultModel().Characteristics {
		scorecard = append(scorecard, ch.Feature)
	}
	cases := map[string]*risk.Features{
		"nothing known":             risk.NewFeatures(),
		"strong file, all missing":  withFeatures(risktest.GoodApplicant(), strong, scorecard...),
		"weak file, all missing":    withFeatures(risktest.GoodApplicant(), weak, scorecard...),
		"new borrower as collected": withFeatures(risktest.GoodApplicant(), map[string]any{"internal_loans_count": 0}, "operator_tenure_months", "bureau_inquiries_3m"),
		"thin-file new borrower, history zero": withFeatures(risktest.GoodApplicant(), map[string]any{"bureau_thin_file": true,
			"internal_loans_count": 0, "internal_on_time_installments": 0, "internal_max_dpd": 0, "multi_platform_apps_3m": 0}, "thirdparty_score"),
		"thin-file new borrower, history absent": withFeatures(risktest.GoodApplicant(), map[string]any{"bureau_thin_file": true,
			"internal_loans_count": 0, "multi_platform_apps_3m": 4}, "thirdparty_score", "operator_tenure_months", "bureau_inquiries_3m"),
	}
	for _, name := range scorecard {
		cases["strong file without "+name] = withFeatures(risktest.GoodApplicant(), strong, name)
		cases["weak file without "+name] = withFeatures(risktest.GoodApplicant(), weak, name)
	}
	return cases
}

func checkTrue(t *testing.T, name string, f *risk.Features, reasons []string) {
	t.Helper()
	for _, code := range reasons {
		fact, ok := scorecardFacts[code]
		if !ok {
			t.Errorf("%s: reason %s is not a scorecard reason with a known meaning", name, code)
			continue
		}
		if !fact(f) {
			r, _ := risk.LookupReason(code)
			t.Errorf("%s: told %s %q, which is not true of %v", name, code, r.Text, f.Map())
		}
	}
}

// TestDefaultScorecardGivesOnlyTrueReasons: whatever is missing, the
// shipped scorecard gives only reasons that are true of the applicant; a
// missing feature never yields that feature's adverse reason.
func TestDefaultScorecardGivesOnlyTrueReasons(t *testing.T) {
	m, err := risk.CompileModel(risk.DefaultModel())
	if err != nil {
		t.Fatal(err)
	}
	for name, f := range truthCases() {
		r := m.Score(f)
		if len(r.Reasons) > risk.DefaultModel().ReasonCount {
			t.Errorf("%s: %d reasons", name, len(r.Reasons))
		}
		checkTrue(t, name, f, r.Reasons)
	}
}

// TestDeclinedNewBorrowerIsToldOnlyTrueReasons: a new borrower with no
// phone tenure, credit inquiries or history with us on file, declined by
// the default plan's score band, is told the band decline, the facts that
// are true and that some information was not available; never late
// payments with us nor a short phone tenure.
func TestDeclinedNewBorrowerIsToldOnlyTrueReasons(t *testing.T) {
	f := withFeatures(risktest.GoodApplicant(), map[string]any{"thirdparty_score": 560, "multi_platform_apps_3m": 4, "internal_loans_count": 0},
		"operator_tenure_months", "bureau_inquiries_3m")
	d, err := risk.Decide(input(f), defaultPlan(t))
	if err != nil {
		t.Fatal(err)
	}
	got := codes(d.Reasons)
	if d.Outcome != risk.OutcomeDecline || d.Band != "E" || len(got) == 0 || got[0] != risk.ReasonScoreBelowThreshold {
		t.Fatalf("outcome %s band %s reasons %v, want a score-band decline", d.Outcome, d.Band, got)
	}
	checkTrue(t, "declined new borrower", f, got[1:])
	if want := []string{"S190", "S102", "S108", "S104"}; !slices.Equal(got, want) {
		t.Errorf("reasons %v, want %v", got, want)
	}
}
