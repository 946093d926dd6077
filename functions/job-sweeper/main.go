// Command job-sweeper is a timer job (every minute): it re-drives outbox
// messages, finishes transfers in unknown or pending states, applies paid
// orders whose notification was lost, closes expired orders and completes
// refunds; bounded batches; see shared/jobs.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.Sweeper(a, payments.MustFromApp(a))))
}
