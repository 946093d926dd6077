// Command job-ledger-verify is a timer job; see serverless.yml for its schedule and
// shared/jobs for what it does.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.LedgerVerify(a)))
}
