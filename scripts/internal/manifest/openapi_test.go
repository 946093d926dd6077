package manifest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func loadOpenAPI(t *testing.T, raw []byte) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not a valid OpenAPI document: %v", err)
	}
	return doc
}

// TestServerlessAgreesWithOpenAPI: every route serverless.yml gives a
// function URL is an operation of shared/api/openapi.yaml named after that
// function, and every operation is a route. (That each handler serves
// exactly its route is the gateway's TestFrontDoor.)
func TestServerlessAgreesWithOpenAPI(t *testing.T) {
	m, err := Load(filepath.Join(root, "serverless.yml"))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(root, "shared/api/openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if doc := loadOpenAPI(t, raw); len(m.CheckOpenAPI(doc)) > 0 {
		t.Fatalf("serverless.yml and openapi.yaml disagree:\n  %s", strings.Join(m.CheckOpenAPI(doc), "\n  "))
	}
}

// TestOpenAPICheckCatchesPlantedMistakes: each mistake, planted in a copy
// of the real files, is reported.
func TestOpenAPICheckCatchesPlantedMistakes(t *testing.T) {
	yml, _ := os.ReadFile(filepath.Join(root, "serverless.yml"))
	oas, _ := os.ReadFile(filepath.Join(root, "shared/api/openapi.yaml"))
	cases := []struct {
		name, file, old, new, want string
	}{
		{"path renamed in serverless.yml", "yml", "pathMatch: /v1/me\n        apis: [{method: GET, path: \"/v1/me\"}]",
			"pathMatch: /v1/myself\n        apis: [{method: GET, path: \"/v1/myself\"}]", "GET /v1/me: in openapi.yaml, not in serverless.yml"},
		{"method changed in serverless.yml", "yml", `{method: GET, path: "/v1/credit/line"}`, `{method: POST, path: "/v1/credit/line"}`, "POST /v1/credit/line: in serverless.yml"},
		{"path missing from openapi.yaml", "oas", "  /v1/credit/line:\n    get:", "  /v1/credit/lines:\n    get:", "GET /v1/credit/line: in serverless.yml, not in openapi.yaml"},
		{"operationId of another function", "oas", "operationId: loan-list", "operationId: loan-lister", `operationId "loan-lister", but serverless.yml routes it to loan-list`},
		{"no error responses", "oas", "      summary: the borrower's credit line\n      responses:\n        \"200\":\n          description: the line\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/CreditLine'}\n        default: {$ref: '#/components/responses/Error'}",
			"      summary: the borrower's credit line\n      responses:\n        \"200\":\n          description: the line\n          content:\n            application/json:\n              schema: {$ref: '#/components/schemas/CreditLine'}", "no default or 4xx"},
	}
	for _, tc := range cases {
		y, o := string(yml), string(oas)
		target := &o
		if tc.file == "yml" {
			target = &y
		}
		if !strings.Contains(*target, tc.old) {
			t.Fatalf("%s: %q not found in the %s file", tc.name, tc.old, tc.file)
		}
		*target = strings.Replace(*target, tc.old, tc.new, 1)
		m, err := Parse([]byte(y))
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		errs := strings.Join(m.CheckOpenAPI(loadOpenAPI(t, []byte(o))), "\n")
		if !strings.Contains(errs, tc.want) {
			t.Errorf("%s: not reported (want %q), got:\n%s", tc.name, tc.want, errs)
		}
	}
}
