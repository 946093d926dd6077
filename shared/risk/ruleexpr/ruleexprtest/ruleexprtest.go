// Package ruleexprtest holds what tests and benchmarks of rules share:
// generated realistic rule expressions, random feature vectors and the
// reference answer of expr's own VM, which compiled rules must equal.
package ruleexprtest

import (
	"bytes"
	"fmt"
	"math/rand/v2"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/wxlend/wxlend/shared/risk/feature"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr"
)

// Env is v as expr's map environment: every catalogue feature, absent
// ones as zero values, ints as Go int (expr's int).
func Env(v *feature.Vector) map[string]any {
	defs := feature.Catalogue()
	env := make(map[string]any, len(defs))
	for _, d := range defs {
		x, ok := v.Get(d.Name)
		switch {
		case !ok:
			x = ruleexpr.ZeroValue(d.Type)
		case d.Type == feature.Int:
			x = int(x.(int64))
		}
		env[d.Name] = x
	}
	return env
}

// VMEval runs src on expr's own VM with the rules' options: the reference
// semantics.
func VMEval(src string, v *feature.Vector) (bool, error) {
	p, err := expr.Compile(src, ruleexpr.Options()...)
	if err != nil {
		return false, err
	}
	out, err := vm.Run(p, Env(v))
	if err != nil {
		return false, err
	}
	return out.(bool), nil
}

// byType lists catalogue features by type, derived ones excluded.
func byType() map[feature.Type][]string {
	out := map[feature.Type][]string{}
	for _, d := range feature.Catalogue() {
		if !d.Derived {
			out[d.Type] = append(out[d.Type], d.Name)
		}
	}
	return out
}

var genStrings = []string{"android", "ios", "wifi", "4g", "cmcc", "上海", "北京", "深圳", "c01", "c02"}

// clause is one realistic condition: a threshold, a flag, a category test
// or a ratio.
func clause(r *rand.Rand, ft map[feature.Type][]string) string {
	pick := func(t feature.Type) string { l := ft[t]; return l[r.IntN(len(l))] }
	switch r.IntN(10) {
	case 0, 1:
		return fmt.Sprintf("%s > %d", pick(feature.Int), 85+r.IntN(15))
	case 2:
		return fmt.Sprintf("%s <= %d", pick(feature.Int), r.IntN(10))
	case 3:
		return fmt.Sprintf("%s >= %d && %s < %d", pick(feature.Int), 40+r.IntN(20), pick(feature.Int), 30+r.IntN(20))
	case 4:
		if r.IntN(2) == 0 {
			return fmt.Sprintf("%s > %.2f", pick(feature.Float), 0.85+r.Float64()/10)
		}
		return fmt.Sprintf("%s < %.2f", pick(feature.Float), r.Float64()/10)
	case 5:
		if r.IntN(2) == 0 {
			return pick(feature.Bool)
		}
		return "!" + pick(feature.Bool)
	case 6:
		return fmt.Sprintf("%s == %q", pick(feature.String), genStrings[r.IntN(len(genStrings))])
	case 7:
		return fmt.Sprintf("%s in [%q, %q, %q]", pick(feature.String), genStrings[r.IntN(5)], genStrings[5+r.IntN(5)], "zz")
	case 8:
		return fmt.Sprintf("%s / (%s + 1) > %.1f", pick(feature.Int), pick(feature.Int), 2+r.Float64()*8)
	default:
		return fmt.Sprintf("%s + %s > %d", pick(feature.Int), pick(feature.Int), 150+r.IntN(40))
	}
}

// Exprs makes n realistic rule expressions from seed: 2..4 clauses
// combined with && and ||, over about 200 features.
func Exprs(n int, seed uint64) []string {
	r := rand.New(rand.NewPCG(seed, 1))
	ft := byType()
	out := make([]string, n)
	for i := range out {
		k := 2 + r.IntN(3)
		parts := make([]string, k)
		for j := range parts {
			parts[j] = clause(r, ft)
		}
		switch k {
		case 2:
			out[i] = parts[0] + " && " + parts[1]
		case 3:
			out[i] = "(" + parts[0] + " || " + parts[1] + ") && " + parts[2]
		default:
			out[i] = parts[0] + " && " + parts[1] + " || " + parts[2] + " && " + parts[3]
		}
	}
	return out
}

// RandomVector fills every non-derived feature: ints in [0, 100), floats
// in [0, 1), bools true 1 in 10, strings from a small set of real values.
func RandomVector(r *rand.Rand) *feature.Vector {
	v := feature.NewVector()
	for _, d := range feature.Catalogue() {
		if d.Derived {
			continue
		}
		var err error
		switch d.Type {
		case feature.Int:
			err = v.SetInt(d.Name, int64(r.IntN(100)))
		case feature.Float:
			err = v.SetFloat(d.Name, r.Float64())
		case feature.Bool:
			err = v.SetBool(d.Name, r.IntN(10) == 0)
		case feature.String:
			err = v.SetString(d.Name, genStrings[r.IntN(len(genStrings))])
		}
		if err != nil {
			panic(err)
		}
	}
	return v
}

// RandomVectors makes n RandomVectors from seed.
func RandomVectors(n int, seed uint64) []*feature.Vector {
	r := rand.New(rand.NewPCG(seed, 4))
	out := make([]*feature.Vector, n)
	for i := range out {
		out[i] = RandomVector(r)
	}
	return out
}

// ExtremeVector is a RandomVector with boundary values: min/max ints,
// tiny and huge floats, long multi-byte strings.
func ExtremeVector(r *rand.Rand) *feature.Vector {
	v := RandomVector(r)
	ints := []int64{0, -1, 1, 1<<63 - 1, -1 << 63}
	floats := []float64{0, -0.5, 1e308, -1e308, 5e-324}
	for _, d := range feature.Catalogue() {
		switch {
		case d.Derived:
		case d.Type == feature.Int:
			_ = v.SetInt(d.Name, ints[r.IntN(len(ints))])
		case d.Type == feature.Float:
			_ = v.SetFloat(d.Name, floats[r.IntN(len(floats))])
		case d.Type == feature.String:
			_ = v.SetString(d.Name, string(bytes.Repeat([]byte("长"), 80)))
		}
	}
	return v
}
