// Command job-sweeper is a timer job (every minute): it re-drives outbox
// messages, finishes transfers in unknown or pending states, applies paid
// orders whose notification was lost, closes expired orders and completes
// refunds; bounded batches; see shared/jobs and shared/payments.
package main

import (
	"context"
	"errors"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	d := payments.MustFromApp(a)
	outbox := jobs.Sweeper(a)
	scf.Start(scf.Timer(a.Log, func(ctx context.Context, ev events.TimerEvent) error {
		errOutbox := outbox(ctx, ev)
		return errors.Join(errOutbox, payments.Sweep(ctx, d))
	}))
}
