// Command gateway is the local SCF gateway behind scripts/dev.sh: it builds
// every function in serverless.yml, creates and migrates the local
// database, and serves the API, the timers, SCF Invoke and the fakes on
// one loopback address. See scripts/internal/gateway.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	driver "github.com/go-sql-driver/mysql"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/mysql"
)

func main() {
	addr := flag.String("addr", envOr("WXLEND_LOCAL_ADDR", "127.0.0.1:9000"), "listen address (loopback)")
	root := flag.String("root", ".", "repository root")
	dsn := flag.String("mysql", envOr("WXLEND_LOCAL_MYSQL_DSN", "root:@tcp(127.0.0.1:3306)/wxlend"), "MySQL DSN of the local database (created if missing)")
	redis := flag.String("redis", envOr("WXLEND_LOCAL_REDIS_ADDR", "127.0.0.1:6379"), "Redis address")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log, *addr, *root, *dsn, *redis); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

func run(log *slog.Logger, addr, root, dsn, redisAddr string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := prepareDatabase(ctx, dsn); err != nil {
		return err
	}
	abs, _ := filepath.Abs(root)
	g, err := gateway.New(gateway.Config{
		Root: abs, BinDir: filepath.Join(abs, ".local", "bin"), Addr: addr, Log: log, Location: clock.Shanghai,
		ClockFile: filepath.Join(abs, ".local", "business-clock.json"),
		Env:       map[string]string{"MYSQL_DSN": dsn, "REDIS_ADDR": redisAddr},
	})
	if err != nil {
		return err
	}
	defer g.Close()
	start := time.Now()
	if err := g.Build(ctx); err != nil {
		return err
	}
	log.Info("built functions", "count", len(g.Manifest.Names()), "took", time.Since(start).Round(time.Millisecond))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := g.Server()
	g.StartTimers()
	go func() { <-ctx.Done(); _ = srv.Shutdown(context.Background()) }()
	fmt.Printf("wxlend local gateway: http://%s  (health: http://%s/_local/health)\n", addr, addr)
	if err := gateway.Serve(srv, l); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// prepareDatabase creates the local database if missing and migrates it.
func prepareDatabase(ctx context.Context, dsn string) error {
	cfg, err := driver.ParseDSN(dsn)
	if err != nil {
		return err
	}
	name := cfg.DBName
	if name == "" || strings.ContainsAny(name, "`'\" ;") {
		return fmt.Errorf("bad local database name %q", name)
	}
	cfg.DBName = ""
	admin, err := mysql.Open(ctx, cfg.FormatDSN(), 1)
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE IF NOT EXISTS `"+name+"` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return err
	}
	db, err := mysql.Open(ctx, dsn, 2)
	if err != nil {
		return err
	}
	defer db.Close()
	applied, err := mysql.Migrate(ctx, db)
	if err != nil {
		return err
	}
	if len(applied) > 0 {
		fmt.Printf("applied migrations %v to %s\n", applied, name)
	}
	return nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
