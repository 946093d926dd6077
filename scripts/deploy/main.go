// Command deploy is scripts/deploy.sh's Go half: it checks what a deploy
// needs without touching the cloud, and writes the front door's API call.
//
//	go run ./scripts/deploy check [-real]   serverless.yml, openapi.yaml, infra/, stage variables
//	go run ./scripts/deploy domain          the scf CreateCustomDomain request (JSON)
//	go run ./scripts/deploy http-functions  the functions that get a function URL (Terraform list)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/wxlend/wxlend/scripts/internal/infracheck"
	"github.com/wxlend/wxlend/scripts/internal/manifest"
	"github.com/wxlend/wxlend/shared/app"
)

func main() {
	if len(os.Args) < 2 {
		fail("usage: deploy check [-real] | domain | http-functions")
	}
	m, err := manifest.Load("serverless.yml")
	if err != nil {
		fail(err.Error())
	}
	switch os.Args[1] {
	case "check":
		fs := flag.NewFlagSet("check", flag.ExitOnError)
		real := fs.Bool("real", false, "a real deploy: every stage variable must be set")
		_ = fs.Parse(os.Args[2:])
		if !check(m, *real) {
			os.Exit(1)
		}
	case "domain":
		out, _ := json.MarshalIndent(domainRequest(m), "", "  ")
		fmt.Println(string(out))
	case "http-functions":
		var names []string
		for _, e := range m.Endpoints() {
			names = append(names, e.Function)
		}
		out, _ := json.Marshal(names)
		fmt.Println(string(out))
	default:
		fail("unknown command " + os.Args[1])
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "deploy:", msg)
	os.Exit(2)
}

// check prints every finding and reports whether a deploy may go ahead.
// Missing stage variables fail only a real deploy (a dry run on a fresh
// clone has none: most are Terraform outputs); a published development
// value fails both.
func check(m *manifest.File, real bool) bool {
	ok := true
	section := func(title string, problems []string) {
		if len(problems) == 0 {
			fmt.Printf("ok   %s\n", title)
			return
		}
		ok = false
		fmt.Printf("FAIL %s\n", title)
		for _, p := range problems {
			fmt.Printf("       %s\n", p)
		}
	}
	fmt.Printf("ok   serverless.yml: %d functions, %d routes behind the custom domain, %d timers\n",
		len(m.Names()), len(m.Routes()), len(m.Timers()))
	section("a zip per function in dist/ (scripts/build.sh)", missingZips(m))
	section("shared/api/openapi.yaml agrees with serverless.yml", openAPIProblems(m))
	fs, err := infracheck.Load("infra")
	if err != nil {
		section("infra/", []string{err.Error()})
	} else {
		section(fmt.Sprintf("infra/: %d Terraform files (hcl checks: resources, secrets, CAM allow-list, formatting)", len(fs)), infracheck.Check(fs))
	}
	missing, dev := stageVariables()
	section("no stage variable holds a published development value", dev)
	if len(missing) > 0 {
		fmt.Printf("%s stage variables not set (%d): %s\n", map[bool]string{true: "FAIL", false: "note"}[real], len(missing), strings.Join(missing, " "))
		fmt.Println("       Terraform outputs provide VPC_ID SUBNET_ID SCF_ROLE SCF_NAMESPACE CLS_* MYSQL/REDIS hosts PII_KMS_KEY_ID after apply;")
		fmt.Println("       secrets come from the deploy environment or Tencent's secrets manager (README, Deploying).")
		if real {
			ok = false
		}
	} else {
		fmt.Println("ok   every stage variable is set")
	}
	return ok
}

// missingZips: serverless.yml deploys ./dist/<name>.zip for every function.
func missingZips(m *manifest.File) []string {
	var out []string
	for _, n := range m.Names() {
		if _, err := os.Stat(m.Inputs.Functions[n].Src); err != nil {
			out = append(out, n+": "+err.Error())
		}
	}
	return out
}

func openAPIProblems(m *manifest.File) []string {
	doc, err := openapi3.NewLoader().LoadFromFile("shared/api/openapi.yaml")
	if err == nil {
		err = doc.Validate(context.Background())
	}
	if err != nil {
		return []string{err.Error()}
	}
	return m.CheckOpenAPI(doc)
}

var stageVar = regexp.MustCompile(`\$\{env:([A-Z0-9_]+)\}`)

// stageVariables lists serverless.yml's ${env:X} that are unset, and those
// set to a published development value.
func stageVariables() (missing, dev []string) {
	raw, err := os.ReadFile("serverless.yml")
	if err != nil {
		return nil, []string{err.Error()}
	}
	seen := map[string]bool{}
	for _, mm := range stageVar.FindAllStringSubmatch(string(raw), -1) {
		seen[mm[1]] = true
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		v := strings.TrimSpace(os.Getenv(n))
		if v == "" {
			missing = append(missing, n)
		} else if what := app.DevValue(v); what != "" {
			dev = append(dev, fmt.Sprintf("%s holds %s: use the lender's own", n, what))
		}
	}
	return missing, dev
}

// domainRequest is scf CreateCustomDomain's request: one HTTPS domain,
// one EndpointsConfig entry per function URL (PathMatch as serverless.yml
// declares it, no rewrite: functions see the path the client sent, the
// path the request signature covers).
func domainRequest(m *manifest.File) map[string]any {
	var eps []map[string]any
	for _, e := range m.Endpoints() {
		eps = append(eps, map[string]any{"Namespace": os.Getenv("SCF_NAMESPACE"), "FunctionName": e.Function,
			"Qualifier": "$DEFAULT", "PathMatch": e.PathMatch})
	}
	return map[string]any{"Domain": os.Getenv("API_DOMAIN"), "Protocol": "HTTPS",
		"CertConfig": map[string]string{"CertificateId": os.Getenv("API_CERT_ID")}, "EndpointsConfig": eps,
		"WafConfig": map[string]string{"WafOpen": "CLOSE"}}
}
