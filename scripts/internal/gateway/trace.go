package gateway

import (
	"sync/atomic"
	"time"
)

// InvokeTrace is one invocation as the gateway saw it, for the benchmarks'
// per-hop breakdown (scripts/bench risk). Accepted is when SCF's Invoke API
// queued an Event invocation (zero for synchronous ones: HTTP routes,
// timers, RequestResponse); Started is when the gateway handed the event to
// the function process (after a cold start, if one was needed) and Ended
// when the process answered.
type InvokeTrace struct {
	Function, RequestID string
	Payload             []byte
	Accepted            time.Time
	Started, Ended      time.Time
	Err                 error
}

// tracer holds the optional trace sink; a nil one costs one atomic load
// per invocation.
type tracer struct {
	fn atomic.Pointer[func(InvokeTrace)]
}

// SetTrace makes the gateway report every invocation to fn (nil: stop).
// fn runs on the invoking goroutine, so it must be quick and safe for
// concurrent use.
func (g *Gateway) SetTrace(fn func(InvokeTrace)) {
	if fn == nil {
		g.trace.fn.Store(nil)
		return
	}
	g.trace.fn.Store(&fn)
}

func (t *tracer) report(tr InvokeTrace) {
	if fn := t.fn.Load(); fn != nil {
		(*fn)(tr)
	}
}
