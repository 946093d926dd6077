package gateway

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/wxlend/wxlend/shared/mysql"
)

// Local is a whole local stack on a throw-away database: what scripts/demo
// and scripts/bench run, so they need nothing started beforehand but
// MariaDB and Redis.
type Local struct {
	*Gateway
	URL  string
	DSN  string
	stop func()
}

// StartLocal builds every function under root and serves them on a free
// loopback port against a fresh database, Redis key prefix and business
// clock (the database and clock dropped by Close). env overrides the functions' environment.
func StartLocal(ctx context.Context, root, binDir string, env map[string]string) (*Local, error) {
	admin, err := mysql.Open(ctx, "root:@tcp(127.0.0.1:3306)/", 1)
	if err != nil {
		return nil, err
	}
	clockDir, err := os.MkdirTemp("", "wxlend-clock-")
	if err != nil {
		admin.Close()
		return nil, err
	}
	name := fmt.Sprintf("wxlend_local_%d", time.Now().UnixNano())
	drop := func() { admin.Exec("DROP DATABASE IF EXISTS " + name); admin.Close(); os.RemoveAll(clockDir) }
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name+" CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		drop()
		return nil, err
	}
	dsn := "root:@tcp(127.0.0.1:3306)/" + name
	if err := migrate(ctx, dsn); err != nil {
		drop()
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		drop()
		return nil, err
	}
	if env == nil {
		env = map[string]string{}
	}
	env["MYSQL_DSN"] = dsn
	if env["REDIS_PREFIX"] == "" {
		// Its own keys too: one stack's rate windows and sign-in failures
		// (the captcha trigger) must not follow the next stack, which the
		// test command starts a minute later from the same 127.0.0.1.
		env["REDIS_PREFIX"] = "wxlend:" + name + ":"
	}
	logs, closeLogs, err := localLogs()
	if err != nil {
		l.Close()
		drop()
		return nil, err
	}
	g, err := New(Config{Root: root, BinDir: binDir, Addr: l.Addr().String(), Env: env,
		ClockFile: filepath.Join(clockDir, "business-clock.json"), Logs: logs, Log: slog.New(slog.NewTextHandler(logs, nil)), AsyncRetryDelays: []time.Duration{100 * time.Millisecond, time.Second}})
	if err == nil {
		err = g.Build(ctx)
	}
	if err != nil {
		l.Close()
		drop()
		closeLogs()
		return nil, err
	}
	srv := g.Server()
	go Serve(srv, l)
	return &Local{Gateway: g, URL: "http://" + l.Addr().String(), DSN: dsn, stop: func() { srv.Close(); g.Close(); drop(); closeLogs() }}, nil
}

// localLogs is where the stack's logs go: nowhere, unless
// WXLEND_LOCAL_LOG names a file (to see why a demo or bench step is slow).
func localLogs() (io.Writer, func(), error) {
	path := os.Getenv("WXLEND_LOCAL_LOG")
	if path == "" {
		return io.Discard, func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, nil, fmt.Errorf("WXLEND_LOCAL_LOG: %w", err)
	}
	return f, func() { f.Close() }, nil
}

// Close stops everything and drops the database.
func (l *Local) Close() { l.stop() }

func migrate(ctx context.Context, dsn string) error {
	db, err := mysql.Open(ctx, dsn, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	_, err = mysql.Migrate(ctx, db)
	return err
}
