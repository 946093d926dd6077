// Command job-audit-retention is a timer job: it deletes staff audit rows
// older than 180 days (the database refuses younger ones).
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.AuditRetention(a)))
}
