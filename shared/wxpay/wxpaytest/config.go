package wxpaytest

import (
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/wxpay"
)

// DevConfig is the client configuration of the dev merchant against a fake
// at apiBase (e.g. "http://127.0.0.1:9000"), with notifications to
// notifyBase plus the api.md callback paths (both may be the gateway's
// address). Dev only.
func DevConfig(apiBase, notifyBase string) wxpay.Config {
	nb := strings.TrimRight(notifyBase, "/")
	return wxpay.Config{
		MchID: DevMchID, AppID: DevAppID, CertSerial: DevCertSerial, PrivateKey: MerchantPrivateKey(),
		PlatformPubKeyID: DevPublicKeyID, PlatformPubKey: PlatformPublicKey(), APIv3Key: DevAPIv3Key,
		BaseURL: apiBase, HTTPTimeout: 5 * time.Second,
		NotifyURLs: wxpay.NotifyURLs{Transaction: nb + wxpay.NotifyPathTransaction, Refund: nb + wxpay.NotifyPathRefund,
			Transfer: nb + wxpay.NotifyPathTransfer},
	}
}

// DevEnv is the same configuration as environment variables
// (wxpay.ConfigFromEnv reads them), for the local gateway's function
// environment. Dev only: the keys are the public test keys of this package.
func DevEnv(apiBase, notifyBase string) map[string]string {
	return map[string]string{
		wxpay.EnvMchID:       DevMchID,
		wxpay.EnvAppID:       DevAppID,
		wxpay.EnvCertSerial:  DevCertSerial,
		wxpay.EnvPrivateKey:  DevMerchantPrivateKeyPEM(),
		wxpay.EnvPublicKeyID: DevPublicKeyID,
		wxpay.EnvPublicKey:   DevPlatformPublicKeyPEM,
		wxpay.EnvAPIv3Key:    DevAPIv3Key,
		wxpay.EnvBaseURL:     apiBase,
		wxpay.EnvNotifyBase:  strings.TrimRight(notifyBase, "/"),
	}
}

// DevRouteEnv is a further dev merchant account (route n >= 2, merchant
// mchID, its own fake at apiBase) as the WXPAY_<n>_* variables
// wxpay.ConfigsFromEnv reads. It reuses the dev keys; the fake told apart
// by Options.MchID checks the merchant number. Dev only.
func DevRouteEnv(n int, mchID, apiBase string) map[string]string {
	return map[string]string{
		wxpay.RouteEnv(wxpay.EnvMchID, n):       mchID,
		wxpay.RouteEnv(wxpay.EnvCertSerial, n):  DevCertSerial,
		wxpay.RouteEnv(wxpay.EnvPrivateKey, n):  DevMerchantPrivateKeyPEM(),
		wxpay.RouteEnv(wxpay.EnvPublicKeyID, n): DevPublicKeyID,
		wxpay.RouteEnv(wxpay.EnvPublicKey, n):   DevPlatformPublicKeyPEM,
		wxpay.RouteEnv(wxpay.EnvAPIv3Key, n):    DevAPIv3Key,
		wxpay.RouteEnv(wxpay.EnvBaseURL, n):     apiBase,
	}
}
