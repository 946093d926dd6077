package risk

import (
	"bytes"
	"embed"
	"encoding/json"
)

//go:embed defaults/*.json
var defaultsFS embed.FS

// DefaultRuleSet is the rule set that ships (strategy "champion", v1):
// the hard policy rules (age outside the product window, identity or
// liveness not verified, student, blacklist, more than 10 applications
// across platforms in 3 months, court records) and the anti-fraud rules
// (tampered device, velocity, accounts per device, impossible travel,
// proxy IP, city mismatch). See defaults/ruleset.json.
func DefaultRuleSet() RuleSet {
	var rs RuleSet
	mustDecode("defaults/ruleset.json", &rs)
	return rs
}

// DefaultModel is the scorecard that ships (v1, defaults/model.json).
func DefaultModel() Model {
	var m Model
	mustDecode("defaults/model.json", &m)
	return m
}

// DefaultStrategy is the champion strategy (defaults/strategy.json): bands
// E (decline, < 540), D 1,000 CNY at 23%, C 3,000 at 20%, B 8,000 at 16%,
// A 20,000 at 12%; +20% after 3 on-time installments.
func DefaultStrategy() Strategy {
	var s Strategy
	mustDecode("defaults/strategy.json", &s)
	return s
}

// DefaultSplit sends all traffic to the champion.
func DefaultSplit() Split {
	return Split{Salt: "wxlend-split-v1", Arms: []ArmWeight{{Strategy: "champion", WeightBP: SplitBuckets}}}
}

// DefaultPlan compiles the defaults into a plan.
func DefaultPlan() (Plan, error) {
	rs, err := Compile(DefaultRuleSet())
	if err != nil {
		return Plan{}, err
	}
	m, err := CompileModel(DefaultModel())
	if err != nil {
		return Plan{}, err
	}
	return NewPlan(DefaultStrategy(), rs, m)
}

func mustDecode(name string, v any) {
	b, err := defaultsFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		panic("risk: " + name + ": " + err.Error())
	}
}
