package ruleexpr_test

import (
	"testing"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr/ruleexprtest"
)

// BenchmarkEvaluate5000Exprs evaluates 5000 generated expressions, as
// compiled closures, on one vector per op.
func BenchmarkEvaluate5000Exprs(b *testing.B) {
	c := ruleexpr.NewCompiler()
	srcs := ruleexprtest.Exprs(5000, 42)
	exprs := make([]ruleexpr.Expr, len(srcs))
	for i, src := range srcs {
		e, err := c.Compile(src)
		if err != nil {
			b.Fatal(err)
		}
		exprs[i] = e
	}
	vs := ruleexprtest.RandomVectors(64, 3)
	hits := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		v := vs[i%len(vs)]
		for _, e := range exprs {
			if e.Eval(v) {
				hits++
			}
		}
	}
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
}

// BenchmarkEvaluate5000ExprsVM is the same work on expr's bytecode VM (one
// program per expression, map environment, reused VM): the baseline the
// closures replace.
func BenchmarkEvaluate5000ExprsVM(b *testing.B) {
	srcs := ruleexprtest.Exprs(5000, 42)
	progs := make([]*vm.Program, len(srcs))
	for i, src := range srcs {
		p, err := expr.Compile(src, ruleexpr.Options()...)
		if err != nil {
			b.Fatal(err)
		}
		progs[i] = p
	}
	vs := ruleexprtest.RandomVectors(64, 3)
	envs := make([]map[string]any, len(vs))
	for i, v := range vs {
		envs[i] = ruleexprtest.Env(v)
	}
	var machine vm.VM
	hits := 0
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		env := envs[i%len(envs)]
		for _, p := range progs {
			out, err := machine.Run(p, env)
			if err != nil {
				b.Fatal(err)
			}
			if out.(bool) {
				hits++
			}
		}
	}
	b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
}
