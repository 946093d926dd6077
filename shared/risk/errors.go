package risk

import (
	"errors"
	"fmt"
	"strings"

	"github.com/wxlend/wxlend/shared/risk/feature"
)

// Errors returned by this package; match them with errors.Is. Business
// outcomes (decline, review) are values in Decision, never errors.
//
// Whose fault an error is decides its API code, and only the caller of an
// endpoint knows what it supplied: a *CompileError from Compile (a rule
// set the admin submitted) and ErrInvalidInput from DeviceSignals.Validate
// (the client's device facts) are that caller's input, invalid_argument.
// Everything else is ours — data we stored or fetched, wiring, or a bug —
// and must reach a client as internal, the detail in the log only: the
// errors of making a decision (Decide, Router.Decide, Replay: ErrEvaluation,
// ErrInvalidInput, ErrMissingFeature, ErrInvalidStrategy) come wrapped in
// an apierr internal error, and so does Compile's for a rule its compiler
// failed on (ruleexpr.ErrInternal); the rest are plain errors, which the
// edge maps to internal.
var (
	// ErrInvalidRuleSet: Compile refused a rule set; the error is a
	// *CompileError listing every problem. ParseRuleSetJSON wraps it too.
	ErrInvalidRuleSet = errors.New("risk: invalid rule set")
	// ErrInvalidModel: CompileModel refused a scorecard.
	ErrInvalidModel = errors.New("risk: invalid scorecard model")
	// ErrInvalidStrategy: a strategy, limit policy, split or plan is inconsistent.
	ErrInvalidStrategy = errors.New("risk: invalid strategy")
	// ErrInvalidInput: a DecisionInput is malformed (a bug of the caller,
	// wrapped as internal by Decide), or DeviceSignals are (the client's
	// input).
	ErrInvalidInput = errors.New("risk: invalid decision input")
	// ErrUnknownFeature: a name that is not in the feature catalogue.
	ErrUnknownFeature = feature.ErrUnknown
	// ErrFeatureType: a value of the wrong type for its feature.
	ErrFeatureType = feature.ErrType
	// ErrMissingFeature: a Required feature is absent; fetch it and retry.
	ErrMissingFeature = errors.New("risk: required feature missing")
	// ErrEditedInPlace: a rule set or model version was seen twice with
	// different content. Versions are immutable; publish a new version.
	ErrEditedInPlace = errors.New("risk: version edited in place")
	// ErrReplayMismatch: Replay was given parts other than those recorded.
	ErrReplayMismatch = errors.New("risk: replay with different versions")
	// ErrTransition: a rule-set status change that is not allowed.
	ErrTransition = errors.New("risk: status transition not allowed")
	// ErrEvaluation: evaluation failed unexpectedly (a bug: save-time checks
	// are meant to make this impossible).
	ErrEvaluation = errors.New("risk: evaluation failed")
)

// Problem is one reason a rule set was refused.
type Problem struct {
	Index  int    `json:"index"`             // position in RuleSet.Rules, -1 for the set itself
	RuleID string `json:"rule_id,omitempty"` // as given, possibly empty
	Field  string `json:"field"`             // strategy, version, status, rules, id, name, expr, action, reason_code, priority
	Msg    string `json:"message"`
}

func (p Problem) String() string {
	if p.Index < 0 {
		return p.Field + ": " + p.Msg
	}
	return fmt.Sprintf("rule %d (%s) %s: %s", p.Index, p.RuleID, p.Field, p.Msg)
}

// maxProblems bounds the report of a refused rule set.
const maxProblems = 50

// CompileError lists the problems of a refused rule set, at most 50 of
// them (Omitted counts the rest). It unwraps to ErrInvalidRuleSet.
type CompileError struct {
	Problems []Problem `json:"problems"`
	Omitted  int       `json:"omitted,omitempty"`
}

func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("risk: invalid rule set: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&b, "; and %d more", e.Omitted)
	}
	return b.String()
}

// Unwrap makes errors.Is(err, ErrInvalidRuleSet) true.
func (e *CompileError) Unwrap() error { return ErrInvalidRuleSet }

func (e *CompileError) add(p Problem) {
	if len(e.Problems) >= maxProblems {
		e.Omitted++
		return
	}
	e.Problems = append(e.Problems, p)
}

func modelErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidModel, fmt.Sprintf(format, args...))
}

func strategyErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidStrategy, fmt.Sprintf(format, args...))
}

func inputErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidInput, fmt.Sprintf(format, args...))
}
