package risk

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/checker"
	"github.com/expr-lang/expr/conf"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/parser"
)

// Bounds on one rule expression. Together with the whitelist below they
// bound the work of one evaluation by a small constant: no loops, no
// ranges, no calls, no collections other than literal `in` lists.
const (
	MaxExprBytes      = 2000
	MaxExprNodes      = 1000
	MaxExprDepth      = 256 // nesting of the syntax tree (a && b && c ... nests too)
	MaxParenDepth     = 64  // nesting of (, [ and {
	MaxInListLen      = 256
	MaxLiteralBytes   = 256
	maxRegexpBytes    = 256
	allowedBuiltinSet = "abs, len, lower, upper"
)

var allowedBuiltins = map[string]bool{"abs": true, "len": true, "lower": true, "upper": true}

var allowedBinary = map[string]bool{
	"==": true, "!=": true, "<": true, ">": true, "<=": true, ">=": true,
	"and": true, "or": true, "&&": true, "||": true,
	"+": true, "-": true, "*": true, "/": true, "%": true, "**": true, "^": true,
	"in": true, "contains": true, "startsWith": true, "endsWith": true, "matches": true,
}

// exprEnv is the typed environment expr checks rules against: every
// catalogue feature with a zero value of its Go type.
func exprEnv() map[string]any {
	env := make(map[string]any, len(cat.defs))
	for _, d := range cat.defs {
		switch d.Type {
		case TypeInt:
			env[d.Name] = 0
		case TypeFloat:
			env[d.Name] = 0.0
		case TypeBool:
			env[d.Name] = false
		case TypeString:
			env[d.Name] = ""
		}
	}
	return env
}

// exprOptions are the expr options of every rule: typed env, bool result,
// builtins limited to allowedBuiltins, node budget. Tests compile with the
// same options to compare the closure evaluator against expr's VM.
func exprOptions() []expr.Option {
	opts := []expr.Option{
		expr.Env(exprEnv()), expr.AsBool(), expr.DisableAllBuiltins(), expr.MaxNodes(MaxExprNodes),
	}
	for name := range allowedBuiltins {
		opts = append(opts, expr.EnableBuiltin(name))
	}
	return opts
}

// newExprConfig builds the expr configuration once per Compile call (its
// type cache is not safe for concurrent use).
func newExprConfig() *conf.Config {
	cfg := conf.CreateNew()
	for _, o := range exprOptions() {
		o(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	return cfg
}

// compiledExpr is a rule expression turned into a Go closure over Features.
type compiledExpr struct {
	eval     func(*Features) bool
	features []string // referenced features, in order of first use
}

// compileExpr parses src with expr, refuses anything outside the rule
// language, type-checks it against the catalogue and compiles it to a
// closure. Every error is meant to be shown to the rule author as is.
func compileExpr(cfg *conf.Config, src string) (ce compiledExpr, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("expression refused: internal error %v", r)
		}
	}()
	if strings.TrimSpace(src) == "" {
		return ce, errors.New("expression is empty")
	}
	if len(src) > MaxExprBytes {
		return ce, fmt.Errorf("expression is %d bytes, the limit is %d", len(src), MaxExprBytes)
	}
	if !utf8.ValidString(src) {
		return ce, errors.New("expression is not valid UTF-8")
	}
	if d := parenDepth(src); d > MaxParenDepth {
		return ce, fmt.Errorf("parentheses or brackets nest %d deep, the limit is %d", d, MaxParenDepth)
	}
	tree, err := parser.ParseWithConfig(src, cfg)
	if err != nil {
		return ce, exprError(err)
	}
	w := &whitelist{src: src}
	w.walk(tree.Node, 0)
	if w.err != nil {
		return ce, w.err
	}
	if _, err := checker.Check(tree, cfg); err != nil {
		return ce, exprError(err)
	}
	c := &closureCompiler{src: src, seen: map[string]bool{}}
	v, err := c.compile(tree.Node)
	if err != nil {
		return ce, err
	}
	if v.k != kBool {
		return ce, fmt.Errorf("expression must be a condition (bool), it is %s", v.k)
	}
	if len(c.features) == 0 {
		return ce, errors.New("expression references no feature: it would hit every application or none")
	}
	return compiledExpr{eval: v.b, features: c.features}, nil
}

// exprError shortens expr's error to its message and position, and names
// a disabled builtin as such (expr reports it as an unknown name).
func exprError(err error) error {
	var fe *file.Error
	if !errors.As(err, &fe) {
		return err
	}
	msg := fe.Message
	if name, ok := strings.CutPrefix(msg, "unknown name "); ok {
		if _, builtin := builtinNames[name]; builtin {
			msg = fmt.Sprintf("function %s is not allowed in rules (allowed: %s)", name, allowedBuiltinSet)
		} else {
			msg = fmt.Sprintf("unknown feature or function %q", name)
		}
	}
	return fmt.Errorf("%s (line %d, column %d)", msg, fe.Line, fe.Column+1)
}

var builtinNames = func() map[string]struct{} {
	m := map[string]struct{}{}
	for name := range conf.CreateNew().Builtins {
		m[name] = struct{}{}
	}
	return m
}()

// parenDepth is the deepest nesting of (, [ and { outside string literals.
// Checked before parsing, so the parser's recursion stays shallow.
func parenDepth(src string) int {
	depth, deepest := 0, 0
	var quote byte
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case quote != 0:
			if c == '\\' && quote != '`' {
				i++
			} else if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"' || c == '`':
			quote = c
		case c == '(' || c == '[' || c == '{':
			depth++
			deepest = max(deepest, depth)
		case c == ')' || c == ']' || c == '}':
			depth--
		}
	}
	return deepest
}

func at(src string, n ast.Node) string {
	from := n.Location().From
	line, col := 1, 1
	for i, r := range []rune(src) {
		if i >= from {
			break
		}
		if r == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("(line %d, column %d)", line, col)
}

// whitelist refuses every construct that is not part of the rule language,
// before expr's checker or optimizer runs: the language is comparisons,
// and/or/not, arithmetic, ?:, string tests, `in` over a literal list and
// four builtins. No ranges, predicates (map, filter, all, ...), member
// access, calls, variables, sequences or nil.
type whitelist struct {
	src   string
	nodes int
	err   error
}

func (w *whitelist) fail(n ast.Node, format string, args ...any) {
	if w.err == nil {
		w.err = fmt.Errorf("%s %s", fmt.Sprintf(format, args...), at(w.src, n))
	}
}

func (w *whitelist) walk(n ast.Node, depth int) {
	if w.err != nil || n == nil {
		return
	}
	w.nodes++
	if w.nodes > MaxExprNodes {
		w.fail(n, "expression has more than %d nodes", MaxExprNodes)
		return
	}
	if depth > MaxExprDepth {
		w.fail(n, "expression nests deeper than %d levels", MaxExprDepth)
		return
	}
	switch x := n.(type) {
	case *ast.IdentifierNode:
		if _, ok := cat.index[x.Value]; !ok {
			w.fail(n, "unknown feature %q%s", x.Value, suggest(x.Value))
		}
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode:
	case *ast.StringNode:
		if len(x.Value) > MaxLiteralBytes {
			w.fail(n, "string literal longer than %d bytes", MaxLiteralBytes)
		}
	case *ast.UnaryNode:
		switch x.Operator {
		case "!", "not", "-", "+":
		default:
			w.fail(n, "operator %q is not allowed in rules", x.Operator)
		}
		w.walk(x.Node, depth+1)
	case *ast.BinaryNode:
		w.binary(x, depth)
	case *ast.ConditionalNode:
		w.walk(x.Cond, depth+1)
		w.walk(x.Exp1, depth+1)
		w.walk(x.Exp2, depth+1)
	case *ast.BuiltinNode:
		if !allowedBuiltins[x.Name] {
			w.fail(n, "function %s is not allowed in rules (allowed: %s)", x.Name, allowedBuiltinSet)
			return
		}
		for _, a := range x.Arguments {
			w.walk(a, depth+1)
		}
	case *ast.NilNode:
		w.fail(n, "nil is not allowed in rules: a missing feature reads as its zero value")
	case *ast.ArrayNode:
		w.fail(n, "a list is only allowed on the right of `in`")
	default:
		w.fail(n, "%s is not allowed in rules (allowed: comparisons, and/or/not, arithmetic, ?:, "+
			"contains/startsWith/endsWith/matches, `in [literal list]`, %s)", describe(n), allowedBuiltinSet)
	}
}

func (w *whitelist) binary(x *ast.BinaryNode, depth int) {
	if !allowedBinary[x.Operator] {
		switch x.Operator {
		case "..":
			w.fail(x, "ranges (..) are not allowed in rules")
		default:
			w.fail(x, "operator %q is not allowed in rules", x.Operator)
		}
		return
	}
	w.walk(x.Left, depth+1)
	switch x.Operator {
	case "in":
		arr, ok := x.Right.(*ast.ArrayNode)
		if b, isRange := x.Right.(*ast.BinaryNode); isRange && b.Operator == ".." {
			w.fail(x, "ranges (..) are not allowed in rules; write lo <= x && x <= hi")
			return
		}
		if !ok {
			w.fail(x, "`in` needs a literal list on its right, e.g. x in [1, 2]")
			return
		}
		if len(arr.Nodes) > MaxInListLen {
			w.fail(x, "`in` list has %d elements, the limit is %d", len(arr.Nodes), MaxInListLen)
			return
		}
		w.nodes++
		for _, e := range arr.Nodes {
			w.walk(e, depth+2)
		}
	case "matches":
		s, ok := x.Right.(*ast.StringNode)
		if !ok {
			w.fail(x, "`matches` needs a string literal pattern")
			return
		}
		if len(s.Value) > maxRegexpBytes {
			w.fail(x, "pattern longer than %d bytes", maxRegexpBytes)
			return
		}
		w.walk(x.Right, depth+1)
	default:
		w.walk(x.Right, depth+1)
	}
}

func describe(n ast.Node) string {
	switch x := n.(type) {
	case *ast.CallNode:
		if id, ok := x.Callee.(*ast.IdentifierNode); ok {
			return "function call " + id.Value + "()"
		}
		return "a function call"
	case *ast.MemberNode, *ast.ChainNode:
		return "member access (a.b, a[i])"
	case *ast.SliceNode:
		return "slicing"
	case *ast.PredicateNode, *ast.PointerNode:
		return "a predicate (#)"
	case *ast.VariableDeclaratorNode:
		return "let"
	case *ast.SequenceNode:
		return "a sequence (;)"
	case *ast.MapNode, *ast.PairNode:
		return "a map literal"
	}
	return fmt.Sprintf("%T", n)
}

// suggest names the closest catalogue feature within two edits, if any.
func suggest(name string) string {
	best, bestD := "", 3
	if len(name) > 64 {
		return ""
	}
	for _, d := range cat.defs {
		if e := editDistance(name, d.Name); e < bestD {
			best, bestD = d.Name, e
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
