package gateway_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/redis"
	"github.com/wxlend/wxlend/shared/redis/redistest"
	"github.com/wxlend/wxlend/shared/tcloud"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
)

// startStack builds every function and serves them on a loopback port,
// as scripts/dev.sh does, against a fresh database and Redis prefix.
func startStack(t *testing.T) (*gateway.Gateway, string) {
	g, base, _ := startStackDB(t)
	return g, base
}

// startStackDB is startStack that also returns the database.
func startStackDB(t *testing.T) (*gateway.Gateway, string, *mysqltest.DB) {
	t.Helper()
	g, base, db, _ := startStackStores(t)
	return g, base, db
}

// startStackStores is startStackDB that also returns the stack's Redis
// (its own key prefix), where the rate windows live.
func startStackStores(t *testing.T) (*gateway.Gateway, string, *mysqltest.DB, *redis.Store) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds every function; skipped in -short")
	}
	db := mysqltest.New(t)
	rs := redistest.New(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := keepTail(t)
	g, err := gateway.New(gateway.Config{
		Root: "../../..", BinDir: t.TempDir(), Addr: l.Addr().String(),
		Env:              map[string]string{"MYSQL_DSN": db.DSN, "REDIS_PREFIX": rs.Prefix},
		Logs:             logs,
		Log:              slog.New(slog.NewTextHandler(logs, nil)),
		AsyncRetryDelays: []time.Duration{10 * time.Millisecond, 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Build(context.Background()); err != nil {
		t.Fatal(err)
	}
	srv := g.Server()
	go gateway.Serve(srv, l)
	t.Cleanup(func() { srv.Close(); g.Close() })
	return g, "http://" + l.Addr().String(), db, rs
}

// tailLines is how much of a stack's log a failed test shows.
const tailLines = 300

// tailLog keeps the last tailLines writes (whole lines: the gateway and
// slog write line by line) of a stack's functions and gateway.
type tailLog struct {
	mu    sync.Mutex
	lines []string
}

func (l *tailLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.lines) == tailLines {
		l.lines = l.lines[1:]
	}
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

// keepTail returns a log that t prints if it fails: a client sees a bare
// 502 by design, so the why is only in the functions' own lines.
func keepTail(t *testing.T) *tailLog {
	l := &tailLog{}
	t.Cleanup(func() {
		if t.Failed() {
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Logf("the stack's last %d log lines:\n%s", len(l.lines), strings.Join(l.lines, ""))
		}
	})
	return l
}

func TestLocalStack(t *testing.T) {
	g, base, db := startStackDB(t)
	ctx := context.Background()
	frontDoor(t, g, base, db)

	t.Run("health", func(t *testing.T) {
		resp, err := http.Get(base + "/_local/health")
		if err != nil || resp.StatusCode != 200 {
			t.Fatal(err, resp)
		}
	})

	t.Run("job-remind and its audit", func(t *testing.T) {
		if r, err := http.Post(base+"/_local/timers/job-remind", "application/json", nil); err != nil || r.StatusCode != 200 {
			t.Fatal(err, r)
		}
		resp, err := http.Get(base + "/_local/messages?user_id=1")
		if err != nil || resp.StatusCode != 200 {
			t.Fatal(err, resp)
		}
		if r, _ := http.Get(base + "/_local/messages?user_id=x"); r.StatusCode != 400 {
			t.Fatal(r.StatusCode)
		}
	})

	c := apitest.New(base)
	t.Run("login and signed GET /v1/me", func(t *testing.T) {
		resp, err := c.Login(ctx, "alice."+apitest.NewNonce())
		expect(t, resp, err, 200, "")
		resp, err = c.Get(ctx, "/v1/me")
		expect(t, resp, err, 200, "")
	})

	t.Run("a signed body that is not UTF-8 reaches the function byte for byte", func(t *testing.T) {
		resp, err := c.Send(ctx, "POST", "/v1/auth/logout", []byte("{\"x\":\"\xff\"}"), nil)
		expect(t, resp, err, 400, "invalid_argument") // the signature matched; the JSON decode refused it
	})

	t.Run("unsigned, stale and replayed POSTs", func(t *testing.T) {
		resp, err := c.Send(ctx, "POST", "/v1/auth/logout", []byte(`{}`), &apitest.Signing{Skip: true})
		expect(t, resp, err, 401, "unauthenticated")
		stale := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
		resp, err = c.Send(ctx, "POST", "/v1/auth/logout", []byte(`{}`), &apitest.Signing{Timestamp: stale})
		expect(t, resp, err, 401, "unauthenticated")
		sig := &apitest.Signing{Nonce: apitest.NewNonce(), Timestamp: strconv.FormatInt(time.Now().Unix(), 10)}
		quote := []byte(`{"amount_fen":1000000,"term_months":12,"method":"equal_installment"}`)
		resp, err = c.Send(ctx, "POST", "/v1/loans/quote", quote, sig)
		expect(t, resp, err, 200, "")
		resp, err = c.Send(ctx, "POST", "/v1/loans/quote", quote, sig)
		expect(t, resp, err, 401, "replayed")
		resp, err = c.Post(ctx, "/v1/auth/logout", map[string]any{})
		expect(t, resp, err, 200, "")
		resp, err = c.Get(ctx, "/v1/me")
		expect(t, resp, err, 401, "unauthenticated")
	})

	t.Run("unknown route", func(t *testing.T) {
		resp, err := c.Get(ctx, "/v1/nope")
		expect(t, resp, err, 404, "not_found")
	})

	t.Run("timer on demand", func(t *testing.T) {
		resp, err := http.Post(base+"/_local/timers/job-session-sweep", "application/json", nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatal(err, resp.StatusCode)
		}
	})

	t.Run("SCF Invoke through tencentcloud-sdk-go", func(t *testing.T) {
		inv := tcloud.SCFInvoker{
			Endpoint: tcloud.Endpoint{Host: base[len("http://"):], Scheme: "HTTP", Region: "ap-guangzhou"},
			Cred: func() *common.Credential {
				return common.NewTokenCredential(tcloudtest.DevSecretID, tcloudtest.DevSecretKey, "tok")
			},
		}
		before := g.Stats()["db-migrate"].Invokes
		if err := inv.InvokeAsync(ctx, "db-migrate", map[string]string{"reason": "test"}); err != nil {
			t.Fatal(err)
		}
		if err := g.WaitAsync(ctx); err != nil {
			t.Fatal(err)
		}
		if got := g.Stats()["db-migrate"].Invokes; got != before+1 {
			t.Fatalf("db-migrate invoked %d times, want %d", got, before+1)
		}
		if err := inv.InvokeAsync(ctx, "no-such-function", nil); err == nil {
			t.Fatal("unknown function accepted")
		}
		inv.Cred = func() *common.Credential { return common.NewCredential(tcloudtest.DevSecretID, "wrong-key") }
		if err := inv.InvokeAsync(ctx, "db-migrate", nil); err == nil {
			t.Fatal("bad TC3 signature accepted")
		}
	})

	t.Run("cold start after the instance stops", func(t *testing.T) {
		g.StopFunction("user-me")
		n := len(g.ColdStarts("user-me"))
		d := apitest.New(base)
		resp, err := d.Login(ctx, "bob."+apitest.NewNonce())
		expect(t, resp, err, 200, "")
		resp, err = d.Get(ctx, "/v1/me")
		expect(t, resp, err, 200, "")
		if len(g.ColdStarts("user-me")) != n+1 {
			t.Fatal("no cold start recorded")
		}
		var stats map[string]gateway.Stats
		r, _ := http.Get(base + "/_local/stats")
		_ = json.NewDecoder(r.Body).Decode(&stats)
		if !stats["user-me"].Running {
			t.Fatalf("stats %+v", stats["user-me"])
		}
	})

	t.Run("every function reads the business clock; signatures and sessions keep wall time", func(t *testing.T) {
		d := apitest.New(base)
		resp, err := d.Login(ctx, "carol."+apitest.NewNonce())
		expect(t, resp, err, 200, "")
		ahead := time.Now().Add(40 * 24 * time.Hour).UTC().Truncate(time.Second)
		r, err := http.Post(base+"/_local/clock", "application/json", strings.NewReader(`{"now":"`+ahead.Format(time.RFC3339)+`"}`))
		if err != nil || r.StatusCode != 200 {
			t.Fatal(err, r.StatusCode)
		}
		r.Body.Close()
		resp, err = d.Post(ctx, "/v1/loans/quote", map[string]any{"amount_fen": 1000000, "term_months": 12, "method": "equal_installment"})
		expect(t, resp, err, 200, "")
		var q struct {
			ExpiresAt time.Time `json:"expires_at"`
		}
		_ = resp.Decode(&q)
		if q.ExpiresAt.Before(ahead) || q.ExpiresAt.After(ahead.Add(24*time.Hour)) {
			t.Fatalf("quote expires_at %v: not stamped on the business clock (%v)", q.ExpiresAt, ahead)
		}
		resp, err = d.Get(ctx, "/v1/me")
		expect(t, resp, err, 200, "")
	})
}

func expect(t *testing.T, resp *apitest.Response, err error, status int, code string) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != status || resp.Code() != code {
		t.Fatalf("got %d %s, want %d %q", resp.Status, resp.Body, status, code)
	}
}
