// Command job-risk-redrive is a timer job: it re-invokes credit
// applications stuck in a risk step; see shared/underwriting.
package main

import (
	"context"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/underwriting"
)

func main() {
	a := app.MustLoad()
	redrive := underwriting.Redrive(underwriting.New(a, app.DataProvider(a)))
	scf.Start(scf.Timer(a.Log, func(ctx context.Context, _ events.TimerEvent) error {
		n, err := redrive(ctx)
		a.Log.InfoContext(ctx, "risk redrive", "invoked", n)
		return err
	}))
}
