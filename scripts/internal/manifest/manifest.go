// Package manifest reads serverless.yml, the one list of wxlend's functions
// and their triggers, and checks it: the Tencent CLI that would validate it
// cannot be installed here, so this package and its test are the check. The
// local gateway serves exactly what it declares.
package manifest

import (
	"fmt"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is the multi-scf serverless.yml.
type File struct {
	App       string `yaml:"app"`
	Stage     string `yaml:"stage"`
	Component string `yaml:"component"`
	Name      string `yaml:"name"`
	Inputs    Inputs `yaml:"inputs"`
}

// Inputs holds defaults, functions and triggers.
type Inputs struct {
	Region      string      `yaml:"region"`
	Namespace   string      `yaml:"namespace"`
	Role        string      `yaml:"role"`
	Runtime     string      `yaml:"runtime"`
	MemorySize  int         `yaml:"memorySize"`
	Timeout     int         `yaml:"timeout"`
	VPCConfig   VPCConfig   `yaml:"vpcConfig"`
	CLS         CLS         `yaml:"cls"`
	Environment Environment `yaml:"environment"`
	// PaymentsEnvironment is the merchant account's variables, an anchor
	// the money-moving functions' environment refers to.
	PaymentsEnvironment Environment         `yaml:"paymentsEnvironment"`
	Functions           map[string]Function `yaml:"functions"`
	Triggers            []Trigger           `yaml:"triggers"`
}

// VPCConfig puts every function in the VPC (MySQL, Redis).
type VPCConfig struct {
	VPCID    string `yaml:"vpcId"`
	SubnetID string `yaml:"subnetId"`
}

// CLS is where function logs go (infra/cls.tf).
type CLS struct {
	LogsetID string `yaml:"logsetId"`
	TopicID  string `yaml:"topicId"`
}

// DeadLetter is where SCF parks an asynchronous invocation whose retries
// all failed (scf DeadLetterConfig).
type DeadLetter struct {
	Type string `yaml:"type"`
	Name string `yaml:"name"`
}

// Environment is SCF's environment block.
type Environment struct {
	Variables map[string]string `yaml:"variables"`
}

// Function is one SCF function; zero fields take the Inputs defaults.
type Function struct {
	Src         string      `yaml:"src"`
	Handler     string      `yaml:"handler"`
	Runtime     string      `yaml:"runtime"`
	MemorySize  int         `yaml:"memorySize"`
	Timeout     int         `yaml:"timeout"`
	Description string      `yaml:"description"`
	Environment Environment `yaml:"environment"`
	// Asynchronous invocations: retries after a failure (scf
	// AsyncTriggerConfig RetryNum), how long an event may wait (MsgTTL,
	// seconds) and the dead-letter queue.
	RetryNum   *int        `yaml:"retryNum"`
	MsgTTL     int         `yaml:"msgTTL"`
	DeadLetter *DeadLetter `yaml:"deadLetter"`
}

// Variables is the environment function name runs with in the cloud: the
// inputs' variables, then its own.
func (f *File) Variables(name string) map[string]string {
	vars := map[string]string{}
	for _, m := range []map[string]string{f.Inputs.Environment.Variables, f.Inputs.Functions[name].Environment.Variables} {
		for k, v := range m {
			vars[k] = v
		}
	}
	return vars
}

// Trigger is a function URL (http) or timer trigger.
type Trigger struct {
	Type       string            `yaml:"type"`
	Function   string            `yaml:"function"`
	Parameters TriggerParameters `yaml:"parameters"`
}

// TriggerParameters covers both kinds. A timer has a name, cron and
// argument; a function URL has its front-door route (pathMatch) and the
// APIs the function serves behind it.
type TriggerParameters struct {
	Name           string `yaml:"name"`
	CronExpression string `yaml:"cronExpression"`
	Enable         *bool  `yaml:"enable"`
	Argument       string `yaml:"argument"`
	PathMatch      string `yaml:"pathMatch"`
	Apis           []API  `yaml:"apis"`
}

// API is one method and OpenAPI path (shared/api/openapi.yaml) a function
// serves; {param} only as the last segment (PathMatch).
type API struct {
	Path   string `yaml:"path"`
	Method string `yaml:"method"`
}

// Route is an HTTP path served by a function, and the front-door route
// that reaches it.
type Route struct {
	Method, Path, Function, PathMatch string
}

// Endpoint is one front-door route: an EndpointsConfig entry of the SCF
// custom domain (PathMatch -> function).
type Endpoint struct {
	PathMatch, Function string
}

// SelfRouted: the route ends in a trailing wildcard (/admin/*), so its
// function routes inside itself and keeps its own route table and tests
// (shared/admin walks every endpoint against every role); route-driven
// checks of single paths (OpenAPI, every-route, attack matrix) skip it.
func (r Route) SelfRouted() bool { return strings.HasSuffix(r.Path, "/*") }

// Timer is a timer trigger of a function.
type Timer struct {
	Name, Function, Argument string
	Cron                     *Cron
}

// Load reads and validates path.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(b)
}

// Parse decodes and validates a manifest.
func Parse(b []byte) (*File, error) {
	var f File
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("serverless.yml: %w", err)
	}
	if err := f.Validate(); err != nil {
		return nil, err
	}
	return &f, nil
}

// Names lists the functions, sorted.
func (f *File) Names() []string {
	var ns []string
	for n := range f.Inputs.Functions {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return ns
}

// Routes lists every HTTP path a function serves.
func (f *File) Routes() []Route {
	var rs []Route
	for _, t := range f.Inputs.Triggers {
		if t.Type != "http" {
			continue
		}
		for _, a := range t.Parameters.Apis {
			rs = append(rs, Route{Method: strings.ToUpper(a.Method), Path: a.Path, Function: t.Function, PathMatch: t.Parameters.PathMatch})
		}
	}
	return rs
}

// Endpoints lists the front door's routes, one per function URL.
func (f *File) Endpoints() []Endpoint {
	var es []Endpoint
	for _, t := range f.Inputs.Triggers {
		if t.Type == "http" {
			es = append(es, Endpoint{PathMatch: t.Parameters.PathMatch, Function: t.Function})
		}
	}
	return es
}

// Route finds the function the front door sends path to, as the custom
// domain does: by path alone (never the method), the one endpoint whose
// PathMatch matches (Validate allows no overlap, so at most one does).
func (f *File) Route(path string) (string, bool) {
	for _, e := range f.Endpoints() {
		if PathMatches(e.PathMatch, path) {
			return e.Function, true
		}
	}
	return "", false
}

// Timers lists every enabled timer trigger.
func (f *File) Timers() []Timer {
	var ts []Timer
	for _, t := range f.Inputs.Triggers {
		if t.Type != "timer" || (t.Parameters.Enable != nil && !*t.Parameters.Enable) {
			continue
		}
		c, _ := ParseCron(t.Parameters.CronExpression)
		ts = append(ts, Timer{Name: t.Parameters.Name, Function: t.Function, Argument: t.Parameters.Argument, Cron: c})
	}
	return ts
}

// Effective is fn with the Inputs defaults applied.
func (f *File) Effective(name string) Function {
	fn := f.Inputs.Functions[name]
	if fn.Runtime == "" {
		fn.Runtime = f.Inputs.Runtime
	}
	if fn.MemorySize == 0 {
		fn.MemorySize = f.Inputs.MemorySize
	}
	if fn.Timeout == 0 {
		fn.Timeout = f.Inputs.Timeout
	}
	return fn
}

var (
	nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,58}[a-z0-9]$`)
	// A path may end with a trailing wildcard (/admin/*: the function
	// routes everything under the prefix itself).
	pathRE = regexp.MustCompile(`^(/([A-Za-z0-9._-]+|\{[a-z_]+\}))+(/\*)?$`)
)

// Validate checks functions and triggers against SCF's limits and our rules.
func (f *File) Validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if f.Component != "multi-scf" {
		bad("component must be multi-scf")
	}
	for _, n := range f.Names() {
		fn := f.Effective(n)
		if !nameRE.MatchString(n) {
			bad("function %q: name must be 2-60 of [a-z0-9-], starting with a letter", n)
		}
		if fn.Runtime != "Go1" {
			bad("function %s: runtime must be Go1, got %q", n, fn.Runtime)
		}
		if fn.Handler != "main" {
			bad("function %s: handler must be main (the binary at the zip root)", n)
		}
		if m := fn.MemorySize; m != 64 && (m < 128 || m > 3072 || m%128 != 0) {
			bad("function %s: memorySize %d: must be 64 or 128-3072 in steps of 128", n, m)
		}
		if fn.Timeout < 1 || fn.Timeout > 900 {
			bad("function %s: timeout %d: must be 1-900 s", n, fn.Timeout)
		}
		if r := fn.RetryNum; r != nil && (*r < 0 || *r > 2) {
			bad("function %s: retryNum %d: SCF retries an async invocation 0-2 times", n, *r)
		}
		if d := fn.DeadLetter; d != nil && (d.Type == "" || d.Name == "") {
			bad("function %s: deadLetter needs type and name", n)
		}
	}
	seen := map[string]string{}
	for _, r := range f.Routes() {
		key := r.Method + " " + r.Path
		if !validMethod(r.Method) {
			bad("route %s: bad method", key)
		}
		if !pathRE.MatchString(r.Path) {
			bad("route %s: bad path", key)
		} else if err := expressible(r.PathMatch, r.Path); err != nil {
			bad("route %s of %s: %v", key, r.Function, err)
		}
		if prev, dup := seen[key]; dup {
			bad("route %s: declared for %s and %s", key, prev, r.Function)
		}
		seen[key] = r.Function
	}
	errs = append(errs, f.checkEndpoints()...)
	for _, t := range f.Inputs.Triggers {
		errs = append(errs, f.checkTrigger(t)...)
	}
	if len(errs) > 0 {
		return fmt.Errorf("serverless.yml:\n  %s", strings.Join(errs, "\n  "))
	}
	return nil
}

func (f *File) checkTrigger(t Trigger) []string {
	switch t.Type {
	case "http":
		if _, ok := f.Inputs.Functions[t.Function]; !ok {
			return []string{fmt.Sprintf("function URL: unknown function %q", t.Function)}
		}
		if len(t.Parameters.Apis) == 0 {
			return []string{fmt.Sprintf("function URL of %s: no apis", t.Function)}
		}
	case "apigw":
		return []string{"apigw triggers are retired (API gateway offline since 2025-06-30): use type http (function URL)"}
	case "timer":
		if _, ok := f.Inputs.Functions[t.Function]; !ok {
			return []string{fmt.Sprintf("timer %q: unknown function %q", t.Parameters.Name, t.Function)}
		}
		if _, err := ParseCron(t.Parameters.CronExpression); err != nil {
			return []string{fmt.Sprintf("timer %q: %v", t.Parameters.Name, err)}
		}
		if len(t.Parameters.Argument) > 4096 {
			return []string{fmt.Sprintf("timer %q: argument over 4 KB", t.Parameters.Name)}
		}
	default:
		return []string{fmt.Sprintf("trigger type %q is not used by wxlend (http, timer)", t.Type)}
	}
	return nil
}

func validMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	}
	return false
}
