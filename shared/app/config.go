// Package app loads configuration from the environment and wires the shared
// pieces (MySQL pool, Redis, SDK clients, services) once per cold start. It
// is used by every function's main and by end-to-end tests.
package app

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/remind"
)

// Config is every setting, read from environment variables. README lists
// them; Load names the first missing or bad one.
type Config struct {
	Env string // WXLEND_ENV: dev | test | prod
	// LedgerImmutability is LEDGER_IMMUTABILITY: triggers (TencentDB,
	// TDSQL-C) or grants (TiDB, TDSQL distributed); README "Past one database".
	LedgerImmutability string
	LogLevel           slog.Level
	MySQLDSN           string
	MySQLMaxOpen       int
	RedisAddr          string
	RedisPassword      string
	RedisDB            int
	RedisPrefix        string
	RedisPool          int
	RedisTimeout       time.Duration // REDIS_TIMEOUT_MS: dial/read/write bound (redis.DefaultTimeout)
	WeChatAppID        string
	WeChatSecret       string
	WeChatAPIBase      string
	AuthSecret         []byte
	SessionTTL         time.Duration
	IPPerMinute        int
	UserPerMinute      int
	CloudRegion        string
	CloudEndpoint      string // empty: the public endpoint of each product
	CloudScheme        string
	SCFNamespace       string
	PIIKeyID           string        // PII_KMS_KEY_ID: KMS master key for data keys
	PIICipher          string        // PII_CIPHER: AES-256-GCM | SM4-GCM
	PIIIndexKey        []byte        // PII_INDEX_KEY: blind-index HMAC key, >= 32 bytes
	PIIContext         string        // PII_KMS_CONTEXT: KMS encryption context (JSON)
	FaceIDRuleID       string        // FACEID_RULE_ID
	KYCDailyLimit      int           // KYC_DAILY_CHECKS: paid checks per step per user per day
	ESSOperatorID      string        // ESS_OPERATOR_USER_ID: the lender's e-sign operator
	ESSFileHost        string        // ESS_FILE_ENDPOINT: file API host (file.ess.tencent.cn)
	ESSToken           []byte        // ESS_CALLBACK_TOKEN: HMAC token of e-sign callbacks
	ESSKey             []byte        // ESS_CALLBACK_KEY: 32-byte AES key of e-sign callbacks
	LenderName         string        // LENDER_NAME
	LenderUSCC         string        // LENDER_USCC: 统一社会信用代码
	RateCapBP          int           // RATE_CAP_BP: annual cost cap, at most 3600
	QuoteTTL           time.Duration // QUOTE_TTL
	// BusinessClockFile is WXLEND_BUSINESS_CLOCK_FILE: the local stack's
	// settable business clock (clock.Shared); refused with WXLEND_ENV=prod.
	BusinessClockFile string
	WriteOffDPD       int           // COB_WRITEOFF_DPD: days past due from which a loan is eligible for write-off
	Remind            remind.Policy // REMIND_*: job-remind (README, Reminders)

	// CaptchaAppID and CaptchaSecretKey are CAPTCHA_APP_ID and
	// CAPTCHA_APP_SECRET_KEY (Tencent Cloud Captcha, mini-program):
	// required in prod; unset elsewhere, every captcha check fails closed.
	CaptchaAppID     int
	CaptchaSecretKey string
}

// env reads variables and remembers the first problem, so Load reports
// "MYSQL_DSN is required" rather than a failure deep in a driver.
type env struct {
	get  func(string) string
	errs []error
	seen map[string]string // every setting read: refuseDevValues checks them
}

func (e *env) str(name, def string, required bool) string {
	v := strings.TrimSpace(e.get(name))
	if e.seen == nil {
		e.seen = map[string]string{}
	}
	e.seen[name] = v
	if v == "" {
		if required {
			e.errs = append(e.errs, fmt.Errorf("%s is required", name))
		}
		return def
	}
	return v
}

func (e *env) int(name string, def, min, max int) int {
	v := e.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < min || n > max {
		e.errs = append(e.errs, fmt.Errorf("%s must be an integer from %d to %d, got %q", name, min, max, v))
		return def
	}
	return n
}

func (e *env) duration(name string, def time.Duration) time.Duration {
	v := e.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		e.errs = append(e.errs, fmt.Errorf("%s must be a duration like 2h or 30m, got %q", name, v))
		return def
	}
	return d
}

func (e *env) oneOf(name, def string, allowed ...string) string {
	v := e.str(name, def, false)
	for _, a := range allowed {
		if strings.EqualFold(v, a) {
			return a
		}
	}
	e.errs = append(e.errs, fmt.Errorf("%s must be one of %s, got %q", name, strings.Join(allowed, ", "), v))
	return def
}

// LoadDB reads only what db-migrate needs.
func LoadDB(getenv func(string) string) (Config, error) {
	e := &env{get: getenv}
	c := Config{
		Env:          e.oneOf("WXLEND_ENV", "prod", "dev", "test", "prod"),
		MySQLDSN:     e.str("MYSQL_DSN", "", true),
		MySQLMaxOpen: e.int("MYSQL_MAX_OPEN", 4, 1, 200),

		LedgerImmutability: e.oneOf("LEDGER_IMMUTABILITY", "triggers", "triggers", "grants"),
	}
	c.LogLevel = logLevel(e)
	if c.Env == "prod" {
		e.refuseDevValues()
	}
	return c, errors.Join(e.errs...)
}

// Load reads the whole configuration. Pass os.Getenv in mains.
func Load(getenv func(string) string) (Config, error) {
	e := &env{get: getenv}
	c := Config{
		Env:           e.oneOf("WXLEND_ENV", "prod", "dev", "test", "prod"),
		MySQLDSN:      e.str("MYSQL_DSN", "", true),
		MySQLMaxOpen:  e.int("MYSQL_MAX_OPEN", 10, 1, 200),
		RedisAddr:     e.str("REDIS_ADDR", "", true),
		RedisPassword: e.str("REDIS_PASSWORD", "", false),
		RedisDB:       e.int("REDIS_DB", 0, 0, 15),
		RedisPrefix:   e.str("REDIS_PREFIX", "wxlend:", false),
		RedisPool:     e.int("REDIS_POOL_SIZE", 16, 1, 512),
		RedisTimeout:  time.Duration(e.int("REDIS_TIMEOUT_MS", 300, 50, 1500)) * time.Millisecond,
		WeChatAppID:   e.str("WECHAT_APPID", "", true),
		WeChatSecret:  e.str("WECHAT_SECRET", "", true),
		WeChatAPIBase: e.str("WECHAT_API_BASE", "https://api.weixin.qq.com", false),
		AuthSecret:    []byte(e.str("AUTH_SECRET", "", true)),
		SessionTTL:    e.duration("AUTH_SESSION_TTL", 2*time.Hour),
		IPPerMinute:   e.int("RATE_LIMIT_IP_PER_MIN", 300, 1, 1_000_000),
		UserPerMinute: e.int("RATE_LIMIT_USER_PER_MIN", 120, 1, 1_000_000),
		CloudRegion:   e.str("TENCENTCLOUD_REGION", "ap-guangzhou", false),
		CloudEndpoint: e.str("TENCENTCLOUD_API_ENDPOINT", "", false),
		CloudScheme:   e.oneOf("TENCENTCLOUD_API_SCHEME", "HTTPS", "HTTPS", "HTTP"),
		SCFNamespace:  e.str("SCF_NAMESPACE", "default", false),
		PIIKeyID:      e.str("PII_KMS_KEY_ID", "", true),
		PIICipher:     e.oneOf("PII_CIPHER", "AES-256-GCM", "AES-256-GCM", "SM4-GCM"),
		PIIIndexKey:   []byte(e.str("PII_INDEX_KEY", "", true)),
		PIIContext:    e.str("PII_KMS_CONTEXT", `{"app":"wxlend","use":"pii"}`, false),
		FaceIDRuleID:  e.str("FACEID_RULE_ID", "", true),
		KYCDailyLimit: e.int("KYC_DAILY_CHECKS", 5, 1, 100),
		ESSOperatorID: e.str("ESS_OPERATOR_USER_ID", "", true),
		ESSFileHost:   e.str("ESS_FILE_ENDPOINT", "", false),
		ESSToken:      []byte(e.str("ESS_CALLBACK_TOKEN", "", true)),
		ESSKey:        []byte(e.str("ESS_CALLBACK_KEY", "", true)),
		LenderName:    e.str("LENDER_NAME", "", true),
		LenderUSCC:    e.str("LENDER_USCC", "", true),
		RateCapBP:     e.int("RATE_CAP_BP", 2400, 1, 3600),
		QuoteTTL:      e.duration("QUOTE_TTL", 30*time.Minute),

		BusinessClockFile: e.str("WXLEND_BUSINESS_CLOCK_FILE", "", false),
		WriteOffDPD:       e.int("COB_WRITEOFF_DPD", 180, 30, 3650),
	}
	c.LogLevel = logLevel(e)
	c.CaptchaAppID = e.int("CAPTCHA_APP_ID", 0, 0, 1<<62)
	c.CaptchaSecretKey = e.str("CAPTCHA_APP_SECRET_KEY", "", c.Env == "prod")
	if c.Env == "prod" && c.CaptchaAppID == 0 {
		e.errs = append(e.errs, errors.New("CAPTCHA_APP_ID is required"))
	}
	c.Remind = remindPolicy(e, c.Env)
	if len(c.AuthSecret) > 0 && len(c.AuthSecret) < 32 {
		e.errs = append(e.errs, errors.New("AUTH_SECRET must be at least 32 bytes"))
	}
	if len(c.PIIIndexKey) > 0 && len(c.PIIIndexKey) < 32 {
		e.errs = append(e.errs, errors.New("PII_INDEX_KEY must be at least 32 bytes"))
	}
	if len(c.ESSKey) > 0 && len(c.ESSKey) != 32 {
		e.errs = append(e.errs, errors.New("ESS_CALLBACK_KEY must be 32 bytes"))
	}
	if c.SessionTTL < time.Minute || c.SessionTTL > 720*time.Hour {
		e.errs = append(e.errs, errors.New("AUTH_SESSION_TTL must be between 1m and 720h"))
	}
	if c.Env == "prod" && (c.CloudScheme == "HTTP" || strings.HasPrefix(c.WeChatAPIBase, "http://")) {
		e.errs = append(e.errs, errors.New("plain HTTP endpoints are allowed only with WXLEND_ENV=dev or test"))
	}
	if c.Env == "prod" && c.BusinessClockFile != "" {
		e.errs = append(e.errs, errors.New("WXLEND_BUSINESS_CLOCK_FILE (a settable business clock) is allowed only with WXLEND_ENV=dev or test"))
	}
	if c.Env == "prod" {
		e.str("TENCENTCLOUD_SECRETID", "", false) // the role's, never a published pair
		e.str("TENCENTCLOUD_SECRETKEY", "", false)
		e.refuseDevValues()
	}
	return c, errors.Join(e.errs...)
}

// Dev and test template ids of the local fakes; production names its own.
const (
	devSMSTemplates    = "due_soon=2000001,past_due=2000002"
	devWeChatTemplates = "due_soon=wxtplDueSoonDEV,past_due=wxtplPastDueDEV"
)

// remindPolicy reads REMIND_*: a window never outside 08:00-22:00, at most
// 3 a day, known templates only (remind.Policy.Validate).
func remindPolicy(e *env, envName string) remind.Policy {
	def := func(v string) string {
		if envName == "prod" {
			return ""
		}
		return v
	}
	p := remind.Policy{DailyMax: e.int("REMIND_DAILY_MAX", 2, 1, remind.MaxPerDay),
		SMSAppID: e.str("REMIND_SMS_APP_ID", def("1400000000"), false),
		SMSSign:  e.str("REMIND_SMS_SIGN", def("微信信用借"), false),
		Page:     e.str("REMIND_PAGE", "pages/loans/index", false)}
	var err error
	if p.StartHour, p.EndHour, err = remind.ParseWindow(e.str("REMIND_WINDOW", "08:00-21:00", false)); err != nil {
		e.errs = append(e.errs, err)
		return p
	}
	if p.Channels, err = remind.ParseChannels(e.str("REMIND_CHANNELS", "wechat,sms", false)); err != nil {
		e.errs = append(e.errs, err)
		return p
	}
	for _, t := range []struct {
		name, dev string
		dst       *map[remind.Template]string
	}{{"REMIND_SMS_TEMPLATES", devSMSTemplates, &p.SMS}, {"REMIND_WECHAT_TEMPLATES", devWeChatTemplates, &p.WeChat}} {
		v := e.str(t.name, def(t.dev), false)
		if v == "" {
			continue
		}
		if *t.dst, err = remind.ParseTemplates(t.name, v); err != nil {
			e.errs = append(e.errs, err)
			return p
		}
	}
	if err := p.Validate(); err != nil {
		e.errs = append(e.errs, err)
	}
	if slices.Contains(p.Channels, remind.SMS) && (p.SMSAppID == "" || p.SMSSign == "") {
		e.errs = append(e.errs, errors.New("REMIND_SMS_APP_ID and REMIND_SMS_SIGN are required when REMIND_CHANNELS names sms"))
	}
	return p
}

func logLevel(e *env) slog.Level {
	switch e.oneOf("LOG_LEVEL", "info", "debug", "info", "warn", "error") {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Environ turns a list of KEY=VALUE into a getenv, for tests and the gateway.
func Environ(kv []string) func(string) string {
	m := map[string]string{}
	for _, s := range kv {
		if k, v, ok := strings.Cut(s, "="); ok {
			m[k] = v
		}
	}
	return func(k string) string { return m[k] }
}
