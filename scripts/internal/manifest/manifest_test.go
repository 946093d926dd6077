package manifest

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

const root = "../../.."

// TestRepositoryManifest is the check of serverless.yml the Tencent CLI
// cannot do here: it parses, every functions/<dir> has an entry and every
// entry a directory, routes are unique, crons are valid 7-field ones.
func TestRepositoryManifest(t *testing.T) {
	m, err := Load(filepath.Join(root, "serverless.yml"))
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(root, "functions"))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, e := range entries {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
			if _, err := os.Stat(filepath.Join(root, "functions", e.Name(), "main.go")); err != nil {
				t.Errorf("functions/%s has no main.go", e.Name())
			}
		}
	}
	sort.Strings(dirs)
	if got := strings.Join(m.Names(), " "); got != strings.Join(dirs, " ") {
		t.Fatalf("serverless.yml functions:\n  %s\nfunctions/ directories:\n  %s", got, strings.Join(dirs, " "))
	}
	for _, n := range m.Names() {
		if want := "./dist/" + n + ".zip"; m.Inputs.Functions[n].Src != want {
			t.Errorf("function %s: src %q, want %q", n, m.Inputs.Functions[n].Src, want)
		}
	}
	if len(m.Routes()) == 0 || len(m.Timers()) == 0 {
		t.Fatal("expected routes and timers")
	}
}

func TestValidateRefuses(t *testing.T) {
	base := `
component: multi-scf
inputs:
  runtime: Go1
  memorySize: 128
  timeout: 10
  functions:
    a-fn: {src: ./dist/a-fn.zip, handler: main}
    b-fn: {src: ./dist/b-fn.zip, handler: main}
  triggers:
%s
`
	http := func(fn, pm, method, path string) string {
		return fmt.Sprintf("    - {type: http, function: %s, parameters: {pathMatch: %q, apis: [{method: %s, path: %q}]}}\n", fn, pm, method, path)
	}
	cases := map[string]string{
		"duplicate route":         http("a-fn", "/v1/x", "GET", "/v1/x") + http("b-fn", "/v1/x", "GET", "/v1/x"),
		"same path two functions": http("a-fn", "/v1/x", "GET", "/v1/x") + http("b-fn", "/v1/x", "POST", "/v1/x"),
		"wildcard covers exact":   http("a-fn", "/v1/x/*", "GET", "/v1/x/{id}") + http("b-fn", "/v1/x/quote", "POST", "/v1/x/quote"),
		"wildcard covers prefix":  http("a-fn", "/v1/x/*", "GET", "/v1/x/{id}") + http("b-fn", "/v1/x", "POST", "/v1/x"),
		"catch-all":               http("a-fn", "/*", "GET", "/v1/x") + http("b-fn", "/v1/y", "POST", "/v1/y"),
		"inner parameter":         http("a-fn", "/v1/x/*", "POST", "/v1/x/{id}/sign"),
		"inner wildcard":          http("a-fn", "/v1/x/*/sign", "POST", "/v1/x/{id}/sign"),
		"exact with parameter":    http("a-fn", "/v1/x", "GET", "/v1/x/{id}"),
		"path outside route":      http("a-fn", "/v1/x", "GET", "/v1/y"),
		"two URLs":                http("a-fn", "/v1/x", "GET", "/v1/x") + http("a-fn", "/v1/y", "GET", "/v1/y"),
		"unknown function":        http("nope", "/v1/x", "GET", "/v1/x"),
		"bad method":              http("a-fn", "/v1/x", "FETCH", "/v1/x"),
		"bad path":                http("a-fn", "/v1/x", "GET", "v1/x"),
		"no apis":                 "    - {type: http, function: a-fn, parameters: {pathMatch: /v1/x}}",
		"apigw":                   "    - {type: apigw, function: a-fn, parameters: {name: t}}",
		"6-field cron":            `    - {type: timer, function: a-fn, parameters: {name: t, cronExpression: "0 * * * * *"}}`,
		"bad cron":                `    - {type: timer, function: a-fn, parameters: {name: t, cronExpression: "61 * * * * * *"}}`,
		"timer fn":                `    - {type: timer, function: zz, parameters: {name: t, cronExpression: "0 * * * * * *"}}`,
		"trigger type":            `    - {type: cos, function: a-fn, parameters: {name: t}}`,
		"unknown key":             `    - {type: timer, function: a-fn, parameters: {name: t, cronExpresion: "0 * * * * * *"}}`,
	}
	for name, trig := range cases {
		if _, err := Parse([]byte(strings.Replace(base, "%s", trig, 1))); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	ok := `    - {type: timer, function: a-fn, parameters: {name: t, cronExpression: "0 */5 * * * * *"}}
` + http("a-fn", "/v1/x/detail/*", "GET", "/v1/x/detail/{id}") + http("b-fn", "/v1/x", "POST", "/v1/x")
	m, err := Parse([]byte(strings.Replace(base, "%s", ok, 1)))
	if err != nil {
		t.Fatalf("valid manifest refused: %v", err)
	}
	for path, want := range map[string]string{"/v1/x": "b-fn", "/v1/x/detail/7": "a-fn", "/v1/x/detail": "", "/v1/x/": "", "/v1/xy": ""} {
		if got, _ := m.Route(path); got != want {
			t.Errorf("front door sends %s to %q, want %q", path, got, want)
		}
	}
	bad := map[string]string{
		"memory": "memorySize: 128", "timeout": "timeout: 10", "runtime": "runtime: Go1",
	}
	repl := map[string]string{"memory": "memorySize: 200", "timeout": "timeout: 901", "runtime": "runtime: Nodejs12.16"}
	for k, v := range bad {
		if _, err := Parse([]byte(strings.Replace(strings.Replace(base, "%s", ok, 1), v, repl[k], 1))); err == nil {
			t.Errorf("%s: accepted", k)
		}
	}
}

func TestCronParse(t *testing.T) {
	valid := []string{
		"0 */5 * * * * *", "0 0 2 * * * *", "0 0 9-21/2 * * MON-FRI *", "0 30 8 1,15 * ? *",
		"0 0 0 L * ? *", "0 0 0 ? * 1#3 *", "0 0 0 15W * ? *", "0 0 0 ? * 5L *", "59 59 23 31 DEC ? 2099",
	}
	invalid := []string{
		"", "* * * * *", "0 * * * * *", "0 * * * * * * *", "60 * * * * * *", "0 60 * * * * *",
		"0 0 24 * * * *", "0 0 0 0 * * *", "0 0 0 32 * * *", "0 0 0 * 13 * *", "0 0 0 * * 7 *",
		"0 0 0 * * * 1969", "0 0 0 * * * 2100", "0 */0 * * * * *", "0 5-1 * * * * *", "0 a * * * * *",
		"0 0 0 ? * 1#6 *", "0 0 0 40W * ? *", "0 0 0 * * ? x", "0 0 0 L * L# *",
	}
	for _, e := range valid {
		if _, err := ParseCron(e); err != nil {
			t.Errorf("%q: %v", e, err)
		}
	}
	for _, e := range invalid {
		if _, err := ParseCron(e); err == nil {
			t.Errorf("%q: accepted", e)
		}
	}
}

func TestCronNext(t *testing.T) {
	at := time.Date(2026, 2, 27, 23, 59, 58, 0, time.UTC) // Friday
	cases := []struct{ expr, want string }{
		{"0 */5 * * * * *", "2026-02-28T00:00:00Z"},
		{"30 * * * * * *", "2026-02-28T00:00:30Z"},
		{"0 0 2 * * * *", "2026-02-28T02:00:00Z"},
		{"0 0 9 * * MON *", "2026-03-02T09:00:00Z"},
		{"0 0 0 31 * ? *", "2026-03-31T00:00:00Z"},
		{"0 0 0 29 2 ? *", "2028-02-29T00:00:00Z"},
		{"0 0 12 1 JAN ? 2027", "2027-01-01T12:00:00Z"},
		{"59 59 23 * * * *", "2026-02-27T23:59:59Z"},
	}
	for _, tc := range cases {
		c, err := ParseCron(tc.expr)
		if err != nil {
			t.Fatal(err)
		}
		if got := c.Next(at).Format(time.RFC3339); got != tc.want {
			t.Errorf("%q after %s: %s, want %s", tc.expr, at.Format(time.RFC3339), got, tc.want)
		}
	}
	c, _ := ParseCron("0 0 0 L * ? *")
	if !c.Next(at).IsZero() || c.Schedulable {
		t.Error("L form should fire on demand only")
	}
	c, _ = ParseCron("0 0 0 1 1 ? 2020")
	if !c.Next(at).IsZero() {
		t.Error("a past-only year must never fire")
	}
}

func FuzzParseCron(f *testing.F) {
	for _, s := range []string{"0 */5 * * * * *", "0 0 0 L * ? *", "1-2/3,4 * * ? JAN-MAR 1#2 2030"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		c, err := ParseCron(expr)
		if err != nil {
			return
		}
		n := c.Next(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		if !n.IsZero() {
			if _, err := ParseCron(c.Expr); err != nil {
				t.Fatal(err)
			}
		}
	})
}
