package wxpay

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"hash"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/wxpay/internal/vectors"
)

// Requests, answers and sensitive fields on the wire, checked against the
// documented formats with wechatpay-go's and wechatpay-java's test keys;
// the official client is built by officialClient (notify_vectors_test.go).

// captured is one request as WeChat Pay would receive it.
type captured struct {
	method, uri, authorization, serial string
	body                               []byte
}

// capture serves answer to every request and records it.
func capture(t *testing.T, answer http.HandlerFunc) (*httptest.Server, func() captured) {
	t.Helper()
	got := make(chan captured, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		select {
		case got <- captured{r.Method, r.RequestURI, r.Header.Get("Authorization"), r.Header.Get("Wechatpay-Serial"), body}:
		default:
		}
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, func() captured {
		select {
		case c := <-got:
			return c
		case <-time.After(5 * time.Second):
			t.Fatal("no request reached the server")
			return captured{}
		}
	}
}

func refuse(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }

func transferWithName(name string) TransferRequest {
	return TransferRequest{OutBillNo: "plfk2020042013", OpenID: "o-MYE42l80oelYMDE34nYD456Xoy", AmountFen: 400000, Remark: "2020年4月报销",
		UserName: name, SceneID: "1000", SceneReportInfos: []SceneReportInfo{{InfoType: "活动名称", InfoContent: "新会员有礼"}}}
}

// authParams reads an Authorization header the way the documentation
// describes it: a scheme, a space, then key="value" pairs joined by commas.
func authParams(t *testing.T, h string) (scheme string, keys []string, params map[string]string) {
	t.Helper()
	scheme, rest, _ := strings.Cut(h, " ")
	params = map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
			t.Fatalf("Authorization parameter %q is not key=\"value\"", kv)
		}
		keys, params[k] = append(keys, k), v[1:len(v)-1]
	}
	return scheme, keys, params
}

func TestClientSignsRequestsAsDocumented(t *testing.T) {
	srv, next := capture(t, refuse)
	c := officialClient(t, srv.URL, vectors.GoSDKPublicKeyID)
	priv, _ := LoadPrivateKey(vectors.PEM(vectors.GoSDKPrivateKey))
	ctx := context.Background()
	for _, tc := range []struct {
		name, method, uri string
		call              func() error
		hasBody           bool
	}{
		{"GET without query", "GET", "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/plfk2020042013",
			func() error { _, err := c.QueryTransfer(ctx, "plfk2020042013"); return err }, false},
		{"GET with query", "GET", "/v3/pay/transactions/out-trade-no/1217752501201407033233368018?mchid=1234567890",
			func() error { _, err := c.QueryOrder(ctx, "1217752501201407033233368018"); return err }, false},
		{"POST with JSON body", "POST", "/v3/fund-app/mch-transfer/transfer-bills",
			func() error { _, err := c.CreateTransfer(ctx, transferWithName("")); return err }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); err == nil {
				t.Fatal("the refusing server's 503 came back as success")
			}
			req := next()
			if req.method != tc.method || req.uri != tc.uri || (len(req.body) > 0) != tc.hasBody {
				t.Fatalf("sent %s %s (%d bytes), want %s %s", req.method, req.uri, len(req.body), tc.method, tc.uri)
			}
			scheme, keys, p := authParams(t, req.authorization)
			if scheme != "WECHATPAY2-SHA256-RSA2048" || strings.Join(keys, ",") != strings.Join(vectors.SDKAuthorizationOrder, ",") ||
				p["mchid"] != "1234567890" || p["serial_no"] != vectors.GoSDKPublicKeyID || p["nonce_str"] == "" {
				t.Fatalf("Authorization %q", req.authorization)
			}
			if ts, err := strconv.ParseInt(p["timestamp"], 10, 64); err != nil || time.Since(time.Unix(ts, 0)).Abs() > time.Minute {
				t.Fatalf("timestamp %q is not now", p["timestamp"])
			}
			// 签名串 per https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_0.shtml:
			// METHOD\nURL(path?query)\nTIMESTAMP\nNONCE\nBODY\n, signed SHA256withRSA (deterministic).
			for _, m := range []struct {
				name, message string
				match         bool
			}{
				{"documented signing string", req.method + "\n" + req.uri + "\n" + p["timestamp"] + "\n" + p["nonce_str"] + "\n" + string(req.body) + "\n", true},
				{"without the last newline", req.method + "\n" + req.uri + "\n" + p["timestamp"] + "\n" + p["nonce_str"] + "\n" + string(req.body), false},
				{"host in the URL", req.method + "\nhttps://api.mch.weixin.qq.com" + req.uri + "\n" + p["timestamp"] + "\n" + p["nonce_str"] + "\n" + string(req.body) + "\n", false},
			} {
				want := signPKCS1v15(t, priv, m.message)
				if (p["signature"] == want) != m.match {
					t.Errorf("%s: signature match = %v, want %v", m.name, !m.match, m.match)
				}
			}
		})
	}
}

// signPKCS1v15 is SHA256withRSA with the standard library alone.
func signPKCS1v15(t *testing.T, key *rsa.PrivateKey, message string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

func TestClientVerifiesAnswersSignedAsDocumented(t *testing.T) {
	priv, _ := LoadPrivateKey(vectors.PEM(vectors.GoSDKPrivateKey))
	other, _ := LoadPrivateKey(vectors.PEM(vectors.JavaMerchantPrivateKey))
	bill := []byte(`{"out_bill_no":"plfk2020042013","transfer_bill_no":"1330000071100999991182020050700019480001",` +
		`"state":"SUCCESS","transfer_amount":400000,"openid":"o-MYE42l80oelYMDE34nYD456Xoy"}`)
	// 验签名串 per https://pay.weixin.qq.com/wiki/doc/apiv3/wechatpay/wechatpay4_1.shtml:
	// TIMESTAMP\nNONCE\nBODY\n; an empty body leaves a last line of just \n.
	documented := func(ts, nonce string, body []byte) string { return ts + "\n" + nonce + "\n" + string(body) + "\n" }
	for _, tc := range []struct {
		name    string
		key     *rsa.PrivateKey
		serial  string
		age     time.Duration
		message func(ts, nonce string, body []byte) string
		sent    []byte
		ok      bool
	}{
		{name: "documented string", key: priv, serial: vectors.GoSDKPublicKeyID, message: documented, sent: bill, ok: true},
		{name: "documented string, empty body", key: priv, serial: vectors.GoSDKPublicKeyID, message: documented, sent: []byte{}, ok: true},
		{name: "4 min old", key: priv, serial: vectors.GoSDKPublicKeyID, age: 4 * time.Minute, message: documented, sent: bill, ok: true},
		{name: "without the last newline", key: priv, serial: vectors.GoSDKPublicKeyID, sent: bill,
			message: func(ts, nonce string, body []byte) string { return ts + "\n" + nonce + "\n" + string(body) }},
		{name: "body not signed", key: priv, serial: vectors.GoSDKPublicKeyID, sent: bill,
			message: func(ts, nonce string, _ []byte) string { return ts + "\n" + nonce + "\n\n" }},
		{name: "another key", key: other, serial: vectors.GoSDKPublicKeyID, message: documented, sent: bill},
		{name: "another serial", key: priv, serial: "PUB_KEY_ID_0000000000000000000000000000000001", message: documented, sent: bill},
		{name: "6 min old", key: priv, serial: vectors.GoSDKPublicKeyID, age: 6 * time.Minute, message: documented, sent: bill},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, _ := capture(t, func(w http.ResponseWriter, _ *http.Request) {
				ts, nonce := strconv.FormatInt(time.Now().Add(-tc.age).Unix(), 10), "c5ac7061fccab6bf3e254dcf98995b8c"
				w.Header().Set("Wechatpay-Timestamp", ts)
				w.Header().Set("Wechatpay-Nonce", nonce)
				w.Header().Set("Wechatpay-Serial", tc.serial)
				w.Header().Set("Wechatpay-Signature", signPKCS1v15(t, tc.key, tc.message(ts, nonce, tc.sent)))
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(tc.sent)
			})
			c := officialClient(t, srv.URL, vectors.GoSDKPublicKeyID)
			got, err := c.QueryTransfer(context.Background(), "plfk2020042013")
			if !tc.ok {
				if !errors.Is(err, ErrUnknownOutcome) {
					t.Fatalf("%+v, %v; want ErrUnknownOutcome", got, err)
				}
				return
			}
			if err != nil || (len(tc.sent) > 0 && (got.State != "SUCCESS" || got.AmountFen != 400000)) {
				t.Fatalf("%+v, %v", got, err)
			}
		})
	}
}

func TestTransferUserNameIsEncryptedAsDocumented(t *testing.T) {
	javaKey, err := LoadPrivateKey(vectors.PEM(vectors.JavaMerchantPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	srv, next := capture(t, refuse)
	c := officialClient(t, srv.URL, "PUB_KEY_ID_0112345678902025010100000000000001")
	c.cfg.PlatformPubKey = &javaKey.PublicKey
	if _, err := c.CreateTransfer(context.Background(), transferWithName("张三")); err == nil {
		t.Fatal("the refusing server's 503 came back as success")
	}
	req := next()
	var body struct {
		UserName string `json:"user_name"`
	}
	if err := json.Unmarshal(req.body, &body); err != nil || body.UserName == "" {
		t.Fatalf("no user_name in %s", req.body)
	}
	if req.serial != "PUB_KEY_ID_0112345678902025010100000000000001" {
		t.Errorf("Wechatpay-Serial %q, want the public key ID whose key encrypted user_name", req.serial)
	}
	oaep := func(h func() hash.Hash) func(ct []byte) ([]byte, error) {
		return func(ct []byte) ([]byte, error) { return rsa.DecryptOAEP(h(), nil, javaKey, ct, nil) }
	}
	pkcs1 := func(ct []byte) ([]byte, error) { return rsa.DecryptPKCS1v15(nil, javaKey, ct) }
	for _, tc := range []struct {
		name, ciphertext, want string
		decrypt                func([]byte) ([]byte, error)
	}{
		// wechatpay-java RSAPrivacyDecryptorTest: the SDK's sensitive-field cipher is OAEP with SHA-1.
		{"official vector, OAEP SHA-1", vectors.OAEPCiphertext, vectors.OAEPPlaintext, oaep(sha1.New)},
		{"client's user_name, OAEP SHA-1", body.UserName, "张三", oaep(sha1.New)},
		{"official vector, OAEP SHA-256", vectors.OAEPCiphertext, "", oaep(sha256.New)},
		{"client's user_name, OAEP SHA-256", body.UserName, "", oaep(sha256.New)},
		{"client's user_name, PKCS#1 v1.5", body.UserName, "", pkcs1},
	} {
		ct, err := base64.StdEncoding.DecodeString(tc.ciphertext)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := tc.decrypt(ct)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%s: decrypted to %q, want an error", tc.name, got)
			}
			continue
		}
		if err != nil || string(got) != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
}
