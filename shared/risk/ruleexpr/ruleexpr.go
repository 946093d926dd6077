// Package ruleexpr compiles the risk engine's rule language to Go
// closures over a feature.Vector. The language is a whitelisted subset of
// expr-lang/expr — literals, catalogue features, comparisons, and/or/not,
// + - * / % **, ?:, contains/startsWith/endsWith, matches 'constant',
// `x in [constant, ...]`, abs/len/lower/upper — with no ranges, predicates,
// calls, member access, variables or nil, and bounded size and nesting.
// expr parses and type-checks each expression against the typed catalogue
// (a typo fails with a "did you mean"); the closures then evaluate it with
// expr's semantics (int arithmetic wraps, / and ** are float, len counts
// runes, numbers compare across int and float), without loops and without
// failing. That contract is checked by running every accepted expression
// on expr's own VM too, with Options (FuzzCompile, the tests).
package ruleexpr

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
	"github.com/wxlend/wxlend/shared/risk/feature"
)

// Bounds on one rule expression. Together with the whitelist below they
// bound the work of one evaluation by a small constant: no loops, no
// ranges, no calls, no collections other than literal `in` lists.
const (
	MaxBytes          = 2000
	MaxNodes          = 1000
	MaxDepth          = 256 // nesting of the syntax tree (a && b && c ... nests too)
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

// ErrInternal: the compiler failed on an expression it should have
// compiled or refused. A bug in this package, never the rule author's
// mistake: callers must not report it as invalid input.
var ErrInternal = errors.New("ruleexpr: internal compiler error")

// ZeroValue is the Go value expr sees for an absent feature of type t, and
// the type it checks rules with: int (expr's int), float64, bool, string.
func ZeroValue(t feature.Type) any {
	switch t {
	case feature.Int:
		return 0
	case feature.Float:
		return 0.0
	case feature.Bool:
		return false
	}
	return ""
}

// exprEnv is the typed environment expr checks rules against: every
// catalogue feature with a zero value of its Go type.
func exprEnv() map[string]any {
	defs := feature.Catalogue()
	env := make(map[string]any, len(defs))
	for _, d := range defs {
		env[d.Name] = ZeroValue(d.Type)
	}
	return env
}

// Options are the expr options of every rule: typed environment, bool
// result, builtins limited to abs, len, lower, upper, node budget. Run on
// expr's VM with them, a rule gives the reference answer the compiled
// closure must equal (see ruleexprtest.VMEval).
func Options() []expr.Option {
	opts := []expr.Option{
		expr.Env(exprEnv()), expr.AsBool(), expr.DisableAllBuiltins(), expr.MaxNodes(MaxNodes),
	}
	for name := range allowedBuiltins {
		opts = append(opts, expr.EnableBuiltin(name))
	}
	return opts
}

// Compiler compiles rule expressions. It holds expr's configuration, whose
// type cache is not safe for concurrent use: make one per rule set (or
// goroutine), and reuse it for all that rule set's expressions.
type Compiler struct {
	cfg *conf.Config
}

// NewCompiler makes a Compiler.
func NewCompiler() *Compiler {
	cfg := conf.CreateNew()
	for _, o := range Options() {
		o(cfg)
	}
	for name := range cfg.Disabled {
		delete(cfg.Builtins, name)
	}
	return &Compiler{cfg: cfg}
}

// Compile compiles one expression with a Compiler of its own (see
// Compiler.Compile).
func Compile(src string) (Expr, error) {
	return NewCompiler().Compile(src)
}

// Expr is a compiled rule expression: immutable, safe for concurrent use.
type Expr struct {
	eval     func(*feature.Vector) bool
	features []string
}

// Eval evaluates the expression on v; absent features read as zero values.
// It has no loops and cannot fail.
func (e Expr) Eval(v *feature.Vector) bool { return e.eval(v) }

// Features are the features the expression reads, in order of first use.
func (e Expr) Features() []string { return append([]string(nil), e.features...) }

// Compile parses src with expr, refuses anything outside the rule
// language, type-checks it against the catalogue and compiles it to a
// closure. A refusal's message is meant for the rule author as is (with
// line and column); an error wrapping ErrInternal is a bug in the compiler
// instead, and its text is for the log.
func (c *Compiler) Compile(src string) (e Expr, err error) {
	defer func() {
		if r := recover(); r != nil {
			e, err = Expr{}, fmt.Errorf("%w: %v", ErrInternal, r)
		}
	}()
	cfg := c.cfg
	var ce Expr
	if strings.TrimSpace(src) == "" {
		return ce, errors.New("expression is empty")
	}
	if len(src) > MaxBytes {
		return ce, fmt.Errorf("expression is %d bytes, the limit is %d", len(src), MaxBytes)
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
	cc := &closureCompiler{src: src, seen: map[string]bool{}}
	v, err := cc.compile(tree.Node)
	if err != nil {
		return ce, err
	}
	if v.k != kBool {
		return ce, fmt.Errorf("expression must be a condition (bool), it is %s", v.k)
	}
	if len(cc.features) == 0 {
		return ce, errors.New("expression references no feature: it would hit every application or none")
	}
	return Expr{eval: v.b, features: cc.features}, nil
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
	if w.nodes > MaxNodes {
		w.fail(n, "expression has more than %d nodes", MaxNodes)
		return
	}
	if depth > MaxDepth {
		w.fail(n, "expression nests deeper than %d levels", MaxDepth)
		return
	}
	switch x := n.(type) {
	case *ast.IdentifierNode:
		if _, ok := feature.Lookup(x.Value); !ok {
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
	for _, d := range feature.Catalogue() {
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
