// Package vectors holds test vectors taken from WeChat Pay's own
// documentation and from the official SDKs' test suites, so that the
// client (package wxpay) and the fake (package wxpaytest) are each checked
// against WeChat's values rather than only against each other. Only the
// values are copied, never code. Tests import it; production code must not.
//
// Private keys keep the "TESTING KEY" armour their sources use so secret
// scanners stay quiet; PEM restores "PRIVATE KEY".
package vectors

import "strings"

// PEM restores the "PRIVATE KEY" armour of a key stored as "TESTING KEY".
func PEM(s string) string { return strings.ReplaceAll(s, "TESTING KEY", "PRIVATE KEY") }

// GoSDKPrivateKey is the RSA-2048 test key of wechatpay-go (PKCS#8).
// Source: github.com/wechatpay-apiv3/wechatpay-go utils/sign_test.go
// (testAlgorithmPrivateKeyStr), also core/auth/signers/sha256withrsa_signer_test.go.
const GoSDKPrivateKey = `-----BEGIN TESTING KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDZUJN33V+dSfvd
fL0Mu+39XrZNXFFMQSy1V15FpncHeV47SmV0TzTqZc7hHB0ddqAdDi8Z5k3TKqb7
6sOwYr5TcAfuR6PIPaleyE0/0KrljBum2Isa2Nyq7Dgc3ElBQ6YN4l/a+DpvKaz1
FSKmKrhLNskqokWVSlu4g8OlKlbPXQ9ibII14MZRQrrkTmHYHzfi7GXXM0thAKuR
0HNvyhTHBh4/lrYM3GaMvmWwkwvsMavnOex6+eioZHBOb1/EIZ/LzC6zuHArPpyW
3daGaZ1rtQB1vVzTyERAVVFsXXgBHvfFud3w3ShsJYk8JvMwK2RpJ5/gV0QSARcm
LDRUAlPzAgMBAAECggEBAMc7rDeUaXiWv6bMGbZ3BTXpg1FhdddnWUnYE8HfX/km
OFI7XtBHXcgYFpcjYz4D5787pcsk7ezPidAj58zqenuclmjKnUmT3pfbI5eCA2v4
C9HnbYDrmUPK1ZcADtka4D6ScDccpNYNa1g2TFHzkIrEa6H+q7S3O2fqxY/DRVtN
0JIXalBb8daaqL5QVzSmM2BMVnHy+YITJWIkP2a3pKs9C0W65JGDsnG0wVrHinHF
+cnhFZIbaPEI//DAFMc9NkrWOKVRTEgcCUxCFaHOZVNxDWZD7A2ZfJB2rK6eg//y
gEiFDR2h6mTaDowMB4YF2n2dsIO4/dCG8vPHI20jn4ECgYEA/ZGu6lEMlO0XZnam
AZGtiNgLcCfM/C2ZERZE7QTRPZH1WdK92Al9ndldsswFw4baJrJLCmghjF/iG4zi
hhBvLnOLksnZUfjdumxoHDWXo2QBWbI5QsWIE7AuTiWgWj1I7X4fCXSQf6i+M/y2
6TogQ7d0ANpZFyOkTNMn/tiJvLECgYEA22XqlamG/yfAGWery5KNH2DGlTIyd6xJ
WtJ9j3jU99lZ0bCQ5xhiBbU9ImxCi3zgTsoqLWgA/p00HhNFNoUcTl9ofc0G3zwT
D1y0ZzcnVKxGJdZ6ohW52V0hJStAigtjYAsUgjm7//FH7PiQDBDP1Wa6xSRkDQU/
aSbQxvEE8+MCgYEA3bb8krW7opyM0XL9RHH0oqsFlVO30Oit5lrqebS0oHl3Zsr2
ZGgoBlWBsEzk3UqUhTFwm/DhJLTSJ/TQPRkxnhQ5/mewNhS9C7yua7wQkzVmWN+V
YeUGTvDGDF6qDz12/vJAgSwDDRym8x4NcXD5tTw7mmNRcwIfL22SkysThIECgYAV
BgccoEoXWS/HP2/u6fQr9ZIR6eV8Ij5FPbZacTG3LlS1Cz5XZra95UgebFFUHHtC
EY1JHJY7z8SWvTH8r3Su7eWNaIAoFBGffzqqSVazfm6aYZsOvRY6BfqPHT3p/H1h
Tq6AbBffxrcltgvXnCTORjHPglU0CjSxVs7awW3AEQKBgB5WtaC8VLROM7rkfVIq
+RXqE5vtJfa3e3N7W3RqxKp4zHFAPfr82FK5CX2bppEaxY7SEZVvVInKDc5gKdG/
jWNRBmvvftZhY59PILHO2X5vO4FXh7suEjy6VIh0gsnK36mmRboYIBGsNuDHjXLe
BDa+8mDLkWu5nHEhOxy2JJZl
-----END TESTING KEY-----`

// GoSDKPublicKey is GoSDKPrivateKey's public half, used by wechatpay-go as
// a WeChat Pay public key with ID GoSDKPublicKeyID.
// Source: github.com/wechatpay-apiv3/wechatpay-go
// core/auth/verifiers/sha256withrsa_pubkey_verifier_test.go (testPubKey, testPubKeyID).
const GoSDKPublicKey = `-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA2VCTd91fnUn73Xy9DLvt
/V62TVxRTEEstVdeRaZ3B3leO0pldE806mXO4RwdHXagHQ4vGeZN0yqm++rDsGK+
U3AH7kejyD2pXshNP9Cq5YwbptiLGtjcquw4HNxJQUOmDeJf2vg6byms9RUipiq4
SzbJKqJFlUpbuIPDpSpWz10PYmyCNeDGUUK65E5h2B834uxl1zNLYQCrkdBzb8oU
xwYeP5a2DNxmjL5lsJML7DGr5znsevnoqGRwTm9fxCGfy8wus7hwKz6clt3Whmmd
a7UAdb1c08hEQFVRbF14AR73xbnd8N0obCWJPCbzMCtkaSef4FdEEgEXJiw0VAJT
8wIDAQAB
-----END PUBLIC KEY-----`

// GoSDKPublicKeyID is the public key ID wechatpay-go's verifier test uses.
const GoSDKPublicKeyID = "F5765756002FDD77"

// SourceMessage and SourceSignature: SHA256withRSA (PKCS#1 v1.5, base64)
// of "source" under GoSDKPrivateKey; PKCS#1 v1.5 is deterministic, so the
// bytes must match exactly.
// Source: github.com/wechatpay-apiv3/wechatpay-go utils/sign_test.go
// (testAlgorithmExpectSignature) and core/auth/signers/sha256withrsa_signer_test.go.
const (
	SourceMessage   = "source"
	SourceSignature = "BKyAfU4iMCuvXMXS0Wzam3V/cnxZ+JaqigPM5OhljS2iOT95OO6Fsuml2JkFANJU9K6q9bLlDhPXuoVz+pp4hAm6pHU4ld81" +
		"5U4jsKu1RkyaII+1CYBUYC8TK0XtJ8FwUXXz8vZHh58rrAVN1XwNyvD1vfpxrMT4SL536GLwvpUHlCqIMzoZUguLli/K8V29" +
		"QiOhuH6IEqLNJn8e9b3nwNcQ7be3CzYGpDAKBfDGPCqCv8Rw5zndhlffk2FEA70G4hvMwe51qMN/RAJbknXG23bSlObuTCN7" +
		"Ndj1aJGH6/L+hdwfLpUtJm4QYVazzW7DFD27EpSQEqA8bX9+8m1rLg=="
)

// GoSDKNotification is a complete signed and encrypted notification: its
// headers are signed with GoSDKPrivateKey (the test certificate of serial
// D7CE59D1F522D701 carries GoSDKPublicKey), its resource is encrypted with
// a 16-byte APIv3 key (so AES-128-GCM; real APIv3 keys are 32 bytes).
// Source: github.com/wechatpay-apiv3/wechatpay-go core/notify/notify_test.go
// (TestHandler_ParseNotifyRequest); the same signature appears in
// github.com/wechatpay-apiv3/wechatpay-java
// core/src/test/java/com/wechat/pay/java/core/notification/NotificationParserTest.java.
var GoSDKNotification = struct {
	APIv3Key                                         string
	Timestamp, Nonce, Serial, Signature              string
	Body                                             string
	Plaintext                                        string
	ID, CreateTime, EventType, ResourceType, Summary string
	OriginalType, AssociatedData, ResourceNonce      string
	MchID, AppID                                     string
}{
	APIv3Key:  "testMchAPIv3Key0",
	Timestamp: "1624523846",
	Nonce:     "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBz",
	Serial:    "D7CE59D1F522D701",
	Signature: "tJHIiIS9eB2hAYstmAmbbD3ZE5LiIm/Ug5tuL4fC0YOFRWIHV39UFIZXC0e9Wl6lBu6sKvkqDkzpqzBsVHyXFlbYZTOQrVdG" +
		"4b6LfTnK4mikv9++ixJMd3vTf2yCqvBkh98zs3Ds5zsYQakzbcwhmw4fMJs4nPLws28H0UW9FjDR//rxELLwXvV1VEA1IBLX" +
		"70xptjL8hrfUjEE8kkry6yNJTHZRU8CAc7qHli2Ng1V1qb9ARbK8A3ThmFmPQvRGrapI/jS2laKKgYUmfdEdkNO6B2Cke5e8" +
		"VTxY406ArAmQ90GAihDwIcb16TQMnzCMBoutnwZKNiKRACrFmtxw2Q==",
	Body:      `{"id":"3119dfba-e649-5eec-ab1e-3412bc4d2e17","create_time":"2021-06-24T16:37:26+08:00","resource_type":"encrypt-resource","event_type":"PAYSCORE.USER_OPEN_SERVICE","summary":"签约成功","resource":{"original_type":"payscore","algorithm":"AEAD_AES_256_GCM","ciphertext":"YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZttevRMOoPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21YJXYR7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==","associated_data":"payscore","nonce":"Kj7QIyUiYx1q"}}`,
	Plaintext: `{"mchid":"1234567890","appid":"054aa7d7a2a54ab5898df65bd96f001c","create_time":"2020-06-30T12:12:00+08:00","out_contract_code":"21640bdbd08e473e828f3206a2741c6e"}`,
	ID:        "3119dfba-e649-5eec-ab1e-3412bc4d2e17", CreateTime: "2021-06-24T16:37:26+08:00",
	EventType: "PAYSCORE.USER_OPEN_SERVICE", ResourceType: "encrypt-resource", Summary: "签约成功",
	OriginalType: "payscore", AssociatedData: "payscore", ResourceNonce: "Kj7QIyUiYx1q",
	MchID: "1234567890", AppID: "054aa7d7a2a54ab5898df65bd96f001c",
}

// AEAD is one AEAD_AES_256_GCM vector: key, nonce and associated data are
// used as their strings' bytes; Ciphertext is base64 with the tag at the end.
type AEAD struct {
	Name, Source                           string
	Key, Nonce, AssociatedData, Ciphertext string
	Plaintext                              string
}

// AEADs are the official AEAD vectors whose plaintext is known.
var AEADs = []AEAD{
	{Name: "wechatpay-go utils", Source: "github.com/wechatpay-apiv3/wechatpay-go utils/aes_test.go",
		Key: "testAPIv3Key0000", Nonce: "wCq51qZv4Yfg", AssociatedData: "Dl56FrqWQJF1t9LtC3vEUsniZKvbqdR8",
		Ciphertext: "FsdXzxryWfKwvLJKf8LG/ToRPTRh8RN9wROC", Plaintext: "Hello World"},
	{Name: "wechatpay-go notification", Source: "github.com/wechatpay-apiv3/wechatpay-go core/notify/notify_test.go",
		Key: GoSDKNotification.APIv3Key, Nonce: GoSDKNotification.ResourceNonce, AssociatedData: GoSDKNotification.AssociatedData,
		Ciphertext: "YDS3lKPaC4Y52Gf3uhft5qUBlIa8b428AWTtTauHQfQrRw+X1WpiuHIDy0vo1Vd6VEq67aVyqPdDYMkRVSDaZL3iZttevRMO" +
			"oPKMifozg6XPWjIZumks/GpT48lI4NizyeaqLBokNebthah3o1H76qSlO9NkDjp9bzmKLEYYH9TEklFUpsvPqOTOcgSLgh21" +
			"YJXYR7dEBXFgRLiNIKRgO5JdXh1hccRUAlyVWxE54PXpnQ==",
		Plaintext: GoSDKNotification.Plaintext},
	{Name: "wechatpay-java 32-byte key",
		Source: "github.com/wechatpay-apiv3/wechatpay-java core/src/test/java/com/wechat/pay/java/core/cipher/AeadAesCipherTest.java " +
			"(key: core/src/test/java/com/wechat/pay/java/core/model/TestConfig.java API_V3_KEY)",
		Key: JavaAPIv3Key, Nonce: "uluk4a9R25RW", AssociatedData: "associatedData",
		Ciphertext: "ulwSiIajGClcvcOYvOQ7+l+0PAbzzwI=", Plaintext: "message"},
}

// JavaAPIv3Key is the 32-byte APIv3 key of wechatpay-java's tests.
// Source: github.com/wechatpay-apiv3/wechatpay-java
// core/src/test/java/com/wechat/pay/java/core/model/TestConfig.java (API_V3_KEY).
const JavaAPIv3Key = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"

// JavaCertificateDownload is the encrypt_certificate of a mocked
// /v3/certificates answer: under JavaAPIv3Key it decrypts to a PEM
// certificate whose serial is Serial. The plaintext itself is not published.
// Source: github.com/wechatpay-apiv3/wechatpay-java
// core/src/test/java/com/wechat/pay/java/core/model/TestConfig.java
// (DOWNLOAD_CERTIFICATE_RESPONSE, DOWNLOAD_CERTIFICATE_SERIAL_NUMBER).
var JavaCertificateDownload = AEAD{Name: "wechatpay-java certificate download",
	Source: "github.com/wechatpay-apiv3/wechatpay-java core/src/test/java/com/wechat/pay/java/core/model/TestConfig.java",
	Key:    JavaAPIv3Key, Nonce: "14b16c03dc1b", AssociatedData: "certificate",
	Ciphertext: "Mr/AxbvY+WL9hKlD5nIa03LOMPpn5f+CWeNxE4ujl0f5gXZ9XLJ9CldkArCOTsbU62XgKnTc3YvRMZQ7wCmE2fzwmAenAyST" +
		"YsPms72JhggPWfdqVxri9YD5wBYKn8Ck0Fc5JIiVw9WlN2oxHBz83mRVsjoTGC5+cX1CdYqKuZ8pkvi0aCJIq07ZC8MHoTow" +
		"Uz+4jYJy9XeKqip83Z7BmUYxsePpNM+HtihBqTJIUYXJfX7Col5X0ACsApRoU9l6swfW/kzvqNpDJavhDBGasLrr5822+Fk5" +
		"nVkcTi53f8Wbue7ODWjJxj1yhRYcxFCvXLtpYNB+Qa1aXtrBSdBdBI2p7o+6Imn+auHLBCzkrZqF/yd+d4vTn4tqHPLUj89X" +
		"cHsMf96uBo3T/HQV8LEDeIO+6YvOK9FrIDYsvp+imN4n/mnF7eJKo9mpN/QqWJiawrFpAmMMxFKBjIdpgMnVUl3Z11RcWKyf" +
		"OJ3kcmItTWcnZFNyDgR9cS0aU6QPlefa3uUW89uzBuHjcFdDl43yU3LE4qZnHLDcDgx4qt0OFCLiy51GXtEpyYs5k99YJBvK" +
		"K+RyIs4Yc1/smBmClQUhxW+8bsPNOcXfDvH2yX4YzESoO4TV0RqiCgnsSd4zIFyJPiMKIGzVHiw6Kg0eGCmB4mGHEEZCQ0eN" +
		"3SSPO0QVjjtBYfgXDZfVHSaAB8PjWBVNFimoViZZQrwT6Ygo0LU0Dd8+F5aHFYr4OPHPslr3hrgutEYXDTv1vTA6ABJGqknJ" +
		"9Y2vtyWpy7aIwxc0kQq/1ezjs+RMVL/LRpGDnbx1/CGPDjZhYgZypKa55+PDhoaQxqkF3xCLz2DGoNHZYmFqxzAOsAK0vJZw" +
		"4VcAk6ssbA6YIaMuiemEpxfLC9ZiXtRqsX9s+GWjjtA8JywOFMO+NKZm9BH/E5YNg2DDD3sHG9Mciwn7yJ6sdf8h2lAWlEEx" +
		"AOeiBNyshOHAQ0/S+x1ncWNiqY+Uh5n0rtonvePV2MsxVlEWR3AVHn1abcEWkzivd+G5kg7LYO0goqzGClcQfnFfZdO6KwcM" +
		"XsBCnm9A1Bl4+k5LLokTIYH5/36SRIZ9j0CHGD77BQLE7x8AlNsoFS2m263tLLq78TFqvZUTIZIQcVIl+NInscS3xQbA38qq" +
		"FqutCWIwoF1azuJ7woiJyMvnS3xzIpNzP+rzJ8VDXxjLjpEUBOC9WDs74+QMtsAdmh6g0KDclHEk8WJ4P2bnso4z3VCGoDT5" +
		"X/0bS1C+jMZMKaOCNB21FZ08qgUHmKeDeg8ylENu+mh2Y/AaEDSGkGBHIfFbhMYO3uRxhk9hldiHEnHgdkXiVAAUWk/IhtmG" +
		"ijibO/L76vB74Xpes973uK+2iFKgNBk8qTLLZZnuWbcMQuA6VsFULRb/C+q9B21YuAWPMzvgBwr4EX2m/OpF5w8Q0HL7v1H5" +
		"H0mIGJbrjnklUPoBYrw30W3uk7yF0KE6sfMukafFx0S9rBOL0RykGDPwC0lHSNySkXDeM5XvDJ+dtHK+RDwhJR+azfrWAHGM" +
		"tZcQ+YVamjWVmHxXM03j3GeCXgqae1upwHzkPL5OwojcQ5MQi3Kv/1xtwY0cRN/yeZTOsXfujtqhkJj/Vltby4lnW4SCj4Lj" +
		"WQF19BY6zhzF4yybBA8bhhtoNP/zx8QkhHAkIROkK2ZVgfocCAPvfQ+vSrsIBO+L5cmg6mzFn4g84lsHscgXnszIlzUrzx/4" +
		"Tam0uwuS9J1gddZ0I0QUt9SJzfsoBCTU0OgNMUtXKS5HvgXe7abexMtFH5eulOsAuFZkQ5LYJa/m4yHFInXzL/t3hjdTi2Nm" +
		"xUufvYzwIyffRTu5vS9vjscARD9lUQDHFQ/xgWe1i8EkRlrSfjlXt00+4//h2bcJKyTBT3IXwvKNsuY29V9/vU3HkvWKZ99z" +
		"pSlmcZRuBa1BHbyPEvc0NlqIIoKidxqUvOR64MzudHhAjgWFP+IXojfhS3Gj9OJhBL7s"}

// JavaCertificateSerial is the serial of JavaCertificateDownload's certificate.
const JavaCertificateSerial = "5DEA10EF55877E3CF6C33255C2E7DEFFF7E427EC"

// JavaMerchantPrivateKey is wechatpay-java's merchant test key (PKCS#8).
// Source: github.com/wechatpay-apiv3/wechatpay-java core/src/test/resources/merchant_private_key.pem
const JavaMerchantPrivateKey = `-----BEGIN TESTING KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCaZzehUwzcxdLg
Gn/UNryHLdX0yBvCqD0p92/BdlCIBi0dmzZzrfc+FF0xK70AP9b2+Ry5q+zXUU+d
PucJmgwABiZ+Lte+4euMxqPCEkdEu9lyiphalpoaOVPbmDNatzq9k5a/P454QRWM
dkLUJZCeoL9bF2Gn/2+wWEw3sL8zFFcOM8Jr1PdOLmAx+h7pf/87jcmXXCm+SZqw
5MtILKQi9zHWujYdMA0IcYNeQaNl1h/NUnungdIHKaaU+17wCXqTcZsipAGoqfqr
Hx/sr30ZszOdHYOvFNiB+rhEldBGSLWwSYE6LFkbP9GdQWKIQCip3E5dLj5ZFkDe
Ov4Hekf9AgMBAAECggEAEsVsqnS90hNMzUj7dHHJHsgQRGeVlGc+tFzsHcGEDd1u
W7SUfKDQN6BjKgiuvBqGyFTFzL7dltnAS5YroWu0fMZCpMGOIhs2N1Go8/2j43PQ
/k9iMVUw2/JPQxmwWJ2BCy4nvA1+hRkohQCVpFQCzn4tdWYUzcdMrUw2y+h1fkCQ
5MJn7iw9QHKQSeFeCl1/xq2PvOtiK/r1LsckyKNSSNgFEfxyWYaKbnK9OH+5rFKQ
QuI+fnAgE6QiLvmW0NqqZUSfqkLKi/FSWI13ns0H6OxjqpLX8VQ6+Cw5qq8fCuv2
gzkVk8A85ZTCQL/q9qDilt9uAE0bE924WU+n2zkBoQKBgQDQvIufN6fKpm27k4yx
RNV23fj9nojewaVqGg/3yuyiAu6w/yFcTXkGMVOicTYraX2mliHTIoyP8ywKGqqa
XS/Kk3tGD1K04KriPiFwWXU54+DmOJEyYoJlmXOm4BoZ1lW0z5HECC9eO/VPSDY+
zQdRYSCTdSHEgYuOGQSLPPwdrQKBgQC9XTrvkUkIthayc+4IhV6m4kT8uwzuoc3f
uaJhFFcpLKqzcpQBH71TYCXfqkucnO0no0sGerBB4HJQoVRK+jsdhNZhcw1JKLau
E+YlCSRLZ62vyzBTzLw1fnFBp82z1VZBujCrMP+DdwXBTsnkRaUtmDEG0s6YsCwd
fayF0PB9kQKBgAHc/P4R2ByV+brH6WSXsbQa7SMObDhY0CovS18x34Tes9S+okSZ
qG/mttFnY01l5qo7AthIoaqTSBxa+pTgKhIL2PjaICnfK4dTeKbxFXvLzfEgJiOl
/3X6ta6Sp4j9gcxYYfu2+v1DWcA4a8uJtvwB+vF2BTQk1+MP1BuOEs4NAoGBAK3y
+HKdOUPBUPQ4vk4hhaMzcz/d67FB/UYo1lrrPm3aVCxnckHeECKIzgG6A58oIEor
HH4lMcgyD5C1wiLl3mvtXKlD8M5lkfoy2VToIukJomk783bnOXTCY/N12+X4cTYL
fS2k4vK24RiD8b25pFRP26ly+MkV/FBS46pBFsmhAoGAOjfl2vGyJo8CRQ/HBLsS
Bw2VQgRvZU7mom1qa2SKA2VlsFz/aiBCcT8XEsTJxkVYkvbdfbyx2Z9kCbI6Y2cz
Z+M/0rQSRv/eOiBW7anBImZMg6WcYNfRfumkuNq+6fcCKKtZuyrd7ZFc0jTcVasI
xNJ1TM6J6kRQdn5O6Ot4ERw=
-----END TESTING KEY-----`

// OAEPCiphertext decrypts under JavaMerchantPrivateKey, with RSA-OAEP
// SHA-1/MGF1-SHA-1 ("RSA/ECB/OAEPWithSHA-1AndMGF1Padding", the SDK's
// sensitive-field cipher), to OAEPPlaintext.
// Source: github.com/wechatpay-apiv3/wechatpay-java
// core/src/test/java/com/wechat/pay/java/core/cipher/RSAPrivacyDecryptorTest.java
// (transformation in core/src/main/java/com/wechat/pay/java/core/cipher/RSAPrivacyDecryptor.java).
const (
	OAEPCiphertext = "Qqsluo7R1IZyAqdkm/jBzwXDP5VndCwwFbRA+yILFTYciZzrRChQIQ7SKuI2k3YSR5auB3ZspdjR1WPB3PTCKe6BCFx3NnaP" +
		"WhSwonYTmW8ZseXjkbcYSbKL5O/6dr6Zftg3t2A2FUd97acjM1fr2EIvIvRieQ3Hl8qVkDBY9520wm1rzvePUnxQWN70RZiB" +
		"cqr7O7Gb0gU3l7FkvoUFSbY44HgDJetmVow3yGIV3Tcd45o2MNQ+5F1qvjIjb3/6dkGKce4/kNTYraUMO6o6kfFXlfg+bFRI" +
		"iz8hiUpbToWdu7g0R5Hq0/YIE5vw/5Ms4gbk2HIQIfOLkY8sEPjYHA=="
	OAEPPlaintext = "plaintext"
)
