package risk

import "github.com/expr-lang/expr"

// ExprOptions are the expr options rules are checked with.
func ExprOptions() []expr.Option { return exprOptions() }

// ExprEnv is f as expr's map environment: every catalogue feature, absent
// ones as zero values, ints as Go int (expr's int).
func ExprEnv(f *Features) map[string]any {
	f.ensure()
	env := make(map[string]any, len(cat.defs))
	for i, d := range cat.defs {
		v := f.value(i)
		if d.Type == TypeInt {
			v = int(v.(int64))
		}
		env[d.Name] = v
	}
	return env
}

// CompileExpr compiles one expression as Compile does.
func CompileExpr(src string) (func(*Features) bool, error) {
	c, err := compileExpr(newExprConfig(), src)
	return c.eval, err
}
