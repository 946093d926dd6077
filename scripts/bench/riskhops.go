package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/underwriting"
)

// traceLog keeps the gateway's invocation traces of the timed run.
type traceLog struct {
	mu  sync.Mutex
	all []gateway.InvokeTrace
}

func (l *traceLog) add(t gateway.InvokeTrace) {
	l.mu.Lock()
	l.all = append(l.all, t)
	l.mu.Unlock()
}

func (l *traceLog) get() []gateway.InvokeTrace {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]gateway.InvokeTrace(nil), l.all...)
}

// stamps is one application's timeline: the client's POST, the times the
// steps stamped their rows (each taken just before the step's write
// transaction: created_at, risk_steps.created_at, decided_at), the
// compute time each step stored, and the gateway's traces of the four
// risk invocations.
type stamps struct {
	post, created, decided time.Time
	step                   map[string]time.Time
	compute                map[string]time.Duration
	trace                  map[string]gateway.InvokeTrace
}

var riskSteps = []string{underwriting.StepAntifraud, underwriting.StepRules, underwriting.StepScore, underwriting.StepDecide}

// hops prints where the time from the POST to the stored decision goes,
// hop by hop, at p50, p99 and mean: the mean rows add up to the mean total.
func hops(ctx context.Context, db *sql.DB, posts map[int64]time.Time, traces []gateway.InvokeTrace) error {
	apps, err := loadStamps(ctx, db, posts)
	if err != nil {
		return err
	}
	for _, t := range traces {
		var p struct {
			ApplicationID int64 `json:"application_id"`
		}
		if t.Accepted.IsZero() || t.Err != nil || json.Unmarshal(t.Payload, &p) != nil {
			continue
		}
		if a, ok := apps[p.ApplicationID]; ok {
			if _, dup := a.trace[t.Function]; !dup {
				a.trace[t.Function] = t
			}
		}
	}
	rows := map[string][]time.Duration{}
	var order []string
	add := func(name string, d time.Duration) {
		if _, ok := rows[name]; !ok {
			order = append(order, name)
		}
		rows[name] = append(rows[name], d)
	}
	complete := 0
	for _, a := range apps {
		if len(a.trace) != len(riskSteps) || a.post.IsZero() {
			continue // retried, re-driven or not from the timed run
		}
		complete++
		add("POST: client -> application stamped", a.created.Sub(a.post))
		prev, prevName := a.created, "POST"
		for _, s := range riskSteps {
			t := a.trace[underwriting.Function(s)]
			stamp := a.step[s]
			if s == underwriting.StepDecide {
				stamp = a.decided
			}
			add(prevName+": write tx + Invoke API call", t.Accepted.Sub(prev))
			add(s+": gateway queue -> process", t.Started.Sub(t.Accepted))
			if s == underwriting.StepDecide {
				add(s+": RPC in + read + decide", stamp.Sub(t.Started))
			} else {
				add(s+": RPC in + read", stamp.Sub(t.Started)-a.compute[s])
				add(s+": compute", a.compute[s])
			}
			prev, prevName = stamp, s
		}
		add("total: POST -> decision stamped", a.decided.Sub(a.post))
		add("after: decide write tx + RPC out", a.trace[underwriting.Function(underwriting.StepDecide)].Ended.Sub(a.decided))
	}
	fmt.Printf("where the time goes, per decision (%d with one clean invocation per step; stamps are taken before each write tx):\n", complete)
	fmt.Printf("  %-44s %9s %9s %9s\n", "hop", "p50 ms", "p99 ms", "mean ms")
	for _, name := range order {
		ds := rows[name]
		fmt.Printf("  %-44s %9.2f %9.2f %9.2f\n", name, ms(pct(ds, 50)), ms(pct(ds, 99)), ms(mean(ds)))
	}
	return nil
}

func loadStamps(ctx context.Context, db *sql.DB, posts map[int64]time.Time) (map[int64]*stamps, error) {
	apps := map[int64]*stamps{}
	rows, err := db.QueryContext(ctx, `SELECT id, created_at, decided_at FROM credit_applications WHERE decided_at IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		a := &stamps{step: map[string]time.Time{}, compute: map[string]time.Duration{}, trace: map[string]gateway.InvokeTrace{}}
		if err := rows.Scan(&id, &a.created, &a.decided); err != nil {
			return nil, err
		}
		a.post = posts[id]
		apps[id] = a
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	steps, err := db.QueryContext(ctx, `SELECT application_id, step, created_at, latency_us FROM risk_steps`)
	if err != nil {
		return nil, err
	}
	defer steps.Close()
	for steps.Next() {
		var id, us int64
		var step string
		var at time.Time
		if err := steps.Scan(&id, &step, &at, &us); err != nil {
			return nil, err
		}
		if a, ok := apps[id]; ok {
			a.step[step], a.compute[step] = at, time.Duration(us)*time.Microsecond
		}
	}
	return apps, steps.Err()
}

// printInvokes prints each function's invocations in the timed run: count,
// cold starts, and the round trip gateway -> process -> handler -> back.
func printInvokes(before, after map[string]gateway.Stats, traces []gateway.InvokeTrace) {
	byFn := map[string][]time.Duration{}
	for _, t := range traces {
		byFn[t.Function] = append(byFn[t.Function], t.Ended.Sub(t.Started))
	}
	names := make([]string, 0, len(byFn))
	for n := range byFn {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Println("invocations in the timed run (round trip gateway -> process -> handler -> gateway):")
	fmt.Printf("  %-24s %8s %6s %9s %9s\n", "function", "invokes", "cold", "p50 ms", "p99 ms")
	for _, n := range names {
		cold := len(after[n].ColdStartsMS) - len(before[n].ColdStartsMS)
		fmt.Printf("  %-24s %8d %6d %9.2f %9.2f\n", n, len(byFn[n]), cold, ms(pct(byFn[n], 50)), ms(pct(byFn[n], 99)))
	}
}

func mean(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	var s time.Duration
	for _, d := range ds {
		s += d
	}
	return s / time.Duration(len(ds))
}
