package wxpay

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/validators"
	"github.com/wechatpay-apiv3/wechatpay-go/core/auth/verifiers"
	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"
	"github.com/wechatpay-apiv3/wechatpay-go/core/option"
)

// DefaultBaseURL is WeChat Pay's API host; the SDK's services build every
// URL on it, and the client rewrites it when Config.BaseURL differs.
const DefaultBaseURL = consts.WechatPayAPIServer

// DefaultHTTPTimeout bounds one API call when Config.HTTPTimeout is zero.
const DefaultHTTPTimeout = 10 * time.Second

// Config is a merchant in public-key mode (公钥模式): nothing is downloaded
// when the client is built, so an SCF cold start makes no network call.
type Config struct {
	MchID      string // 商户号
	AppID      string // mini-program AppID bound to the merchant
	CertSerial string // serial of the merchant API certificate
	PrivateKey *rsa.PrivateKey
	// PlatformPubKeyID ("PUB_KEY_ID_...") and PlatformPubKey verify
	// responses and notifications and encrypt sensitive fields.
	PlatformPubKeyID string
	PlatformPubKey   *rsa.PublicKey
	APIv3Key         string // 32 bytes; decrypts notifications
	// BaseURL replaces https://api.mch.weixin.qq.com (scheme and host
	// only). Plain http is accepted only for a loopback host (the fake).
	BaseURL     string
	NotifyURLs  NotifyURLs
	HTTPTimeout time.Duration // per call; DefaultHTTPTimeout when zero
}

// NotifyURLs are where WeChat Pay posts notifications (api.md callback
// endpoints). WeChat requires https and no query string.
type NotifyURLs struct {
	Transaction string // TRANSACTION.SUCCESS
	Refund      string // REFUND.*
	Transfer    string // MCHTRANSFER.BILL.FINISHED
}

// Client is the WeChat Pay API v3 client. Build it once per cold start; it
// is safe for concurrent use.
type Client struct {
	cfg      Config
	core     *core.Client
	download *core.Client // signed requests, unsigned answers (bill files)
	verifier *verifiers.SHA256WithRSAPubkeyVerifier
	now      func() time.Time // notification timestamps are checked against it
}

// New builds a client from cfg without any network call. It fails with an
// error naming the bad field.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.HTTPTimeout <= 0 {
		cfg.HTTPTimeout = DefaultHTTPTimeout
	}
	hc, err := httpClient(cfg.BaseURL, cfg.HTTPTimeout)
	if err != nil {
		return nil, err
	}
	c, err := core.NewClient(ctx,
		option.WithWechatPayPublicKeyAuthCipher(cfg.MchID, cfg.CertSerial, cfg.PrivateKey, cfg.PlatformPubKeyID, cfg.PlatformPubKey),
		option.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("wxpay: %w", err)
	}
	verifier := verifiers.NewSHA256WithRSAPubkeyVerifier(cfg.PlatformPubKeyID, *cfg.PlatformPubKey)
	return &Client{cfg: cfg, core: c, download: core.NewClientWithValidator(c, &validators.NullValidator{}),
		verifier: verifier, now: time.Now}, nil
}

// MchID is the merchant number the client signs as.
func (c *Client) MchID() string { return c.cfg.MchID }

// Timeout is how long one API call may take.
func (c *Client) Timeout() time.Duration { return c.cfg.HTTPTimeout }

// AppID is the AppID put in orders and transfers.
func (c *Client) AppID() string { return c.cfg.AppID }

func (cfg Config) validate() error {
	var missing []string
	for name, v := range map[string]string{"MchID": cfg.MchID, "AppID": cfg.AppID, "CertSerial": cfg.CertSerial,
		"PlatformPubKeyID": cfg.PlatformPubKeyID} {
		if strings.TrimSpace(v) == "" {
			missing = append(missing, name)
		}
	}
	if cfg.PrivateKey == nil {
		missing = append(missing, "PrivateKey")
	}
	if cfg.PlatformPubKey == nil {
		missing = append(missing, "PlatformPubKey")
	}
	if len(missing) > 0 {
		return fmt.Errorf("wxpay: config: missing %s", strings.Join(missing, ", "))
	}
	if len(cfg.APIv3Key) != 32 {
		return errors.New("wxpay: config: APIv3Key must be 32 bytes")
	}
	return nil
}

// httpClient is the SDK's HTTP client: with a BaseURL other than WeChat
// Pay's, a RoundTripper rewrites scheme and host. The signature covers only
// method, path and query, so rewriting keeps requests valid.
func httpClient(base string, timeout time.Duration) (*http.Client, error) {
	u, err := url.Parse(base)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return nil, fmt.Errorf("wxpay: config: BaseURL %q must be scheme://host[:port]", base)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return nil, fmt.Errorf("wxpay: config: plain http BaseURL only for a loopback host, got %q", u.Host)
		}
	default:
		return nil, fmt.Errorf("wxpay: config: BaseURL scheme must be https")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 16
	if base == DefaultBaseURL {
		return &http.Client{Timeout: timeout, Transport: tr}, nil
	}
	return &http.Client{Timeout: timeout, Transport: &rewriter{scheme: u.Scheme, host: u.Host, next: tr}}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// rewriter sends requests for WeChat Pay's hosts to another base.
type rewriter struct {
	scheme, host string
	next         http.RoundTripper
}

var wechatPayHosts = map[string]bool{"api.mch.weixin.qq.com": true, "api2.mch.weixin.qq.com": true}

func (rw *rewriter) RoundTrip(r *http.Request) (*http.Response, error) {
	if !wechatPayHosts[r.URL.Host] {
		return rw.next.RoundTrip(r)
	}
	r2 := r.Clone(r.Context())
	r2.URL.Scheme, r2.URL.Host, r2.Host = rw.scheme, rw.host, ""
	return rw.next.RoundTrip(r2)
}

// LoadPrivateKey parses an RSA private key from PEM (PKCS#8 "PRIVATE KEY",
// as in apiclient_key.pem, or PKCS#1 "RSA PRIVATE KEY"). Environment
// variables often carry the PEM with literal \n; those are accepted.
func LoadPrivateKey(pemText string) (*rsa.PrivateKey, error) {
	block, err := decodePEM(pemText)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PRIVATE KEY":
		k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("wxpay: parse private key: %w", err)
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("wxpay: private key is not RSA")
		}
		return rk, nil
	case "RSA PRIVATE KEY":
		k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("wxpay: parse private key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("wxpay: PEM block %q is not a private key", block.Type)
}

// LoadPublicKey parses an RSA public key from PEM (PKIX "PUBLIC KEY", as
// WeChat Pay's pub_key.pem, or PKCS#1 "RSA PUBLIC KEY"); literal \n are
// accepted.
func LoadPublicKey(pemText string) (*rsa.PublicKey, error) {
	block, err := decodePEM(pemText)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case "PUBLIC KEY":
		k, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("wxpay: parse public key: %w", err)
		}
		rk, ok := k.(*rsa.PublicKey)
		if !ok {
			return nil, errors.New("wxpay: public key is not RSA")
		}
		return rk, nil
	case "RSA PUBLIC KEY":
		k, err := x509.ParsePKCS1PublicKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("wxpay: parse public key: %w", err)
		}
		return k, nil
	}
	return nil, fmt.Errorf("wxpay: PEM block %q is not a public key", block.Type)
}

func decodePEM(s string) (*pem.Block, error) {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "\n") && strings.Contains(s, `\n`) {
		s = strings.ReplaceAll(s, `\n`, "\n")
	}
	block, _ := pem.Decode([]byte(s))
	if block == nil {
		return nil, errors.New("wxpay: no PEM block found")
	}
	return block, nil
}

// Environment variables read by ConfigFromEnv.
const (
	EnvMchID         = "WXPAY_MCHID"
	EnvAppID         = "WXPAY_APPID" // falls back to WECHAT_APPID
	EnvCertSerial    = "WXPAY_CERT_SERIAL"
	EnvPrivateKey    = "WXPAY_PRIVATE_KEY" // PEM
	EnvPublicKeyID   = "WXPAY_PUBLIC_KEY_ID"
	EnvPublicKey     = "WXPAY_PUBLIC_KEY" // PEM
	EnvAPIv3Key      = "WXPAY_APIV3_KEY"
	EnvBaseURL       = "WXPAY_API_BASE" // optional
	EnvNotifyBase    = "WXPAY_NOTIFY_BASE"
	EnvHTTPTimeoutMS = "WXPAY_HTTP_TIMEOUT_MS" // optional, milliseconds
)

// Notify paths appended to WXPAY_NOTIFY_BASE (api.md callback endpoints).
const (
	NotifyPathTransaction = "/notify/wxpay/transaction"
	NotifyPathRefund      = "/notify/wxpay/refund"
	NotifyPathTransfer    = "/notify/wxpay/transfer"
)

// ConfigFromEnv reads a Config from environment variables (the EnvXxx
// constants) through getenv, e.g. os.Getenv. Keys are PEM text.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	cfg := Config{
		MchID: getenv(EnvMchID), AppID: getenv(EnvAppID), CertSerial: getenv(EnvCertSerial),
		PlatformPubKeyID: getenv(EnvPublicKeyID), APIv3Key: getenv(EnvAPIv3Key), BaseURL: getenv(EnvBaseURL),
	}
	if cfg.AppID == "" {
		cfg.AppID = getenv("WECHAT_APPID")
	}
	var err error
	if cfg.PrivateKey, err = LoadPrivateKey(getenv(EnvPrivateKey)); err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvPrivateKey, err)
	}
	if cfg.PlatformPubKey, err = LoadPublicKey(getenv(EnvPublicKey)); err != nil {
		return Config{}, fmt.Errorf("%s: %w", EnvPublicKey, err)
	}
	if base := strings.TrimRight(getenv(EnvNotifyBase), "/"); base != "" {
		cfg.NotifyURLs = NotifyURLs{Transaction: base + NotifyPathTransaction, Refund: base + NotifyPathRefund, Transfer: base + NotifyPathTransfer}
	}
	if ms := getenv(EnvHTTPTimeoutMS); ms != "" {
		d, err := time.ParseDuration(ms + "ms")
		if err != nil {
			return Config{}, fmt.Errorf("%s: %w", EnvHTTPTimeoutMS, err)
		}
		cfg.HTTPTimeout = d
	}
	return cfg, cfg.validate()
}
