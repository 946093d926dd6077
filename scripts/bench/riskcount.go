package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	"github.com/tencentyun/scf-go-lib/events"
	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/scripts/internal/journey"
	"github.com/wxlend/wxlend/shared/api"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/risk/risktest"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/scf/scftest"
	"github.com/wxlend/wxlend/shared/underwriting"
)

// countSteps runs k more applications of borrower c through the chain in
// this process, on a pool that counts what it sends, and prints the
// statements, commits and prepares per decision of each step: the POST
// (credit-apply's handler) and the four risk functions, invoked in order
// (the outbox's invocations are swallowed so the gateway's processes do
// not run them too). The caches are warm after the first application, as
// in a function process that served the throughput run.
func countSteps(ctx context.Context, env map[string]string, c *apitest.Client, k int) error {
	a, counts, err := countingApp(ctx, strings.TrimPrefix(c.BaseURL, "http://"), env)
	if err != nil {
		return err
	}
	defer a.Close()
	srv := httptest.NewServer(sdkless(scf.APIGateway(api.CreditApply(a), a.Log)))
	defer srv.Close()
	local := *c
	local.BaseURL = srv.URL
	d := underwriting.New(a, risktest.Provider{})
	steps := []string{"POST", underwriting.StepAntifraud, underwriting.StepRules, underwriting.StepScore, underwriting.StepDecide}
	per := map[string]mysqltest.Snapshot{}
	for i := 0; i < k; i++ {
		before := counts.Read()
		resp, err := local.Post(ctx, "/v1/credit/applications", map[string]any{"device": map[string]any{"fingerprint_id": fmt.Sprintf("fp-count-%d-0123456789", i)}, "captcha": journey.DevCaptcha()})
		if err != nil || resp.Status != 202 {
			return fmt.Errorf("apply: %v %v", err, resp)
		}
		per["POST"] = add(per["POST"], counts.Read().Sub(before))
		var out struct {
			ApplicationID int64 `json:"application_id"`
		}
		_ = resp.Decode(&out)
		payload := json.RawMessage(fmt.Sprintf(`{"application_id":%d}`, out.ApplicationID))
		for _, step := range steps[1:] {
			before := counts.Read()
			if err := underwriting.Step(d, step)(ctx, payload); err != nil {
				return fmt.Errorf("%s: %w", step, err)
			}
			per[step] = add(per[step], counts.Read().Sub(before))
		}
		got, err := mysql.Applications{DB: a.DB}.Get(ctx, out.ApplicationID, 0)
		if err != nil || got.Status == "pending" {
			return fmt.Errorf("application %d not decided in process: %v %+v", out.ApplicationID, err, got)
		}
	}
	fmt.Printf("per decision, mean of %d in-process applications (counting pool):\n", k)
	fmt.Printf("  %-10s %10s %8s %9s\n", "step", "statements", "commits", "prepares")
	var total mysqltest.Snapshot
	for _, s := range steps {
		n := per[s]
		total = add(total, n)
		fmt.Printf("  %-10s %10.1f %8.1f %9.1f\n", s, float64(n.Statements)/float64(k), float64(n.Commits)/float64(k), float64(n.Prepares)/float64(k))
	}
	fmt.Printf("  %-10s %10.1f %8.1f %9.1f\n", "total", float64(total.Statements)/float64(k), float64(total.Commits)/float64(k), float64(total.Prepares)/float64(k))
	return nil
}

func add(a, b mysqltest.Snapshot) mysqltest.Snapshot {
	return mysqltest.Snapshot{Statements: a.Statements + b.Statements, Commits: a.Commits + b.Commits, Prepares: a.Prepares + b.Prepares}
}

// countingApp is the functions' App (their configuration) on a counting
// pool, with an invoker that drops invocations.
func countingApp(ctx context.Context, addr string, env map[string]string) (*app.App, *mysqltest.Counts, error) {
	all := gateway.DevEnv(addr)
	for k, v := range env {
		all[k] = v
	}
	cfg, err := app.Load(func(k string) string { return all[k] })
	if err != nil {
		return nil, nil, err
	}
	for _, k := range []string{"TENCENTCLOUD_SECRETID", "TENCENTCLOUD_SECRETKEY", "TENCENTCLOUD_SESSIONTOKEN"} {
		os.Setenv(k, all[k]) // the execution role's credentials are read from the environment on every call
	}
	a, err := app.New(ctx, cfg, scf.NewLogger(io.Discard, slog.LevelInfo), clock.System{}, clock.System{})
	if err != nil {
		return nil, nil, err
	}
	db, counts, err := mysqltest.OpenCounting(ctx, cfg.MySQLDSN, cfg.MySQLMaxOpen)
	if err != nil {
		a.Close()
		return nil, nil, err
	}
	a.DB.Close()
	a.DB, a.Users = db, mysql.Users{DB: db}
	a.Auth.Users, a.Auth.Sessions = a.Users, mysql.Sessions{DB: db}
	a.Invoker = dropInvoker{}
	return a, counts, nil
}

type dropInvoker struct{}

func (dropInvoker) InvokeAsync(context.Context, string, any) error { return nil }

// sdkless serves an SCF API gateway function over plain HTTP in this
// process, through the same event conversion the gateway uses.
func sdkless(fn func(context.Context, scf.HTTPEvent) (events.APIGatewayResponse, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		resp := scftest.Invoke(r, fn)
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		w.WriteHeader(resp.StatusCode)
		_, _ = io.WriteString(w, resp.Body)
	})
}
