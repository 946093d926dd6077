package jobs

import (
	"context"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/cob"
)

// CloseOfBusiness is job-cob (00:30 Asia/Shanghai): it closes, in order,
// every business date up to yesterday not yet closed (cob.Run). It returns
// an error only when the run stopped early (deadline, batch bound, a
// transient database failure), so the retry resumes it.
func CloseOfBusiness(a *app.App) Timer {
	return func(ctx context.Context, _ events.TimerEvent) error {
		r, err := cob.Run(ctx, a, cob.Limits{})
		a.Log.InfoContext(ctx, "close of business", "dates", len(r.Closed), "loans", r.Loans, "penalty_fen", int64(r.PenaltyFen),
			"failed", r.Failed, "done", r.Done)
		return err
	}
}
