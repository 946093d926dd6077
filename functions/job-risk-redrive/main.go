// Command job-risk-redrive is a timer job: it re-invokes credit
// applications stuck in a risk step; see shared/jobs and shared/underwriting.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/underwriting"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.RiskRedrive(underwriting.New(a, app.DataProvider(a)))))
}
