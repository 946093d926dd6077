// Command job-monitor is a timer job (hourly): the numbers a lender
// watches, stored and logged, and alerts to the WeCom group robot; see
// serverless.yml for its schedule and shared/monitor for what it does.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.Monitor(a, app.MustLoadOps(a))))
}
