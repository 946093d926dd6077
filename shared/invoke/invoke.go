// Package invoke is "run function X with payload P, don't wait": how one SCF
// function hands work to the next (risk steps, disbursement, sweeps).
package invoke

import "context"

// Invoker starts a function asynchronously. A nil error means the platform
// accepted the event; it does not mean the function succeeded. Callers make
// the receiving function idempotent, because the platform may deliver an
// event more than once and retries failed ones.
type Invoker interface {
	InvokeAsync(ctx context.Context, function string, payload any) error
}
