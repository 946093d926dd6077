package gateway

import (
	"context"
	"fmt"
	"github.com/wxlend/wxlend/shared/app"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/wxlend/wxlend/scripts/internal/manifest"
	"github.com/wxlend/wxlend/scripts/internal/wxpaylocal"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
	"github.com/wxlend/wxlend/shared/wechat/wechattest"
	"github.com/wxlend/wxlend/shared/wecom/wecomtest"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

// Config is how the gateway runs.
type Config struct {
	Root     string            // repository root (serverless.yml, functions/)
	BinDir   string            // where host binaries are built
	Addr     string            // e.g. 127.0.0.1:9000; its host:port is given to functions
	Env      map[string]string // function environment overrides (local settings)
	Location *time.Location    // time zone timers are evaluated in
	Logs     io.Writer         // function stdout/stderr
	Log      *slog.Logger
	// AsyncRetryDelays are the waits before SCF's retries of a failed
	// asynchronous invocation (SCF retries twice by default).
	AsyncRetryDelays []time.Duration
	// BodyTimeout bounds how long a client may take to send a whole
	// request, headers and body (default 30 s; Server).
	BodyTimeout time.Duration
	// ClockFile keeps the local business clock that every function and
	// the WeChat Pay fakes read (clock.Shared); default
	// <BinDir>/business-clock.json. scripts/gateway keeps it in .local/.
	ClockFile string
}

// Gateway is the local SCF stand-in.
type Gateway struct {
	cfg      Config
	Manifest *manifest.File
	funcs    map[string]*function
	TCloud   *tcloudtest.Server
	WeChat   *wechattest.Fake
	SMS      *tcloudtest.SMS // Tencent Cloud SMS fake: what job-remind sent
	async    sync.WaitGroup
	stopOnce sync.Once
	stop     chan struct{}
	faceDone http.Handler
	ESS      *tcloudtest.ESS
	// Clock is the business clock (POST /_local/clock sets it).
	Clock *clock.Shared
	WxPay *wxpaytest.Fake
	// WxPay2 is a second merchant account (disbursement route 2) on its
	// own loopback host, as every merchant is its own account at WeChat
	// Pay; WxPay2URL is its address.
	WxPay2    *wxpaytest.Fake
	WxPay2URL string
	// Robot is the WeCom group robot fake that job-monitor and
	// job-reconcile alert (ALERT_WEBHOOK_URL points at it).
	Robot  *wecomtest.Fake
	wxpay2 *http.Server
	trace  tracer
}

// Dev-only settings the local stack gives every function. They are not
// secrets: they exist only on loopback with the fakes.
const (
	DevWeChatAppID  = "wxdev0000000000001"
	DevWeChatSecret = "wxlend-dev-app-secret-0000000000"
	DevAuthSecret   = "wxlend-dev-auth-secret-not-for-production-use"
)

// New reads serverless.yml under cfg.Root.
func New(cfg Config) (*Gateway, error) {
	m, err := manifest.Load(filepath.Join(cfg.Root, "serverless.yml"))
	if err != nil {
		return nil, err
	}
	if cfg.Location == nil {
		cfg.Location = time.UTC
	}
	if cfg.Logs == nil {
		cfg.Logs = os.Stderr
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if cfg.AsyncRetryDelays == nil {
		cfg.AsyncRetryDelays = []time.Duration{time.Second, 2 * time.Second}
	}
	if cfg.BodyTimeout <= 0 {
		cfg.BodyTimeout = 30 * time.Second
	}
	if cfg.ClockFile == "" {
		cfg.ClockFile = filepath.Join(cfg.BinDir, "business-clock.json")
	}
	g := &Gateway{cfg: cfg, Manifest: m, funcs: map[string]*function{}, stop: make(chan struct{}),
		TCloud: tcloudtest.NewServer(), WeChat: wechattest.New(DevWeChatAppID, DevWeChatSecret),
		Clock: clock.NewShared(cfg.ClockFile, clock.System{}), Robot: &wecomtest.Fake{}}
	g.registerSCF()
	g.TCloud.RegisterKMS()
	g.SMS = g.TCloud.RegisterSMS()
	g.faceDone = g.TCloud.RegisterFaceID()
	g.TCloud.RegisterCaptcha()
	g.ESS = g.TCloud.RegisterESS(tcloudtest.ESSCallbacks{URL: "http://" + cfg.Addr + "/notify/ess"})
	g.WxPay = wxpaytest.New(wxpaytest.Options{Now: g.Clock.Now})
	if err := g.startSecondMerchant(); err != nil {
		return nil, err
	}
	for _, n := range m.Names() {
		fn := m.Effective(n)
		g.funcs[n] = &function{
			name: n, bin: filepath.Join(cfg.BinDir, n), env: g.environment(n),
			timeout: time.Duration(fn.Timeout) * time.Second, memoryMB: int32(fn.MemorySize),
			logs: prefixWriter(cfg.Logs, n),
		}
	}
	return g, nil
}

// startSecondMerchant serves the second merchant's fake on an ephemeral
// loopback port (API and its own /_local/wxpay/ endpoints, wxpaylocal).
func (g *Gateway) startSecondMerchant() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("second merchant fake: %w", err)
	}
	g.WxPay2 = wxpaytest.New(wxpaytest.Options{MchID: wxpaytest.DevMchID2, Now: g.Clock.Now})
	g.WxPay2URL = "http://" + l.Addr().String()
	mux := http.NewServeMux()
	mux.Handle("/", g.WxPay2)
	mux.Handle(wxpaylocal.Prefix, wxpaylocal.Handler(g.WxPay2))
	g.wxpay2 = newServer(mux, g.cfg.BodyTimeout)
	go func() { _ = g.wxpay2.Serve(l) }()
	return nil
}

// DevEnv is the local environment every function gets (before overrides).
func DevEnv(addr string) map[string]string {
	return map[string]string{
		"WXLEND_ENV":                "dev",
		"MYSQL_DSN":                 "root:@tcp(127.0.0.1:3306)/wxlend",
		"REDIS_ADDR":                "127.0.0.1:6379",
		"REDIS_PREFIX":              "wxlend:dev:",
		"WECHAT_APPID":              DevWeChatAppID,
		"WECHAT_SECRET":             DevWeChatSecret,
		"WECHAT_API_BASE":           "http://" + addr,
		"AUTH_SECRET":               DevAuthSecret,
		"TENCENTCLOUD_API_ENDPOINT": addr,
		"TENCENTCLOUD_API_SCHEME":   "HTTP",
		"TENCENTCLOUD_SECRETID":     tcloudtest.DevSecretID,
		"TENCENTCLOUD_SECRETKEY":    tcloudtest.DevSecretKey,
		"TENCENTCLOUD_SESSIONTOKEN": "wxlend-dev-session-token",
		"TENCENTCLOUD_REGION":       "ap-guangzhou",
		"TZ":                        "UTC",
		"PII_KMS_KEY_ID":            "wxlend-pii-key-1",
		"PII_INDEX_KEY":             "wxlend-dev-blind-index-key-not-for-production",
		"FACEID_RULE_ID":            "1",
		"CAPTCHA_APP_ID":            strconv.Itoa(tcloudtest.DevCaptchaAppID),
		"CAPTCHA_APP_SECRET_KEY":    tcloudtest.DevCaptchaSecretKey,
		"ESS_OPERATOR_USER_ID":      tcloudtest.DevESSOperatorID,
		"ESS_CALLBACK_TOKEN":        tcloudtest.DevESSCallbackToken,
		"ESS_CALLBACK_KEY":          tcloudtest.DevESSCallbackKey,
		"LENDER_NAME":               "微信信用借本地开发小额贷款有限公司",
		"LENDER_USCC":               "91440300MA5DEVONLY",
		"ALERT_WEBHOOK_URL":         "http://" + addr + wecomtest.Path + "?key=" + wecomtest.DevKey,
		// The local stack shares two cores with MariaDB, every function and
		// often a whole test suite: a 300 ms deadline there measures CPU
		// starvation, not Redis (as apptest's 1.5 s for in-process tests).
		// Fail-closed is unchanged; TestRedisDownFailsClosed proves it.
		"REDIS_TIMEOUT_MS": "1500",
	}
}

// environment is what function n runs with: PATH and HOME from the host,
// the manifest's literal variables (not ${env:...} placeholders), the
// local settings, then cfg.Env overrides.
func (g *Gateway) environment(n string) []string {
	vars := map[string]string{}
	for _, m := range []map[string]string{g.Manifest.Inputs.Environment.Variables, g.Manifest.Inputs.Functions[n].Environment.Variables} {
		for k, v := range m {
			if !strings.Contains(v, "${") {
				vars[k] = v
			}
		}
	}
	for k, v := range wxpaytest.DevEnv("http://"+g.cfg.Addr, "http://"+g.cfg.Addr) {
		vars[k] = v
	}
	for k, v := range wxpaytest.DevRouteEnv(2, wxpaytest.DevMchID2, g.WxPay2URL) {
		vars[k] = v
	}
	for k, v := range DevEnv(g.cfg.Addr) {
		vars[k] = v
	}
	vars[ClockEnv] = g.cfg.ClockFile
	for k, v := range g.cfg.Env {
		vars[k] = v
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	keys := make([]string, 0, len(vars))
	for k := range vars {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		env = append(env, k+"="+vars[k])
	}
	return env
}

// Build compiles every declared function for the host into cfg.BinDir in
// one go build (shared packages compile once), with app.LocalTag: the
// local stack's binaries link the dev fixtures production never does (the
// deterministic risk data provider).
func (g *Gateway) Build(ctx context.Context) error {
	if err := os.MkdirAll(g.cfg.BinDir, 0o755); err != nil {
		return err
	}
	args := []string{"build", "-tags", app.LocalTag, "-o", g.cfg.BinDir + string(os.PathSeparator)}
	for _, n := range g.Manifest.Names() {
		args = append(args, "./functions/"+n)
	}
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = g.cfg.Root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build functions: %v\n%s", err, out)
	}
	return nil
}

// Invoke runs payload through function name synchronously.
func (g *Gateway) Invoke(ctx context.Context, name, requestID string, payload []byte) ([]byte, error) {
	return g.invokeTraced(ctx, name, requestID, payload, time.Time{})
}

// invokeTraced is Invoke for an event accepted (queued) at accepted.
func (g *Gateway) invokeTraced(ctx context.Context, name, requestID string, payload []byte, accepted time.Time) ([]byte, error) {
	f, ok := g.funcs[name]
	if !ok {
		return nil, fmt.Errorf("no function %q in serverless.yml", name)
	}
	tr := InvokeTrace{Function: name, RequestID: requestID, Payload: payload, Accepted: accepted}
	out, err := f.invoke(ctx, requestID, payload, &tr.Started)
	tr.Ended, tr.Err = time.Now(), err
	g.trace.report(tr)
	return out, err
}

// WaitAsync blocks until every queued asynchronous invocation (and its
// retries) has finished, or ctx ends. Tests use it to wait for a chain.
func (g *Gateway) WaitAsync(ctx context.Context) error {
	done := make(chan struct{})
	go func() { g.async.Wait(); close(done) }()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close stops timers and every function process.
func (g *Gateway) Close() {
	g.stopOnce.Do(func() { close(g.stop); g.WxPay.Close(); g.WxPay2.Close(); g.wxpay2.Close() })
	for _, f := range g.funcs {
		f.stop()
	}
}

// Stats are per-function counters for /_local/stats and the benchmarks.
type Stats struct {
	Invokes      int64   `json:"invokes"`
	ColdStartsMS []int64 `json:"cold_starts_ms"`
	Running      bool    `json:"running"`
	P50MS        float64 `json:"p50_ms"`
	P99MS        float64 `json:"p99_ms"`
}

// Stats reports each function's invocations and cold starts.
func (g *Gateway) Stats() map[string]Stats {
	out := map[string]Stats{}
	for n, f := range g.funcs {
		f.mu.Lock()
		s := Stats{Invokes: f.invokes, Running: f.inst != nil, P50MS: percentileMS(f.latency, 50), P99MS: percentileMS(f.latency, 99)}
		for _, d := range f.coldStart {
			s.ColdStartsMS = append(s.ColdStartsMS, d.Milliseconds())
		}
		f.mu.Unlock()
		out[n] = s
	}
	return out
}

// ColdStarts returns every recorded cold start of function name.
func (g *Gateway) ColdStarts(name string) []time.Duration {
	f := g.funcs[name]
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]time.Duration(nil), f.coldStart...)
}

// StopFunction kills function name's instance so the next call cold-starts.
func (g *Gateway) StopFunction(name string) {
	if f, ok := g.funcs[name]; ok {
		f.stop()
	}
}

// KillFunction kills function name's running process with SIGKILL, as a
// crashed or reclaimed SCF instance dies (scripts/chaos); it reports
// whether one was running. Its in-flight invocations fail; the next
// invocation cold-starts a new process.
func (g *Gateway) KillFunction(name string) bool {
	f, ok := g.funcs[name]
	if !ok {
		return false
	}
	f.mu.Lock()
	inst := f.inst
	f.mu.Unlock()
	if inst == nil {
		return false
	}
	f.kill(inst)
	return true
}

type lineWriter struct {
	mu     *sync.Mutex
	w      io.Writer
	prefix string
}

var logMu sync.Mutex

func prefixWriter(w io.Writer, name string) io.Writer {
	return &lineWriter{mu: &logMu, w: w, prefix: "[" + name + "] "}
}

func (l *lineWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, line := range strings.SplitAfter(string(p), "\n") {
		if line != "" {
			io.WriteString(l.w, l.prefix+line)
		}
	}
	return len(p), nil
}

func percentileMS(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return float64(s[(len(s)-1)*p/100].Microseconds()) / 1000
}
