// Package jobs holds every timer function's entry point (serverless.yml's
// timer triggers): the session sweep, the every-minute sweeper (outbox,
// transfers, orders, refunds), the nightly ledger verification, the risk
// re-drive, the daily close of business (cob) and the hourly reminders
// (remind.go). Each composes the
// services that do the work; each takes a bounded batch per run (style.md)
// and returns an error only when an SCF retry could help.
package jobs

import (
	"context"
	"errors"
	"time"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/outbox"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/underwriting"
)

// SessionSweepBatch bounds one run of SessionSweep.
const SessionSweepBatch = 5000

// SessionRetention is how long an expired session is kept (support
// questions) before SessionSweep deletes it.
const SessionRetention = 7 * 24 * time.Hour

// SessionSweep deletes sessions expired over SessionRetention ago, in
// chunks (mysql.SessionDeleteChunk), at most SessionSweepBatch per run.
func SessionSweep(a *app.App) Timer {
	return func(ctx context.Context, _ events.TimerEvent) error {
		cutoff := a.Wall.Now().Add(-SessionRetention) // sessions are stamped in wall time
		n, err := mysql.Sessions{DB: a.DB}.DeleteExpired(ctx, cutoff, SessionSweepBatch)
		a.Log.InfoContext(ctx, "session sweep", "deleted", n)
		return err
	}
}

// Timer is the shape of a timer function's handler.
type Timer = func(context.Context, events.TimerEvent) error

// Sweeper is job-sweeper (every minute): it re-drives outbox messages left
// by a function that died between commit and invoke (outbox.Redrive) and
// finishes what WeChat Pay left open (payments.Sweep: transfers, orders,
// refunds). Every part runs whatever the others did; failures come back
// joined.
func Sweeper(a *app.App, d payments.Deps) Timer {
	return func(ctx context.Context, _ events.TimerEvent) error {
		return errors.Join(outbox.Redrive(ctx, a), payments.Sweep(ctx, d))
	}
}

// RiskRedrive is job-risk-redrive: it re-invokes credit applications stuck
// in a step of the risk chain (underwriting.Redrive).
func RiskRedrive(d *underwriting.Deps) Timer {
	redrive := underwriting.Redrive(d)
	return func(ctx context.Context, _ events.TimerEvent) error {
		n, err := redrive(ctx)
		d.App.Log.InfoContext(ctx, "risk redrive", "invoked", n)
		return err
	}
}

// LedgerVerify is job-ledger-verify: nightly proof that every transaction
// balances and every balance equals its entries. A violation is logged as
// an error and fails the invocation so the platform's alarms fire.
func LedgerVerify(a *app.App) Timer {
	return func(ctx context.Context, _ events.TimerEvent) error {
		v, err := mysql.Ledger{DB: a.DB}.Verify(ctx)
		if err != nil {
			return err
		}
		for _, x := range v {
			a.Log.ErrorContext(ctx, "ledger invariant broken", "kind", x.Kind, "detail", x.Detail)
		}
		if len(v) > 0 {
			return errLedgerBroken
		}
		a.Log.InfoContext(ctx, "ledger verified")
		return nil
	}
}

var errLedgerBroken = errors.New("ledger invariants broken: see the log")
