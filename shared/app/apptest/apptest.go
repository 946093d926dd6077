// Package apptest builds a complete *app.App for integration tests: a fresh
// migrated MariaDB database, a private Redis key prefix, the WeChat fake on
// an httptest server, and settable clocks. Nothing is mocked: the adapters
// under test are the production ones.
package apptest

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/mysql/mysqltest"
	"github.com/wxlend/wxlend/shared/redis/redistest"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
	"github.com/wxlend/wxlend/shared/wechat/wechattest"
)

// Env is a test's application and its surroundings.
type Env struct {
	App *app.App
	DB  *mysqltest.DB
	// Clock is the business clock (App.Clock); Wall is App.Wall, the
	// same clock unless Options.WallApart.
	Clock *clock.Fixed
	Wall  *clock.Fixed
	Logs  *SyncBuffer
	// CloudURL is the Tencent Cloud fake (FaceID liveness is completed at
	// CloudURL + "/_local/faceid/<biz_token>?result=pass").
	CloudURL string
	ESS      *tcloudtest.ESS
	SMS      *tcloudtest.SMS  // what Tencent Cloud SMS accepted
	WeChat   *wechattest.Fake // the mini-program API fake (subscribe messages)
	relay    *callbackRelay
}

// CallbacksTo sends the fakes' callbacks (e-sign) to base, the server the
// test serves its handlers on (known only after the App exists).
func (e *Env) CallbacksTo(base string) { e.relay.target.Store(base) }

// callbackRelay forwards callbacks to the test's server, keeping path,
// headers and body.
type callbackRelay struct{ target atomic.Value }

func (c *callbackRelay) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	base, _ := c.target.Load().(string)
	if base == "" {
		http.Error(w, "no callback target", http.StatusServiceUnavailable)
		return
	}
	req, _ := http.NewRequestWithContext(r.Context(), r.Method, base+r.URL.RequestURI(), r.Body)
	req.Header = r.Header.Clone()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// Options adjust the configuration before wiring.
type Options struct {
	RedisAddr     string
	IPPerMinute   int
	UserPerMinute int
	KMSKeyID      string // default wxlend-pii-key-1
	Cipher        string // default AES-256-GCM
	// WallApart gives App.Wall its own clock, starting at the business
	// clock's instant, so a test can move business time alone.
	WallApart bool
}

// New wires an App for t.
func New(t testing.TB, opts Options) *Env {
	t.Helper()
	db := mysqltest.New(t)
	prefix := redistest.New(t).Prefix
	wxFake := wechattest.New("wxtestapp", "wxtestsecret")
	wx := httptest.NewServer(wxFake.Handler())
	t.Cleanup(wx.Close)
	cloud := tcloudtest.NewServer()
	cloud.RegisterKMS()
	faceDone := cloud.RegisterFaceID()
	sms := cloud.RegisterSMS()
	cloud.RegisterCaptcha()
	mux := http.NewServeMux()
	mux.Handle("POST /_local/faceid/{biz_token}", faceDone)
	relay := &callbackRelay{}
	relaySrv := httptest.NewServer(relay)
	t.Cleanup(relaySrv.Close)
	ess := cloud.RegisterESS(tcloudtest.ESSCallbacks{URL: relaySrv.URL + "/notify/ess"})
	mux.Handle("POST /_local/ess/sign/{flow_id}", ess)
	mux.Handle("/", cloud)
	tc := httptest.NewServer(mux)
	t.Cleanup(tc.Close)
	t.Setenv("TENCENTCLOUD_SECRETID", tcloudtest.DevSecretID)
	t.Setenv("TENCENTCLOUD_SECRETKEY", tcloudtest.DevSecretKey)
	t.Setenv("TENCENTCLOUD_SESSIONTOKEN", "test-token")
	if opts.RedisAddr == "" {
		opts.RedisAddr = redistest.Addr()
	}
	env := map[string]string{
		"WXLEND_ENV": "test", "MYSQL_DSN": db.DSN, "MYSQL_MAX_OPEN": "32", "REDIS_ADDR": opts.RedisAddr, "REDIS_PREFIX": prefix, "REDIS_POOL_SIZE": "64",
		// Tests run under -race on a shared 2-core machine, where a socket
		// deadline measures how long the process waited for a CPU, not
		// Redis; production keeps redis.DefaultTimeout. A stopped Redis still
		// fails requests closed at once (TestRedisDownFailsClosed).
		"REDIS_TIMEOUT_MS": "1500",
		"WECHAT_APPID":     "wxtestapp", "WECHAT_SECRET": "wxtestsecret", "WECHAT_API_BASE": wx.URL,
		"AUTH_SECRET": "test-auth-secret-0123456789abcdef0123", "TENCENTCLOUD_API_SCHEME": "HTTP",
		"TENCENTCLOUD_API_ENDPOINT": strings.TrimPrefix(tc.URL, "http://"),
		"PII_KMS_KEY_ID":            opts.KMSKeyID, "PII_CIPHER": opts.Cipher,
		"PII_INDEX_KEY": "test-blind-index-key-0123456789abcdef", "FACEID_RULE_ID": "1",
		"CAPTCHA_APP_ID": strconv.Itoa(tcloudtest.DevCaptchaAppID), "CAPTCHA_APP_SECRET_KEY": tcloudtest.DevCaptchaSecretKey,
		"ESS_OPERATOR_USER_ID": tcloudtest.DevESSOperatorID, "ESS_CALLBACK_TOKEN": tcloudtest.DevESSCallbackToken,
		"ESS_CALLBACK_KEY": tcloudtest.DevESSCallbackKey, "LENDER_NAME": "微信信用借测试小额贷款有限公司", "LENDER_USCC": "91440300MA5DEVTEST",
	}
	if env["PII_KMS_KEY_ID"] == "" {
		env["PII_KMS_KEY_ID"] = "wxlend-pii-key-1"
	}
	cfg, err := app.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if opts.IPPerMinute > 0 {
		cfg.IPPerMinute = opts.IPPerMinute
	}
	if opts.UserPerMinute > 0 {
		cfg.UserPerMinute = opts.UserPerMinute
	}
	logs := &SyncBuffer{}
	clk := clock.NewFixed(time.Now().UTC().Truncate(time.Microsecond))
	wall := clk
	if opts.WallApart {
		wall = clock.NewFixed(clk.Now())
	}
	a, err := app.New(context.Background(), cfg, scf.NewLogger(logs, slog.LevelDebug), clk, wall)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(a.Close)
	a.Signer.ConvertPoll = time.Millisecond
	return &Env{App: a, DB: db, Clock: clk, Wall: wall, Logs: logs, CloudURL: tc.URL, ESS: ess, SMS: sms, WeChat: wxFake, relay: relay}
}

// SyncBuffer is a goroutine-safe log sink tests can read.
type SyncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String is everything logged so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
