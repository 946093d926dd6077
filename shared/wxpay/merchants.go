package wxpay

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"
)

// ParseNotificationAny is ParseNotification for a notification that may
// belong to any of several merchant accounts (disbursement routes): it is
// tried with each client whose platform key ID is the notification's
// Wechatpay-Serial, in order, until one verifies, decrypts and finds its
// own mchid. With no client for that serial it is ErrBadSignature; when
// every candidate refuses, the first refusal is returned.
func ParseNotificationAny(ctx context.Context, r *http.Request, clients []*Client) (Notification, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBytes+1))
	if err != nil || len(body) > MaxNotificationBytes {
		return Notification{}, notifyErr(ErrMalformedNotification, "body unreadable or too large", err)
	}
	serial := strings.TrimSpace(r.Header.Get(consts.WechatPaySerial))
	var first error
	for _, c := range clients {
		if c == nil || c.cfg.PlatformPubKeyID != serial {
			continue
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		n, err := c.ParseNotification(ctx, r)
		if err == nil {
			return n, nil
		}
		if first == nil {
			first = err
		}
		if !errors.Is(err, ErrWrongMerchant) && !errors.Is(err, ErrMalformedNotification) {
			return Notification{}, err // a bad signature or stale time fails for every merchant alike
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if first == nil {
		return Notification{}, notifyErr(ErrBadSignature, "unknown Wechatpay-Serial", nil)
	}
	return Notification{}, first
}

// Environment variables of the second and later merchant accounts: the
// EnvXxx names with a route number after WXPAY_, e.g. WXPAY_2_MCHID,
// WXPAY_2_CERT_SERIAL, WXPAY_2_PRIVATE_KEY, WXPAY_2_PUBLIC_KEY_ID,
// WXPAY_2_PUBLIC_KEY, WXPAY_2_APIV3_KEY, optionally WXPAY_2_APPID,
// WXPAY_2_API_BASE, WXPAY_2_NOTIFY_BASE, WXPAY_2_HTTP_TIMEOUT_MS (each
// defaulting to the first account's). Routes are numbered 2.. without
// gaps, at most MaxRoutes in all.
const MaxRoutes = 9

// RouteEnv renames an EnvXxx variable for route n (n >= 2).
func RouteEnv(name string, n int) string {
	return fmt.Sprintf("WXPAY_%d_%s", n, strings.TrimPrefix(name, "WXPAY_"))
}

// ConfigsFromEnv reads every merchant account: the first from the EnvXxx
// variables, then route 2, 3, ... while WXPAY_<n>_MCHID is set. The order
// is the routing preference. Merchant numbers must be distinct.
func ConfigsFromEnv(getenv func(string) string) ([]Config, error) {
	first, err := ConfigFromEnv(getenv)
	if err != nil {
		return nil, err
	}
	cfgs := []Config{first}
	seen := map[string]bool{first.MchID: true}
	for n := 2; getenv(RouteEnv(EnvMchID, n)) != ""; n++ {
		if n > MaxRoutes {
			return nil, fmt.Errorf("wxpay: at most %d merchant routes", MaxRoutes)
		}
		routed := func(name string) string {
			if v := getenv(RouteEnv(name, n)); v != "" {
				return v
			}
			switch name {
			case EnvAppID, EnvBaseURL, EnvNotifyBase, EnvHTTPTimeoutMS, "WECHAT_APPID":
				return getenv(name)
			}
			return ""
		}
		if name := firstSkipped(n, getenv); name != "" {
			return nil, fmt.Errorf("wxpay: route %d: %s is required", n, name)
		}
		c, err := ConfigFromEnv(routed)
		if err != nil {
			return nil, fmt.Errorf("wxpay: route %d: %w", n, err)
		}
		if seen[c.MchID] {
			return nil, fmt.Errorf("wxpay: route %d: merchant %s configured twice", n, c.MchID)
		}
		seen[c.MchID] = true
		cfgs = append(cfgs, c)
	}
	return cfgs, nil
}

// firstSkipped names the first per-account variable route n lacks (keys
// are never inherited from the first account).
func firstSkipped(n int, getenv func(string) string) string {
	for _, name := range []string{EnvCertSerial, EnvPrivateKey, EnvPublicKeyID, EnvPublicKey, EnvAPIv3Key} {
		if getenv(RouteEnv(name, n)) == "" {
			return RouteEnv(name, n)
		}
	}
	return ""
}
