package mysql

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one numbered, forward-only SQL file.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string
}

// Migrations lists the embedded migrations in order. File names are
// NNNN_name.sql; a gap or duplicate number is an error.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []Migration
	for _, e := range entries {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", e.Name())
		}
		b, err := migrationFiles.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(b)
		ms = append(ms, Migration{Version: v, Name: name, SQL: string(b), Checksum: hex.EncodeToString(sum[:])})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i, m := range ms {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: expected number %d", m.Version, m.Name, i+1)
		}
	}
	return ms, nil
}

// Migrate applies every embedded migration not yet applied, in order, under
// a named lock so two runners never race, then records the reference data
// that lives in the code (agreement texts, default risk rules). An applied
// migration whose file changed is an error: migrations are forward-only and
// never edited. It returns the versions it applied.
func Migrate(ctx context.Context, db *sql.DB) ([]int, error) {
	return MigrateWith(ctx, db, MigrateOptions{})
}

// MigrateWith is Migrate on an engine described by opts (portability.go):
// how the ledger is kept immutable and how long to wait for the lock.
func MigrateWith(ctx context.Context, db *sql.DB, opts MigrateOptions) ([]int, error) {
	opts = opts.withDefaults()
	done, err := migrateLocked(ctx, db, opts)
	if err != nil {
		return done, err
	}
	// After the lock's connection is back in the pool: a pool of one must
	// not wait on itself.
	if err := SyncAgreements(ctx, db, time.Now().UTC()); err != nil {
		return done, err
	}
	return done, syncRiskDefaults(ctx, db, time.Now().UTC())
}

func migrateLocked(ctx context.Context, db *sql.DB, opts MigrateOptions) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var got sql.NullInt64
	// GET_LOCK (README "Past one database"): MySQL, MariaDB, TDSQL-C and
	// TiDB >= 6.1 (which clamps the timeout to 1-3600 s) all have it.
	secs := int(opts.LockTimeout / time.Second)
	if err := conn.QueryRowContext(ctx, "SELECT GET_LOCK('wxlend_migrate', ?)", secs).Scan(&got); err != nil || got.Int64 != 1 {
		return nil, fmt.Errorf("take migration lock (waited %d s): %v", secs, err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT RELEASE_LOCK('wxlend_migrate')")
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INT NOT NULL PRIMARY KEY,
		name VARCHAR(128) NOT NULL,
		checksum CHAR(64) NOT NULL,
		applied_at DATETIME(6) NOT NULL
	) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin`); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	applied, err := appliedMigrations(ctx, conn)
	if err != nil {
		return nil, err
	}
	var done []int
	for _, m := range ms {
		if sum, ok := applied[m.Version]; ok {
			if sum != m.Checksum {
				return done, fmt.Errorf("migration %04d_%s was edited after it was applied", m.Version, m.Name)
			}
			continue
		}
		if err := apply(ctx, conn, m, opts); err != nil {
			return done, err
		}
		done = append(done, m.Version)
	}
	return done, nil
}

func appliedMigrations(ctx context.Context, conn *sql.Conn) (map[int]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT version, checksum FROM schema_migrations")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var v int
		var sum string
		if err := rows.Scan(&v, &sum); err != nil {
			return nil, err
		}
		out[v] = sum
	}
	return out, rows.Err()
}

// apply runs one migration statement by statement. DDL commits implicitly
// in MySQL, so a migration should be one logical change that is safe to
// finish by hand if it stops half way; the record is written last.
func apply(ctx context.Context, conn *sql.Conn, m Migration, opts MigrateOptions) error {
	for i, stmt := range opts.statements(m) {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("migration %04d_%s statement %d: %w", m.Version, m.Name, i+1, err)
		}
	}
	_, err := conn.ExecContext(ctx, "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
		m.Version, m.Name, m.Checksum, time.Now().UTC())
	return err
}

// splitStatements splits on semicolons that end a line, dropping comment
// lines. Migrations keep semicolons out of string literals.
func splitStatements(src string) []string {
	var out []string
	var cur strings.Builder
	for _, line := range strings.Split(src, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteString("\n")
		if strings.HasSuffix(t, ";") {
			s := strings.TrimSpace(cur.String())
			out = append(out, strings.TrimSuffix(s, ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}
