package feature_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/risk/feature"
)

func TestCatalogue(t *testing.T) {
	defs := feature.Catalogue()
	if len(defs) < 190 || len(defs) > 220 {
		t.Fatalf("catalogue has %d features, want about 200", len(defs))
	}
	named := map[string]feature.Type{
		"age": feature.Int, "is_student": feature.Bool, "identity_verified": feature.Bool,
		"liveness_verified": feature.Bool, "blacklist_internal": feature.Bool, "blacklist_thirdparty": feature.Bool,
		"multi_platform_apps_3m": feature.Int, "court_enforcement": feature.Bool, "device_emulator": feature.Bool,
		"device_rooted": feature.Bool, "device_hooked": feature.Bool, "ip_velocity_1h": feature.Int,
		"device_velocity_1h": feature.Int, "accounts_per_device": feature.Int, "geo_city_mismatch": feature.Bool,
		"impossible_travel": feature.Bool, "operator_tenure_months": feature.Int, "thirdparty_score": feature.Int,
		"internal_on_time_installments": feature.Int, "internal_max_dpd": feature.Int,
	}
	for name, typ := range named {
		d, ok := feature.Lookup(name)
		if !ok || d.Type != typ {
			t.Errorf("%s: %+v, want type %s", name, d, typ)
		}
	}
	t.Logf("catalogue: %d features", len(defs))
	seen := map[string]bool{}
	for _, d := range defs {
		if seen[d.Name] || d.Doc == "" {
			t.Errorf("%s: duplicate or undocumented", d.Name)
		}
		seen[d.Name] = true
	}
	if _, ok := feature.Lookup("nope"); ok {
		t.Error("unknown feature found")
	}
}

// Feature names are identifiers in rules: 1-64 of a-z, 0-9, _ starting
// with a letter or _.
func TestCatalogueNamesAreRuleIdentifiers(t *testing.T) {
	ident := regexp.MustCompile(`^[a-z_][a-z0-9_]{0,63}$`)
	for _, d := range feature.Catalogue() {
		if !ident.MatchString(d.Name) {
			t.Errorf("%q is not an identifier", d.Name)
		}
	}
}

// A Ref reads what Set wrote, zero values when absent, also from the zero
// Vector, and Numeric only what is present.
func TestRefReadsTheVector(t *testing.T) {
	ref := func(name string) feature.Ref {
		r, ok := feature.Resolve(name)
		if !ok {
			t.Fatalf("%s not resolved", name)
		}
		return r
	}
	age, score, student, city := ref("age"), ref("liveness_score"), ref("is_student"), ref("declared_city")
	if _, ok := feature.Resolve("nope"); ok {
		t.Error("unknown feature resolved")
	}
	if age.Type() != feature.Int || score.Type() != feature.Float || student.Type() != feature.Bool || city.Type() != feature.String {
		t.Error("ref types")
	}
	var zero feature.Vector
	if zero.Int(age) != 0 || zero.Float(score) != 0 || zero.Bool(student) || zero.Str(city) != "" {
		t.Error("the zero Vector does not read as zero values")
	}
	if _, ok := zero.Numeric(age); ok {
		t.Error("an absent feature is numeric")
	}
	v := feature.NewVector()
	_ = v.Set("age", 30)
	_ = v.Set("liveness_score", 0.5)
	_ = v.Set("is_student", true)
	_ = v.Set("declared_city", "上海")
	if v.Int(age) != 30 || v.Float(score) != 0.5 || !v.Bool(student) || v.Str(city) != "上海" {
		t.Error("values not read back")
	}
	for r, want := range map[feature.Ref]float64{age: 30, score: 0.5, student: 1} {
		if got, ok := v.Numeric(r); !ok || got != want {
			t.Errorf("Numeric = %v %v, want %v", got, ok, want)
		}
	}
	if _, ok := v.Numeric(city); ok {
		t.Error("a string is numeric")
	}
	v.Unset("age")
	if _, ok := v.Numeric(age); ok || v.Int(age) != 0 {
		t.Error("Unset age still reads")
	}
	if got := v.MissingRequired(); len(got) == 0 || got[0] != "age" {
		t.Errorf("missing required %v", got)
	}
}

func TestVectorSetGet(t *testing.T) {
	f := feature.NewVector()
	ok := []struct {
		name string
		v    any
		want any
	}{
		{"age", 30, int64(30)},
		{"age", int64(-5), int64(-5)},
		{"age", json.Number("42"), int64(42)},
		{"liveness_score", 0.75, 0.75},
		{"liveness_score", 1, 1.0},
		{"liveness_score", json.Number("1e-3"), 0.001},
		{"is_student", true, true},
		{"declared_city", "上海", "上海"},
	}
	for _, tc := range ok {
		if err := f.Set(tc.name, tc.v); err != nil {
			t.Fatalf("Set(%s, %v): %v", tc.name, tc.v, err)
		}
		if got, _ := f.Get(tc.name); got != tc.want {
			t.Errorf("Get(%s) = %#v, want %#v", tc.name, got, tc.want)
		}
	}
	bad := []struct {
		name string
		v    any
		want error
	}{
		{"agee", 1, feature.ErrUnknown},
		{"age", 1.5, feature.ErrType},
		{"age", "30", feature.ErrType},
		{"age", true, feature.ErrType},
		{"age", json.Number("1.5"), feature.ErrType},
		{"age", uint64(1), feature.ErrType},
		{"is_student", 1, feature.ErrType},
		{"liveness_score", math.NaN(), feature.ErrType},
		{"liveness_score", math.Inf(1), feature.ErrType},
		{"declared_city", strings.Repeat("a", 257), feature.ErrType},
		{"declared_city", "\xff", feature.ErrType},
		{"declared_city", 1, feature.ErrType},
		{"is_student", nil, feature.ErrType},
	}
	for _, tc := range bad {
		if err := f.Set(tc.name, tc.v); !errors.Is(err, tc.want) {
			t.Errorf("Set(%s, %#v) = %v, want %v", tc.name, tc.v, err, tc.want)
		}
	}
	if !f.Has("age") || f.Has("thirdparty_score") || f.Len() != 4 {
		t.Errorf("Has/Len wrong: %d", f.Len())
	}
	f.Unset("age")
	if f.Has("age") {
		t.Error("Unset kept age")
	}
	var zero feature.Vector
	if err := zero.SetInt("age", 1); err != nil || !zero.Has("age") {
		t.Error("the zero Vector is not usable")
	}
}

func TestVectorJSON(t *testing.T) {
	f := feature.NewVector()
	_ = f.Set("age", 30)
	_ = f.Set("liveness_score", 0.1)
	_ = f.Set("is_student", false)
	_ = f.Set("declared_city", "上海")
	_ = f.Set("internal_outstanding_fen", int64(1<<62))
	b, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"age":30,"declared_city":"上海","internal_outstanding_fen":4611686018427387904,"is_student":false,"liveness_score":0.1}`
	if string(b) != want {
		t.Fatalf("got %s", b)
	}
	var back feature.Vector
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if v, _ := back.Get("internal_outstanding_fen"); v != int64(1<<62) {
		t.Errorf("big int lost precision: %v", v)
	}
	for _, bad := range []string{`{"age":30.0}`, `{"age":"30"}`, `{"nope":1}`, `{"age":null}`, `[1]`, `{"age":1e2}`} {
		var g feature.Vector
		if err := json.Unmarshal([]byte(bad), &g); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}

// FuzzVectorJSON: whatever decodes re-encodes to the same features.
func FuzzVectorJSON(f *testing.F) {
	f.Add([]byte(`{"age":30,"liveness_score":0.5,"is_student":false,"declared_city":"上海"}`))
	f.Add([]byte(`{"age":30.5}`))
	f.Add([]byte(`{"age":1e3}`))
	f.Add([]byte(`{"nope":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fv feature.Vector
		if err := fv.UnmarshalJSON(b); err != nil {
			return
		}
		out, err := fv.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var again feature.Vector
		if err := again.UnmarshalJSON(out); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		out2, _ := again.MarshalJSON()
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip %s != %s", out, out2)
		}
	})
}
