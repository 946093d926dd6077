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
