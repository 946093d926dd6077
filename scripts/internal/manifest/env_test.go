package manifest

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/app"
)

var requiredRE = regexp.MustCompile(`([A-Z][A-Z0-9_]+)(?: and ([A-Z][A-Z0-9_]+) are| is) required`)

// requiredBy runs a loader on an empty production environment and lists
// the variables it names as required: the loader is the one source of
// what a function needs.
func requiredBy(load func(func(string) string) error) []string {
	err := load(func(k string) string {
		if k == "WXLEND_ENV" {
			return "prod"
		}
		return ""
	})
	var names []string
	if err == nil {
		return nil
	}
	for _, m := range requiredRE.FindAllStringSubmatch(err.Error(), -1) {
		for _, n := range m[1:] {
			if n != "" {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// loaders says which configuration loaders function n's main runs.
func loaders(t *testing.T, n string) map[string]func(func(string) string) error {
	src, err := os.ReadFile(filepath.Join(root, "functions", n, "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	main := string(src)
	core := func(g func(string) string) error { _, err := app.Load(g); return err }
	pay := func(g func(string) string) error { _, err := app.LoadPayments(g); return err }
	db := func(g func(string) string) error { _, err := app.LoadDB(g); return err }
	switch {
	case strings.Contains(main, "LoadDB"):
		return map[string]func(func(string) string) error{"app.LoadDB": db}
	case strings.Contains(main, "payments.MustFromApp") || strings.Contains(main, "MustLoadPayments"):
		return map[string]func(func(string) string) error{"app.Load": core, "app.LoadPayments": pay}
	}
	return map[string]func(func(string) string) error{"app.Load": core}
}

// TestEveryFunctionGetsWhatItsConfigurationRequires: for each function,
// every variable its loaders refuse to start without is in its
// serverless.yml environment (inputs' or its own).
func TestEveryFunctionGetsWhatItsConfigurationRequires(t *testing.T) {
	m, err := Load(filepath.Join(root, "serverless.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := requiredBy(func(g func(string) string) error { _, err := app.Load(g); return err }); len(got) < 10 {
		t.Fatalf("the loader named only %v as required: the derivation is broken", got)
	}
	for _, n := range m.Names() {
		vars := m.Variables(n)
		for loader, load := range loaders(t, n) {
			for _, v := range requiredBy(load) {
				if _, ok := vars[v]; !ok {
					t.Errorf("function %s: %s requires %s, which serverless.yml does not set", n, loader, v)
				}
			}
		}
	}
}

// TestAsyncFunctionsRetryAndParkFailures: every function invoked
// asynchronously (scf.Async: the risk chain, disburse) declares SCF's
// retries and a dead-letter queue, so a failure is retried and then kept
// for a person, never dropped.
func TestAsyncFunctionsRetryAndParkFailures(t *testing.T) {
	m, err := Load(filepath.Join(root, "serverless.yml"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range m.Names() {
		src, _ := os.ReadFile(filepath.Join(root, "functions", name, "main.go"))
		if !strings.Contains(string(src), "scf.Async") {
			continue
		}
		n++
		fn := m.Inputs.Functions[name]
		if fn.RetryNum == nil || *fn.RetryNum < 1 || fn.DeadLetter == nil || fn.MsgTTL <= 0 {
			t.Errorf("function %s is invoked asynchronously: retryNum >= 1, msgTTL and deadLetter are required", name)
		}
	}
	if n < 5 {
		t.Fatalf("only %d async functions found (risk chain and disburse are 5)", n)
	}
}

// TestFunctionsRunInTheVPC: MySQL and Redis are reachable only there.
func TestFunctionsRunInTheVPC(t *testing.T) {
	m, err := Load(filepath.Join(root, "serverless.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Inputs.VPCConfig.VPCID == "" || m.Inputs.VPCConfig.SubnetID == "" || m.Inputs.Role == "" || m.Inputs.CLS.TopicID == "" {
		t.Fatalf("inputs need vpcConfig, role and cls: %+v", m.Inputs)
	}
}
