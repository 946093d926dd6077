package mysql_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

// TestAuditLogIsAppendOnly: the database refuses UPDATE always and DELETE
// of anything younger than 180 days, whoever asks; the retention job
// removes only what is older.
func TestAuditLogIsAppendOnly(t *testing.T) {
	db := mysqltest.New(t).DB
	ctx := context.Background()
	a := mysql.Audit{DB: db}
	now := time.Now().UTC()
	for _, at := range []time.Time{now.Add(-200 * 24 * time.Hour), now.Add(-179 * 24 * time.Hour), now} {
		if err := a.Append(ctx, mysql.AuditEntry{At: at, ActorID: 1, Actor: "dev-checker", Role: "risk_manager", Action: "pii.unmask",
			Subject: "user:1", Outcome: "ok", Reason: "工单", ClientIP: "127.0.0.1", RequestID: "r1"}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.Exec(`UPDATE audit_log SET reason = 'nothing happened'`); err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("UPDATE: %v", err)
	}
	if _, err := db.Exec(`DELETE FROM audit_log WHERE at > ?`, now.Add(-190*24*time.Hour)); err == nil || !strings.Contains(err.Error(), "180 days") {
		t.Fatalf("DELETE of young rows: %v", err)
	}
	// A retention asked for less than 180 days still keeps 180.
	n, err := a.Retain(ctx, now, time.Hour, 100)
	if err != nil || n != 1 {
		t.Fatalf("retain: %d %v", n, err)
	}
	left, _ := a.List(ctx, mysql.AuditFilter{}, 10)
	if len(left) != 2 || left[0].Reason != "工单" {
		t.Fatalf("left %+v", left)
	}
}
