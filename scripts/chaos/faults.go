package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os/exec"
	"sync"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/gateway"
	"github.com/wxlend/wxlend/shared/api/apitest"
	"github.com/wxlend/wxlend/shared/auth"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// privateRedis is a redis-server on a free loopback port of its own,
// keeping nothing on disk; chaos stops and restarts it.
type privateRedis struct {
	addr string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

func startRedis() (*privateRedis, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := l.Addr().String()
	l.Close()
	r := &privateRedis{addr: addr}
	return r, r.start()
}

func (r *privateRedis) start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd != nil {
		return nil
	}
	_, port, _ := net.SplitHostPort(r.addr)
	cmd := exec.Command("redis-server", "--bind", "127.0.0.1", "--port", port, "--save", "", "--appendonly", "no")
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redis-server (apt-get install redis-server): %w", err)
	}
	r.cmd = cmd
	for i := 0; i < 200; i++ {
		if c, err := net.Dial("tcp", r.addr); err == nil {
			c.Close()
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s did not start", r.addr)
}

// stop kills the server (SIGKILL: it keeps nothing, so a restart is empty:
// nonces and rate windows are gone, as after a failover).
func (r *privateRedis) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cmd == nil {
		return
	}
	_ = r.cmd.Process.Kill()
	_ = r.cmd.Wait()
	r.cmd = nil
}

// injector injects the faults and counts them by kind.
type injector struct {
	g    *gateway.Gateway
	rds  *privateRedis
	base string
	rec  *recorder
	// probe is a signed-in borrower whose GET /v1/me (session in MySQL,
	// rate windows in Redis) tells when requests are served again.
	probe *apitest.Client
	mu    sync.Mutex
	n     map[string]int
}

func (in *injector) count(kind string) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.n == nil {
		in.n = map[string]int{}
	}
	in.n[kind]++
}

// counts are the faults injected, with the WeChat Pay fakes' own.
func (in *injector) counts() map[string]int {
	in.mu.Lock()
	out := map[string]int{}
	for k, v := range in.n {
		out[k] = v
	}
	in.mu.Unlock()
	for _, f := range in.fakes() {
		s := f.Stats()
		out["wxpay: failed API calls"] += s.FaultsInjected
		out["wxpay: notification deliveries"] += s.DeliveryAttempts
		out["wxpay: distinct notifications"] += s.NotificationsSent
	}
	return out
}

func (in *injector) fakes() []*wxpaytest.Fake { return []*wxpaytest.Fake{in.g.WxPay, in.g.WxPay2} }

// wxpayChaos makes both merchant accounts fail a fraction of calls and
// duplicate a third of the notifications, each delayed up to 2 s.
func (in *injector) wxpayChaos(rate float64) {
	for i, f := range in.fakes() {
		f.SetFaultRate(rate, uint64(i+1), "SYSTEM_ERROR", "FREQUENCY_LIMITED")
		f.SetNotifyChaos(0.3, 2*time.Second)
	}
}

// loop injects one fault every interval until stop: mostly a function
// process killed, sometimes a Redis outage of 1-3 s.
func (in *injector) loop(every time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
		}
		if rand.N(10) < 7 {
			in.killOne()
			continue
		}
		in.redisOutage(time.Second + rand.N(2*time.Second))
	}
}

func (in *injector) killOne() {
	var running []string
	for name, s := range in.g.Stats() {
		if s.Running {
			running = append(running, name)
		}
	}
	if len(running) == 0 {
		return
	}
	if in.g.KillFunction(running[rand.N(len(running))]) {
		in.count("kill -9 of a function process")
	}
}

// redisOutage stops Redis for d, starts it again and measures how long
// until a borrower request is served again.
func (in *injector) redisOutage(d time.Duration) {
	in.rds.stop()
	in.count("redis stopped and restarted")
	time.Sleep(d)
	if err := in.rds.start(); err != nil {
		in.count("redis restart failed")
		return
	}
	restarted := time.Now()
	for time.Since(restarted) < 30*time.Second {
		if r, err := in.probe.Get(context.Background(), "/v1/me"); err == nil && r.Status == http.StatusOK {
			in.rec.recovery("redis restart -> GET /v1/me 200", time.Since(restarted))
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	in.count("redis outage not recovered in 30 s")
}

// heal ends the faults: Redis up, WeChat Pay healthy, and every transfer
// still waiting for its borrower confirmed (the borrower comes back).
func (in *injector) heal(ctx context.Context) error {
	if err := in.rds.start(); err != nil {
		return err
	}
	for _, f := range in.fakes() {
		f.SetFaultRate(0, 1)
		f.SetNotifyChaos(0, 0)
	}
	confirmWaiting(in.fakes())
	for _, f := range in.fakes() {
		wctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := f.Flush(wctx)
		cancel()
		if err != nil {
			return fmt.Errorf("notifications in flight: %w", err)
		}
	}
	return nil
}

// confirmWaiting plays the borrowers who come back: every transfer
// waiting for its borrower is confirmed.
func confirmWaiting(fakes []*wxpaytest.Fake) {
	for _, f := range fakes {
		for _, t := range f.Transfers() {
			if t.State == wxpaytest.TransferWaitUserConfirm {
				_ = f.ConfirmTransfer(t.OutBillNo, "")
			}
		}
	}
}

// recorder counts what borrowers saw.
type recorder struct {
	mu           sync.Mutex
	requests     int
	retries      int
	errors       map[string]int
	stagesOK     map[string]int
	stagesFailed map[string]int
	firstErr     map[string]string // the first failure of each stage
	recoveries   map[string][]time.Duration
}

func newRecorder() *recorder {
	return &recorder{errors: map[string]int{}, stagesOK: map[string]int{}, stagesFailed: map[string]int{}, firstErr: map[string]string{}, recoveries: map[string][]time.Duration{}}
}

func (r *recorder) snapshot() recorder {
	r.mu.Lock()
	defer r.mu.Unlock()
	return recorder{requests: r.requests, retries: r.retries, errors: r.errors, stagesOK: r.stagesOK, stagesFailed: r.stagesFailed,
		firstErr: r.firstErr, recoveries: r.recoveries}
}

func (r *recorder) journey(stage string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.stagesFailed[stage]++
		if _, seen := r.firstErr[stage]; !seen {
			r.firstErr[stage] = err.Error()
		}
		return
	}
	r.stagesOK[stage]++
}

func (r *recorder) recovery(kind string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.recoveries[kind] = append(r.recoveries[kind], d)
}

// client is a borrower's client whose transport counts every answer and
// retries, re-signed, what a mini-program retries.
func (r *recorder) client(base, ip string) *apitest.Client {
	c := apitest.New(base)
	c.FromIP(ip) // the front door records the TCP peer as the client IP
	c.HTTP = &http.Client{Timeout: 30 * time.Second, Transport: &retrying{c: c, rec: r, next: c.HTTP.Transport}}
	return c
}

type retrying struct {
	c    *apitest.Client
	rec  *recorder
	next http.RoundTripper // dials from the borrower's own loopback address
}

// maxTries bounds a request's attempts (1 s, 2 s, 4 s, 8 s apart).
const maxTries = 5

func (t *retrying) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
		req.Body.Close()
	}
	for attempt := 1; ; attempt++ {
		try := req.Clone(req.Context())
		try.Body = io.NopCloser(bytes.NewReader(body))
		if attempt > 1 && try.Header.Get("X-Signature") != "" {
			resign(try, t.c.SignKey, body)
		}
		resp, err := t.next.RoundTrip(try)
		code := t.record(resp, err)
		retry := err != nil || resp.StatusCode == http.StatusBadGateway || resp.StatusCode == http.StatusServiceUnavailable || resp.StatusCode == http.StatusGatewayTimeout
		if !retry || attempt == maxTries {
			return resp, err
		}
		_ = code
		if resp != nil {
			resp.Body.Close()
		}
		t.rec.mu.Lock()
		t.rec.retries++
		t.rec.mu.Unlock()
		time.Sleep(time.Duration(1<<(attempt-1)) * time.Second)
	}
}

// record counts one answer and its api.md error code; the body is kept
// readable for the caller.
func (t *retrying) record(resp *http.Response, err error) string {
	t.rec.mu.Lock()
	defer t.rec.mu.Unlock()
	t.rec.requests++
	if err != nil {
		t.rec.errors["(transport error)"]++
		return ""
	}
	if resp.StatusCode < 400 {
		return ""
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var e struct{ Code string }
	_ = json.Unmarshal(b, &e)
	key := fmt.Sprintf("%s (%d)", e.Code, resp.StatusCode)
	t.rec.errors[key]++
	return e.Code
}

func resign(req *http.Request, key string, body []byte) {
	ts, nonce := fmt.Sprint(time.Now().Unix()), apitest.NewNonce()
	req.Header.Set("X-Timestamp", ts)
	req.Header.Set("X-Nonce", nonce)
	req.Header.Set("X-Signature", auth.Signature(key, req.Method, req.URL.Path, ts, nonce, body))
}
