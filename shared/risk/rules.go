package risk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr"
)

// Bounds on one rule expression (see shared/risk/ruleexpr).
const (
	MaxExprBytes    = ruleexpr.MaxBytes
	MaxExprNodes    = ruleexpr.MaxNodes
	MaxExprDepth    = ruleexpr.MaxDepth
	MaxParenDepth   = ruleexpr.MaxParenDepth
	MaxInListLen    = ruleexpr.MaxInListLen
	MaxLiteralBytes = ruleexpr.MaxLiteralBytes
)

// Action is what a rule hit does to the decision.
type Action string

// Actions. A decline hit declines; otherwise a review hit sends the
// application to manual review; flags are recorded only.
const (
	ActionDecline Action = "decline"
	ActionReview  Action = "review"
	ActionFlag    Action = "flag"
)

func (a Action) valid() bool { return a == ActionDecline || a == ActionReview || a == ActionFlag }

// Status is a rule set's place in its life cycle.
type Status string

// Statuses: a draft is edited and tested; publishing makes it active (one
// active version per strategy, enforced by the store); a replaced version
// is retired. Active and retired versions are never edited: a change is a
// new version (NextDraft).
const (
	StatusDraft   Status = "draft"
	StatusActive  Status = "active"
	StatusRetired Status = "retired"
)

// CheckTransition allows draft→active, active→retired and draft→retired
// (abandoned draft); anything else is ErrTransition.
func CheckTransition(from, to Status) error {
	switch {
	case from == StatusDraft && (to == StatusActive || to == StatusRetired),
		from == StatusActive && to == StatusRetired:
		return nil
	}
	return fmt.Errorf("%w: %s -> %s", ErrTransition, from, to)
}

// CheckEditable allows edits of drafts only (ErrTransition otherwise).
func CheckEditable(s Status) error {
	if s != StatusDraft {
		return fmt.Errorf("%w: a %s rule set is never edited in place; create a new version", ErrTransition, s)
	}
	return nil
}

// Limits on a rule set.
const (
	MaxRulesPerSet   = 5000
	maxRuleIDBytes   = 64
	maxRuleNameBytes = 200
	maxPriority      = 1_000_000
	// MaxRuleSetJSONBytes bounds ParseRuleSetJSON's input.
	MaxRuleSetJSONBytes = 16 << 20
)

// Rule is one policy or anti-fraud rule: a boolean expr-lang expression
// over catalogue features, e.g. `multi_platform_apps_3m > 10`.
type Rule struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Expr       string `json:"expr"`
	Action     Action `json:"action"`
	ReasonCode string `json:"reason_code"`
	// Priority orders evaluation and hits: ascending, ties in slice order.
	Priority int `json:"priority"`
}

// RuleSet is one immutable version of a strategy's rules.
type RuleSet struct {
	Strategy string `json:"strategy"`
	Version  int    `json:"version"`
	Status   Status `json:"status"`
	Rules    []Rule `json:"rules"`
}

// NextDraft returns a copy of rs as the draft of the next version.
func NextDraft(rs RuleSet) RuleSet {
	rs.Rules = append([]Rule(nil), rs.Rules...)
	rs.Version++
	rs.Status = StatusDraft
	return rs
}

// Digest is the hex SHA-256 of the rule set's content (strategy, version,
// rules; not status). Decisions record it; the cache uses it to detect a
// version edited in place.
func (rs RuleSet) Digest() string {
	b, _ := json.Marshal(struct {
		Strategy string `json:"strategy"`
		Version  int    `json:"version"`
		Rules    []Rule `json:"rules"`
	}{rs.Strategy, rs.Version, rs.Rules})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// ParseRuleSetJSON decodes a rule set strictly (unknown fields refused,
// at most MaxRuleSetJSONBytes). It does not compile; call Compile.
func ParseRuleSetJSON(b []byte) (RuleSet, error) {
	var rs RuleSet
	if len(b) > MaxRuleSetJSONBytes {
		return rs, fmt.Errorf("%w: %d bytes, the limit is %d", ErrInvalidRuleSet, len(b), MaxRuleSetJSONBytes)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rs); err != nil {
		return RuleSet{}, fmt.Errorf("%w: %v", ErrInvalidRuleSet, err)
	}
	if dec.More() {
		return RuleSet{}, fmt.Errorf("%w: trailing data after the rule set", ErrInvalidRuleSet)
	}
	return rs, nil
}

// Hit is a rule that matched.
type Hit struct {
	RuleID     string `json:"rule_id"`
	Action     Action `json:"action"`
	ReasonCode string `json:"reason_code"`
}

type compiledRule struct {
	hit  Hit
	expr ruleexpr.Expr
}

// CompiledRuleSet is a validated rule set ready to evaluate. It is
// immutable and safe for concurrent use.
type CompiledRuleSet struct {
	strategy string
	version  int
	digest   string
	rules    []compiledRule
	features []string
}

// Strategy, Version and Digest identify the compiled rule set.
func (c *CompiledRuleSet) Strategy() string { return c.strategy }
func (c *CompiledRuleSet) Version() int     { return c.version }
func (c *CompiledRuleSet) Digest() string   { return c.digest }

// Len is the number of rules.
func (c *CompiledRuleSet) Len() int { return len(c.rules) }

// Features lists the features the rules reference, sorted.
func (c *CompiledRuleSet) Features() []string { return append([]string(nil), c.features...) }

// Evaluate runs every rule against f and returns the hits in rule order
// (Priority ascending, then slice order). Absent features read as zero
// values. It never fails: everything that could go wrong was refused by
// Compile.
func (c *CompiledRuleSet) Evaluate(f *Features) []Hit {
	var hits []Hit
	for i := range c.rules {
		if c.rules[i].expr.Eval(f) {
			hits = append(hits, c.rules[i].hit)
		}
	}
	return hits
}

// Compile validates a rule set and compiles every rule. It refuses, with a
// *CompileError listing up to 50 problems (errors.Is ErrInvalidRuleSet):
// a bad strategy name, version or status; no rules or more than 5000;
// a missing, malformed or duplicate id; a missing or long name; an
// unknown action; a reason code not in the registry; an out-of-range
// priority; and every expression that is empty, longer than 2000 bytes,
// does not parse, uses anything outside the rule language (ranges,
// predicates such as map/filter, calls, member access, builtins other
// than abs/len/lower/upper), references an unknown feature, is not bool,
// is too large or too deep, or references no feature at all.
// Call it when a rule set is saved; decisions use the cached result.
// A rule the compiler fails on (ruleexpr.ErrInternal, a bug of ours) is
// not a problem of the rule set: Compile returns an apierr internal error
// for it, never a *CompileError.
func Compile(rs RuleSet) (*CompiledRuleSet, error) {
	ce := &CompileError{}
	setProblem := func(field, format string, args ...any) {
		ce.add(Problem{Index: -1, Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if !validIdent(rs.Strategy) {
		setProblem("strategy", "must be 1-64 of a-z, 0-9, _ starting with a letter, got %q", rs.Strategy)
	}
	if rs.Version < 1 || rs.Version > 1_000_000_000 {
		setProblem("version", "must be 1..1000000000, got %d", rs.Version)
	}
	if rs.Status != StatusDraft && rs.Status != StatusActive && rs.Status != StatusRetired {
		setProblem("status", "must be draft, active or retired, got %q", rs.Status)
	}
	if len(rs.Rules) == 0 || len(rs.Rules) > MaxRulesPerSet {
		setProblem("rules", "a rule set has 1..%d rules, got %d", MaxRulesPerSet, len(rs.Rules))
		if len(rs.Rules) > MaxRulesPerSet {
			return nil, ce
		}
	}
	comp := ruleexpr.NewCompiler()
	out := &CompiledRuleSet{strategy: rs.Strategy, version: rs.Version, rules: make([]compiledRule, 0, len(rs.Rules))}
	ids := make(map[string]int, len(rs.Rules))
	feats := map[string]bool{}
	order := make([]int, 0, len(rs.Rules))
	for i, r := range rs.Rules {
		p := func(field, format string, args ...any) {
			ce.add(Problem{Index: i, RuleID: r.ID, Field: field, Msg: fmt.Sprintf(format, args...)})
		}
		checkRuleFields(r, ids, i, p)
		x, err := comp.Compile(r.Expr)
		if errors.Is(err, ruleexpr.ErrInternal) {
			return nil, compilerBug(i, r.ID, err)
		}
		if err != nil {
			p("expr", "%v", err)
			continue
		}
		for _, name := range x.Features() {
			feats[name] = true
		}
		order = append(order, i)
		out.rules = append(out.rules, compiledRule{
			hit:  Hit{RuleID: r.ID, Action: r.Action, ReasonCode: r.ReasonCode},
			expr: x,
		})
	}
	if len(ce.Problems) > 0 {
		return nil, ce
	}
	sort.Stable(byPriority{out.rules, rs.Rules, order})
	for name := range feats {
		out.features = append(out.features, name)
	}
	sort.Strings(out.features)
	out.digest = rs.Digest()
	return out, nil
}

// compilerBug is a rule the compiler failed on: our bug, not the rule
// author's mistake, so internal with the detail for the log only.
func compilerBug(i int, id string, err error) error {
	return apierr.Wrap(apierr.Internal, fmt.Errorf("risk: rule %d (%s): %w", i, id, err), "the rule set could not be checked")
}

func checkRuleFields(r Rule, ids map[string]int, i int, p func(field, format string, args ...any)) {
	if !validRuleID(r.ID) {
		p("id", "must be 1-%d of A-Z, a-z, 0-9, _, ., - starting with a letter or digit", maxRuleIDBytes)
	} else if j, dup := ids[r.ID]; dup {
		p("id", "duplicate id, also used by rule %d", j)
	} else {
		ids[r.ID] = i
	}
	if r.Name == "" || len(r.Name) > maxRuleNameBytes || !utf8.ValidString(r.Name) {
		p("name", "must be 1-%d bytes of UTF-8", maxRuleNameBytes)
	}
	if !r.Action.valid() {
		p("action", "must be decline, review or flag, got %q", r.Action)
	}
	if _, ok := reasonRegistry[r.ReasonCode]; !ok {
		p("reason_code", "%q is not a registered reason code", r.ReasonCode)
	}
	if r.Priority < -maxPriority || r.Priority > maxPriority {
		p("priority", "must be within ±%d", maxPriority)
	}
}

// validIdent: 1-64 of a-z, 0-9, _ starting with a letter or _ (strategy
// names).
func validIdent(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

func validRuleID(s string) bool {
	if s == "" || len(s) > maxRuleIDBytes {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '_' || c == '.' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return true
}

type byPriority struct {
	rules []compiledRule
	src   []Rule
	order []int // index into src of each compiled rule
}

func (b byPriority) Len() int { return len(b.rules) }
func (b byPriority) Less(i, j int) bool {
	return b.src[b.order[i]].Priority < b.src[b.order[j]].Priority
}
func (b byPriority) Swap(i, j int) {
	b.rules[i], b.rules[j] = b.rules[j], b.rules[i]
	b.order[i], b.order[j] = b.order[j], b.order[i]
}
