// Command job-session-sweep is a timer job: it deletes sessions that
// expired more than a week ago, at most 5000 rows per run.
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.SessionSweep(a)))
}
