package wxpay

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/wxpay/internal/vectors"
)

// These tests pin the client to WeChat Pay's own examples and the official
// SDKs' test vectors (package vectors names each source), never to the
// fake (wxpaytest): a misunderstanding shared by client and fake fails here.

// officialClient is a client built by New on the keys of wechatpay-go's
// tests: it signs as merchant 1234567890 with the SDK's test private key
// and verifies with its public half under platformKeyID.
func officialClient(t *testing.T, baseURL, platformKeyID string) *Client {
	t.Helper()
	priv, err := LoadPrivateKey(vectors.PEM(vectors.GoSDKPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := LoadPublicKey(vectors.GoSDKPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(context.Background(), Config{MchID: vectors.GoSDKNotification.MchID, AppID: vectors.GoSDKNotification.AppID,
		CertSerial: vectors.GoSDKPublicKeyID, PrivateKey: priv, PlatformPubKeyID: platformKeyID, PlatformPubKey: pub,
		APIv3Key: vectors.JavaAPIv3Key, BaseURL: baseURL, HTTPTimeout: 3 * time.Second,
		NotifyURLs: NotifyURLs{Transfer: "https://example.invalid/notify/wxpay/transfer"}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestOfficialNotificationParsesEndToEnd(t *testing.T) {
	n := vectors.GoSDKNotification
	signedAt := mustTime(t, time.RFC3339, "2021-06-24T16:37:26+08:00")
	if signedAt.Unix() != 1624523846 {
		t.Fatal("vector timestamp and create_time disagree")
	}
	type request struct {
		header map[string]string
		body   string
	}
	official := func() request {
		return request{map[string]string{"Wechatpay-Timestamp": n.Timestamp, "Wechatpay-Nonce": n.Nonce,
			"Wechatpay-Serial": n.Serial, "Wechatpay-Signature": n.Signature, "Content-Type": "application/json"}, n.Body}
	}
	with := func(k, v string) request { r := official(); r.header[k] = v; return r }
	for _, tc := range []struct {
		name   string
		req    request
		now    time.Time
		key    string
		mchID  string
		appID  string
		wantIs error
	}{
		{name: "as signed", req: official(), now: signedAt},
		{name: "4 min 59 s later", req: official(), now: signedAt.Add(299 * time.Second)},
		{name: "4 min 59 s earlier", req: official(), now: signedAt.Add(-299 * time.Second)},
		{name: "explicit signature type", req: with("Wechatpay-Signature-Type", "WECHATPAY2-SHA256-RSA2048"), now: signedAt},
		{name: "5 min later", req: official(), now: signedAt.Add(300 * time.Second), wantIs: ErrStaleTimestamp},
		{name: "body changed", req: request{official().header, strings.Replace(n.Body, "签约成功", "签约失败", 1)}, now: signedAt,
			wantIs: ErrBadSignature},
		{name: "nonce changed", req: with("Wechatpay-Nonce", "EcZ9Cmy4Xyx1i6RlJQzLcCyEqDa26NBZ"), now: signedAt, wantIs: ErrBadSignature},
		{name: "timestamp changed", req: with("Wechatpay-Timestamp", "1624523847"), now: signedAt, wantIs: ErrBadSignature},
		{name: "another serial", req: with("Wechatpay-Serial", vectors.GoSDKPublicKeyID), now: signedAt, wantIs: ErrBadSignature},
		{name: "another signature type", req: with("Wechatpay-Signature-Type", "WECHATPAY2-SM2-WITH-SM3"), now: signedAt,
			wantIs: ErrBadSignature},
		{name: "another APIv3 key", req: official(), now: signedAt, key: "testMchAPIv3Key1", wantIs: ErrMalformedNotification},
		{name: "another merchant", req: official(), now: signedAt, mchID: "1234567891", wantIs: ErrWrongMerchant},
		{name: "another appid", req: official(), now: signedAt, appID: "wx0000000000000000", wantIs: ErrWrongMerchant},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := officialClient(t, "", n.Serial)
			// The vector's APIv3 key has 16 bytes, which Config refuses
			// (real keys have 32); it is set after New.
			c.cfg.APIv3Key = n.APIv3Key
			if tc.key != "" {
				c.cfg.APIv3Key = tc.key
			}
			if tc.mchID != "" {
				c.cfg.MchID = tc.mchID
			}
			if tc.appID != "" {
				c.cfg.AppID = tc.appID
			}
			c.now = func() time.Time { return tc.now }
			r := httptest.NewRequest(http.MethodPost, "https://example.invalid/notify", strings.NewReader(tc.req.body))
			for k, v := range tc.req.header {
				r.Header.Set(k, v)
			}
			got, err := c.ParseNotification(context.Background(), r)
			if tc.wantIs != nil {
				if !errors.Is(err, tc.wantIs) {
					t.Fatalf("err = %v, want %v", err, tc.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := Notification{ID: n.ID, EventType: n.EventType, ResourceType: n.ResourceType, Summary: n.Summary,
				CreateTime: signedAt, Plain: json.RawMessage(n.Plaintext)}
			if got.ID != want.ID || got.EventType != want.EventType || got.ResourceType != want.ResourceType ||
				got.Summary != want.Summary || !got.CreateTime.Equal(want.CreateTime) || string(got.Plain) != string(want.Plain) {
				t.Fatalf("got %+v\nwant %+v", got, want)
			}
		})
	}
}

func mustTime(t *testing.T, layout, s string) time.Time {
	t.Helper()
	v, err := time.Parse(layout, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestClientDecryptsOfficialAEADVectors(t *testing.T) {
	for _, v := range vectors.AEADs {
		got, err := decryptResource(v.Key, v.Nonce, v.AssociatedData, v.Ciphertext)
		if err != nil || string(got) != v.Plaintext {
			t.Errorf("%s (%s): %q, %v; want %q", v.Name, v.Source, got, err, v.Plaintext)
		}
	}
	cd := vectors.JavaCertificateDownload
	got, err := decryptResource(cd.Key, cd.Nonce, cd.AssociatedData, cd.Ciphertext)
	if err != nil {
		t.Fatalf("%s: %v", cd.Name, err)
	}
	block, _ := pem.Decode(got)
	if block == nil {
		t.Fatalf("%s: not PEM: %.60q", cd.Name, got)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || strings.ToUpper(cert.SerialNumber.Text(16)) != vectors.JavaCertificateSerial {
		t.Fatalf("%s: certificate %v, %v; want serial %s", cd.Name, cert, err, vectors.JavaCertificateSerial)
	}
	g, j := vectors.AEADs[0], vectors.AEADs[2]
	for _, tc := range []struct{ name, key, nonce, aad, ciphertext string }{
		// wechatpay-go utils/aes_test.go: wrong key, not base64, not a ciphertext.
		{"wrong key", "testAPIv3Key1111", g.Nonce, g.AssociatedData, g.Ciphertext},
		{"not base64", g.Key, g.Nonce, g.AssociatedData, "invalid cipher"},
		{"not a ciphertext", g.Key, g.Nonce, g.AssociatedData, "SGVsbG8gV29ybGQK"},
		// wechatpay-java AeadAesCipherTest: bad associated data, bad nonce.
		{"wrong associated data", j.Key, j.Nonce, "bad-associatedData", j.Ciphertext},
		{"wrong nonce", j.Key, "bad-4a9R25RW", j.AssociatedData, j.Ciphertext},
	} {
		if got, err := decryptResource(tc.key, tc.nonce, tc.aad, tc.ciphertext); err == nil {
			t.Errorf("%s: decrypted to %q, want an error", tc.name, got)
		}
	}
}

func TestClientReadsTheDocumentedEnvelopes(t *testing.T) {
	for _, doc := range vectors.DocEvents {
		// Source: doc.EnvelopeSource.
		dec := json.NewDecoder(strings.NewReader(doc.Envelope))
		dec.DisallowUnknownFields()
		var e envelope
		if err := dec.Decode(&e); err != nil {
			t.Errorf("%s: %v", doc.Name, err)
			continue
		}
		_, err := time.Parse(time.RFC3339, e.CreateTime)
		if e.ID != "EV-2018022511223320873" || err != nil || e.EventType != doc.Name || e.ResourceType != "encrypt-resource" ||
			e.Summary == "" || e.Resource == nil || e.Resource.OriginalType == "" || e.Resource.Algorithm != "AEAD_AES_256_GCM" {
			t.Errorf("%s: read as %+v (resource %+v)", doc.Name, e, e.Resource)
		}
	}
}

func TestClientDecodesTheDocumentedResources(t *testing.T) {
	utc := func(s string) time.Time { return mustTime(t, time.RFC3339, s).UTC() }
	decode := func(eventType, plain string) (any, error) {
		n := Notification{EventType: eventType, Plain: json.RawMessage(plain)}
		var (
			v   any
			err error
		)
		switch {
		case strings.HasPrefix(eventType, "TRANSACTION."):
			var e TransactionEvent
			e, err = n.Transaction()
			e.SuccessTime = e.SuccessTime.UTC()
			v = e
		case strings.HasPrefix(eventType, "REFUND."):
			var e RefundEvent
			e, err = n.Refund()
			e.SuccessTime = e.SuccessTime.UTC()
			v = e
		default:
			var e TransferEvent
			e, err = n.Transfer()
			e.CreateTime, e.UpdateTime = e.CreateTime.UTC(), e.UpdateTime.UTC()
			v = e
		}
		return v, err
	}
	for _, tc := range []struct {
		name, event, plain string
		want               any
	}{
		// Source of each plaintext: vectors.DocTransaction/DocRefund/DocTransfer .PlaintextSource.
		{"documented transaction", "TRANSACTION.SUCCESS", vectors.DocTransaction.Plaintext, TransactionEvent{
			OutTradeNo: "1217752501201407033233368018", TransactionID: "1217752501201407033233368018", TradeState: "SUCCESS",
			TradeType: "MICROPAY", AmountFen: 100, PayerTotalFen: 100, MchID: "1230000109", AppID: "wxd678efh567hg6787",
			PayerOpenID: "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", Attach: "自定义数据", SuccessTime: utc("2018-06-08T10:34:56+08:00")}},
		{"documented refund", "REFUND.SUCCESS", vectors.DocRefund.Plaintext, RefundEvent{
			OutTradeNo: "20150806125346", TransactionID: "1008450740201411110005820873", OutRefundNo: "7752501201407033233368018",
			RefundID: "50200207182018070300011301001", RefundStatus: "SUCCESS", RefundFen: 999, TotalFen: 999, PayerRefundFen: 999,
			MchID: "1900000100", UserReceivedAccount: "招商银行信用卡0403", SuccessTime: utc("2018-06-08T10:34:56+08:00")}},
		{"documented transfer bill", "MCHTRANSFER.BILL.FINISHED", vectors.DocTransfer.Plaintext, TransferEvent{
			OutBillNo: "plfk2020042013", TransferBillNo: "1330000071100999991182020050700019480001", State: "ACCEPTED",
			MchID: "1900001109", AmountFen: 400000, OpenID: "o-MYE42l80oelYMDE34nYD456Xoy", FailReason: "PAYEE_ACCOUNT_ABNORMAL",
			CreateTime: utc("2015-05-20T13:29:35.120+08:00"), UpdateTime: time.Time{}}},
		{"transaction read as a refund", "REFUND.SUCCESS", vectors.DocTransaction.Plaintext, nil},
		{"refund read as a transfer", "MCHTRANSFER.BILL.FINISHED", vectors.DocRefund.Plaintext, nil},
		{"transaction without amount", "TRANSACTION.SUCCESS",
			strings.Replace(vectors.DocTransaction.Plaintext, `"amount":{"payer_total":100,"total":100,`, `"x":{`, 1), nil},
	} {
		got, err := decode(tc.event, tc.plain)
		if tc.want == nil {
			if !errors.Is(err, ErrMalformedNotification) {
				t.Errorf("%s: %+v, %v; want ErrMalformedNotification", tc.name, got, err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", tc.name, got, err, tc.want)
		}
	}
}
