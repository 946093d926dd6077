package arch

import (
	"encoding/json"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/wxlend/wxlend"

// domain packages hold the rules: standard library and each other only.
var domain = map[string]bool{
	"shared/apierr": true, "shared/auth": true, "shared/clock": true, "shared/invoke": true,
	"shared/money": true, "shared/lending": true, "shared/loan": true, "shared/disbursement": true, "shared/ledger": true,
	"shared/consent": true, "shared/kyc": true,
}

// never lists imports a package must not have beyond the domain rule: the
// borrower's HTTP layer (api) calls the services, never the reverse.
var never = map[string][]string{
	"shared/payments":     {"shared/api", "shared/scf"},
	"shared/underwriting": {"shared/api"},
	"shared/mysql":        {"shared/payments", "shared/api"},
}

type pkg struct {
	ImportPath string
	Imports    []string
	Standard   bool
}

func listPackages(t *testing.T) []pkg {
	out, err := exec.Command("go", "list", "-json", module+"/...").Output()
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

func TestLayering(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		switch path.Base(rel) {
		case "utils", "util", "common", "types", "models", "helpers", "misc":
			t.Errorf("%s: packages are named for what they hold", rel)
		}
		for _, imp := range p.Imports {
			if slices.Contains(never[rel], strings.TrimPrefix(imp, module+"/")) {
				t.Errorf("%s imports %s: it is called by it, not the reverse", rel, imp)
			}
		}
		if !domain[rel] {
			continue
		}
		for _, imp := range p.Imports {
			if !strings.Contains(strings.Split(imp, "/")[0], ".") {
				continue // standard library
			}
			if !domain[strings.TrimPrefix(imp, module+"/")] {
				t.Errorf("domain package %s imports %s: domain code stays free of adapters", rel, imp)
			}
		}
	}
}
