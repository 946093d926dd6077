package ruleexpr_test

import (
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/risk/feature"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr"
	"github.com/wxlend/wxlend/shared/risk/ruleexpr/ruleexprtest"
)

// The closure evaluator must agree with expr's VM on everything the rule
// language accepts.
func TestExprAgreesWithVM(t *testing.T) {
	exprs := []string{
		"age < 18 || age > 60",
		"age >= 18 and not is_student",
		"liveness_score > 0.5",
		"liveness_score >= age",
		"age == 30.0",
		"age != 30",
		"age / 7 > 4.2",
		"age / 0 > 1",
		"-age < -10",
		"+age > 10",
		"age % 7 == 2",
		"age % -7 == 2",
		"age ** 2 > 900",
		"age ^ 0.5 > 5",
		"age * 3 - 10 + 1 > 80",
		"liveness_score * 2 + age > 31",
		"abs(age - 40) < 5",
		"abs(liveness_score - 0.5) < 0.2",
		"len(declared_city) > 3",
		"lower(device_os) == 'android'",
		"upper(device_os) startsWith 'AND'",
		"declared_city contains '海'",
		"declared_city endsWith '海'",
		"device_os matches '^(andr|io)'",
		"device_os not matches '^a'",
		"declared_city + ip_city == '上海上海'",
		"declared_city < ip_city",
		"device_os in ['android', 'ios']",
		"device_os not in ['android', 'ios']",
		"age in [18, 30, 45.0]",
		"age in [30.5, 31]",
		"liveness_score in [0.25, 1]",
		"is_student in [true]",
		"is_student == false",
		"age > 20 ? is_student : identity_verified",
		"(age > 20 ? 1 : 2) == 1",
		"if age > 20 { liveness_score > 0.1 } else { false }",
		"accounts_per_device > 3 && (ip_velocity_1h > 10 || device_velocity_1h > 5)",
		"!(age > 40)",
		"age > 10 && true",
		"age + 9223372036854775807 < 0",
		"liveness_score / 0 > 1e300",
		"(liveness_score - liveness_score) / 0 == 0",
	}
	r := rand.New(rand.NewPCG(1, 2))
	vectors := []*feature.Vector{feature.NewVector()}
	for range 50 {
		f := ruleexprtest.RandomVector(r)
		_ = f.SetFloat("liveness_score", []float64{0, 0.25, 0.5, 1, r.Float64()}[r.IntN(5)])
		_ = f.SetInt("age", int64(r.IntN(80)))
		vectors = append(vectors, f)
	}
	c := ruleexpr.NewCompiler()
	for _, src := range exprs {
		e, err := c.Compile(src)
		if err != nil {
			t.Errorf("%s: refused: %v", src, err)
			continue
		}
		for i, f := range vectors {
			want, err := ruleexprtest.VMEval(src, f)
			if err != nil {
				t.Fatalf("%s: expr VM: %v", src, err)
			}
			if got := e.Eval(f); got != want {
				t.Errorf("%s on vector %d: closure %v, expr VM %v", src, i, got, want)
			}
		}
	}
}

// The generated benchmark expressions also agree, hit for hit.
func TestGeneratedExprsAgreeWithVM(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	fs := []*feature.Vector{ruleexprtest.RandomVector(r), ruleexprtest.RandomVector(r), ruleexprtest.RandomVector(r), feature.NewVector()}
	c := ruleexpr.NewCompiler()
	for _, src := range ruleexprtest.Exprs(300, 99) {
		e, err := c.Compile(src)
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		for _, f := range fs {
			want, err := ruleexprtest.VMEval(src, f)
			if err != nil {
				t.Fatal(err)
			}
			if e.Eval(f) != want {
				t.Errorf("%s: closure %v, VM %v", src, !want, want)
			}
		}
	}
}

// Features lists what an expression reads, once each, in order of first use.
func TestExprFeatures(t *testing.T) {
	e, err := ruleexpr.Compile("age > 1 && (ip_city == declared_city || age < 99) && !is_student")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Features(), []string{"age", "ip_city", "declared_city", "is_student"}; !slices.Equal(got, want) {
		t.Errorf("features %v, want %v", got, want)
	}
}

// A zero Vector (nothing set, nothing allocated) reads as all features
// absent, as expr's VM sees an environment of zero values.
func TestZeroVectorReadsAsZeroValues(t *testing.T) {
	for _, src := range []string{"age == 0", "liveness_score == 0.0", "!is_student", "declared_city == ''", "len(ip_city) == 0"} {
		e, err := ruleexpr.Compile(src)
		if err != nil {
			t.Fatal(err)
		}
		if !e.Eval(&feature.Vector{}) {
			t.Errorf("%s is false on the zero Vector", src)
		}
	}
}

func TestCompileRefusesExpressions(t *testing.T) {
	deep := strings.Repeat("(", 300) + "age > 1" + strings.Repeat(")", 300)
	deepList := "age in " + strings.Repeat("[", 100) + "1" + strings.Repeat("]", 100)
	deepNot := strings.Repeat("!", 300) + "is_student"
	long := "age > 1" + strings.Repeat(" && age > 1", 200)
	cases := []struct {
		name, src, want string
	}{
		{"empty", "", "empty"},
		{"blank", "  \n ", "empty"},
		{"syntax error", "age >", "unexpected"},
		{"unbalanced", "(age > 1", "unexpected"},
		{"unknown feature", "agee > 18", `unknown feature "agee"`},
		{"unknown feature in and", "age > 18 && blacklisted", `unknown feature "blacklisted"`},
		{"not bool: int", "age", "bool"},
		{"not bool: string", "declared_city", "bool"},
		{"not bool: arithmetic", "age + 1", "bool"},
		{"type mismatch", "age == 'x'", "mismatched"},
		{"bool arithmetic", "is_student + 1 > 0", "mismatched"},
		{"constant rule", "1 > 0", "references no feature"},
		{"constant true", "true", "references no feature"},
		{"too long", long, "bytes, the limit is 2000"},
		{"invalid utf8", "age > 1 && declared_city == '\xff'", "UTF-8"},
		{"range", "age in 1..10", "ranges"},
		{"huge range map", "map(1..1000000000, #) != nil", "not allowed"},
		{"huge range len", "len(1..1000000000) > 0", "ranges"},
		{"repeat", `len(repeat("a", 1000000000)) > 0 && age > 1`, "not allowed"},
		{"filter", "len(filter([1,2,3], # > age)) > 0", "not allowed"},
		{"all", "all([age], # > 1)", "not allowed"},
		{"reduce", "reduce([1], # + age) > 0", "not allowed"},
		{"nil", "age != nil", "nil is not allowed"},
		{"nil coalescing", "(age ?? 1) > 0", "not allowed"},
		{"member access", "$env.age > 1", "not allowed"},
		{"env index", `$env["age"] > 1`, "not allowed"},
		{"env ident", "$env != nil", "unknown feature"},
		{"call", "now() > 1", "function now is not allowed"},
		{"unknown function", "foo(age) > 1", "function call foo() is not allowed"},
		{"did you mean", "multi_platform_app_3m > 10", `did you mean "multi_platform_apps_3m"`},
		{"let", "let x = age; x > 1", "not allowed"},
		{"sequence", "age > 1; age > 2", "not allowed"},
		{"map literal", "{'a': age}.a > 1", "not allowed"},
		{"array outside in", "len([age]) > 0", "a list is only allowed"},
		{"in non literal", "device_os in declared_city", "literal list"},
		{"in non constant", "age in [age, 1]", "constants"},
		{"in mixed types", "age in ['a', 1]", "`in` list element"},
		{"in too long", "age in [" + strings.Repeat("1,", 300) + "1]", "limit is 256"},
		{"modulo by zero", "age % 0 == 1", "non-zero constant"},
		{"modulo by variable", "age % ip_velocity_1h == 1", "non-zero constant"},
		{"modulo folded zero", "age % (2 - 2) == 1", "non-zero constant"},
		{"matches non constant", "device_os matches declared_city", "string literal pattern"},
		{"bad regexp", "device_os matches '('", "missing closing"},
		{"long literal", "device_os == '" + strings.Repeat("a", 300) + "'", "longer than 256"},
		{"deep parens", deep, "nest 300 deep"},
		{"deep brackets", deepList, "nest 100 deep"},
		{"deep not", deepNot, "nests deeper"},
		{"ternary mixed types", "(age > 1 ? 1 : 'a') == 1", ""},
		{"slice", "declared_city[0:1] == 'a'", "not allowed"},
		{"pipe to disabled builtin", "(age | string()) == '1'", "not allowed"},
		{"disabled builtin", "int(liveness_score) > 0", "not allowed"},
		{"predicate pointer", "# > 1", "unexpected token"},
		{"template-ish", "`${age}` == '1'", ""},
		{"derived is fine but typo", "product_max_agee > 1", "unknown feature"},
	}
	c := ruleexpr.NewCompiler()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Compile(tc.src)
			if err == nil {
				t.Fatalf("%q compiled", tc.src)
			}
			if errors.Is(err, ruleexpr.ErrInternal) || err.Error() == "" {
				t.Fatalf("refusal is not a message for the author: %v", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}
