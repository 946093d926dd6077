package risk_test

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/risk"
)

func TestCatalogue(t *testing.T) {
	defs := risk.Catalogue()
	if len(defs) < 190 || len(defs) > 220 {
		t.Fatalf("catalogue has %d features, want about 200", len(defs))
	}
	named := map[string]risk.FeatureType{
		"age": risk.TypeInt, "is_student": risk.TypeBool, "identity_verified": risk.TypeBool,
		"liveness_verified": risk.TypeBool, "blacklist_internal": risk.TypeBool, "blacklist_thirdparty": risk.TypeBool,
		"multi_platform_apps_3m": risk.TypeInt, "court_enforcement": risk.TypeBool, "device_emulator": risk.TypeBool,
		"device_rooted": risk.TypeBool, "device_hooked": risk.TypeBool, "ip_velocity_1h": risk.TypeInt,
		"device_velocity_1h": risk.TypeInt, "accounts_per_device": risk.TypeInt, "geo_city_mismatch": risk.TypeBool,
		"impossible_travel": risk.TypeBool, "operator_tenure_months": risk.TypeInt, "thirdparty_score": risk.TypeInt,
		"internal_on_time_installments": risk.TypeInt, "internal_max_dpd": risk.TypeInt,
	}
	for name, typ := range named {
		d, ok := risk.LookupFeature(name)
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
	if _, ok := risk.LookupFeature("nope"); ok {
		t.Error("unknown feature found")
	}
}

func TestFeaturesSetGet(t *testing.T) {
	f := risk.NewFeatures()
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
		{"agee", 1, risk.ErrUnknownFeature},
		{"age", 1.5, risk.ErrFeatureType},
		{"age", "30", risk.ErrFeatureType},
		{"age", true, risk.ErrFeatureType},
		{"age", json.Number("1.5"), risk.ErrFeatureType},
		{"age", uint64(1), risk.ErrFeatureType},
		{"is_student", 1, risk.ErrFeatureType},
		{"liveness_score", math.NaN(), risk.ErrFeatureType},
		{"liveness_score", math.Inf(1), risk.ErrFeatureType},
		{"declared_city", strings.Repeat("a", 257), risk.ErrFeatureType},
		{"declared_city", "\xff", risk.ErrFeatureType},
		{"declared_city", 1, risk.ErrFeatureType},
		{"is_student", nil, risk.ErrFeatureType},
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
	var zero risk.Features
	if err := zero.SetInt("age", 1); err != nil || !zero.Has("age") {
		t.Error("the zero Features is not usable")
	}
}

func TestFeaturesJSON(t *testing.T) {
	f := risk.NewFeatures()
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
	var back risk.Features
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if v, _ := back.Get("internal_outstanding_fen"); v != int64(1<<62) {
		t.Errorf("big int lost precision: %v", v)
	}
	for _, bad := range []string{`{"age":30.0}`, `{"age":"30"}`, `{"nope":1}`, `{"age":null}`, `[1]`, `{"age":1e2}`} {
		var g risk.Features
		if err := json.Unmarshal([]byte(bad), &g); err == nil {
			t.Errorf("%s decoded", bad)
		}
	}
}
