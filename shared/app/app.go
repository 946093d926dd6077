package app

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/wxlend/wxlend/shared/auth"
	"github.com/wxlend/wxlend/shared/clock"
	"github.com/wxlend/wxlend/shared/invoke"
	"github.com/wxlend/wxlend/shared/kyc"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/pii"
	"github.com/wxlend/wxlend/shared/redis"
	"github.com/wxlend/wxlend/shared/remind"
	"github.com/wxlend/wxlend/shared/risk"
	"github.com/wxlend/wxlend/shared/scf"
	"github.com/wxlend/wxlend/shared/tcloud"
	"github.com/wxlend/wxlend/shared/wechat"
)

// App is everything a function may use, built once per cold start.
type App struct {
	Cfg Config
	Log *slog.Logger
	// Clock is THE BUSINESS CLOCK: every business rule reads it (due
	// dates, days past due, close of business, reminder windows, quote
	// expiry) and so does every row those rules stamp. clock.System in
	// production; the local stack's is settable (clock.Shared).
	Clock clock.Clock
	// Wall is real time for the security checks: request timestamps,
	// nonces, sessions, rate-limit windows, signature skews, callback
	// freshness. It never follows the business clock.
	Wall     clock.Clock
	DB       *sql.DB
	Redis    *redis.Store
	Users    mysql.Users
	Auth     *auth.Service
	Invoker  invoke.Invoker
	WeChat   *wechat.Client
	Vault    *pii.Vault
	Verifier kyc.Verifier
	Signer   tcloud.ESS
	SMS      remind.SMSSender // Tencent Cloud SMS (job-remind)
}

// New connects and wires. Connections are made here, never per request.
// business becomes App.Clock, wall App.Wall and the auth service's clock.
func New(ctx context.Context, cfg Config, log *slog.Logger, business, wall clock.Clock) (*App, error) {
	db, err := mysql.Open(ctx, cfg.MySQLDSN, cfg.MySQLMaxOpen)
	if err != nil {
		return nil, err
	}
	rs := redis.Open(redis.Options{Addr: cfg.RedisAddr, Password: cfg.RedisPassword, DB: cfg.RedisDB,
		Prefix: cfg.RedisPrefix, PoolSize: cfg.RedisPool, Timeout: cfg.RedisTimeout})
	a := &App{Cfg: cfg, Log: log, Clock: business, Wall: wall, DB: db, Redis: rs, Users: mysql.Users{DB: db},
		WeChat: wechat.NewClient(cfg.WeChatAPIBase, cfg.WeChatAppID, cfg.WeChatSecret)}
	cloud := tcloud.Endpoint{Host: cfg.CloudEndpoint, Scheme: cfg.CloudScheme, Region: cfg.CloudRegion}
	role := func() *common.Credential { return tcloud.RoleCredential() }
	vault, err := pii.NewVault(pii.VaultConfig{Keys: tcloud.KMS{Endpoint: cloud, Cred: role}, KeyID: cfg.PIIKeyID,
		Algorithm: pii.Algorithm(cfg.PIICipher), EncryptionContext: cfg.PIIContext})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("PII vault: %w", err)
	}
	a.Vault = vault
	a.Verifier = tcloud.FaceID{Endpoint: cloud, Cred: role, RuleID: cfg.FaceIDRuleID}
	files := cloud
	if cfg.ESSFileHost != "" || cfg.CloudEndpoint == "" {
		files.Host = cfg.ESSFileHost
	}
	a.Signer = tcloud.ESS{Endpoint: cloud, FileEndpoint: files, Cred: role, OperatorUserID: cfg.ESSOperatorID}
	a.Auth = &auth.Service{
		Cfg: auth.Config{Secret: cfg.AuthSecret, SessionTTL: cfg.SessionTTL, Skew: auth.DefaultSkew,
			IPPerMinute: cfg.IPPerMinute, UserPerMinute: cfg.UserPerMinute},
		Wall:     wall,
		WeChat:   a.WeChat,
		Users:    a.Users,
		Sessions: mysql.Sessions{DB: db},
		Guard:    rs,
	}
	if cfg.CaptchaAppID != 0 {
		a.Auth.Captcha = tcloud.Captcha{Endpoint: cloud, Cred: role, AppID: uint64(cfg.CaptchaAppID), SecretKey: cfg.CaptchaSecretKey}
	}
	a.SMS = tcloud.SMS{Endpoint: cloud, Cred: role, AppID: cfg.Remind.SMSAppID, Sign: cfg.Remind.SMSSign}
	a.Invoker = tcloud.SCFInvoker{Endpoint: cloud, Namespace: cfg.SCFNamespace, Cred: role}
	return a, nil
}

// Close releases the connections (tests; SCF instances just end).
func (a *App) Close() {
	a.DB.Close()
	a.Redis.Close()
}

// MustLoad is a main's first line: configuration from the environment,
// connections, services. A bad configuration stops the cold start with a
// message naming the variable, which SCF shows in the function's log.
func MustLoad() *App {
	log := scf.NewLogger(os.Stdout, slog.LevelInfo)
	cfg, err := Load(os.Getenv)
	if err != nil {
		Fail(log, "configuration", err)
	}
	log = scf.NewLogger(os.Stdout, cfg.LogLevel)
	a, err := New(context.Background(), cfg, log, BusinessClock(cfg), clock.System{})
	if err != nil {
		Fail(log, "start", err)
	}
	return a
}

// BusinessClock is the system clock, or with WXLEND_BUSINESS_CLOCK_FILE
// (local stack only, the loader refuses it in prod) the gateway's settable
// clock shared by every function process.
func BusinessClock(cfg Config) clock.Clock {
	if cfg.BusinessClockFile != "" {
		return clock.NewShared(cfg.BusinessClockFile, clock.System{})
	}
	return clock.System{}
}

// Fail stops a cold start: the stage and the error go to the log and to
// stderr (SCF shows both), and the process exits with status 2.
func Fail(log *slog.Logger, stage string, err error) {
	log.Error("cold start failed", "stage", stage, "error", err.Error())
	fmt.Fprintf(os.Stderr, "wxlend: %s: %v\n", stage, err)
	os.Exit(2)
}

// LocalTag is the build tag of the local stack's binaries (the gateway
// builds with it, scripts/build.sh never does): files under it register dev
// fixtures, so no production binary links a *test package.
const LocalTag = "wxlend_local"

// devDataProvider is set by local.go, only in binaries built with LocalTag.
var devDataProvider risk.DataProvider

// DataProvider is the third-party risk data source (blacklist, multi-platform
// lending, score). Only the local deterministic provider exists so far,
// linked into local builds alone; a production contract with a data vendor
// brings its adapter here. Without one the cold start stops, naming why.
func DataProvider(a *App) risk.DataProvider {
	switch {
	case a.Cfg.Env == "prod":
		Fail(a.Log, "configuration", errors.New("no third-party risk data provider is configured for production"))
	case devDataProvider == nil:
		Fail(a.Log, "configuration", errors.New("no risk data provider is linked: local binaries are built with -tags "+LocalTag))
	}
	return devDataProvider
}
