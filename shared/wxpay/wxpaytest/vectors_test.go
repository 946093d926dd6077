package wxpaytest

import (
	"bytes"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/internal/vectors"
)

// These tests pin the fake to WeChat Pay's own examples and the official
// SDKs' test vectors (package vectors names each source), never to the
// client: a misunderstanding shared by client and fake fails here.

func goSDKKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PublicKey) {
	t.Helper()
	priv, err := wxpay.LoadPrivateKey(vectors.PEM(vectors.GoSDKPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := wxpay.LoadPublicKey(vectors.GoSDKPublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if !priv.PublicKey.Equal(pub) {
		t.Fatal("wechatpay-go's test private and public keys are not a pair")
	}
	return priv, pub
}

func TestFakeSignaturesMatchOfficialBytes(t *testing.T) {
	priv, pub := goSDKKeys(t)
	n := vectors.GoSDKNotification
	h := http.Header{}
	setSignature(h, priv, n.Serial, n.Timestamp, n.Nonce, []byte(n.Body))
	for _, tc := range []struct {
		name, got, want string
	}{
		// github.com/wechatpay-apiv3/wechatpay-go utils/sign_test.go
		{"Sign of \"source\"", Sign(priv, vectors.SourceMessage), vectors.SourceSignature},
		// github.com/wechatpay-apiv3/wechatpay-go core/notify/notify_test.go
		{"notification Wechatpay-Signature", h.Get("Wechatpay-Signature"), n.Signature},
		{"notification Wechatpay-Timestamp", h.Get("Wechatpay-Timestamp"), n.Timestamp},
		{"notification Wechatpay-Nonce", h.Get("Wechatpay-Nonce"), n.Nonce},
		{"notification Wechatpay-Serial", h.Get("Wechatpay-Serial"), n.Serial},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want the official %q", tc.name, tc.got, tc.want)
		}
	}
	for _, tc := range []struct {
		name, message, signature string
		pub                      *rsa.PublicKey
		ok                       bool
	}{
		{"official signature of source", vectors.SourceMessage, vectors.SourceSignature, pub, true},
		{"official notification signature", answerMessage(n.Timestamp, n.Nonce, []byte(n.Body)), n.Signature, pub, true},
		{"another message", "wrong source", vectors.SourceSignature, pub, false},
		{"notification message without its last newline", n.Timestamp + "\n" + n.Nonce + "\n" + n.Body, n.Signature, pub, false},
		{"another key", vectors.SourceMessage, vectors.SourceSignature, MerchantPublicKey(), false},
		{"not base64", vectors.SourceMessage, "not base64!", pub, false},
	} {
		if err := Verify(tc.pub, tc.message, tc.signature); (err == nil) != tc.ok {
			t.Errorf("%s: Verify = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestFakeBuildsTheOfficialNotificationByteForByte(t *testing.T) {
	n := vectors.GoSDKNotification
	created, err := time.Parse(time.RFC3339, n.CreateTime)
	if err != nil {
		t.Fatal(err)
	}
	got, err := notificationBody(n.APIv3Key, n.ResourceNonce, n.ID, n.EventType, n.Summary, n.OriginalType, []byte(n.Plaintext), created)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != n.Body {
		t.Fatalf("fake notification body\n%s\nwant wechatpay-go's\n%s", got, n.Body)
	}
}

func TestFakeEncryptsOfficialAEADVectors(t *testing.T) {
	for _, v := range vectors.AEADs {
		got, err := encryptResource(v.Key, v.Nonce, v.AssociatedData, []byte(v.Plaintext))
		if err != nil || got != v.Ciphertext {
			t.Errorf("%s (%s): ciphertext %q, %v; want %q", v.Name, v.Source, got, err, v.Ciphertext)
		}
	}
	v := vectors.AEADs[2]
	for _, tc := range []struct{ name, key, nonce string }{
		// The documented MCHTRANSFER.BILL.FINISHED example's placeholder nonce has 13 characters.
		{"13-character nonce", v.Key, "fdasflkja484w"},
		{"empty nonce", v.Key, ""},
		{"31-byte key", v.Key[:31], v.Nonce},
	} {
		if _, err := encryptResource(tc.key, tc.nonce, v.AssociatedData, []byte(v.Plaintext)); err == nil {
			t.Errorf("%s: encrypted, want an error", tc.name)
		}
	}
}

func TestFakeReadsTheDocumentedAuthorization(t *testing.T) {
	d := vectors.DocRequest
	if got := authMessage(d.Method, d.URL, d.Timestamp, d.Nonce, []byte(d.Body)); got != d.Message {
		t.Errorf("signing string %q, want the documented %q", got, d.Message)
	}
	a := vectors.DocAnswer
	if got, want := answerMessage(a.Timestamp, a.Nonce, nil), a.Timestamp+"\n"+a.Nonce+"\n\n"; got != want {
		t.Errorf("signing string of an empty answer %q, want the documented %q", got, want)
	}
	scheme, p := parseAuthorization(d.Authorization)
	want := map[string]string{"mchid": d.MchID, "nonce_str": d.Nonce, "timestamp": d.Timestamp, "serial_no": d.Serial, "signature": d.Signature}
	if scheme != authScheme || len(p) != len(want) {
		t.Fatalf("scheme %q params %v", scheme, p)
	}
	for k, v := range want {
		if p[k] != v {
			t.Errorf("%s = %q, want %q", k, p[k], v)
		}
	}
}

// signedAuthorization is an Authorization header signed with stdlib RSA
// (not the fake's Sign), parameters in the given order.
func signedAuthorization(t *testing.T, key *rsa.PrivateKey, order []string, params map[string]string, message string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	params["signature"] = base64.StdEncoding.EncodeToString(sig)
	var b bytes.Buffer
	b.WriteString(authScheme + " ")
	for i, k := range order {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + `="` + params[k] + `"`)
	}
	return b.String()
}

func TestFakeVerifiesRequestsSignedWithTheOfficialKey(t *testing.T) {
	priv, pub := goSDKKeys(t)
	d := vectors.DocRequest
	m := merchantAuth{mchID: d.MchID, serial: d.Serial, pub: pub}
	signedAt, _ := strconv.ParseInt(d.Timestamp, 10, 64)
	at := time.Unix(signedAt, 0)
	docOrder := []string{"mchid", "nonce_str", "signature", "timestamp", "serial_no"}
	params := func() map[string]string {
		return map[string]string{"mchid": d.MchID, "nonce_str": d.Nonce, "timestamp": d.Timestamp, "serial_no": d.Serial}
	}
	good := signedAuthorization(t, priv, vectors.SDKAuthorizationOrder, params(), d.Message)
	for _, tc := range []struct {
		name, authorization, method, uri, body string
		now                                    time.Time
		ok                                     bool
	}{
		{"SDK parameter order", good, d.Method, d.URL, d.Body, at, true},
		{"documented parameter order", signedAuthorization(t, priv, docOrder, params(), d.Message), d.Method, d.URL, d.Body, at, true},
		{"4 min 59 s later", good, d.Method, d.URL, d.Body, at.Add(299 * time.Second), true},
		{"4 min 59 s earlier", good, d.Method, d.URL, d.Body, at.Add(-299 * time.Second), true},
		{"5 min later", good, d.Method, d.URL, d.Body, at.Add(300 * time.Second), false},
		{"the documented signature (unpublished key)", d.Authorization, d.Method, d.URL, d.Body, at, false},
		{"another method", good, "POST", d.URL, d.Body, at, false},
		{"a query the signature lacks", good, d.Method, d.URL + "?x=1", d.Body, at, false},
		{"a body the signature lacks", good, d.Method, d.URL, "{}", at, false},
		{"another scheme", "WECHATPAY2-SHA256-RSA " + good[len(authScheme)+1:], d.Method, d.URL, d.Body, at, false},
		{"no nonce", signedAuthorization(t, priv, []string{"mchid", "timestamp", "serial_no", "signature"}, params(),
			"GET\n/v3/certificates\n1554208460\n\n\n"), d.Method, d.URL, d.Body, at, false},
	} {
		if e := m.verify(tc.authorization, tc.method, tc.uri, []byte(tc.body), tc.now); (e == nil) != tc.ok {
			t.Errorf("%s: verify = %v, want ok=%v", tc.name, e, tc.ok)
		}
	}
	for _, other := range []merchantAuth{{"1900009192", d.Serial, pub}, {d.MchID, "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8D", pub},
		{d.MchID, d.Serial, MerchantPublicKey()}} {
		if e := other.verify(good, d.Method, d.URL, nil, at); e == nil || e.code != "SIGN_ERROR" {
			t.Errorf("merchant %s serial %s: verify = %v, want SIGN_ERROR", other.mchID, other.serial, e)
		}
	}
}

func TestFakeDecryptsTheOfficialOAEPVector(t *testing.T) {
	javaKey, err := wxpay.LoadPrivateKey(vectors.PEM(vectors.JavaMerchantPrivateKey))
	if err != nil {
		t.Fatal(err)
	}
	goKey, _ := goSDKKeys(t)
	for _, tc := range []struct {
		name, ciphertext string
		key              *rsa.PrivateKey
		ok               bool
	}{
		{"wechatpay-java RSAPrivacyDecryptorTest", vectors.OAEPCiphertext, javaKey, true},
		{"another private key", vectors.OAEPCiphertext, goKey, false},
		{"not base64", "not base64!", javaKey, false},
		{"truncated", vectors.OAEPCiphertext[:40], javaKey, false},
	} {
		got, err := decryptOAEP(tc.key, tc.ciphertext)
		if (err == nil) != tc.ok || (tc.ok && got != vectors.OAEPPlaintext) {
			t.Errorf("%s: %q, %v", tc.name, got, err)
		}
	}
}

// jsonKeys lists an object's keys in order.
func jsonKeys(t *testing.T, raw []byte) []string {
	t.Helper()
	var keys []string
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", raw)
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// docEnvelope is a notification body as a test reads it.
type docEnvelope struct {
	ID, CreateTime, ResourceType, EventType, Summary string
	Resource                                         map[string]string
	RawResource                                      json.RawMessage
}

func decodeEnvelope(t *testing.T, raw []byte) docEnvelope {
	t.Helper()
	var e struct {
		ID           string          `json:"id"`
		CreateTime   string          `json:"create_time"`
		ResourceType string          `json:"resource_type"`
		EventType    string          `json:"event_type"`
		Summary      string          `json:"summary"`
		Resource     json.RawMessage `json:"resource"`
	}
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatal(err)
	}
	var res map[string]string
	if err := json.Unmarshal(e.Resource, &res); err != nil {
		t.Fatal(err)
	}
	return docEnvelope{ID: e.ID, CreateTime: e.CreateTime, ResourceType: e.ResourceType, EventType: e.EventType,
		Summary: e.Summary, Resource: res, RawResource: e.Resource}
}

// fakeNotices makes the fake's own notification for each documented
// event, through the functions its API handlers use.
func fakeNotices(t *testing.T) map[string]*notice {
	t.Helper()
	f := New(Options{})
	t.Cleanup(f.Close)
	now := f.nowCST()
	paid, err := f.payOrder(&order{Order: Order{OutTradeNo: "R1", OpenID: "oBorrower", AmountFen: 100, State: TradeNotPay,
		NotifyURL: "https://example.invalid/t", CreateTime: now}})
	if err != nil {
		t.Fatal(err)
	}
	refunded := f.finishRefund(&refund{Refund: Refund{OutRefundNo: "RF1", RefundID: "50001", OutTradeNo: "R1", TransactionID: "4200001",
		RefundFen: 100, TotalFen: 100, Status: RefundProcessing, NotifyURL: "https://example.invalid/r", CreateTime: now}}, RefundSuccess)
	paidOut := f.setState(&transfer{Transfer: Transfer{OutBillNo: "D1", TransferBillNo: "13300001", OpenID: "oBorrower", AmountFen: 400000,
		State: TransferTransfering, NotifyURL: "https://example.invalid/d", CreateTime: now}}, TransferFail, "PAYEE_ACCOUNT_ABNORMAL")
	if len(refunded) != 1 || len(paidOut) != 1 {
		t.Fatalf("notices: %d refund, %d transfer", len(refunded), len(paidOut))
	}
	return map[string]*notice{"TRANSACTION.SUCCESS": paid, "REFUND.SUCCESS": refunded[0], "MCHTRANSFER.BILL.FINISHED": paidOut[0]}
}

func openWithDevKey(t *testing.T, res map[string]string) []byte {
	t.Helper()
	block, _ := aes.NewCipher([]byte(DevAPIv3Key))
	gcm, _ := cipher.NewGCM(block)
	ct, err := base64.StdEncoding.DecodeString(res["ciphertext"])
	if err != nil {
		t.Fatal(err)
	}
	pt, err := gcm.Open(nil, []byte(res["nonce"]), ct, []byte(res["associated_data"]))
	if err != nil {
		t.Fatalf("resource does not open with the APIv3 key: %v", err)
	}
	return pt
}

func TestFakeNotificationsHaveTheDocumentedShape(t *testing.T) {
	notices := fakeNotices(t)
	for _, doc := range vectors.DocEvents {
		t.Run(doc.Name, func(t *testing.T) {
			// Envelope: doc.EnvelopeSource; resource fields: doc.PlaintextSource.
			n := notices[doc.Name]
			want, got := decodeEnvelope(t, []byte(doc.Envelope)), decodeEnvelope(t, n.body)
			if k, wk := jsonKeys(t, n.body), jsonKeys(t, []byte(doc.Envelope)); !slices.Equal(k, wk) {
				t.Errorf("envelope keys %v, documented %v", k, wk)
			}
			if k, wk := jsonKeys(t, got.RawResource), jsonKeys(t, want.RawResource); !slices.Equal(k, wk) {
				t.Errorf("resource keys %v, documented %v", k, wk)
			}
			for _, c := range [][3]string{{"event_type", got.EventType, want.EventType}, {"resource_type", got.ResourceType, want.ResourceType},
				{"summary", got.Summary, want.Summary}, {"original_type", got.Resource["original_type"], want.Resource["original_type"]},
				{"algorithm", got.Resource["algorithm"], want.Resource["algorithm"]}} {
				if c[1] != c[2] {
					t.Errorf("%s = %q, documented %q", c[0], c[1], c[2])
				}
			}
			if wa := want.Resource["associated_data"]; wa != "" && got.Resource["associated_data"] != wa {
				t.Errorf("associated_data = %q, documented %q", got.Resource["associated_data"], wa)
			}
			if _, err := time.Parse(time.RFC3339, got.CreateTime); err != nil || len(got.Resource["nonce"]) != 12 {
				t.Errorf("create_time %q or nonce %q malformed", got.CreateTime, got.Resource["nonce"])
			}
			assertDocumentedFields(t, "", openWithDevKey(t, got.Resource), []byte(doc.Plaintext))
		})
	}
}

// assertDocumentedFields fails on any field of got (recursively through
// objects) that the documented example lacks or types differently.
func assertDocumentedFields(t *testing.T, path string, got, doc []byte) {
	t.Helper()
	var g, d map[string]json.RawMessage
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if err := json.Unmarshal(doc, &d); err != nil {
		t.Fatalf("%s: documented example: %v", path, err)
	}
	for k, v := range g {
		dv, ok := d[k]
		switch {
		case !ok:
			t.Errorf("field %s%s is not in the documented example", path, k)
		case v[0] == '{' && dv[0] == '{':
			assertDocumentedFields(t, path+k+".", v, dv)
		case (v[0] == '"') != (dv[0] == '"'):
			t.Errorf("field %s%s = %s, documented %s", path, k, v, dv)
		}
	}
}
