package risk_test

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/wxlend/wxlend/shared/risk"
)

// byType lists catalogue features by type, derived ones excluded.
func byType() map[risk.FeatureType][]string {
	out := map[risk.FeatureType][]string{}
	for _, d := range risk.Catalogue() {
		if !d.Derived {
			out[d.Type] = append(out[d.Type], d.Name)
		}
	}
	return out
}

var genStrings = []string{"android", "ios", "wifi", "4g", "cmcc", "上海", "北京", "深圳", "c01", "c02"}

// genClause is one realistic condition: a threshold, a flag, a category
// test or a ratio.
func genClause(r *rand.Rand, ft map[risk.FeatureType][]string) string {
	pick := func(t risk.FeatureType) string { l := ft[t]; return l[r.IntN(len(l))] }
	switch r.IntN(10) {
	case 0, 1:
		return fmt.Sprintf("%s > %d", pick(risk.TypeInt), 85+r.IntN(15))
	case 2:
		return fmt.Sprintf("%s <= %d", pick(risk.TypeInt), r.IntN(10))
	case 3:
		return fmt.Sprintf("%s >= %d && %s < %d", pick(risk.TypeInt), 40+r.IntN(20), pick(risk.TypeInt), 30+r.IntN(20))
	case 4:
		if r.IntN(2) == 0 {
			return fmt.Sprintf("%s > %.2f", pick(risk.TypeFloat), 0.85+r.Float64()/10)
		}
		return fmt.Sprintf("%s < %.2f", pick(risk.TypeFloat), r.Float64()/10)
	case 5:
		if r.IntN(2) == 0 {
			return pick(risk.TypeBool)
		}
		return "!" + pick(risk.TypeBool)
	case 6:
		return fmt.Sprintf("%s == %q", pick(risk.TypeString), genStrings[r.IntN(len(genStrings))])
	case 7:
		return fmt.Sprintf("%s in [%q, %q, %q]", pick(risk.TypeString), genStrings[r.IntN(5)], genStrings[5+r.IntN(5)], "zz")
	case 8:
		return fmt.Sprintf("%s / (%s + 1) > %.1f", pick(risk.TypeInt), pick(risk.TypeInt), 2+r.Float64()*8)
	default:
		return fmt.Sprintf("%s + %s > %d", pick(risk.TypeInt), pick(risk.TypeInt), 150+r.IntN(40))
	}
}

// genExpr combines 2..4 clauses with && and ||.
func genExpr(r *rand.Rand, ft map[risk.FeatureType][]string) string {
	n := 2 + r.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = genClause(r, ft)
	}
	switch n {
	case 2:
		return parts[0] + " && " + parts[1]
	case 3:
		return "(" + parts[0] + " || " + parts[1] + ") && " + parts[2]
	default:
		return parts[0] + " && " + parts[1] + " || " + parts[2] + " && " + parts[3]
	}
}

// genRules makes n rules; about 1 in 20 declines, 1 in 10 reviews.
func genRules(n int, seed uint64) []risk.Rule {
	r := rand.New(rand.NewPCG(seed, 1))
	ft := byType()
	rules := make([]risk.Rule, n)
	for i := range rules {
		action, code := risk.ActionFlag, "F301"
		switch x := r.IntN(20); {
		case x == 0:
			action, code = risk.ActionDecline, "R020"
		case x < 3:
			action, code = risk.ActionReview, "R020"
		}
		rules[i] = risk.Rule{ID: fmt.Sprintf("GEN_%05d", i), Name: "generated", Expr: genExpr(r, ft),
			Action: action, ReasonCode: code, Priority: 1000}
	}
	return rules
}

// randomFeatures fills every non-derived feature: ints in [0, 100), floats
// in [0, 1), bools true 1 in 10, strings from genStrings.
func randomFeatures(r *rand.Rand) *risk.Features {
	f := risk.NewFeatures()
	for _, d := range risk.Catalogue() {
		if d.Derived {
			continue
		}
		var err error
		switch d.Type {
		case risk.TypeInt:
			err = f.SetInt(d.Name, int64(r.IntN(100)))
		case risk.TypeFloat:
			err = f.SetFloat(d.Name, r.Float64())
		case risk.TypeBool:
			err = f.SetBool(d.Name, r.IntN(10) == 0)
		case risk.TypeString:
			err = f.SetString(d.Name, genStrings[r.IntN(len(genStrings))])
		}
		if err != nil {
			panic(err)
		}
	}
	return f
}

func joinIDs(hits []risk.Hit) string {
	ids := make([]string, len(hits))
	for i, h := range hits {
		ids[i] = h.RuleID
	}
	return strings.Join(ids, ",")
}
