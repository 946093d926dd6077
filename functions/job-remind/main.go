// Command job-remind is a timer job (hourly): due-soon and overdue notices
// by WeChat subscribe message or SMS, within 08:00-21:00 business time and
// the daily cap (shared/jobs.Remind).
package main

import (
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/jobs"
	"github.com/wxlend/wxlend/shared/scf"
)

func main() {
	a := app.MustLoad()
	scf.Start(scf.Timer(a.Log, jobs.Remind(a)))
}
