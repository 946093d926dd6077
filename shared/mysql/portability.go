package mysql

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// What the code relies on beyond standard SQL, and the switch for each
// (README "Past one database"):
//   - GET_LOCK: the migration lock (MigrateOptions.LockTimeout, <= 3600 s
//     for TiDB).
//   - Triggers: ledger entries and transactions refuse UPDATE and DELETE
//     (migration 0004). TiDB and TDSQL distributed have no triggers: with
//     LedgerByGrants the migrations skip them and CheckLedgerImmutable
//     requires the app account to lack UPDATE and DELETE on those tables;
//     the hash chain (job-ledger-verify) proves nothing was changed either way.
//   - SELECT ... FOR UPDATE in pessimistic transactions (TiDB: pessimistic
//     mode, its default since v3.0.8).
//   - AUTO_INCREMENT ids are unique; nothing relies on them being
//     consecutive or ordered across sessions (TiDB caches them per server).

// Immutability is how ledger rows are kept append-only.
type Immutability string

const (
	// LedgerByTriggers: BEFORE UPDATE/DELETE triggers signal an error
	// (TencentDB for MySQL, TDSQL-C, MariaDB).
	LedgerByTriggers Immutability = "triggers"
	// LedgerByGrants: the app account has no UPDATE or DELETE on the
	// ledger tables (TiDB, TDSQL distributed).
	LedgerByGrants Immutability = "grants"
)

// ledgerTables are the append-only tables.
var ledgerTables = []string{"ledger_entries", "ledger_transactions"}

// MigrateOptions describes the engine the migrations run on.
type MigrateOptions struct {
	Ledger      Immutability  // default LedgerByTriggers
	LockTimeout time.Duration // GET_LOCK wait, default 60 s, at most 3600 s
}

func (o MigrateOptions) withDefaults() MigrateOptions {
	if o.Ledger == "" {
		o.Ledger = LedgerByTriggers
	}
	if o.LockTimeout <= 0 {
		o.LockTimeout = 60 * time.Second
	}
	o.LockTimeout = min(max(o.LockTimeout, time.Second), time.Hour)
	return o
}

// statements are m's statements for this engine: without triggers when
// the ledger is kept by grants.
func (o MigrateOptions) statements(m Migration) []string {
	var out []string
	for _, s := range splitStatements(m.SQL) {
		if o.Ledger == LedgerByGrants && strings.HasPrefix(strings.ToUpper(strings.TrimSpace(s)), "CREATE TRIGGER") {
			continue
		}
		out = append(out, s)
	}
	return out
}

// CheckLedgerImmutable proves the ledger is append-only the way mode
// says: with triggers, the four refusing triggers exist; with grants, the
// connected account holds no UPDATE or DELETE (nor ALL) that reaches the
// ledger tables. db-migrate runs it after migrating.
func CheckLedgerImmutable(ctx context.Context, db *sql.DB, mode Immutability) error {
	switch mode {
	case LedgerByTriggers:
		var n int
		err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM information_schema.TRIGGERS
			WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE IN ('ledger_entries', 'ledger_transactions')
			AND EVENT_MANIPULATION IN ('UPDATE', 'DELETE') AND ACTION_TIMING = 'BEFORE'`).Scan(&n)
		if err != nil {
			return err
		}
		if n != 4 {
			return fmt.Errorf("ledger immutability by triggers: %d of the 4 refusing triggers exist", n)
		}
		return nil
	case LedgerByGrants:
		return checkGrants(ctx, db)
	}
	return fmt.Errorf("ledger immutability %q: triggers or grants", mode)
}

var grantRE = regexp.MustCompile(`^GRANT (.+) ON (\S+) TO `)

func checkGrants(ctx context.Context, db *sql.DB) error {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT DATABASE()").Scan(&schema); err != nil {
		return err
	}
	rows, err := db.QueryContext(ctx, "SHOW GRANTS FOR CURRENT_USER()")
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		if err := rows.Scan(&g); err != nil {
			return err
		}
		m := grantRE.FindStringSubmatch(g)
		if m == nil || !reachesLedger(strings.ReplaceAll(m[2], "`", ""), schema) {
			continue
		}
		privs := strings.ToUpper(m[1])
		for _, p := range []string{"ALL PRIVILEGES", "UPDATE", "DELETE"} {
			if strings.Contains(privs, p) {
				return fmt.Errorf("ledger immutability by grants: the app account holds %s on %s (%s)", p, m[2], g)
			}
		}
	}
	return rows.Err()
}

// reachesLedger: a grant's target covers a ledger table of schema.
func reachesLedger(target, schema string) bool {
	if target == "*.*" || target == schema+".*" {
		return true
	}
	for _, t := range ledgerTables {
		if target == schema+"."+t {
			return true
		}
	}
	return false
}

// CountStatements counts the migration statements that begin with prefix
// on the engine opts describes (tests, and the deploy check).
func CountStatements(opts MigrateOptions, prefix string) int {
	ms, err := Migrations()
	if err != nil {
		return -1
	}
	n := 0
	for _, m := range ms {
		for _, s := range opts.withDefaults().statements(m) {
			if strings.HasPrefix(strings.ToUpper(s), prefix) {
				n++
			}
		}
	}
	return n
}
