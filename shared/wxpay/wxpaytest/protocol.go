package wxpaytest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// API names, for FailNext and Stats.Calls.
const (
	APIPrepay         = "jsapi.prepay"
	APIQueryOrder     = "jsapi.query"
	APICloseOrder     = "jsapi.close"
	APIRefund         = "refund.create"
	APIQueryRefund    = "refund.query"
	APICreateTransfer = "transfer.create"
	APIQueryTransfer  = "transfer.query"
	APICancelTransfer = "transfer.cancel"
	APITradeBill      = "bill.trade"
	APIFundFlowBill   = "bill.fundflow"
	APIBillDownload   = "bill.download"
	AnyAPI            = "*" // FailNext on whichever API is called next
)

// Fault codes with special behaviour; any other code is answered as a
// WeChat Pay error with the status of errorStatus (400 when unknown).
const (
	// FaultTimeout applies the request, then holds the answer for
	// Options.TimeoutDelay: the client times out not knowing the outcome.
	FaultTimeout = "TIMEOUT"
	// FaultBadSignature applies the request and signs the answer with a
	// wrong key.
	FaultBadSignature = "BAD_SIGNATURE"
	// FaultCorrupt (bill.download) serves a file that fails its SHA-1.
	FaultCorrupt = "CORRUPT"
)

// errorStatus is the HTTP status WeChat Pay uses with each error code.
var errorStatus = map[string]int{
	"SYSTEM_ERROR": 500, "BANK_ERROR": 500, "NOT_ENOUGH": 403, "FREQUENCY_LIMITED": 429,
	"PARAM_ERROR": 400, "INVALID_REQUEST": 400, "SIGN_ERROR": 401, "NO_AUTH": 403,
	"NOT_FOUND": 404, "ORDER_NOT_EXIST": 404, "RESOURCE_NOT_EXISTS": 404, "ORDERPAID": 400,
	"ORDER_CLOSED": 400, "NO_STATEMENT_EXIST": 400, "RULE_LIMIT": 403, "TRADE_ERROR": 403,
}

var errorMessages = map[string]string{
	"SYSTEM_ERROR": "系统错误", "NOT_ENOUGH": "运营账户资金不足", "FREQUENCY_LIMITED": "频率超限",
	"PARAM_ERROR": "参数错误", "INVALID_REQUEST": "无效请求", "SIGN_ERROR": "签名错误",
	"NO_AUTH": "商户无权限", "NOT_FOUND": "记录不存在",
}

// TransferFailReasons are codes that FailNext(APICreateTransfer, code)
// turns into a created bill that ends FAIL with that fail_reason (a
// business outcome, not an HTTP error).
var TransferFailReasons = map[string]bool{
	"ACCOUNT_FROZEN": true, "REAL_NAME_CHECK_FAIL": true, "NAME_NOT_CORRECT": true, "OPENID_INVALID": true,
	"TRANSFER_QUOTA_EXCEED": true, "DAY_RECEIVED_QUOTA_EXCEED": true, "MONTH_RECEIVED_QUOTA_EXCEED": true,
	"DAY_RECEIVED_COUNT_EXCEED": true, "ID_CARD_NOT_CORRECT": true, "ACCOUNT_NOT_EXIST": true,
	"TRANSFER_RISK": true, "PAYEE_ACCOUNT_ABNORMAL": true, "PAYER_ACCOUNT_ABNORMAL": true,
	"TRANSFER_SCENE_INVALID": true, "MERCHANT_REJECT": true, "BLOCK_B2C_USERLIMITAMOUNT_MONTH": true,
}

type apiError struct {
	status  int
	code    string
	message string
}

func apiErr(code, message string) *apiError {
	st, ok := errorStatus[code]
	if !ok {
		st = http.StatusBadRequest
	}
	if message == "" {
		message = errorMessages[code]
	}
	return &apiError{status: st, code: code, message: message}
}

// answer is what an API handler decided; notices go out after it is
// written, as WeChat Pay's asynchronous side.
type answer struct {
	status      int
	body        any    // JSON; nil with 204
	raw         []byte // instead of body: unsigned file download
	contentType string
	err         *apiError
	notices     []*notice
}

type apiFunc func(r *http.Request, body []byte, fault string) answer

type faultState struct {
	next  map[string][]string // api (or AnyAPI) → queued codes
	rate  float64
	codes []string
	rng   *mrand.Rand
}

// FailNext makes the next call of api (or AnyAPI) fail with code, e.g.
// SYSTEM_ERROR (500), NOT_ENOUGH (403), FREQUENCY_LIMITED (429),
// PARAM_ERROR (400), SIGN_ERROR (401), FaultTimeout, FaultBadSignature,
// FaultCorrupt, or (transfer.create) one of TransferFailReasons. Calls
// queue: FailNext twice fails the next two calls.
func (f *Fake) FailNext(api, code string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.faults.next == nil {
		f.faults.next = map[string][]string{}
	}
	f.faults.next[api] = append(f.faults.next[api], code)
}

// SetFaultRate makes each API call fail with probability rate (0 turns it
// off) with a code drawn from codes (default SYSTEM_ERROR and
// FREQUENCY_LIMITED); the draws come from an RNG seeded with seed, so a
// sequential test is reproducible.
func (f *Fake) SetFaultRate(rate float64, seed uint64, codes ...string) {
	if len(codes) == 0 {
		codes = []string{"SYSTEM_ERROR", "FREQUENCY_LIMITED"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults.rate, f.faults.codes = math.Max(0, math.Min(1, rate)), codes
	f.faults.rng = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// takeFault pops the fault for one call of api (f.mu held).
func (f *Fake) takeFault(api string) string {
	for _, k := range []string{api, AnyAPI} {
		if q := f.faults.next[k]; len(q) > 0 {
			f.faults.next[k] = q[1:]
			return q[0]
		}
	}
	if f.faults.rate > 0 && f.faults.rng != nil && f.faults.rng.Float64() < f.faults.rate {
		return f.faults.codes[f.faults.rng.IntN(len(f.faults.codes))]
	}
	return ""
}

// appliedFault reports whether a fault lets the handler apply the request.
func appliedFault(api, code string) bool {
	switch code {
	case "", FaultTimeout, FaultBadSignature, FaultCorrupt:
		return true
	}
	return api == APICreateTransfer && TransferFailReasons[code]
}

// maxRequestBytes bounds a request body.
const maxRequestBytes = 1 << 20

// wrap authenticates a call, injects faults, runs h and writes its signed
// answer, then sends the notices.
func (f *Fake) wrap(api string, h apiFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxRequestBytes))
		f.mu.Lock()
		f.stats.Calls[api]++
		f.mu.Unlock()
		if err != nil {
			f.writeError(w, apiErr("PARAM_ERROR", "请求体读取失败"))
			return
		}
		if e := f.verifyAuth(r, body); e != nil {
			f.mu.Lock()
			f.stats.AuthFailures++
			f.mu.Unlock()
			f.writeError(w, e)
			return
		}
		f.mu.Lock()
		fault := f.takeFault(api)
		if fault != "" {
			f.stats.FaultsInjected++
		}
		f.mu.Unlock()
		if !appliedFault(api, fault) {
			f.writeError(w, apiErr(fault, ""))
			return
		}
		a := h(r, body, fault)
		defer f.dispatch(a.notices)
		if fault == FaultTimeout {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(f.timeoutDelay):
			}
		}
		f.write(w, a, fault == FaultBadSignature)
	})
}

func (f *Fake) write(w http.ResponseWriter, a answer, forge bool) {
	if a.err != nil {
		f.writeError(w, a.err)
		return
	}
	if a.raw != nil {
		w.Header().Set("Content-Type", a.contentType)
		w.Header().Set("Request-ID", randomHex(32))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write(a.raw)
		return
	}
	var data []byte
	if a.body != nil {
		data, _ = json.Marshal(a.body)
	}
	status := a.status
	if status == 0 {
		status = http.StatusOK
	}
	f.writeSigned(w, status, data, forge)
}

func (f *Fake) writeError(w http.ResponseWriter, e *apiError) {
	data, _ := json.Marshal(map[string]string{"code": e.code, "message": e.message})
	f.writeSigned(w, e.status, data, false)
}

// writeSigned writes an answer signed with the platform key, as WeChat Pay
// signs every API answer.
func (f *Fake) writeSigned(w http.ResponseWriter, status int, body []byte, forge bool) {
	h := w.Header()
	if len(body) > 0 {
		h.Set("Content-Type", "application/json; charset=utf-8")
	}
	h.Set("Request-ID", randomHex(32))
	key := PlatformPrivateKey()
	if forge {
		key = MerchantPrivateKey()
	}
	signHeaders(h, key, time.Now().Unix(), body)
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// signHeaders sets Wechatpay-Timestamp/-Nonce/-Serial/-Signature of an
// answer or notification signed now-ish (ts) with key and a fresh nonce.
func signHeaders(h http.Header, key *rsa.PrivateKey, ts int64, body []byte) {
	setSignature(h, key, DevPublicKeyID, strconv.FormatInt(ts, 10), randomAlnum(32), body)
}

// setSignature sets the Wechatpay-* headers of a body signed with key:
// the signature covers answerMessage(ts, nonce, body).
func setSignature(h http.Header, key *rsa.PrivateKey, serial, ts, nonce string, body []byte) {
	h.Set("Wechatpay-Timestamp", ts)
	h.Set("Wechatpay-Nonce", nonce)
	h.Set("Wechatpay-Serial", serial)
	h.Set("Wechatpay-Signature", Sign(key, answerMessage(ts, nonce, body)))
}

// answerMessage is what WeChat Pay signs for an answer or a notification
// (验签名串): timestamp, nonce and body, each line ending in \n; an empty
// body (204) leaves a last line of just \n.
func answerMessage(ts, nonce string, body []byte) string {
	return ts + "\n" + nonce + "\n" + string(body) + "\n"
}

// authMessage is what a merchant signs for a request (签名串): method, URI
// (path and query), timestamp, nonce and body, each line ending in \n.
func authMessage(method, uri, ts, nonce string, body []byte) string {
	return method + "\n" + uri + "\n" + ts + "\n" + nonce + "\n" + string(body) + "\n"
}

// Sign is base64(SHA256withRSA(message)), the signature of WeChat Pay v3
// (requests, answers, notifications, paySign).
func Sign(key *rsa.PrivateKey, message string) string {
	sum := sha256.Sum256([]byte(message))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		panic("wxpaytest: sign: " + err.Error())
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// Verify checks a Sign signature with pub.
func Verify(pub *rsa.PublicKey, message, signature string) error {
	sig, err := base64.StdEncoding.DecodeString(signature)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(message))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// authScheme is the only Authorization scheme of API v3 requests.
const authScheme = "WECHATPAY2-SHA256-RSA2048"

// verifyAuth checks the merchant's Authorization header like WeChat Pay,
// with the dev merchant certificate.
func (f *Fake) verifyAuth(r *http.Request, body []byte) *apiError {
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	m := merchantAuth{mchID: f.mchID, serial: DevCertSerial, pub: MerchantPublicKey()}
	return m.verify(r.Header.Get("Authorization"), r.Method, uri, body, time.Now())
}

// merchantAuth is who may call the fake: a merchant number, the serial of
// its API certificate and that certificate's public key.
type merchantAuth struct {
	mchID, serial string
	pub           *rsa.PublicKey
}

// verify checks an Authorization header: scheme, mchid, certificate
// serial, timestamp within 5 minutes of now, a nonce, and the signature
// over authMessage(method, uri, timestamp, nonce, body).
func (m merchantAuth) verify(authorization, method, uri string, body []byte, now time.Time) *apiError {
	scheme, p := parseAuthorization(authorization)
	if scheme != authScheme {
		return apiErr("SIGN_ERROR", "Authorization 认证类型错误")
	}
	if p["mchid"] != m.mchID {
		return apiErr("SIGN_ERROR", "商户号与 Authorization 不符")
	}
	if p["serial_no"] != m.serial {
		return apiErr("SIGN_ERROR", "商户证书序列号有误")
	}
	ts, err := strconv.ParseInt(p["timestamp"], 10, 64)
	if err != nil || math.Abs(float64(now.Unix()-ts)) >= 300 {
		return apiErr("SIGN_ERROR", "时间戳过期")
	}
	if p["nonce_str"] == "" {
		return apiErr("SIGN_ERROR", "缺少随机串")
	}
	if Verify(m.pub, authMessage(method, uri, p["timestamp"], p["nonce_str"], body), p["signature"]) != nil {
		return apiErr("SIGN_ERROR", "签名错误")
	}
	return nil
}

// parseAuthorization splits an Authorization header into its scheme and
// its key="value" parameters, which come in any order.
func parseAuthorization(h string) (scheme string, params map[string]string) {
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	params = map[string]string{}
	for _, kv := range strings.Split(rest, ",") {
		k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
		params[k] = strings.TrimSuffix(strings.TrimPrefix(v, `"`), `"`)
	}
	return scheme, params
}
