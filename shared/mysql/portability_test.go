package mysql_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
)

// TestLedgerImmutableByTriggers: on MySQL/MariaDB/TDSQL-C the migrations'
// triggers refuse UPDATE and DELETE of a ledger row, and the check sees
// all four; dropping one is reported.
func TestLedgerImmutableByTriggers(t *testing.T) {
	db := mysqltest.New(t)
	ctx := context.Background()
	if err := mysql.CheckLedgerImmutable(ctx, db.DB, mysql.LedgerByTriggers); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DROP TRIGGER ledger_entries_no_delete"); err != nil {
		t.Fatal(err)
	}
	if err := mysql.CheckLedgerImmutable(ctx, db.DB, mysql.LedgerByTriggers); err == nil || !strings.Contains(err.Error(), "3 of the 4") {
		t.Fatalf("a missing trigger: %v", err)
	}
}

// TestLedgerImmutableByGrants: for TiDB (no triggers) the migrations
// leave the triggers out, and immutability is the app account's grants:
// an account with UPDATE on the ledger (root) is refused; one with only
// SELECT and INSERT there passes, and its UPDATE is denied by the server.
func TestLedgerImmutableByGrants(t *testing.T) {
	db := mysqltest.New(t)
	ctx := context.Background()
	if err := mysql.CheckLedgerImmutable(ctx, db.DB, mysql.LedgerByGrants); err == nil || !strings.Contains(err.Error(), "holds") {
		t.Fatalf("root holds every privilege, accepted: %v", err)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	user := "wxt_ledger_" + hex.EncodeToString(rnd[:])
	for _, stmt := range []string{
		"CREATE USER '" + user + "'@'%' IDENTIFIED BY 'pw-" + user + "'",
		"GRANT SELECT, INSERT ON " + db.Name + ".ledger_entries TO '" + user + "'@'%'",
		"GRANT SELECT, INSERT ON " + db.Name + ".ledger_transactions TO '" + user + "'@'%'",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON " + db.Name + ".loans TO '" + user + "'@'%'",
	} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	t.Cleanup(func() { _, _ = db.Exec("DROP USER '" + user + "'@'%'") })
	cfg, _ := driver.ParseDSN(db.DSN)
	cfg.User, cfg.Passwd = user, "pw-"+user
	app, err := mysql.Open(ctx, cfg.FormatDSN(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	if err := mysql.CheckLedgerImmutable(ctx, app, mysql.LedgerByGrants); err != nil {
		t.Fatalf("an account without UPDATE/DELETE on the ledger: %v", err)
	}
	_, err = app.Exec("DELETE FROM ledger_entries")
	var me *driver.MySQLError
	if !errors.As(err, &me) || me.Number != 1142 {
		t.Fatalf("DELETE by the app account: %v, want 1142 denied", err)
	}
}

// TestGrantsModeSkipsTriggers: the grants engine's migrations carry no
// CREATE TRIGGER (TiDB would refuse the statement), the default keeps all:
// the ledger's four and audit_log's two (no UPDATE; no DELETE younger
// than 180 days).
func TestGrantsModeSkipsTriggers(t *testing.T) {
	if n := mysql.CountStatements(mysql.MigrateOptions{Ledger: mysql.LedgerByGrants}, "CREATE TRIGGER"); n != 0 {
		t.Fatalf("%d triggers in grants mode", n)
	}
	if n := mysql.CountStatements(mysql.MigrateOptions{}, "CREATE TRIGGER"); n != 6 {
		t.Fatalf("%d triggers by default, want 6", n)
	}
}

// TestMigrationLockWaitsOnlyAsLongAsConfigured: GET_LOCK held elsewhere
// makes a migration give up after LockTimeout with a named error.
func TestMigrationLockWaitsOnlyAsLongAsConfigured(t *testing.T) {
	db := mysqltest.New(t)
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var got int
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('wxlend_migrate', 60)").Scan(&got); err != nil || got != 1 { // server-wide: other tests' migrations hold it briefly
		t.Fatal(err, got)
	}
	_, err = mysql.MigrateWith(ctx, db.DB, mysql.MigrateOptions{LockTimeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "take migration lock (waited 1 s)") {
		t.Fatalf("migration under a held lock: %v", err)
	}
}
