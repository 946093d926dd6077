package ruleexpr_test

import (
	"errors"
	"hash/fnv"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/risk/feature"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr/ruleexprtest"
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

// FuzzCompile is the compiler's contract: any string is either refused
// with a message for the rule author (never ErrInternal, a compiler bug),
// or compiles to a closure that evaluates without panicking, agrees with
// expr's own VM and finishes fast, on random and extreme feature vectors.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, s := range ruleexprtest.Exprs(20, 11) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		e, err := ruleexpr.Compile(src)
		if err != nil {
			if errors.Is(err, ruleexpr.ErrInternal) || err.Error() == "" {
				t.Fatalf("%q: refusal without a message for the author: %v", src, err)
			}
			return
		}
		h := fnv.New64a()
		h.Write([]byte(src))
		r := rand.New(rand.NewPCG(h.Sum64(), 0))
		vectors := []*feature.Vector{feature.NewVector(), ruleexprtest.RandomVector(r), ruleexprtest.RandomVector(r), ruleexprtest.ExtremeVector(r)}
		start := time.Now()
		for _, fv := range vectors {
			got := e.Eval(fv)
			want, err := ruleexprtest.VMEval(src, fv)
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
