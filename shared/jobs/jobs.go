// Package jobs holds the timer jobs' entry points (session sweep, the
// every-minute sweeper, ledger verification, risk re-drive) and the outbox
// dispatcher that every transaction's messages leave through (Dispatch,
// DispatchNow right after commit, the sweeper for what was left). Each job
// takes a bounded batch per run (style.md) and returns an error only when
// an SCF retry could help.
package jobs

import (
	"context"
	"time"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
)

// SessionSweepBatch bounds one run of SessionSweep.
const SessionSweepBatch = 5000

// SessionRetention is how long an expired session is kept (support
// questions) before SessionSweep deletes it.
const SessionRetention = 7 * 24 * time.Hour

// SessionSweep deletes sessions expired over SessionRetention ago, in
// chunks (mysql.SessionDeleteChunk), at most SessionSweepBatch per run.
func SessionSweep(a *app.App) func(context.Context, events.TimerEvent) error {
	return func(ctx context.Context, _ events.TimerEvent) error {
		cutoff := a.Clock.Now().Add(-SessionRetention)
		n, err := mysql.Sessions{DB: a.DB}.DeleteExpired(ctx, cutoff, SessionSweepBatch)
		a.Log.InfoContext(ctx, "session sweep", "deleted", n)
		return err
	}
}
