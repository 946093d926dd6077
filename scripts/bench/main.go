// Command bench measures the local stack. Run from the repository root:
//
//	go run ./scripts/bench gateway [-n 2000]
//
// gateway: builds every function, serves them as scripts/dev.sh does on a
// throw-away database, and reports (1) cold start of a function process
// (spawn until it answers Function.Ping), (2) GET /v1/me through the
// gateway's HTTP path, (3) the same handler called in-process through the
// same event conversion, and (4) a bare round trip gateway -> function
// process -> handler that does no I/O. (2) minus (3) is what the gateway
// adds per invocation.
//
//	go run ./scripts/bench risk [-n 400] [-users 10] [-poll db|api] [-phases]
//
// risk: credit applications through the whole risk chain (POST, four
// async SCF functions, decision stored): decisions/s, POST -> stored at
// p50/p99, where the time goes per hop and per process, and statements
// per step; risk.go.
//
//	go run ./scripts/bench cob [-loans 100000] [-cpuprofile cob.pprof]
//
// cob: seeds that many loans being repaid in a throw-away database and
// closes one business date with shared/cob.Run (loans/s, wall time), then
// the same rows with raw batched UPDATEs (the ceiling); cob.go.
//
//	go run ./scripts/bench recon [-lines 1000000]
//
// recon: a synthetic trade bill of that many lines against as many paid
// repayments in a throw-away database: lines/s and peak RSS of a
// parse-only pass and of shared/recon reconciling it; recon.go.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sort"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/scf/scftest"
)

func main() {
	if len(os.Args) < 2 || (os.Args[1] != "gateway" && os.Args[1] != "risk" && os.Args[1] != "journey" && os.Args[1] != "cob" && os.Args[1] != "recon") {
		fmt.Fprintln(os.Stderr, "usage: bench gateway [-n N] | bench risk [-n N] [-users U] [-poll db|api] [-phases] | bench journey [-n N] [-failover] | bench cob [-loans N] [-workers W] [-cpuprofile F] | bench recon [-lines N]")
		os.Exit(2)
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	n := fs.Int("n", 2000, "requests (gateway) or credit applications (risk)")
	users := fs.Int("users", 10, "concurrent borrowers (risk)")
	phases := fs.Bool("phases", false, "risk: the functions log at debug level where their time went, and the bench prints it (costs some tail latency)")
	poll := fs.String("poll", "db", "risk: how a borrower learns its decision: db (one watcher query every 5 ms, then one API read) or api (every borrower GETs it every 10 ms)")
	failover := fs.Bool("failover", false, "journey: also a second loan rerouted off an empty merchant account")
	loans := fs.Int("loans", 100_000, "cob: loans seeded and closed for one business date")
	workers := fs.Int("workers", 0, "cob: chunks written at once (0: cob.Workers)")
	lines := fs.Int("lines", 1_000_000, "recon: trade bill lines and matching paid repayments")
	cpuprofile := fs.String("cpuprofile", "", "cob: write a CPU profile of the close of business to this file")
	_ = fs.Parse(os.Args[2:])
	var err error
	switch os.Args[1] {
	case "gateway":
		err = benchGateway(*n)
	case "risk":
		err = benchRisk(*n, *users, *poll, *phases)
	case "cob":
		err = benchCOB(*loans, *workers, *cpuprofile)
	case "recon":
		err = benchRecon(*lines)
	default:
		err = benchJourney(*n, *failover)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// startLocal builds and serves every function on a throw-away database.
func startLocal(ctx context.Context, env map[string]string) (*gateway.Gateway, string, func(), error) {
	l, err := gateway.StartLocal(ctx, ".", ".local/bench-bin", env)
	if err != nil {
		return nil, "", nil, err
	}
	env["MYSQL_DSN"] = l.DSN
	return l.Gateway, l.URL, l.Close, nil
}

func benchEnv() map[string]string {
	return map[string]string{"REDIS_PREFIX": "wxlend:bench:", "RATE_LIMIT_IP_PER_MIN": "1000000", "RATE_LIMIT_USER_PER_MIN": "1000000"}
}

func benchGateway(n int) error {
	ctx := context.Background()
	env := benchEnv()
	g, base, stop, err := startLocal(ctx, env)
	if err != nil {
		return err
	}
	defer stop()
	dsn := env["MYSQL_DSN"]

	c := apitest.New(base)
	if resp, err := c.Login(ctx, "bench."+apitest.NewNonce()); err != nil || resp.Status != 200 {
		return fmt.Errorf("login: %v %v", err, resp)
	}
	for i := 0; i < 10; i++ {
		g.StopFunction("user-me")
		if _, err := c.Get(ctx, "/v1/me"); err != nil {
			return err
		}
	}
	report("cold start (spawn -> Ping)", g.ColdStarts("user-me"))

	through, err := timeN(n, func() error { return expect200(c.Get(ctx, "/v1/me")) })
	if err != nil {
		return err
	}
	direct, err := inProcess(ctx, n, env, dsn, c)
	if err != nil {
		return err
	}
	report("GET /v1/me through the gateway", through)
	report("GET /v1/me handler in-process", direct)
	fmt.Printf("%-34s p50 %7.3f ms  p99 %7.3f ms\n", "gateway overhead (difference)",
		ms(pct(through, 50)-pct(direct, 50)), ms(pct(through, 99)-pct(direct, 99)))
	bare, err := timeN(n, func() error {
		ev := []byte(`{"httpMethod":"GET","path":"/_bench/none","headers":{},"requestContext":{"sourceIp":"127.0.0.1"}}`)
		_, err := g.Invoke(ctx, "user-me", scf.NewID(), ev)
		return err
	})
	if err != nil {
		return err
	}
	report("bare invoke, no I/O in handler", bare)
	return nil
}

// inProcess serves user-me's handler in this process with the functions'
// configuration, through the same API gateway event conversion.
func inProcess(ctx context.Context, n int, env map[string]string, dsn string, c *apitest.Client) ([]time.Duration, error) {
	all := gateway.DevEnv("127.0.0.1:1")
	for k, v := range env {
		all[k] = v
	}
	cfg, err := app.Load(func(k string) string { return all[k] })
	if err != nil {
		return nil, err
	}
	a, err := app.New(ctx, cfg, scf.NewLogger(io.Discard, slog.LevelInfo), clock.System{}, clock.System{})
	if err != nil {
		return nil, err
	}
	defer a.Close()
	fn := scf.APIGateway(api.Me(a), a.Log)
	return timeN(n, func() error {
		req, _ := http.NewRequest("GET", "/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		req.RemoteAddr = "127.0.0.1:1"
		if resp := scftest.Invoke(req, fn); resp.StatusCode != 200 {
			return fmt.Errorf("in-process: %d %s", resp.StatusCode, resp.Body)
		}
		return nil
	})
}

// scratchDB creates a migrated database of its own for one benchmark and
// opens a pool of 4 on it (dsn: for functions the bench starts); done
// closes the pool and drops the database.
func scratchDB(ctx context.Context) (db *sql.DB, dsn string, done func(), err error) {
	admin, err := mysql.Open(ctx, "root:@tcp(127.0.0.1:3306)/", 1)
	if err != nil {
		return nil, "", nil, err
	}
	name := fmt.Sprintf("wxlend_bench_%d", time.Now().Unix())
	drop := func() { admin.Exec("DROP DATABASE IF EXISTS " + name); admin.Close() }
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return nil, "", nil, err
	}
	dsn = "root:@tcp(127.0.0.1:3306)/" + name
	if db, err = mysql.Open(ctx, dsn, 4); err == nil {
		if _, err = mysql.Migrate(ctx, db); err == nil {
			return db, dsn, func() { db.Close(); drop() }, nil
		}
		db.Close()
	}
	drop()
	return nil, "", nil, err
}

func expect200(resp *apitest.Response, err error) error {
	if err != nil {
		return err
	}
	if resp.Status != 200 {
		return fmt.Errorf("status %d: %s", resp.Status, resp.Body)
	}
	return nil
}

func timeN(n int, f func() error) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	for i := 0; i < n; i++ {
		start := time.Now()
		if err := f(); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

func pct(ds []time.Duration, p int) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[(len(s)-1)*p/100]
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func report(name string, ds []time.Duration) {
	fmt.Printf("%-34s p50 %7.3f ms  p99 %7.3f ms  max %7.3f ms  (n=%d)\n", name, ms(pct(ds, 50)), ms(pct(ds, 99)), ms(pct(ds, 100)), len(ds))
}
