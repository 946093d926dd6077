// Package mysql is wxlend's MySQL adapter: connection pool, embedded
// forward-only migrations, error classification (1062 -> conflict,
// 1213/1205/3572 -> bounded retry) and the repositories of the domain types.
//
// Pool and transaction show in the types. The repositories (Loans,
// Disbursements, Ledger, ...) hold the pool (*sql.DB): each of their
// methods is one statement, or one transaction of its own. InTx hands its
// closure a *Tx, the transaction with its business instant (Tx.Now), and
// everything that must commit together is a method of Tx (Transition,
// Post, Enqueue, AppendEvidence, ...), stamped with that instant. A Tx
// holds no pool, so code inside a transaction cannot write around it, and
// a deadlock rerun repeats only what rolled back.
//
// SQL stays in the subset both MySQL 8 and MariaDB 10.11 accept (refs/mysql.md).
package mysql

import (
	"context"
	"database/sql"
	sqldriver "database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"time"

	driver "github.com/go-sql-driver/mysql"
)

// Open makes a pool for dsn (one per cold start) and pings it.
func Open(ctx context.Context, dsn string, maxOpen int) (*sql.DB, error) {
	connector, err := NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	return OpenConnector(ctx, connector, maxOpen)
}

// NewConnector is the driver connector for dsn with what every pool
// forces: UTC, parseTime, the session time zone and interpolateParams.
func NewConnector(dsn string) (sqldriver.Connector, error) {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse MYSQL_DSN: %w", err)
	}
	cfg.ParseTime = true
	// One round trip per statement instead of prepare, execute and close
	// (the COB runs a dozen per loan). Safe: the driver escapes each
	// argument for the connection's charset, utf8mb4 (its default), and
	// refuses a DSN whose collation could not be escaped safely.
	cfg.InterpolateParams = true
	cfg.Loc = time.UTC
	cfg.InterpolateParams = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+00:00'"
	return driver.NewConnector(cfg)
}

// Pool bounds: a connection is replaced after connLifetime (server-side
// idle timeouts and failovers), and a cold start waits pingTimeout for
// MySQL before it fails.
const (
	connLifetime = 5 * time.Minute
	pingTimeout  = 5 * time.Second
)

// OpenConnector makes a pool on connector and pings it (Open; tests wrap
// the connector to inject faults).
func OpenConnector(ctx context.Context, connector sqldriver.Connector, maxOpen int) (*sql.DB, error) {
	db := sql.OpenDB(connector)
	db.SetMaxOpenConns(maxOpen)
	db.SetMaxIdleConns(maxOpen)
	db.SetConnMaxLifetime(connLifetime)
	pctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := db.PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to MySQL: %w", err)
	}
	return db, nil
}

// IsDuplicate reports a unique-key violation (1062).
func IsDuplicate(err error) bool { return errNumber(err) == 1062 }

// IsRetryable reports a deadlock or lock wait timeout (1213, 1205, 3572):
// the whole transaction may be run again.
func IsRetryable(err error) bool {
	switch errNumber(err) {
	case 1213, 1205, 3572:
		return true
	}
	return false
}

func errNumber(err error) uint16 {
	var me *driver.MySQLError
	if errors.As(err, &me) {
		return me.Number
	}
	return 0
}

// querier is what a pool and a transaction both do: repository code that
// runs on either takes one.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// sqlList is values as an SQL list of string literals, "('A', 'B')", for
// lists of states that come from the domain's constants; a value that
// would need quoting is a programmer error.
func sqlList(values []string) string {
	for _, v := range values {
		if v == "" || strings.ContainsAny(v, `'"\`) {
			panic(fmt.Sprintf("mysql: %q in an SQL list", v))
		}
	}
	return "('" + strings.Join(values, "', '") + "')"
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) sql.NullTime { return sql.NullTime{Time: t, Valid: !t.IsZero()} }
