package risk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// FeatureType is the static type of a catalogue feature. Rules are
// type-checked against it when they are saved.
type FeatureType uint8

// Feature types. Int features are Go int64 (expr's int on 64-bit targets),
// float features float64, strings at most MaxStringFeatureBytes bytes.
const (
	TypeInt FeatureType = iota
	TypeFloat
	TypeBool
	TypeString
	numFeatureTypes
)

func (t FeatureType) String() string {
	switch t {
	case TypeInt:
		return "int"
	case TypeFloat:
		return "float"
	case TypeBool:
		return "bool"
	case TypeString:
		return "string"
	}
	return "invalid"
}

// MaxStringFeatureBytes bounds a string feature value, so that string
// operators in rules stay cheap whatever the data providers return.
const MaxStringFeatureBytes = 256

// maxFeatures bounds the catalogue; Features keeps its presence bits in a
// fixed array of this many bits.
const maxFeatures = 256

// FeatureDef declares one feature of the catalogue.
type FeatureDef struct {
	Name string      `json:"name"`
	Type FeatureType `json:"type"`
	// Required features must be present for Decide to run: they feed the
	// hard policy rules, and a missing value would silently pass them.
	Required bool `json:"required,omitempty"`
	// Derived features are set by Decide from the DecisionInput (the
	// product's age window); callers must not set them.
	Derived bool   `json:"derived,omitempty"`
	Doc     string `json:"doc"`
}

type catalogue struct {
	defs  []FeatureDef
	index map[string]int
	slot  []int // position of defs[i] in the Features array of its type
	count [numFeatureTypes]int
}

var cat = buildCatalogue()

func buildCatalogue() *catalogue {
	c := &catalogue{index: make(map[string]int)}
	add := func(d FeatureDef) {
		if _, dup := c.index[d.Name]; dup {
			panic("risk: duplicate feature " + d.Name)
		}
		if !validIdent(d.Name) {
			panic("risk: invalid feature name " + d.Name)
		}
		c.index[d.Name] = len(c.defs)
		c.defs = append(c.defs, d)
		c.slot = append(c.slot, c.count[d.Type])
		c.count[d.Type]++
	}
	for _, d := range namedFeatures {
		add(d)
	}
	for _, fam := range featureFamilies {
		for _, w := range fam.windows {
			add(FeatureDef{Name: fam.prefix + "_" + w, Type: fam.typ, Doc: fam.doc + ", last " + w})
		}
	}
	if len(c.defs) > maxFeatures {
		panic("risk: feature catalogue exceeds maxFeatures")
	}
	return c
}

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

// Catalogue returns a copy of the declared features in catalogue order. The
// catalogue is append-only: a feature is never renamed, retyped or removed,
// so that every stored rule set and decision record stays loadable.
func Catalogue() []FeatureDef {
	return append([]FeatureDef(nil), cat.defs...)
}

// LookupFeature returns the declaration of a feature by name.
func LookupFeature(name string) (FeatureDef, bool) {
	i, ok := cat.index[name]
	if !ok {
		return FeatureDef{}, false
	}
	return cat.defs[i], true
}

// Features is one application's feature vector over the catalogue: typed
// values plus which of them were provided. Rules see an absent feature as
// its zero value (0, 0.0, false, ""), which is why the hard-policy inputs are
// Required; the scorecard puts an absent feature in its "missing" bin.
// A Features is not safe for concurrent writes; evaluation only reads it.
// The zero value is an empty vector ready to use.
type Features struct {
	ints   []int64
	floats []float64
	bools  []bool
	strs   []string
	set    [maxFeatures / 64]uint64
}

// NewFeatures returns an empty feature vector.
func NewFeatures() *Features {
	f := &Features{}
	f.ensure()
	return f
}

func (f *Features) ensure() {
	if len(f.ints) == cat.count[TypeInt] && len(f.floats) == cat.count[TypeFloat] &&
		len(f.bools) == cat.count[TypeBool] && len(f.strs) == cat.count[TypeString] {
		return
	}
	f.ints = grow(f.ints, cat.count[TypeInt])
	f.floats = grow(f.floats, cat.count[TypeFloat])
	f.bools = grow(f.bools, cat.count[TypeBool])
	f.strs = grow(f.strs, cat.count[TypeString])
}

func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

// Clone returns an independent copy.
func (f *Features) Clone() *Features {
	c := &Features{
		ints:   append([]int64(nil), f.ints...),
		floats: append([]float64(nil), f.floats...),
		bools:  append([]bool(nil), f.bools...),
		strs:   append([]string(nil), f.strs...),
		set:    f.set,
	}
	c.ensure()
	return c
}

func (f *Features) mark(i int)       { f.set[i/64] |= 1 << (i % 64) }
func (f *Features) isSet(i int) bool { return f.set[i/64]&(1<<(i%64)) != 0 }
func (f *Features) unmark(i int)     { f.set[i/64] &^= 1 << (i % 64) }
func (f *Features) def(name string) (int, FeatureDef, error) {
	i, ok := cat.index[name]
	if !ok {
		return 0, FeatureDef{}, fmt.Errorf("%w: %q", ErrUnknownFeature, name)
	}
	return i, cat.defs[i], nil
}

func typeErr(d FeatureDef, v any) error {
	return fmt.Errorf("%w: %s is %s, got %T", ErrFeatureType, d.Name, d.Type, v)
}

// SetInt sets an int feature. Errors: ErrUnknownFeature, ErrFeatureType.
func (f *Features) SetInt(name string, v int64) error {
	i, d, err := f.def(name)
	if err != nil {
		return err
	}
	switch d.Type {
	case TypeInt:
		f.ensure()
		f.ints[cat.slot[i]] = v
	case TypeFloat:
		return f.SetFloat(name, float64(v))
	default:
		return typeErr(d, v)
	}
	f.mark(i)
	return nil
}

// SetFloat sets a float feature; NaN and ±Inf are refused (ErrFeatureType),
// so that every stored value survives JSON.
func (f *Features) SetFloat(name string, v float64) error {
	i, d, err := f.def(name)
	if err != nil {
		return err
	}
	if d.Type != TypeFloat {
		return typeErr(d, v)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%w: %s must be finite", ErrFeatureType, name)
	}
	f.ensure()
	f.floats[cat.slot[i]] = v
	f.mark(i)
	return nil
}

// SetBool sets a bool feature.
func (f *Features) SetBool(name string, v bool) error {
	i, d, err := f.def(name)
	if err != nil {
		return err
	}
	if d.Type != TypeBool {
		return typeErr(d, v)
	}
	f.ensure()
	f.bools[cat.slot[i]] = v
	f.mark(i)
	return nil
}

// SetString sets a string feature: valid UTF-8, at most
// MaxStringFeatureBytes bytes (ErrFeatureType otherwise).
func (f *Features) SetString(name string, v string) error {
	i, d, err := f.def(name)
	if err != nil {
		return err
	}
	if d.Type != TypeString {
		return typeErr(d, v)
	}
	if len(v) > MaxStringFeatureBytes || !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s must be valid UTF-8 of at most %d bytes", ErrFeatureType, name, MaxStringFeatureBytes)
	}
	f.ensure()
	f.strs[cat.slot[i]] = v
	f.mark(i)
	return nil
}

// Set sets a feature from a Go value: any integer type for int features
// (and for float features), float32/float64, bool, string, or json.Number.
func (f *Features) Set(name string, v any) error {
	switch x := v.(type) {
	case int:
		return f.SetInt(name, int64(x))
	case int8:
		return f.SetInt(name, int64(x))
	case int16:
		return f.SetInt(name, int64(x))
	case int32:
		return f.SetInt(name, int64(x))
	case int64:
		return f.SetInt(name, x)
	case uint8:
		return f.SetInt(name, int64(x))
	case uint16:
		return f.SetInt(name, int64(x))
	case uint32:
		return f.SetInt(name, int64(x))
	case float32:
		return f.SetFloat(name, float64(x))
	case float64:
		return f.SetFloat(name, x)
	case bool:
		return f.SetBool(name, x)
	case string:
		return f.SetString(name, x)
	case json.Number:
		return f.setNumber(name, x)
	}
	_, d, err := f.def(name)
	if err != nil {
		return err
	}
	return typeErr(d, v)
}

func (f *Features) setNumber(name string, n json.Number) error {
	_, d, err := f.def(name)
	if err != nil {
		return err
	}
	switch d.Type {
	case TypeInt:
		v, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return fmt.Errorf("%w: %s must be an integer, got %s", ErrFeatureType, name, n)
		}
		return f.SetInt(name, v)
	case TypeFloat:
		v, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return fmt.Errorf("%w: %s must be a number, got %s", ErrFeatureType, name, n)
		}
		return f.SetFloat(name, v)
	}
	return typeErr(d, n)
}

// Unset removes a feature (it becomes missing).
func (f *Features) Unset(name string) {
	if i, ok := cat.index[name]; ok && f.isSet(i) {
		f.ensure()
		f.unmark(i)
		switch cat.defs[i].Type {
		case TypeInt:
			f.ints[cat.slot[i]] = 0
		case TypeFloat:
			f.floats[cat.slot[i]] = 0
		case TypeBool:
			f.bools[cat.slot[i]] = false
		case TypeString:
			f.strs[cat.slot[i]] = ""
		}
	}
}

// Has reports whether a feature was provided.
func (f *Features) Has(name string) bool {
	i, ok := cat.index[name]
	return ok && f.isSet(i)
}

// Get returns a provided feature's value as int64, float64, bool or string.
func (f *Features) Get(name string) (any, bool) {
	i, ok := cat.index[name]
	if !ok || !f.isSet(i) {
		return nil, false
	}
	return f.value(i), true
}

func (f *Features) value(i int) any {
	s := cat.slot[i]
	switch cat.defs[i].Type {
	case TypeInt:
		return f.ints[s]
	case TypeFloat:
		return f.floats[s]
	case TypeBool:
		return f.bools[s]
	default:
		return f.strs[s]
	}
}

// numeric returns a provided int, float or bool (0/1) feature as float64,
// for scorecard binning.
func (f *Features) numeric(i int) (float64, bool) {
	if !f.isSet(i) {
		return 0, false
	}
	s := cat.slot[i]
	switch cat.defs[i].Type {
	case TypeInt:
		return float64(f.ints[s]), true
	case TypeFloat:
		return f.floats[s], true
	case TypeBool:
		if f.bools[s] {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Len returns how many features are provided.
func (f *Features) Len() int {
	n := 0
	for i := range cat.defs {
		if f.isSet(i) {
			n++
		}
	}
	return n
}

// Map returns the provided features by name.
func (f *Features) Map() map[string]any {
	m := make(map[string]any)
	for i, d := range cat.defs {
		if f.isSet(i) {
			m[d.Name] = f.value(i)
		}
	}
	return m
}

// missing returns the names of the required features that are absent.
func (f *Features) missing() []string {
	var out []string
	for i, d := range cat.defs {
		if d.Required && !f.isSet(i) {
			out = append(out, d.Name)
		}
	}
	return out
}

// MarshalJSON writes the provided features as one object, keys sorted.
func (f *Features) MarshalJSON() ([]byte, error) {
	if f == nil {
		return []byte("null"), nil
	}
	f.ensure()
	return json.Marshal(f.Map())
}

// UnmarshalJSON reads an object written by MarshalJSON. Every key must be a
// catalogue feature and every value of its type (int features take JSON
// integers only); errors wrap ErrUnknownFeature or ErrFeatureType.
func (f *Features) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	if len(raw) > len(cat.defs) {
		return fmt.Errorf("%w: %d features, the catalogue has %d", ErrUnknownFeature, len(raw), len(cat.defs))
	}
	*f = Features{}
	f.ensure()
	names := make([]string, 0, len(raw))
	for name := range raw {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if err := f.setRaw(name, raw[name]); err != nil {
			return err
		}
	}
	return nil
}

func (f *Features) setRaw(name string, raw json.RawMessage) error {
	_, d, err := f.def(name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrFeatureType, name, err)
	}
	if v == nil {
		return fmt.Errorf("%w: %s is null", ErrFeatureType, name)
	}
	if n, ok := v.(json.Number); ok && d.Type == TypeInt && strings.ContainsAny(string(n), ".eE") {
		return fmt.Errorf("%w: %s must be an integer, got %s", ErrFeatureType, name, n)
	}
	return f.Set(name, v)
}
