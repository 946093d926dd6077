package wxpaytest

import (
	"crypto/rsa"
	"strings"
	"sync"

	"github.com/wxlend/wxlend/shared/wxpay"
)

// Dev-only identities and keys. They exist so the local gateway, the fake
// and the tests agree on a merchant without any secret: every value here is
// public, checked into the repository, and accepted only by this fake on
// loopback. Never configure them against api.mch.weixin.qq.com.
//
// The two RSA-2048 key pairs were generated once with
// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048` (Go's RSA
// key generation ignores its random source, so a seeded derivation is not
// possible). The private keys are stored with "TESTING KEY" in their PEM
// armour so that secret scanners do not flag them; DevMerchantPrivateKeyPEM
// and DevPlatformPrivateKeyPEM restore the real "PRIVATE KEY" armour.
const (
	// DevMchID is the fake merchant number (商户号).
	DevMchID = "1230000109"
	// DevMchID2 is a second dev merchant account (a second disbursement
	// route); it shares the dev keys.
	DevMchID2 = "1230000110"
	// DevAppID is the mini-program AppID bound to the merchant; it equals
	// the local gateway's DevWeChatAppID.
	DevAppID = "wxdev0000000000001"
	// DevCertSerial is the serial of the merchant API certificate; the fake
	// requires it in the Authorization header.
	DevCertSerial = "3775B6A45ACD588826D15E583A95F5DD0DEV0001"
	// DevPublicKeyID is the ID of the WeChat Pay platform public key
	// (public-key mode), sent as Wechatpay-Serial by the fake.
	DevPublicKeyID = "PUB_KEY_ID_0112300001092026010100000000000001"
	// DevAPIv3Key is the 32-byte APIv3 key that encrypts notifications.
	DevAPIv3Key = "wxlendDevOnlyAPIv3Key00000000000"
)

// devMerchantKey signs requests (Authorization header) and paySign.
const devMerchantKey = `-----BEGIN TESTING KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDQBqzz3kfQHEJ1
kEWP0WNn7ODrMFBrn4Zpxw2DpZd0MPEQxn6577IaZ2/LxqQcW6hwvG0gU5JmiAoQ
Q9n4Z7FbHd5pmblB8z7oq1Ic4KijjchABpjmhqIEnSn5kNl25qGwRkDH/vwHNJhl
R2q0WIisFrEc/ovxIwzdldWCem/5nS1jV/+mjz1kVMrev2kmmZbZwyQGpTIITpmg
yogzdrT7pA4fbCbZy9+AsH/mCPes2lAGg7Id4Dz8LYUDqoWCLb71Ke9Ng7eCsbWi
5XCAwkLyUWZF5UuVESpU3EAJu359iMkDFz2TWOyq4+8ecw91Zh6+ttSsQSV4APFr
AQVuC4tDAgMBAAECggEAUW6TjIEyXmJ5l5jKyjIetiNxpk9K495WGRktDqAnSfoQ
m87/85xDfXeJOV1Ah8NPjBYOp81fLVjKi7Rr4oQA1ti55F+jOBBWy3CpG5nMGf4Z
6gpLF06TpLe7IzETF6rPl3fgywljMhTiJR9QQ1m24pqdaWqxcEsWsbUCF+oC5FRw
gncSUhA16jgRMevrZUKuVfoSbx6vEbtmksj+HyoFwGBQxdhNPGxHhAywJ+r/hB27
cOnMkukHb7+bWZ7roqudv+CtJ8k5GcPL5jISYq/PXs/6R2dqkWA35bPmY+XcB+4r
uTejF4/VUVd//O0qF7JMANCtG4EYfKY73kZzY/kKlQKBgQDxRv4btAqIk5NFLAQk
wQerNGnIGZZBwXmttXWD/pgjAJC2f8SIMCVg30lMi4H8j+uuvVtbYryJ4ivDaqdW
Ymts3zoPdaE2SdR/vXFAPYZLQuAT3hTl2QFmtQ+cLfgI+/qG4nb7l1xSq+7ZpB//
dFb6hw4P2Px/It3NqFVWdM27HwKBgQDcuENuLTzxvc+7nQ53hWgNvJsAD0Y6nofD
RNnR08PDXdwNscaDYOezkcoRbL83g2bJ5JMFlOjpSx8ylHRV66mWzzfiwKKv0CSg
eXgTDqY0reMy1DTS6g0B3hQtRd7Aaei1js2HPWnGfAXer2o30NaBSwvS4Og3c4Ab
SdMgu3BPXQKBgQC7l9H8oihKdktbzdRO61JWF8NjVBmSeKZtnBeJkAqjtE3Px1l7
9csqHZF1FUb0osXBL/L3A7bJkfMq1iLTNGSH2qve1zuH5TF2PEnwg6WFoLJuYA5p
gybmv0Iq0Ub3XUs1UqDmDpI2qP1ldIl4afEyio0xXyk6hFZmD0qClQBcSwKBgDHT
200lI0wDqMDW/OwYjtwDBw7lY9pZ7ZY0lePbpacWKlZhGsqP9t6/+9khLq3OmUbc
tiAddNMt5VYa04SOFhP4pcon6NI97/bWVTggJ39e/hp8c4xl0Bfq1a0+x8GyZxmN
qnJsd9OaLg0OlrEREUvQ8FNj+KiEB5iheus5xWn1AoGBAL89Sj73xrhfdxJlWV1r
0Dlvl6xrOKReyNV/G2CEz5cP3EQCOrWdZNNiYraGBIoYPZNYRVJ4i8Jt2JlpygCk
VWe1wlAsQdI8LUepqYD8EAAYI8ZnRBBDKTeYl/y3Umw0AbpaGNfvJLtqxxGffZjl
6wDVCfu55id8nCPF8sLnspMc
-----END TESTING KEY-----`

// DevMerchantPublicKeyPEM is the merchant public key: the fake verifies
// Authorization signatures with it (WeChat gets it from the merchant
// certificate) and tests verify paySign with it.
const DevMerchantPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA0Aas895H0BxCdZBFj9Fj
Z+zg6zBQa5+GaccNg6WXdDDxEMZ+ue+yGmdvy8akHFuocLxtIFOSZogKEEPZ+Gex
Wx3eaZm5QfM+6KtSHOCoo43IQAaY5oaiBJ0p+ZDZduahsEZAx/78BzSYZUdqtFiI
rBaxHP6L8SMM3ZXVgnpv+Z0tY1f/po89ZFTK3r9pJpmW2cMkBqUyCE6ZoMqIM3a0
+6QOH2wm2cvfgLB/5gj3rNpQBoOyHeA8/C2FA6qFgi2+9SnvTYO3grG1ouVwgMJC
8lFmReVLlREqVNxACbt+fYjJAxc9k1jsquPvHnMPdWYevrbUrEEleADxawEFbguL
QwIDAQAB
-----END PUBLIC KEY-----`

// devPlatformKey is WeChat Pay's side: the fake signs responses and
// notifications with it and decrypts user_name.
const devPlatformKey = `-----BEGIN TESTING KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDDalo2V3YbGvPa
+Sw8ORX/njjqEFGJZAWw6bv5tmtD48TtKIculc8uetiZWCh46wmBgFn6XhymwI64
q5EKEyi3oOXI7HH3K5NJR9yN65HX31Rp7n78cvpq1bgzaC9vqD5yFyyQjVi8ePCG
Yyg26FazK81EaiEBgr/6IP36c/YcvK7ICmBrgt8Q477xjW6tKKfLo5+xPPVzKGF5
RRnnYY+mF+5hIVdnSI8lMlVzW9vK51GfTA4ZvhAgEHoV/695DLPkrEbG+YL6wRQR
O2PRdVHizKM8q92fBXIzHBmULqKQiIkRQ+ofjRHMtx8Lvv0Yq3BG1o2X/UG2Nr0S
GU1+4im/AgMBAAECggEAED49XGn9s7gUT/3JOwJFvVciBPaxSFnLjU6IZPPQS7bZ
jhsBzZH/RC5K5cgpqQ9kXWLVV9XNzOCRnHEKX8uC5WyW3RImUPTKy9sQzq0nlMmI
AzwjSwmlng7AvmkpFD9oXWRmvGc7WoM0/v6r/5BlcIQyDj9CGhWLrpdidRiBexbg
e7ob19Mie3bwCfhKWowarKXz9bGaQvLF9REzTQTtiP3K3jC8SjSpsoCGKiEe/s2s
6m/g9LhLzsDTZUpuaILj8K5JnYLjbmFqTGITGvMN2n0KEmQMTVMxgzo0QNJxt1WG
TXIV3+ZbcN5GL2E3JxHxISkMXxISc0wJRNOrexSLaQKBgQD83As1nIa8VmO7ECE5
3+zO5jdlutffc9DhEHO8uW5dttEJ6BvJzeiyNlbVEP46VyWDdW1t0XUIcrKNGcHI
B+2/ZcMpkP/hCQiK8sPpbHeYow/7v5N0XCYpbiQ+4/ggsGjW3M8xJjGNeQ7cAoMQ
sKPCD/JlwOGPkSP6K/ast3qECQKBgQDF16rhUCAkZGMjHMi+7L7JJC1j69d+uKM8
psupEIVeENy9U9g0bkJ5ChqDPmDeDfW/NtN+WRjoJFN2afUf3GTudCNlcztPONqA
/58AKXEyfdg2osFkhVJtYajbso2n7XV0LJb3VfjKOEXsoVvCqYkFsGLNlSebnglc
AxAfFk6BhwKBgQChcBOwDNlxEW7nFatA+hiFGDKyPpJo1da8evaJvZIbPwdDXe+v
7kjszwitTAYkVVNcFPLitGIWHLSmpZU1EurV0jDCLxNPJ6dOnyQ5uci5qRIhVvTb
y6GJvgpiJMZciITG+X9HD+1/N5UnHmtzknNbCTdng7f/I1lm9f6t0w7jkQKBgDUf
6lTCLT9YbX56NjV+YOSmAEI6jA0NC1g3+awWMZnGsV9tajr5+IOEAQaI833tBbYo
xLXCuvtq9bZwUVAS4E9fhDmzrZNiUtocyddDSZAjVrGlFoUlf7K7bJpB4ePb0ZQ2
fPtBbKLwZWZbFca5u395k65chNw2nZDFicivNrl1AoGABmNV/zKWtG+w/N8essIh
bqmCGgF3i6CApJ5gQ41ThsFG9Vm/4kAzxyqX73UPVIcz3Jq//wJSuaszQpIJKPHH
2BBb25195kRJhMPkUt+RnUnR/s7zutGDwlhWmoi3WHzP8fZnwz5EMpwS/cQY2Uzn
M0qfqSnt6JghIIvm5ZbKod8=
-----END TESTING KEY-----`

// DevPlatformPublicKeyPEM is the WeChat Pay public key (公钥模式) the
// client verifies responses and notifications with.
const DevPlatformPublicKeyPEM = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAw2paNld2Gxrz2vksPDkV
/5446hBRiWQFsOm7+bZrQ+PE7SiHLpXPLnrYmVgoeOsJgYBZ+l4cpsCOuKuRChMo
t6DlyOxx9yuTSUfcjeuR199Uae5+/HL6atW4M2gvb6g+chcskI1YvHjwhmMoNuhW
syvNRGohAYK/+iD9+nP2HLyuyApga4LfEOO+8Y1urSiny6OfsTz1cyhheUUZ52GP
phfuYSFXZ0iPJTJVc1vbyudRn0wOGb4QIBB6Ff+veQyz5KxGxvmC+sEUETtj0XVR
4syjPKvdnwVyMxwZlC6ikIiJEUPqH40RzLcfC779GKtwRtaNl/1Btja9EhlNfuIp
vwIDAQAB
-----END PUBLIC KEY-----`

// DevMerchantPrivateKeyPEM is the merchant private key in PKCS#8 PEM, as a
// WXPAY_PRIVATE_KEY environment variable would hold it. Dev only.
func DevMerchantPrivateKeyPEM() string { return testingKey(devMerchantKey) }

// DevPlatformPrivateKeyPEM is the platform private key in PKCS#8 PEM. Only
// the fake (playing WeChat Pay) needs it. Dev only.
func DevPlatformPrivateKeyPEM() string { return testingKey(devPlatformKey) }

func testingKey(s string) string { return strings.ReplaceAll(s, "TESTING KEY", "PRIVATE KEY") }

type devKeys struct {
	merchant, platform       *rsa.PrivateKey
	merchantPub, platformPub *rsa.PublicKey
}

var loadKeys = sync.OnceValue(func() devKeys {
	must := func(k *rsa.PrivateKey, err error) *rsa.PrivateKey {
		if err != nil {
			panic("wxpaytest: bad embedded dev key: " + err.Error())
		}
		return k
	}
	mustPub := func(k *rsa.PublicKey, err error) *rsa.PublicKey {
		if err != nil {
			panic("wxpaytest: bad embedded dev key: " + err.Error())
		}
		return k
	}
	return devKeys{
		merchant:    must(wxpay.LoadPrivateKey(DevMerchantPrivateKeyPEM())),
		platform:    must(wxpay.LoadPrivateKey(DevPlatformPrivateKeyPEM())),
		merchantPub: mustPub(wxpay.LoadPublicKey(DevMerchantPublicKeyPEM)),
		platformPub: mustPub(wxpay.LoadPublicKey(DevPlatformPublicKeyPEM)),
	}
})

// MerchantPrivateKey is the parsed dev merchant private key.
func MerchantPrivateKey() *rsa.PrivateKey { return loadKeys().merchant }

// MerchantPublicKey is the parsed dev merchant public key.
func MerchantPublicKey() *rsa.PublicKey { return loadKeys().merchantPub }

// PlatformPrivateKey is the parsed dev platform private key (the fake's).
func PlatformPrivateKey() *rsa.PrivateKey { return loadKeys().platform }

// PlatformPublicKey is the parsed dev platform public key.
func PlatformPublicKey() *rsa.PublicKey { return loadKeys().platformPub }
