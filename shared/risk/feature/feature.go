// Package feature holds the risk engine's feature catalogue, the fixed
// list of typed features that rules and scorecards read, and Vector, one
// application's values over it. It is the vocabulary shared by the rule
// compiler (shared/risk/ruleexpr) and the decision core (shared/risk,
// which re-exports it as risk.Features, risk.FeatureDef, risk.Catalogue).
//
// The catalogue is append-only: a feature is never renamed, retyped or
// removed, so that every stored rule set and decision record stays
// loadable. Names carry their unit (_fen, _months, _km, _1h); windows are
// trailing (7d = the last 7 days, 3m = the last 3 months).
package feature

import "errors"

// Type is the static type of a catalogue feature. Rules are type-checked
// against it when they are saved.
type Type uint8

// Feature types. Int features are Go int64 (expr's int on 64-bit targets),
// float features float64, strings at most MaxStringBytes bytes.
const (
	Int Type = iota
	Float
	Bool
	String
	numTypes
)

func (t Type) String() string {
	switch t {
	case Int:
		return "int"
	case Float:
		return "float"
	case Bool:
		return "bool"
	case String:
		return "string"
	}
	return "invalid"
}

// MaxStringBytes bounds a string feature value, so that string operators
// in rules stay cheap whatever the data providers return.
const MaxStringBytes = 256

// maxFeatures bounds the catalogue; Vector keeps its presence bits in a
// fixed array of this many bits.
const maxFeatures = 256

// Errors of Vector's setters and decoder; match them with errors.Is. The
// texts predate this package (risk.ErrUnknownFeature, risk.ErrFeatureType
// are these values).
var (
	// ErrUnknown: a name that is not in the catalogue.
	ErrUnknown = errors.New("risk: unknown feature")
	// ErrType: a value of the wrong type for its feature.
	ErrType = errors.New("risk: feature type mismatch")
)

// Def declares one feature of the catalogue.
type Def struct {
	Name string `json:"name"`
	Type Type   `json:"type"`
	// Required features must be present for a decision to run: they feed
	// the hard policy rules, and a missing value would silently pass them.
	Required bool `json:"required,omitempty"`
	// Derived features are set by the decision from its input (the
	// product's age window); callers must not set them.
	Derived bool   `json:"derived,omitempty"`
	Doc     string `json:"doc"`
}

type catalogue struct {
	defs  []Def
	index map[string]int
	slot  []int // position of defs[i] among the Vector's values of its type
	count [numTypes]int
}

var cat = buildCatalogue()

func buildCatalogue() *catalogue {
	c := &catalogue{index: make(map[string]int)}
	add := func(d Def) {
		if _, dup := c.index[d.Name]; dup {
			panic("feature: duplicate feature " + d.Name)
		}
		c.index[d.Name] = len(c.defs)
		c.defs = append(c.defs, d)
		c.slot = append(c.slot, c.count[d.Type])
		c.count[d.Type]++
	}
	for _, d := range namedFeatures {
		add(d)
	}
	for _, fam := range families {
		for _, w := range fam.windows {
			add(Def{Name: fam.prefix + "_" + w, Type: fam.typ, Doc: fam.doc + ", last " + w})
		}
	}
	if len(c.defs) > maxFeatures {
		panic("feature: catalogue exceeds maxFeatures")
	}
	return c
}

// Catalogue returns a copy of the declared features in catalogue order.
func Catalogue() []Def {
	return append([]Def(nil), cat.defs...)
}

// Lookup returns the declaration of a feature by name.
func Lookup(name string) (Def, bool) {
	i, ok := cat.index[name]
	if !ok {
		return Def{}, false
	}
	return cat.defs[i], true
}

// Ref is a feature resolved once, by Resolve, so that compiled rules and
// scorecards read a Vector without looking a name up.
type Ref struct {
	index int // in the catalogue
	slot  int // among the Vector's values of the feature's type
	typ   Type
}

// Resolve returns the Ref of a catalogue feature.
func Resolve(name string) (Ref, bool) {
	i, ok := cat.index[name]
	if !ok {
		return Ref{}, false
	}
	return Ref{index: i, slot: cat.slot[i], typ: cat.defs[i].Type}, true
}

// Type is the type of the feature r refers to.
func (r Ref) Type() Type { return r.typ }
