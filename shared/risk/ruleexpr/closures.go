package ruleexpr

// The closure compiler: a checked expr syntax tree becomes one typed Go
// closure per node, reading the typed feature vector directly. Constant
// sub-expressions are folded at compile time; the common "feature op
// constant" comparisons read the feature without a nested closure call.

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr/ast"
	"github.com/wxlend/wxlend/shared/risk/feature"
)

type kind uint8

const (
	kInt kind = iota
	kFloat
	kBool
	kString
)

func (k kind) String() string { return [...]string{"int", "float", "bool", "string"}[k] }

// val is a compiled sub-expression: one typed closure, and whether it is a
// constant (folded at compile time) or a bare read of the feature ref.
type val struct {
	k     kind
	i     func(*feature.Vector) int64
	f     func(*feature.Vector) float64
	b     func(*feature.Vector) bool
	s     func(*feature.Vector) string
	konst bool
	bare  bool
	ref   feature.Ref // the feature read, when bare
}

func (v val) num() bool { return v.k == kInt || v.k == kFloat }

func (v val) asFloat() func(*feature.Vector) float64 {
	if v.k == kFloat {
		return v.f
	}
	i := v.i
	if v.konst {
		c := float64(i(nil))
		return func(*feature.Vector) float64 { return c }
	}
	return func(x *feature.Vector) float64 { return float64(i(x)) }
}

func constInt(c int64) val {
	return val{k: kInt, konst: true, i: func(*feature.Vector) int64 { return c }}
}
func constFloat(c float64) val {
	return val{k: kFloat, konst: true, f: func(*feature.Vector) float64 { return c }}
}
func constBool(c bool) val {
	return val{k: kBool, konst: true, b: func(*feature.Vector) bool { return c }}
}
func constStr(c string) val {
	return val{k: kString, konst: true, s: func(*feature.Vector) string { return c }}
}

// fold evaluates a constant sub-expression once, at compile time.
func fold(v val) val {
	switch v.k {
	case kInt:
		return constInt(v.i(nil))
	case kFloat:
		return constFloat(v.f(nil))
	case kBool:
		return constBool(v.b(nil))
	default:
		return constStr(v.s(nil))
	}
}

type closureCompiler struct {
	src      string
	seen     map[string]bool
	features []string
}

func (c *closureCompiler) errf(n ast.Node, format string, args ...any) error {
	return fmt.Errorf("%s %s", fmt.Sprintf(format, args...), at(c.src, n))
}

func (c *closureCompiler) compile(n ast.Node) (val, error) {
	switch x := n.(type) {
	case *ast.IdentifierNode:
		return c.ident(x)
	case *ast.IntegerNode:
		return constInt(int64(x.Value)), nil
	case *ast.FloatNode:
		return constFloat(x.Value), nil
	case *ast.BoolNode:
		return constBool(x.Value), nil
	case *ast.StringNode:
		return constStr(x.Value), nil
	case *ast.UnaryNode:
		return c.unary(x)
	case *ast.BinaryNode:
		return c.binary(x)
	case *ast.ConditionalNode:
		return c.conditional(x)
	case *ast.BuiltinNode:
		return c.builtin(x)
	}
	return val{}, c.errf(n, "%s is not allowed in rules", describe(n))
}

func (c *closureCompiler) ident(x *ast.IdentifierNode) (val, error) {
	r, ok := feature.Resolve(x.Value)
	if !ok {
		return val{}, c.errf(x, "unknown feature %q", x.Value)
	}
	if !c.seen[x.Value] {
		c.seen[x.Value] = true
		c.features = append(c.features, x.Value)
	}
	v := val{bare: true, ref: r}
	switch r.Type() {
	case feature.Int:
		v.k, v.i = kInt, func(f *feature.Vector) int64 { return f.Int(r) }
	case feature.Float:
		v.k, v.f = kFloat, func(f *feature.Vector) float64 { return f.Float(r) }
	case feature.Bool:
		v.k, v.b = kBool, func(f *feature.Vector) bool { return f.Bool(r) }
	case feature.String:
		v.k, v.s = kString, func(f *feature.Vector) string { return f.Str(r) }
	}
	return v, nil
}

func (c *closureCompiler) unary(x *ast.UnaryNode) (val, error) {
	a, err := c.compile(x.Node)
	if err != nil {
		return val{}, err
	}
	out := val{k: a.k}
	switch {
	case (x.Operator == "!" || x.Operator == "not") && a.k == kBool:
		b := a.b
		out.b = func(f *feature.Vector) bool { return !b(f) }
	case x.Operator == "-" && a.k == kInt:
		i := a.i
		out.i = func(f *feature.Vector) int64 { return -i(f) }
	case x.Operator == "-" && a.k == kFloat:
		g := a.f
		out.f = func(f *feature.Vector) float64 { return -g(f) }
	case x.Operator == "+" && a.num():
		a.bare = false
		return a, nil
	default:
		return val{}, c.errf(x, "operator %s does not apply to %s", x.Operator, a.k)
	}
	if a.konst {
		return fold(out), nil
	}
	return out, nil
}

func (c *closureCompiler) conditional(x *ast.ConditionalNode) (val, error) {
	cond, err := c.compile(x.Cond)
	if err != nil {
		return val{}, err
	}
	a, err := c.compile(x.Exp1)
	if err != nil {
		return val{}, err
	}
	b, err := c.compile(x.Exp2)
	if err != nil {
		return val{}, err
	}
	if cond.k != kBool {
		return val{}, c.errf(x, "the condition of ?: must be bool, it is %s", cond.k)
	}
	if a.k != b.k {
		return val{}, c.errf(x, "both branches of ?: must have the same type (%s, %s)", a.k, b.k)
	}
	p := cond.b
	out := val{k: a.k}
	switch a.k {
	case kInt:
		l, r := a.i, b.i
		out.i = func(f *feature.Vector) int64 {
			if p(f) {
				return l(f)
			}
			return r(f)
		}
	case kFloat:
		l, r := a.f, b.f
		out.f = func(f *feature.Vector) float64 {
			if p(f) {
				return l(f)
			}
			return r(f)
		}
	case kBool:
		l, r := a.b, b.b
		out.b = func(f *feature.Vector) bool {
			if p(f) {
				return l(f)
			}
			return r(f)
		}
	case kString:
		l, r := a.s, b.s
		out.s = func(f *feature.Vector) string {
			if p(f) {
				return l(f)
			}
			return r(f)
		}
	}
	if cond.konst && a.konst && b.konst {
		return fold(out), nil
	}
	return out, nil
}

func (c *closureCompiler) builtin(x *ast.BuiltinNode) (val, error) {
	if !allowedBuiltins[x.Name] || len(x.Arguments) != 1 {
		return val{}, c.errf(x, "function %s is not allowed here", x.Name)
	}
	a, err := c.compile(x.Arguments[0])
	if err != nil {
		return val{}, err
	}
	var out val
	switch {
	case x.Name == "abs" && a.k == kInt:
		i := a.i
		out.k, out.i = kInt, func(f *feature.Vector) int64 {
			if v := i(f); v < 0 {
				return -v
			} else {
				return v
			}
		}
	case x.Name == "abs" && a.k == kFloat:
		g := a.f
		out.k, out.f = kFloat, func(f *feature.Vector) float64 {
			if v := g(f); v < 0 {
				return -v
			} else {
				return v
			}
		}
	case x.Name == "len" && a.k == kString:
		s := a.s
		out.k, out.i = kInt, func(f *feature.Vector) int64 { return int64(utf8.RuneCountInString(s(f))) }
	case x.Name == "lower" && a.k == kString:
		s := a.s
		out.k, out.s = kString, func(f *feature.Vector) string { return strings.ToLower(s(f)) }
	case x.Name == "upper" && a.k == kString:
		s := a.s
		out.k, out.s = kString, func(f *feature.Vector) string { return strings.ToUpper(s(f)) }
	default:
		return val{}, c.errf(x, "%s does not apply to %s", x.Name, a.k)
	}
	if a.konst {
		return fold(out), nil
	}
	return out, nil
}

func (c *closureCompiler) binary(x *ast.BinaryNode) (val, error) {
	if x.Operator == "in" {
		return c.in(x)
	}
	l, err := c.compile(x.Left)
	if err != nil {
		return val{}, err
	}
	r, err := c.compile(x.Right)
	if err != nil {
		return val{}, err
	}
	var out val
	switch x.Operator {
	case "and", "&&", "or", "||":
		out, err = c.logic(x, l, r)
	case "==", "!=":
		out, err = c.equality(x, l, r)
	case "<", ">", "<=", ">=":
		out, err = c.ordering(x, l, r)
	case "+", "-", "*", "/", "%", "**", "^":
		out, err = c.arith(x, l, r)
	case "contains", "startsWith", "endsWith", "matches":
		out, err = c.strtest(x, l, r)
	default:
		err = c.errf(x, "operator %q is not allowed in rules", x.Operator)
	}
	if err != nil {
		return val{}, err
	}
	out.bare = false
	if l.konst && r.konst {
		return fold(out), nil
	}
	return out, nil
}

func (c *closureCompiler) logic(x *ast.BinaryNode, l, r val) (val, error) {
	if l.k != kBool || r.k != kBool {
		return val{}, c.errf(x, "%s needs bool operands, got %s and %s", x.Operator, l.k, r.k)
	}
	a, b := l.b, r.b
	if x.Operator == "and" || x.Operator == "&&" {
		return val{k: kBool, b: func(f *feature.Vector) bool { return a(f) && b(f) }}, nil
	}
	return val{k: kBool, b: func(f *feature.Vector) bool { return a(f) || b(f) }}, nil
}

func (c *closureCompiler) equality(x *ast.BinaryNode, l, r val) (val, error) {
	eq, err := c.equalFn(x, l, r)
	if err != nil {
		return val{}, err
	}
	if x.Operator == "!=" {
		e := eq
		eq = func(f *feature.Vector) bool { return !e(f) }
	}
	return val{k: kBool, b: eq}, nil
}

func (c *closureCompiler) equalFn(x *ast.BinaryNode, l, r val) (func(*feature.Vector) bool, error) {
	switch {
	case l.k == kInt && r.k == kInt:
		if l.bare && r.konst {
			ref, k := l.ref, r.i(nil)
			return func(f *feature.Vector) bool { return f.Int(ref) == k }, nil
		}
		a, b := l.i, r.i
		return func(f *feature.Vector) bool { return a(f) == b(f) }, nil
	case l.num() && r.num():
		a, b := l.asFloat(), r.asFloat()
		return func(f *feature.Vector) bool { return a(f) == b(f) }, nil
	case l.k == kBool && r.k == kBool:
		a, b := l.b, r.b
		return func(f *feature.Vector) bool { return a(f) == b(f) }, nil
	case l.k == kString && r.k == kString:
		if l.bare && r.konst {
			ref, k := l.ref, r.s(nil)
			return func(f *feature.Vector) bool { return f.Str(ref) == k }, nil
		}
		a, b := l.s, r.s
		return func(f *feature.Vector) bool { return a(f) == b(f) }, nil
	}
	return nil, c.errf(x, "cannot compare %s with %s", l.k, r.k)
}

func (c *closureCompiler) ordering(x *ast.BinaryNode, l, r val) (val, error) {
	op := x.Operator
	switch {
	case l.k == kInt && r.k == kInt:
		if l.bare && r.konst {
			return val{k: kBool, b: intRefCmp(op, l.ref, r.i(nil))}, nil
		}
		return val{k: kBool, b: cmpFn(op, l.i, r.i)}, nil
	case l.num() && r.num():
		if l.k == kFloat && l.bare && r.konst {
			return val{k: kBool, b: floatRefCmp(op, l.ref, r.asFloat()(nil))}, nil
		}
		return val{k: kBool, b: cmpFn(op, l.asFloat(), r.asFloat())}, nil
	case l.k == kString && r.k == kString:
		return val{k: kBool, b: cmpFn(op, l.s, r.s)}, nil
	}
	return val{}, c.errf(x, "cannot order %s and %s", l.k, r.k)
}

type ordered interface{ ~int64 | ~float64 | ~string }

func cmpFn[T ordered](op string, a, b func(*feature.Vector) T) func(*feature.Vector) bool {
	switch op {
	case "<":
		return func(f *feature.Vector) bool { return a(f) < b(f) }
	case ">":
		return func(f *feature.Vector) bool { return a(f) > b(f) }
	case "<=":
		return func(f *feature.Vector) bool { return a(f) <= b(f) }
	default:
		return func(f *feature.Vector) bool { return a(f) >= b(f) }
	}
}

func intRefCmp(op string, r feature.Ref, k int64) func(*feature.Vector) bool {
	switch op {
	case "<":
		return func(f *feature.Vector) bool { return f.Int(r) < k }
	case ">":
		return func(f *feature.Vector) bool { return f.Int(r) > k }
	case "<=":
		return func(f *feature.Vector) bool { return f.Int(r) <= k }
	default:
		return func(f *feature.Vector) bool { return f.Int(r) >= k }
	}
}

func floatRefCmp(op string, r feature.Ref, k float64) func(*feature.Vector) bool {
	switch op {
	case "<":
		return func(f *feature.Vector) bool { return f.Float(r) < k }
	case ">":
		return func(f *feature.Vector) bool { return f.Float(r) > k }
	case "<=":
		return func(f *feature.Vector) bool { return f.Float(r) <= k }
	default:
		return func(f *feature.Vector) bool { return f.Float(r) >= k }
	}
}

// arith follows expr's semantics: int op int stays int (wrapping on
// overflow) except `/`, which is always float division, and `**`, which is
// always float (math.Pow); `%` is int only, with a non-zero constant divisor.
func (c *closureCompiler) arith(x *ast.BinaryNode, l, r val) (val, error) {
	op := x.Operator
	if op == "+" && l.k == kString && r.k == kString {
		a, b := l.s, r.s
		return val{k: kString, s: func(f *feature.Vector) string { return a(f) + b(f) }}, nil
	}
	if !l.num() || !r.num() {
		return val{}, c.errf(x, "operator %s needs numbers, got %s and %s", op, l.k, r.k)
	}
	switch op {
	case "%":
		if l.k != kInt || r.k != kInt {
			return val{}, c.errf(x, "%% needs integers")
		}
		if !r.konst || r.i(nil) == 0 {
			return val{}, c.errf(x, "%% needs a non-zero constant divisor")
		}
		a, k := l.i, r.i(nil)
		return val{k: kInt, i: func(f *feature.Vector) int64 { return a(f) % k }}, nil
	case "/":
		a, b := l.asFloat(), r.asFloat()
		return val{k: kFloat, f: func(f *feature.Vector) float64 { return a(f) / b(f) }}, nil
	case "**", "^":
		a, b := l.asFloat(), r.asFloat()
		return val{k: kFloat, f: func(f *feature.Vector) float64 { return math.Pow(a(f), b(f)) }}, nil
	}
	if l.k == kInt && r.k == kInt {
		a, b := l.i, r.i
		switch op {
		case "+":
			return val{k: kInt, i: func(f *feature.Vector) int64 { return a(f) + b(f) }}, nil
		case "-":
			return val{k: kInt, i: func(f *feature.Vector) int64 { return a(f) - b(f) }}, nil
		default:
			return val{k: kInt, i: func(f *feature.Vector) int64 { return a(f) * b(f) }}, nil
		}
	}
	a, b := l.asFloat(), r.asFloat()
	switch op {
	case "+":
		return val{k: kFloat, f: func(f *feature.Vector) float64 { return a(f) + b(f) }}, nil
	case "-":
		return val{k: kFloat, f: func(f *feature.Vector) float64 { return a(f) - b(f) }}, nil
	default:
		return val{k: kFloat, f: func(f *feature.Vector) float64 { return a(f) * b(f) }}, nil
	}
}

func (c *closureCompiler) strtest(x *ast.BinaryNode, l, r val) (val, error) {
	if l.k != kString || r.k != kString {
		return val{}, c.errf(x, "%s needs strings, got %s and %s", x.Operator, l.k, r.k)
	}
	a, b := l.s, r.s
	switch x.Operator {
	case "contains":
		return val{k: kBool, b: func(f *feature.Vector) bool { return strings.Contains(a(f), b(f)) }}, nil
	case "startsWith":
		return val{k: kBool, b: func(f *feature.Vector) bool { return strings.HasPrefix(a(f), b(f)) }}, nil
	case "endsWith":
		return val{k: kBool, b: func(f *feature.Vector) bool { return strings.HasSuffix(a(f), b(f)) }}, nil
	}
	if !r.konst {
		return val{}, c.errf(x, "`matches` needs a constant pattern")
	}
	re, err := regexp.Compile(r.s(nil))
	if err != nil {
		return val{}, c.errf(x, "invalid pattern: %v", err)
	}
	return val{k: kBool, b: func(f *feature.Vector) bool { return re.MatchString(a(f)) }}, nil
}

// in compiles `needle in [c1, c2, ...]` with constant elements of the
// needle's type (numbers compare numerically, as in expr).
func (c *closureCompiler) in(x *ast.BinaryNode) (val, error) {
	needle, err := c.compile(x.Left)
	if err != nil {
		return val{}, err
	}
	arr, ok := x.Right.(*ast.ArrayNode)
	if !ok {
		return val{}, c.errf(x, "`in` needs a literal list on its right")
	}
	elems := make([]val, len(arr.Nodes))
	for i, e := range arr.Nodes {
		if elems[i], err = c.compile(e); err != nil {
			return val{}, err
		}
		if !elems[i].konst {
			return val{}, c.errf(e, "`in` list elements must be constants")
		}
		if !(elems[i].k == needle.k || elems[i].num() && needle.num()) {
			return val{}, c.errf(e, "`in` list element is %s, the value tested is %s", elems[i].k, needle.k)
		}
	}
	out := val{k: kBool}
	switch needle.k {
	case kInt:
		ints := map[int64]bool{}
		var floats []float64
		for _, e := range elems {
			if e.k == kInt {
				ints[e.i(nil)] = true
			} else {
				floats = append(floats, e.f(nil))
			}
		}
		n := needle.i
		out.b = func(f *feature.Vector) bool {
			v := n(f)
			if ints[v] {
				return true
			}
			for _, g := range floats {
				if float64(v) == g {
					return true
				}
			}
			return false
		}
	case kFloat:
		fs := make([]float64, len(elems))
		for i, e := range elems {
			fs[i] = e.asFloat()(nil)
		}
		n := needle.f
		out.b = func(f *feature.Vector) bool {
			v := n(f)
			for _, g := range fs {
				if v == g {
					return true
				}
			}
			return false
		}
	case kString:
		set := map[string]bool{}
		for _, e := range elems {
			set[e.s(nil)] = true
		}
		n := needle.s
		out.b = func(f *feature.Vector) bool { return set[n(f)] }
	case kBool:
		var hasT, hasF bool
		for _, e := range elems {
			if e.b(nil) {
				hasT = true
			} else {
				hasF = true
			}
		}
		n := needle.b
		out.b = func(f *feature.Vector) bool {
			if n(f) {
				return hasT
			}
			return hasF
		}
	}
	if needle.konst {
		return fold(out), nil
	}
	return out, nil
}
