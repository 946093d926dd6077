// Package outbox sends the messages a transaction stored (mysql outbox
// rows) to the functions they name, by SCF Invoke (Event): right after the
// commit (DispatchNow, the fast path) and from the every-minute sweeper
// (Redrive, the safety net for a function that died between commit and
// invoke). Receivers are idempotent, so a message delivered twice changes
// nothing.
package outbox

import (
	"context"
	"encoding/json"
	"time"

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

// Redrive dispatches messages not dispatched within OutboxGrace (a
// function that died between commit and invoke), at most OutboxBatch per
// run; job-sweeper calls it every minute.
func Redrive(ctx context.Context, a *app.App) error {
	msgs, err := mysql.Outbox{DB: a.DB}.Pending(ctx, a.Clock.Now().Add(-OutboxGrace), OutboxBatch)
	if err != nil {
		return err
	}
	sent := Dispatch(ctx, a, msgs)
	a.Log.InfoContext(ctx, "outbox redrive", "pending", len(msgs), "sent", sent)
	return nil
}
