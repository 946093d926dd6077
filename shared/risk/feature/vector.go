package feature

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

// Vector is one application's values over the catalogue: typed values
// plus which of them were provided. Rules see an absent feature as its
// zero value (0, 0.0, false, ""), which is why the hard-policy inputs are
// Required; the scorecard puts an absent feature in its "missing" bin.
// A Vector is not safe for concurrent writes; evaluation only reads it.
// The zero value is an empty vector ready to use.
type Vector struct {
	ints   []int64
	floats []float64
	bools  []bool
	strs   []string
	set    [maxFeatures / 64]uint64
}

// NewVector returns an empty vector.
func NewVector() *Vector {
	f := &Vector{}
	f.ensure()
	return f
}

func (f *Vector) ensure() {
	if len(f.ints) == cat.count[Int] && len(f.floats) == cat.count[Float] &&
		len(f.bools) == cat.count[Bool] && len(f.strs) == cat.count[String] {
		return
	}
	f.ints = grow(f.ints, cat.count[Int])
	f.floats = grow(f.floats, cat.count[Float])
	f.bools = grow(f.bools, cat.count[Bool])
	f.strs = grow(f.strs, cat.count[String])
}

func grow[T any](s []T, n int) []T {
	if len(s) >= n {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}

// Clone returns an independent copy.
func (f *Vector) Clone() *Vector {
	c := &Vector{
		ints:   append([]int64(nil), f.ints...),
		floats: append([]float64(nil), f.floats...),
		bools:  append([]bool(nil), f.bools...),
		strs:   append([]string(nil), f.strs...),
		set:    f.set,
	}
	c.ensure()
	return c
}

func (f *Vector) mark(i int)       { f.set[i/64] |= 1 << (i % 64) }
func (f *Vector) isSet(i int) bool { return f.set[i/64]&(1<<(i%64)) != 0 }
func (f *Vector) unmark(i int)     { f.set[i/64] &^= 1 << (i % 64) }
func (f *Vector) def(name string) (int, Def, error) {
	i, ok := cat.index[name]
	if !ok {
		return 0, Def{}, fmt.Errorf("%w: %q", ErrUnknown, name)
	}
	return i, cat.defs[i], nil
}

func typeErr(d Def, v any) error {
	return fmt.Errorf("%w: %s is %s, got %T", ErrType, d.Name, d.Type, v)
}

// SetInt sets an int feature. Errors: ErrUnknown, ErrType.
func (f *Vector) SetInt(name string, v int64) error {
	i, d, err := f.def(name)
	if err != nil {
		return err
	}
	switch d.Type {
	case Int:
		f.ensure()
		f.ints[cat.slot[i]] = v
	case Float:
		return f.SetFloat(name, float64(v))
	default:
		return typeErr(d, v)
	}
	f.mark(i)
	return nil
}

// SetFloat sets a float feature; NaN and ±Inf are refused (ErrType),
// so that every stored value survives JSON.
func (f *Vector) SetFloat(name string, v float64) error {
	i, d, err := f.def(name)
	if err != nil {
		return err
	}
	if d.Type != Float {
		return typeErr(d, v)
	}
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("%w: %s must be finite", ErrType, name)
	}
	f.ensure()
	f.floats[cat.slot[i]] = v
	f.mark(i)
	return nil
}

// SetBool sets a bool feature.
func (f *Vector) SetBool(name string, v bool) error {
	i, d, err := f.def(name)
	if err != nil {
		return err
	}
	if d.Type != Bool {
		return typeErr(d, v)
	}
	f.ensure()
	f.bools[cat.slot[i]] = v
	f.mark(i)
	return nil
}

// SetString sets a string feature: valid UTF-8, at most
// MaxStringBytes bytes (ErrType otherwise).
func (f *Vector) SetString(name string, v string) error {
	i, d, err := f.def(name)
	if err != nil {
		return err
	}
	if d.Type != String {
		return typeErr(d, v)
	}
	if len(v) > MaxStringBytes || !utf8.ValidString(v) {
		return fmt.Errorf("%w: %s must be valid UTF-8 of at most %d bytes", ErrType, name, MaxStringBytes)
	}
	f.ensure()
	f.strs[cat.slot[i]] = v
	f.mark(i)
	return nil
}

// Set sets a feature from a Go value: any integer type for int features
// (and for float features), float32/float64, bool, string, or json.Number.
func (f *Vector) Set(name string, v any) error {
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

func (f *Vector) setNumber(name string, n json.Number) error {
	_, d, err := f.def(name)
	if err != nil {
		return err
	}
	switch d.Type {
	case Int:
		v, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return fmt.Errorf("%w: %s must be an integer, got %s", ErrType, name, n)
		}
		return f.SetInt(name, v)
	case Float:
		v, err := strconv.ParseFloat(string(n), 64)
		if err != nil {
			return fmt.Errorf("%w: %s must be a number, got %s", ErrType, name, n)
		}
		return f.SetFloat(name, v)
	}
	return typeErr(d, n)
}

// Unset removes a feature (it becomes missing).
func (f *Vector) Unset(name string) {
	if i, ok := cat.index[name]; ok && f.isSet(i) {
		f.ensure()
		f.unmark(i)
		switch cat.defs[i].Type {
		case Int:
			f.ints[cat.slot[i]] = 0
		case Float:
			f.floats[cat.slot[i]] = 0
		case Bool:
			f.bools[cat.slot[i]] = false
		case String:
			f.strs[cat.slot[i]] = ""
		}
	}
}

// Has reports whether a feature was provided.
func (f *Vector) Has(name string) bool {
	i, ok := cat.index[name]
	return ok && f.isSet(i)
}

// Get returns a provided feature's value as int64, float64, bool or string.
func (f *Vector) Get(name string) (any, bool) {
	i, ok := cat.index[name]
	if !ok || !f.isSet(i) {
		return nil, false
	}
	return f.value(i), true
}

func (f *Vector) value(i int) any {
	s := cat.slot[i]
	switch cat.defs[i].Type {
	case Int:
		return f.ints[s]
	case Float:
		return f.floats[s]
	case Bool:
		return f.bools[s]
	default:
		return f.strs[s]
	}
}

// Int, Float, Bool and Str read the feature r refers to, which must be of
// that type; an absent feature reads as its zero value, as rules see it.
// They are what compiled rules call, once per feature read.
func (f *Vector) Int(r Ref) int64 {
	if r.slot < len(f.ints) {
		return f.ints[r.slot]
	}
	return 0
}

func (f *Vector) Float(r Ref) float64 {
	if r.slot < len(f.floats) {
		return f.floats[r.slot]
	}
	return 0
}

func (f *Vector) Bool(r Ref) bool {
	if r.slot < len(f.bools) {
		return f.bools[r.slot]
	}
	return false
}

func (f *Vector) Str(r Ref) string {
	if r.slot < len(f.strs) {
		return f.strs[r.slot]
	}
	return ""
}

// Numeric returns a provided int, float or bool (0/1) feature as float64,
// for scorecard binning; false when it is absent or a string.
func (f *Vector) Numeric(r Ref) (float64, bool) {
	if !f.isSet(r.index) {
		return 0, false
	}
	switch r.typ {
	case Int:
		return float64(f.Int(r)), true
	case Float:
		return f.Float(r), true
	case Bool:
		if f.Bool(r) {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

// Len returns how many features are provided.
func (f *Vector) Len() int {
	n := 0
	for i := range cat.defs {
		if f.isSet(i) {
			n++
		}
	}
	return n
}

// Map returns the provided features by name.
func (f *Vector) Map() map[string]any {
	m := make(map[string]any)
	for i, d := range cat.defs {
		if f.isSet(i) {
			m[d.Name] = f.value(i)
		}
	}
	return m
}

// MissingRequired returns the names of the Required features that are
// absent, in catalogue order.
func (f *Vector) MissingRequired() []string {
	var out []string
	for i, d := range cat.defs {
		if d.Required && !f.isSet(i) {
			out = append(out, d.Name)
		}
	}
	return out
}

// MarshalJSON writes the provided features as one object, keys sorted.
func (f *Vector) MarshalJSON() ([]byte, error) {
	if f == nil {
		return []byte("null"), nil
	}
	f.ensure()
	return json.Marshal(f.Map())
}

// UnmarshalJSON reads an object written by MarshalJSON. Every key must be a
// catalogue feature and every value of its type (int features take JSON
// integers only); errors wrap ErrUnknown or ErrType.
func (f *Vector) UnmarshalJSON(b []byte) error {
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return nil
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("features: %w", err)
	}
	if len(raw) > len(cat.defs) {
		return fmt.Errorf("%w: %d features, the catalogue has %d", ErrUnknown, len(raw), len(cat.defs))
	}
	*f = Vector{}
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

func (f *Vector) setRaw(name string, raw json.RawMessage) error {
	_, d, err := f.def(name)
	if err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrType, name, err)
	}
	if v == nil {
		return fmt.Errorf("%w: %s is null", ErrType, name)
	}
	if n, ok := v.(json.Number); ok && d.Type == Int && strings.ContainsAny(string(n), ".eE") {
		return fmt.Errorf("%w: %s must be an integer, got %s", ErrType, name, n)
	}
	return f.Set(name, v)
}
