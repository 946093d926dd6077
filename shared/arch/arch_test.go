package arch

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/wxlend/wxlend"

// Every package under shared/ is one of these kinds; a new package must be
// given one here, so nobody adds a package the rules do not cover.
type kind string

const (
	domain  kind = "domain"  // the rules: stdlib, each other and pure libraries
	adapter kind = "adapter" // one technology each: the domain and libraries, never another adapter
	wiring  kind = "wiring"  // configuration and connections: domain and adapters
	service kind = "service" // use cases: anything above, never api
	edge    kind = "edge"    // borrower HTTP handlers: services too
	helper  kind = "test"    // fakes and helpers that speak the real protocols
)

var kinds = map[string]kind{
	"shared/apierr": domain, "shared/auth": domain, "shared/clock": domain, "shared/invoke": domain,
	"shared/money": domain, "shared/lending": domain, "shared/loan": domain, "shared/disbursement": domain, "shared/ledger": domain,
	"shared/consent": domain, "shared/kyc": domain, "shared/risk": domain, "shared/risk/ruleexpr": domain, "shared/risk/feature": domain,
	"shared/pii": domain, "shared/contract": domain, "shared/evidence": domain, "shared/remind": domain, "shared/ops": domain,
	"shared/staff": domain,

	"shared/mysql": adapter, "shared/redis": adapter, "shared/tcloud": adapter, "shared/wechat": adapter,
	"shared/wxpay": adapter, "shared/scf": adapter, "shared/wecom": adapter,

	"shared/app": wiring,

	"shared/payments": service, "shared/underwriting": service, "shared/jobs": service, "shared/outbox": service,
	"shared/cob": service, "shared/recon": service, "shared/monitor": service, "shared/backoffice": service,

	"shared/api": edge, "shared/admin": edge,

	"shared/arch": helper, "shared/wxpay/internal/vectors": helper,
}

// pure are libraries without I/O that domain code may use: the rule
// expression compiler, the national (SM) cryptography, argon2 and TOTP.
var pure = []string{"github.com/expr-lang/expr", "github.com/emmansun/gmsm", "golang.org/x/crypto/argon2", "github.com/pquerna/otp"}

// allowed says which kinds a kind may import (besides the standard library
// and third-party libraries, which only domain code is restricted on).
var allowed = map[kind][]kind{
	domain:  {domain},
	adapter: {domain},
	wiring:  {domain, adapter},
	service: {domain, adapter, wiring, service},
	edge:    {domain, adapter, wiring, service},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

// rel is p's path inside the module, or "" for other modules.
func rel(p string) string {
	if p == module {
		return "."
	}
	if !strings.HasPrefix(p, module+"/") {
		return ""
	}
	return strings.TrimPrefix(p, module+"/")
}

func isStd(p string) bool { return !strings.Contains(strings.Split(p, "/")[0], ".") }

// isTestHelper: shared/x/xtest holds fakes and helpers (and the test-only arch).
func isTestHelper(r string) bool {
	return strings.HasPrefix(r, "shared/") && (strings.HasSuffix(path.Base(r), "test") || kinds[r] == helper)
}

func kindOf(r string) (kind, bool) {
	if isTestHelper(r) {
		return helper, true
	}
	k, ok := kinds[r]
	return k, ok
}

// violations checks every package of the module. linked is the set of
// packages some function binary links.
func violations(pkgs []pkg, linked map[string]bool) []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, p := range pkgs {
		r := rel(p.ImportPath)
		switch path.Base(r) {
		case "utils", "util", "common", "types", "models", "helpers", "misc":
			bad("%s: packages are named for what they hold", r)
		}
		for _, imp := range p.Imports {
			if ir := rel(imp); strings.HasPrefix(ir, "scripts/") && !strings.HasPrefix(r, "scripts/") {
				bad("%s imports %s: shared code and functions never depend on tooling", r, ir)
			}
		}
		switch {
		case strings.HasPrefix(r, "functions/"):
			for _, d := range p.Deps {
				if dr := rel(d); isTestHelper(dr) {
					bad("function %s links %s: production wiring imports no test package", r, dr)
				}
			}
			continue
		case !strings.HasPrefix(r, "shared/"):
			continue
		}
		k, ok := kindOf(r)
		if !ok {
			bad("%s: not classified in arch_test.go (domain, adapter, wiring, service, edge or test)", r)
			continue
		}
		if k == helper {
			continue
		}
		if !linked[p.ImportPath] {
			bad("%s: no function links it; tooling lives under scripts/, test helpers in a *test package", r)
		}
		for _, imp := range p.Imports {
			if msg := importRule(k, imp); msg != "" {
				bad("%s package %s imports %s: %s", k, r, imp, msg)
			}
		}
	}
	return out
}

// importRule is why a package of kind k may not import imp, or "".
func importRule(k kind, imp string) string {
	if isStd(imp) {
		return ""
	}
	ir := rel(imp)
	if ir == "" {
		if k == domain && !slices.ContainsFunc(pure, func(l string) bool { return imp == l || strings.HasPrefix(imp, l+"/") }) {
			return "domain code stays free of I/O libraries"
		}
		return ""
	}
	ik, ok := kindOf(ir)
	switch {
	case !ok:
		return "unclassified package"
	case ik == helper:
		return "production code imports no test package"
	case k == service && ir == "shared/scf":
		return "HTTP requests and answers belong to the edge (api)"
	case !slices.Contains(allowed[k], ik):
		return fmt.Sprintf("a %s package may import only %v", k, allowed[k])
	}
	return ""
}

func listPackages(t *testing.T) []pkg {
	out, err := exec.Command("go", "list", "-json=ImportPath,Imports,Deps", module+"/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func linkedByFunctions(pkgs []pkg) map[string]bool {
	linked := map[string]bool{}
	for _, p := range pkgs {
		if strings.HasPrefix(rel(p.ImportPath), "functions/") {
			for _, d := range p.Deps {
				linked[d] = true
			}
		}
	}
	return linked
}

func TestLayering(t *testing.T) {
	pkgs := listPackages(t)
	for _, v := range violations(pkgs, linkedByFunctions(pkgs)) {
		t.Error(v)
	}
	for r := range kinds {
		if !slices.ContainsFunc(pkgs, func(p pkg) bool { return rel(p.ImportPath) == r }) {
			t.Errorf("arch_test.go classifies %s, which does not exist", r)
		}
	}
}

// TestLayeringCatchesPlantedViolations proves each rule fires: a checker
// that reports nothing would pass TestLayering too.
func TestLayeringCatchesPlantedViolations(t *testing.T) {
	m := func(r string) string { return module + "/" + r }
	cases := []struct {
		name string
		p    pkg
		want string
	}{
		{"service imports api", pkg{ImportPath: m("shared/payments"), Imports: []string{m("shared/api")}}, "may import only"},
		{"service speaks HTTP", pkg{ImportPath: m("shared/payments"), Imports: []string{m("shared/scf")}}, "belong to the edge"},
		{"adapter imports service", pkg{ImportPath: m("shared/mysql"), Imports: []string{m("shared/payments")}}, "may import only"},
		{"domain imports adapter", pkg{ImportPath: m("shared/loan"), Imports: []string{m("shared/mysql")}}, "may import only"},
		{"domain imports I/O library", pkg{ImportPath: m("shared/risk"), Imports: []string{"github.com/redis/go-redis/v9"}}, "free of I/O"},
		{"adapter imports adapter", pkg{ImportPath: m("shared/wxpay"), Imports: []string{m("shared/mysql")}}, "may import only"},
		{"wiring imports service", pkg{ImportPath: m("shared/app"), Imports: []string{m("shared/payments")}}, "may import only"},
		{"production imports fake", pkg{ImportPath: m("shared/app"), Imports: []string{m("shared/risk/risktest")}}, "no test package"},
		{"function links fake", pkg{ImportPath: m("functions/risk-score"), Deps: []string{m("shared/risk/risktest")}}, "links"},
		{"shared imports tooling", pkg{ImportPath: m("shared/api"), Imports: []string{m("scripts/internal/gateway")}}, "tooling"},
		{"unclassified package", pkg{ImportPath: m("shared/newthing")}, "not classified"},
		{"unlinked package", pkg{ImportPath: m("shared/evidence")}, "no function links it"},
		{"vague name", pkg{ImportPath: m("shared/utils")}, "named for what they hold"},
	}
	for _, c := range cases {
		linked := map[string]bool{m("shared/payments"): true, m("shared/loan"): true, m("shared/risk"): true,
			m("shared/wxpay"): true, m("shared/app"): true, m("shared/api"): true}
		got := violations([]pkg{c.p}, linked)
		if !slices.ContainsFunc(got, func(v string) bool { return strings.Contains(v, c.want) }) {
			t.Errorf("%s: want a violation containing %q, got %q", c.name, c.want, got)
		}
	}
}

// apiRoute is one `path / method / function` entry of serverless.yml.
// apiRoute reads a function URL trigger of serverless.yml: function, pathMatch.
var apiRoute = regexp.MustCompile(`function: (\S+)\s+parameters:\s+pathMatch: (\S+)`)

// TestEntryPointsLiveWhereTheirNamesSay: a borrower /v1 function serves a
// handler of api, a timer function runs an entry point of jobs, so the
// package predicts where any function's code is.
func TestEntryPointsLiveWhereTheirNamesSay(t *testing.T) {
	manifest, err := os.ReadFile("../../serverless.yml")
	if err != nil {
		t.Fatal(err)
	}
	borrower := map[string]bool{}
	for _, m := range apiRoute.FindAllStringSubmatch(string(manifest), -1) {
		if strings.HasPrefix(m[2], "/v1/") {
			borrower[m[1]] = true
		}
	}
	mains, err := filepath.Glob("../../functions/*/main.go")
	if err != nil || len(mains) == 0 {
		t.Fatalf("no functions: %v", err)
	}
	for _, f := range mains {
		name := filepath.Base(filepath.Dir(f))
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if msg := entryPointRule(name, string(src), borrower[name]); msg != "" {
			t.Error(msg)
		}
	}
	if len(borrower) < 20 {
		t.Fatalf("found %d borrower functions in serverless.yml: the pattern no longer reads it", len(borrower))
	}
}

func entryPointRule(name, src string, borrower bool) string {
	switch {
	case borrower && !strings.Contains(src, "scf.APIGateway(api."):
		return name + ": a borrower /v1 function serves a handler of shared/api"
	case strings.Contains(src, "scf.Timer(") && !regexp.MustCompile(`scf\.Timer\(\w+\.Log, jobs\.`).MatchString(src):
		return name + ": a timer function runs an entry point of shared/jobs"
	}
	return ""
}

func TestEntryPointRuleCatchesPlantedViolations(t *testing.T) {
	for name, c := range map[string]struct {
		src      string
		borrower bool
	}{
		"handler outside api": {"scf.Start(scf.APIGateway(payments.RepayCreate(a, d), a.Log))", true},
		"timer outside jobs":  {"scf.Start(scf.Timer(a.Log, func(ctx context.Context, _ events.TimerEvent) error {", false},
	} {
		if entryPointRule(name, c.src, c.borrower) == "" {
			t.Errorf("%s: not reported", name)
		}
	}
	if msg := entryPointRule("ok", "scf.Start(scf.Timer(a.Log, jobs.Sweeper(a, d)))", false); msg != "" {
		t.Errorf("a timer in jobs reported: %s", msg)
	}
}
