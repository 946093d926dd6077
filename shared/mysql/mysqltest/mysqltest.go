// Package mysqltest gives each test a fresh MariaDB/MySQL database with all
// migrations applied, dropped when the test ends. Tests run against the real
// server (refs/mysql.md: an embedded engine loses writes under concurrency).
package mysqltest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/wxlend/wxlend/shared/mysql"
)

// ServerDSN is the DSN of the test server without a database:
// WXLEND_TEST_MYSQL_DSN or root on 127.0.0.1:3306.
func ServerDSN() string {
	if dsn := os.Getenv("WXLEND_TEST_MYSQL_DSN"); dsn != "" {
		return dsn
	}
	return "root:@tcp(127.0.0.1:3306)/"
}

// prefix marks databases made by tests so stale ones can be swept.
const prefix = "wxt_"

// DB is a fresh migrated database.
type DB struct {
	*sql.DB
	Name string
	DSN  string
}

// New creates a fresh database for t, applies every migration and drops it
// at cleanup. It fails the test (never skips) when MySQL is unreachable:
// scripts/test.sh starts it.
func New(t testing.TB) *DB {
	t.Helper()
	ctx := context.Background()
	admin, err := mysql.Open(ctx, ServerDSN(), 2)
	if err != nil {
		t.Fatalf("mysqltest: %v (run scripts/test.sh, which starts MariaDB)", err)
	}
	defer admin.Close()
	sweepStale(ctx, admin)
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	name := fmt.Sprintf("%s%d_%s", prefix, time.Now().Unix(), hex.EncodeToString(rnd[:]))
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		t.Fatalf("mysqltest: create database: %v", err)
	}
	dsn := withDB(t, name)
	db, err := mysql.Open(ctx, dsn, 32)
	if err != nil {
		t.Fatalf("mysqltest: %v", err)
	}
	t.Cleanup(func() {
		db.Close()
		if a, err := mysql.Open(context.Background(), ServerDSN(), 1); err == nil {
			_, _ = a.Exec("DROP DATABASE IF EXISTS " + name)
			a.Close()
		}
	})
	if _, err := mysql.Migrate(ctx, db); err != nil {
		t.Fatalf("mysqltest: migrate: %v", err)
	}
	return &DB{DB: db, Name: name, DSN: dsn}
}

func withDB(t testing.TB, name string) string {
	cfg, err := driver.ParseDSN(ServerDSN())
	if err != nil {
		t.Fatalf("mysqltest: bad WXLEND_TEST_MYSQL_DSN: %v", err)
	}
	cfg.DBName = name
	return cfg.FormatDSN()
}

// sweepStale drops test databases older than two hours, left behind by a
// killed run, so CI on a reused machine does not accumulate them.
func sweepStale(ctx context.Context, admin *sql.DB) {
	rows, err := admin.QueryContext(ctx, "SHOW DATABASES LIKE 'wxt\\_%'")
	if err != nil {
		return
	}
	var stale []string
	for rows.Next() {
		var n string
		if rows.Scan(&n) != nil {
			continue
		}
		parts := strings.Split(strings.TrimPrefix(n, prefix), "_")
		if ts, err := strconv.ParseInt(parts[0], 10, 64); err == nil && time.Since(time.Unix(ts, 0)) > 2*time.Hour {
			stale = append(stale, n)
		}
	}
	rows.Close()
	for _, n := range stale {
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+n)
	}
}
