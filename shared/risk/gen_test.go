package risk_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr/ruleexprtest"
)

func oneRule(src string) risk.RuleSet {
	return risk.RuleSet{Strategy: "t", Version: 1, Status: risk.StatusDraft, Rules: []risk.Rule{
		{ID: "R1", Name: "rule", Expr: src, Action: risk.ActionDecline, ReasonCode: "R001"}}}
}

// genRules makes n rules over generated expressions; about 1 in 20
// declines, 1 in 10 reviews.
func genRules(n int, seed uint64) []risk.Rule {
	r := rand.New(rand.NewPCG(seed, 2))
	rules := make([]risk.Rule, n)
	for i, src := range ruleexprtest.Exprs(n, seed) {
		action, code := risk.ActionFlag, "F301"
		switch x := r.IntN(20); {
		case x == 0:
			action, code = risk.ActionDecline, "R020"
		case x < 3:
			action, code = risk.ActionReview, "R020"
		}
		rules[i] = risk.Rule{ID: fmt.Sprintf("GEN_%05d", i), Name: "generated", Expr: src,
			Action: action, ReasonCode: code, Priority: 1000}
	}
	return rules
}

func joinIDs(hits []risk.Hit) string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.RuleID
	}
	return strings.Join(ids, ",")
}
