package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/scf"
)

// StartTimers fires every schedulable timer on its cron until Close.
func (g *Gateway) StartTimers() {
	for _, t := range g.Manifest.Timers() {
		if !t.Cron.Schedulable {
			g.cfg.Log.Info("timer fires on demand only (L/W/# forms)", "timer", t.Name, "cron", t.Cron.Expr)
			continue
		}
		go g.runTimer(t.Name, t.Function, t.Argument, t.Cron.Next)
	}
}

func (g *Gateway) runTimer(name, function, argument string, next func(time.Time) time.Time) {
	for {
		at := next(time.Now().In(g.cfg.Location))
		if at.IsZero() {
			return
		}
		select {
		case <-g.stop:
			return
		case <-time.After(time.Until(at)):
		}
		if _, err := g.fire(context.Background(), name, function, argument, at); err != nil {
			g.cfg.Log.Error("timer failed", "timer", name, "function", function, "error", err)
		}
	}
}

// FireTimer invokes a timer function now, as its trigger would.
func (g *Gateway) FireTimer(ctx context.Context, function string, at time.Time) ([]byte, error) {
	for _, t := range g.Manifest.Timers() {
		if t.Function == function {
			return g.fire(ctx, t.Name, function, t.Argument, at)
		}
	}
	return nil, fmt.Errorf("function %q has no timer trigger", function)
}

func (g *Gateway) fire(ctx context.Context, name, function, argument string, at time.Time) ([]byte, error) {
	ev, _ := json.Marshal(events.TimerEvent{Type: "Timer", TriggerName: name, Message: argument,
		Time: at.UTC().Format(time.RFC3339)})
	return g.Invoke(ctx, function, scf.NewID(), ev)
}
