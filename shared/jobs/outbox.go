package jobs

import (
	"context"
	"encoding/json"
	"time"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
)

// OutboxBatch bounds one sweep of the outbox.
const OutboxBatch = 200

// OutboxGrace is how long a message may wait for the fast path
// (DispatchNow) before the sweeper dispatches it.
const OutboxGrace = 30 * time.Second

// Dispatch hands each message to its function (SCF Invoke, Event) and
// marks it dispatched. A failure leaves it pending for the next sweep; the
// receiving functions are idempotent, so a message delivered twice (the
// mark lost after a successful invoke) changes nothing.
func Dispatch(ctx context.Context, a *app.App, msgs []mysql.PendingMessage) (sent int) {
	o := mysql.Outbox{DB: a.DB}
	for _, m := range msgs {
		if err := a.Invoker.InvokeAsync(ctx, m.Function, json.RawMessage(m.Payload)); err != nil {
			a.Log.WarnContext(ctx, "outbox dispatch failed", "function", m.Function, "outbox_id", m.ID, "error", err.Error())
			_ = o.MarkFailed(ctx, m.ID)
			continue
		}
		if err := o.MarkDispatched(ctx, m.ID, a.Clock.Now()); err != nil {
			a.Log.WarnContext(ctx, "outbox mark failed", "outbox_id", m.ID, "error", err.Error())
			continue
		}
		sent++
	}
	return sent
}

// DispatchNow sends the message stored under dedupeKey right after the
// transaction that wrote it committed (the fast path; the sweeper is the
// safety net).
func DispatchNow(ctx context.Context, a *app.App, dedupeKey string) {
	m, ok, err := mysql.Outbox{DB: a.DB}.ByDedupeKey(ctx, dedupeKey)
	if err != nil || !ok {
		return
	}
	Dispatch(ctx, a, []mysql.PendingMessage{m})
}

// Sweeper is job-sweeper: every minute it re-drives outbox messages not
// dispatched within OutboxGrace (a function that died between commit and invoke),
// at most OutboxBatch per run. Later capabilities add their own sweeps
// (transfers, orders, risk steps) here.
func Sweeper(a *app.App) func(context.Context, events.TimerEvent) error {
	return func(ctx context.Context, _ events.TimerEvent) error {
		msgs, err := mysql.Outbox{DB: a.DB}.Pending(ctx, a.Clock.Now().Add(-OutboxGrace), OutboxBatch)
		if err != nil {
			return err
		}
		sent := Dispatch(ctx, a, msgs)
		a.Log.InfoContext(ctx, "sweep", "outbox_pending", len(msgs), "outbox_sent", sent)
		return nil
	}
}

// LedgerVerify is job-ledger-verify: nightly proof that every transaction
// balances and every balance equals its entries. A violation is logged as
// an error and fails the invocation so the platform's alarms fire.
func LedgerVerify(a *app.App) func(context.Context, events.TimerEvent) error {
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

type ledgerError struct{}

func (ledgerError) Error() string { return "ledger invariants broken: see the log" }

var errLedgerBroken error = ledgerError{}
