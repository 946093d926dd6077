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
	Region      string              `yaml:"region"`
	Runtime     string              `yaml:"runtime"`
	MemorySize  int                 `yaml:"memorySize"`
	Timeout     int                 `yaml:"timeout"`
	Environment Environment         `yaml:"environment"`
	Functions   map[string]Function `yaml:"functions"`
	Triggers    []Trigger           `yaml:"triggers"`
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
}

// Trigger is an apigw or timer trigger.
type Trigger struct {
	Type       string            `yaml:"type"`
	Function   string            `yaml:"function"`
	Parameters TriggerParameters `yaml:"parameters"`
}

// TriggerParameters covers both kinds.
type TriggerParameters struct {
	Name           string   `yaml:"name"`
	CronExpression string   `yaml:"cronExpression"`
	Enable         *bool    `yaml:"enable"`
	Argument       string   `yaml:"argument"`
	Protocols      []string `yaml:"protocols"`
	Environment    string   `yaml:"environment"`
	Apis           []API    `yaml:"apis"`
}

// API is one API gateway path.
type API struct {
	Path                 string `yaml:"path"`
	Method               string `yaml:"method"`
	Function             string `yaml:"function"`
	IsIntegratedResponse bool   `yaml:"isIntegratedResponse"`
}

// Route is an HTTP path served by a function.
type Route struct {
	Method, Path, Function string
}

// MuxPattern is the route as a net/http ServeMux pattern: a trailing
// wildcard /* matches every path under its prefix.
func (r Route) MuxPattern() string {
	if p, ok := strings.CutSuffix(r.Path, "/*"); ok {
		return r.Method + " " + p + "/{rest...}"
	}
	return r.Method + " " + r.Path
}

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

// Routes lists every API gateway path.
func (f *File) Routes() []Route {
	var rs []Route
	for _, t := range f.Inputs.Triggers {
		if t.Type != "apigw" {
			continue
		}
		for _, a := range t.Parameters.Apis {
			fn := a.Function
			if fn == "" {
				fn = t.Function
			}
			rs = append(rs, Route{Method: strings.ToUpper(a.Method), Path: a.Path, Function: fn})
		}
	}
	return rs
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
	}
	seen := map[string]string{}
	for _, r := range f.Routes() {
		key := r.Method + " " + r.Path
		if _, ok := f.Inputs.Functions[r.Function]; !ok {
			bad("route %s: unknown function %q", key, r.Function)
		}
		if !validMethod(r.Method) {
			bad("route %s: bad method", key)
		}
		if !pathRE.MatchString(r.Path) {
			bad("route %s: bad path", key)
		}
		if prev, dup := seen[key]; dup {
			bad("route %s: declared for %s and %s", key, prev, r.Function)
		}
		seen[key] = r.Function
	}
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
	case "apigw":
		if len(t.Parameters.Apis) == 0 {
			return []string{"apigw trigger without apis"}
		}
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
		return []string{fmt.Sprintf("trigger type %q is not used by wxlend (apigw, timer)", t.Type)}
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
