package risk_test

import (
	"bytes"
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/risk"
)

var fuzzSeeds = []string{
	"age < 18 || age > 60",
	"multi_platform_apps_3m > 10",
	"!identity_verified || !liveness_verified",
	"device_os in ['android', 'ios'] && ip_velocity_1h / (device_velocity_1h + 1) > 2.5",
	"abs(liveness_score - 0.5) < 0.2 ? is_student : age % 7 == 2",
	"lower(declared_city) contains 'shang' || ip_city matches '^北'",
	"len(repeat(\"a\", 1e9)) > 0",
	"map(1..1000000000, #) != nil",
	"((((((((age > 1))))))))",
	"age ** 1e308 > 1",
	"let x = 1; x > age",
	"$env['age'] > 1",
	"age in [1, 2.5, -3]",
	"-age * 9223372036854775807 < 0",
}

// FuzzCompileRule: any string is either refused by Compile with a
// *CompileError, or compiles to a rule that evaluates without panicking,
// agrees with expr's own VM and finishes fast, on random feature vectors.
func FuzzCompileRule(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, r := range genRules(20, 11) {
		f.Add(r.Expr)
	}
	f.Fuzz(func(t *testing.T, src string) {
		crs, err := risk.Compile(oneRule(src))
		if err != nil {
			var ce *risk.CompileError
			if !errors.As(err, &ce) || len(ce.Problems) == 0 || ce.Problems[0].Msg == "" {
				t.Fatalf("refusal without a clear CompileError: %v", err)
			}
			return
		}
		h := fnv.New64a()
		h.Write([]byte(src))
		r := rand.New(rand.NewPCG(h.Sum64(), 0))
		vectors := []*risk.Features{risk.NewFeatures(), randomFeatures(r), randomFeatures(r), extremeFeatures(r)}
		start := time.Now()
		for _, fv := range vectors {
			got := len(crs.Evaluate(fv)) == 1
			want, err := vmEval(t, src, fv)
			if err != nil {
				t.Fatalf("accepted %q but expr's VM fails: %v", src, err)
			}
			if got != want {
				t.Fatalf("%q: closure %v, expr VM %v", src, got, want)
			}
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%q: evaluation took %v", src, d)
		}
	})
}

// extremeFeatures sets boundary values: min/max ints, tiny and huge floats.
func extremeFeatures(r *rand.Rand) *risk.Features {
	f := randomFeatures(r)
	ints := []int64{0, -1, 1, 1<<63 - 1, -1 << 63}
	floats := []float64{0, -0.5, 1e308, -1e308, 5e-324}
	for _, d := range risk.Catalogue() {
		switch {
		case d.Derived:
		case d.Type == risk.TypeInt:
			_ = f.SetInt(d.Name, ints[r.IntN(len(ints))])
		case d.Type == risk.TypeFloat:
			_ = f.SetFloat(d.Name, floats[r.IntN(len(floats))])
		case d.Type == risk.TypeString:
			_ = f.SetString(d.Name, string(bytes.Repeat([]byte("长"), 80)))
		}
	}
	return f
}

// FuzzParseRuleSetJSON: arbitrary bytes never panic the loader or Compile.
func FuzzParseRuleSetJSON(f *testing.F) {
	f.Add([]byte(`{"strategy":"s","version":1,"status":"draft","rules":[{"id":"a","name":"n","expr":"age > 1","action":"flag","reason_code":"F301"}]}`))
	f.Add([]byte(`{"strategy":"s","version":1,"rules":[{"id":"a","expr":"map(1..9, #)"}]}`))
	f.Add([]byte(`{"rules": null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := risk.ParseRuleSetJSON(b)
		if err != nil {
			if !errors.Is(err, risk.ErrInvalidRuleSet) {
				t.Fatalf("error does not wrap ErrInvalidRuleSet: %v", err)
			}
			return
		}
		if _, err := risk.Compile(rs); err != nil && !errors.Is(err, risk.ErrInvalidRuleSet) {
			t.Fatalf("error does not wrap ErrInvalidRuleSet: %v", err)
		}
	})
}

// FuzzFeaturesJSON: whatever decodes re-encodes to the same features.
func FuzzFeaturesJSON(f *testing.F) {
	f.Add([]byte(`{"age":30,"liveness_score":0.5,"is_student":false,"declared_city":"上海"}`))
	f.Add([]byte(`{"age":30.5}`))
	f.Add([]byte(`{"age":1e3}`))
	f.Add([]byte(`{"nope":1}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var fv risk.Features
		if err := fv.UnmarshalJSON(b); err != nil {
			return
		}
		out, err := fv.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var again risk.Features
		if err := again.UnmarshalJSON(out); err != nil {
			t.Fatalf("re-decode %s: %v", out, err)
		}
		out2, _ := again.MarshalJSON()
		if !bytes.Equal(out, out2) {
			t.Fatalf("round trip %s != %s", out, out2)
		}
	})
}
