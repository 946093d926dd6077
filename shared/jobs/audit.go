package jobs

import (
	"context"

	"github.com/tencentyun/scf-go-lib/events"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/mysql"
)

// AuditRetentionBatch bounds one run of AuditRetention.
const AuditRetentionBatch = 5000

// AuditRetention is job-audit-retention (daily): it deletes staff audit
// rows older than mysql.AuditRetention (180 days), at most a batch per
// run. The database's trigger refuses to delete anything younger whatever
// this job asks, so the floor holds even against a bug here.
func AuditRetention(a *app.App) Timer {
	return func(ctx context.Context, _ events.TimerEvent) error {
		n, err := mysql.Audit{DB: a.DB}.Retain(ctx, a.Wall.Now(), mysql.AuditRetention, AuditRetentionBatch) // audit rows are stamped in wall time
		a.Log.InfoContext(ctx, "audit retention", "deleted", n)
		return err
	}
}
