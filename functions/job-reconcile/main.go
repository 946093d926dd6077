// Command job-reconcile is a timer job (daily 10:30 Asia/Shanghai): every
// merchant account's T+1 bills against our records and the ledger; see
// serverless.yml for its schedule and shared/recon for what it does.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.Reconcile(a, payments.MustFromApp(a), app.MustLoadOps(a))))
}
