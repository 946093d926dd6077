// Package underwriting runs a credit application through the risk chain,
// one SCF function per step, each invoked asynchronously by the previous:
// risk-antifraud → risk-rules → risk-score → risk-decide. Every step reads
// the application, computes, and stores its output once (primary key per
// application and step) together with the next step's outbox message, so a
// retried or duplicated invocation changes nothing; job-risk-redrive
// re-invokes applications stuck in a step. The decision itself is
// shared/risk's, pinned to the rule-set version chosen at the rules step.
package underwriting

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/risk"
)

// The steps, in order.
const (
	StepAntifraud = "antifraud"
	StepRules     = "rules"
	StepScore     = "score"
	StepDecide    = "decide"
)

var (
	order     = []string{StepAntifraud, StepRules, StepScore, StepDecide}
	functions = map[string]string{StepAntifraud: "risk-antifraud", StepRules: "risk-rules", StepScore: "risk-score", StepDecide: "risk-decide"}
)

// Function is the SCF function that runs step.
func Function(step string) string { return functions[step] }

func nextOf(step string) string {
	for i, s := range order {
		if s == step && i+1 < len(order) {
			return order[i+1]
		}
	}
	return "done"
}

// Deps is what the steps use besides the App.
type Deps struct {
	App      *app.App
	Provider risk.DataProvider
	Cache    *risk.Cache
	products sync.Map // "code:version" -> lending.Product (a version never changes)
}

// New makes the dependencies once per cold start.
func New(a *app.App, p risk.DataProvider) *Deps {
	return &Deps{App: a, Provider: p, Cache: risk.NewCache(64)}
}

type payload struct {
	ApplicationID int64 `json:"application_id"`
}

// Step is the async handler of one step's function. Permanent problems
// (unknown application, already decided) return nil; transient ones an
// error, so SCF retries the invocation.
func Step(d *Deps, step string) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, raw json.RawMessage) error {
		var p payload
		if err := json.Unmarshal(raw, &p); err != nil || p.ApplicationID <= 0 {
			d.App.Log.ErrorContext(ctx, "risk step: bad payload", "step", step)
			return nil
		}
		return d.run(ctx, step, p.ApplicationID)
	}
}

// prevStep is the step whose output step reads ("" for the first).
func prevStep(step string) string {
	for i, s := range order {
		if s == step && i > 0 {
			return order[i-1]
		}
	}
	return ""
}

// run reads what the step needs in one statement, computes, stores the
// output and invokes the next step. The invocation follows the commit
// directly: the application row (its step and updated_at) is the chain's
// outbox, and job-risk-redrive re-invokes an application that did not move
// (a process that died between commit and invoke, an invocation lost).
func (d *Deps) run(ctx context.Context, step string, id int64) error {
	prev := prevStep(step)
	if step == StepDecide {
		prev = StepRules
	}
	ph := phases{began: time.Now()}
	in, err := mysql.Applications{DB: d.App.DB}.ForStep(ctx, id, prev)
	ph.mark(&ph.read)
	if err != nil || in.Status != "pending" {
		return nil
	}
	if in.Step != step {
		// A duplicate of a finished step, or an early one: nothing to do
		// (the first invocation moved it on; the re-drive covers a loss).
		d.App.Log.InfoContext(ctx, "risk step skipped", "step", step, "application_id", id, "at", in.Step)
		return nil
	}
	if prev != "" && in.Prev == nil {
		return fmt.Errorf("step %s of application %d has no output", prev, id)
	}
	defer ph.log(ctx, d.App.Log, step, id)
	start := time.Now()
	if step == StepDecide {
		return d.decide(ctx, in, &ph)
	}
	out, err := d.compute(ctx, step, in)
	ph.mark(&ph.compute)
	if err != nil {
		return fmt.Errorf("risk %s of application %d: %w", step, id, err)
	}
	next := nextOf(step)
	done, err := mysql.Applications{DB: d.App.DB}.FinishStep(ctx, id, step, next, out, time.Since(start), d.App.Clock.Now())
	ph.mark(&ph.write)
	if err != nil || !done {
		return err
	}
	if err := d.App.Invoker.InvokeAsync(ctx, Function(next), payload{ApplicationID: id}); err != nil {
		d.App.Log.WarnContext(ctx, "risk step invoke failed, the re-drive will", "next", next, "application_id", id, "error", err.Error())
	}
	ph.mark(&ph.invoke)
	return nil
}

// phases is where one step's time went: the read, the computation, the
// write transaction and the invocation of the next step. It is logged at
// debug level, one line per step (scripts/bench risk reads it).
type phases struct {
	began, last                  time.Time
	read, compute, write, invoke time.Duration
}

// mark ends the phase d (it lasted since the previous mark).
func (p *phases) mark(d *time.Duration) {
	now := time.Now()
	if p.last.IsZero() {
		p.last = p.began
	}
	*d, p.last = now.Sub(p.last), now
}

func (p *phases) log(ctx context.Context, log *slog.Logger, step string, id int64) {
	log.DebugContext(ctx, "risk step phases", "step", step, "application_id", id, "read_us", p.read.Microseconds(),
		"compute_us", p.compute.Microseconds(), "write_us", p.write.Microseconds(), "invoke_us", p.invoke.Microseconds())
}

func (d *Deps) compute(ctx context.Context, step string, in mysql.StepInput) (any, error) {
	switch step {
	case StepAntifraud:
		return d.antifraud(ctx, in.Application)
	case StepRules:
		return d.rules(ctx, in)
	case StepScore:
		return d.score(ctx, in)
	}
	return nil, fmt.Errorf("unknown step %s", step)
}

// Redrive is job-risk-redrive: applications pending in a step for longer
// than two minutes are invoked again at that step, at most 100 per run.
func Redrive(d *Deps) func(context.Context) (int, error) {
	return func(ctx context.Context) (int, error) {
		stuck, err := mysql.Applications{DB: d.App.DB}.Stuck(ctx, d.App.Clock.Now().Add(-2*time.Minute), 100)
		if err != nil {
			return 0, err
		}
		n := 0
		for _, a := range stuck {
			if err := d.App.Invoker.InvokeAsync(ctx, Function(a.Step), payload{ApplicationID: a.ID}); err != nil {
				d.App.Log.WarnContext(ctx, "redrive failed", "application_id", a.ID, "error", err.Error())
				continue
			}
			_ = mysql.Applications{DB: d.App.DB}.Touch(ctx, a.ID, d.App.Clock.Now())
			n++
		}
		return n, nil
	}
}
