package scf

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/tencentyun/scf-go-lib/cloudfunction"
	"github.com/tencentyun/scf-go-lib/events"
	"github.com/tencentyun/scf-go-lib/functioncontext"
)

// Start hands a handler to scf-go-lib; it blocks for the life of the
// instance. Handlers come from APIGateway, Timer or Async.
func Start(handler any) { cloudfunction.Start(handler) }

// Timer adapts a timer job. A returned error makes SCF retry, so jobs return
// one only when a retry can help (style.md); they log either way.
func Timer(log *slog.Logger, job func(context.Context, events.TimerEvent) error) func(context.Context, events.TimerEvent) error {
	return func(ctx context.Context, ev events.TimerEvent) (err error) {
		ctx = withInvokeRequestID(ctx)
		defer logRun(ctx, log, "timer", ev.TriggerName, time.Now(), &err)
		return job(ctx, ev)
	}
}

// Async adapts a function invoked asynchronously by another one (SCF Invoke,
// InvocationType Event): the event is the JSON payload the caller sent.
func Async(log *slog.Logger, fn func(context.Context, json.RawMessage) error) func(context.Context, json.RawMessage) error {
	return func(ctx context.Context, payload json.RawMessage) (err error) {
		ctx = withInvokeRequestID(ctx)
		defer logRun(ctx, log, "async", "", time.Now(), &err)
		return fn(ctx, payload)
	}
}

func withInvokeRequestID(ctx context.Context) context.Context {
	rid := ""
	if fc, ok := functioncontext.FromContext(ctx); ok {
		rid = fc.RequestID
	}
	return WithRequestID(ctx, rid)
}

// logRun logs the outcome of a non-HTTP invocation and turns a panic into an
// error, so one bad event does not take the instance down.
func logRun(ctx context.Context, log *slog.Logger, kind, name string, start time.Time, err *error) {
	if p := recover(); p != nil {
		log.ErrorContext(ctx, kind+" panic", "panic", panicText(p))
		*err = errPanic
	}
	attrs := []any{"kind", kind, "duration_ms", time.Since(start).Milliseconds()}
	if name != "" {
		attrs = append(attrs, "trigger", name)
	}
	if *err != nil {
		log.ErrorContext(ctx, "invocation failed", append(attrs, "error", (*err).Error())...)
		return
	}
	log.InfoContext(ctx, "invocation", attrs...)
}

type panicError struct{}

func (panicError) Error() string { return "handler panicked" }

var errPanic error = panicError{}
