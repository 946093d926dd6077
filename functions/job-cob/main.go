// Command job-cob is a timer job, the daily close of business; see
// serverless.yml for its schedule and shared/jobs for what it does.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.CloseOfBusiness(a)))
}
