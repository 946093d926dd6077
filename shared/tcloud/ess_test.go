package tcloud_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/contract"
	"github.com/wxlend/wxlend/shared/tcloud"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
)

// received is one callback as the notify-ess function would see it.
type received struct {
	body    []byte
	headers map[string]string
}

type essEnv struct {
	srv     *tcloudtest.Server
	fake    *tcloudtest.ESS
	api     *httptest.Server
	ess     tcloud.ESS
	keys    tcloud.ESSCallbackKeys
	mu      sync.Mutex
	got     []received
	apiHost string
}

// newESSEnv runs the fake behind an httptest server (TC3 signatures checked)
// and a callback receiver; the adapter talks to the API through 127.0.0.1
// and to the file API through localhost, so tests can tell the two apart.
func newESSEnv(t *testing.T, cb tcloudtest.ESSCallbacks) *essEnv {
	t.Helper()
	env := &essEnv{srv: tcloudtest.NewServer()}
	notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h := map[string]string{}
		for k := range r.Header {
			h[strings.ToLower(k)] = r.Header.Get(k)
		}
		env.mu.Lock()
		env.got = append(env.got, received{b, h})
		env.mu.Unlock()
	}))
	t.Cleanup(notify.Close)
	cb.URL = notify.URL + "/notify/ess"
	env.fake = env.srv.RegisterESS(cb)
	mux := http.NewServeMux()
	mux.Handle("POST /_local/ess/sign/{flow_id}", env.fake)
	mux.Handle("/", env.srv)
	env.api = httptest.NewServer(mux)
	t.Cleanup(env.api.Close)
	env.apiHost = strings.TrimPrefix(env.api.URL, "http://")
	port := env.apiHost[strings.LastIndex(env.apiHost, ":"):]
	env.ess = tcloud.ESS{
		Endpoint:     tcloud.Endpoint{Host: env.apiHost, Scheme: "HTTP"},
		FileEndpoint: tcloud.Endpoint{Host: "localhost" + port, Scheme: "HTTP"},
		Cred: func() *common.Credential {
			return common.NewCredential(tcloudtest.DevSecretID, tcloudtest.DevSecretKey)
		},
		OperatorUserID: tcloudtest.DevESSOperatorID,
		ConvertPoll:    5 * time.Millisecond,
	}
	env.keys = tcloud.ESSCallbackKeys{Token: []byte(tcloudtest.DevESSCallbackToken), AESKey: []byte(tcloudtest.DevESSCallbackKey)}
	return env
}

func (env *essEnv) callbacks() []received {
	env.mu.Lock()
	defer env.mu.Unlock()
	return append([]received(nil), env.got...)
}

// sign plays the borrower on the signing link.
func (env *essEnv) sign(t *testing.T, url, action string) int {
	t.Helper()
	resp, err := http.Post(url+"?action="+action, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

const testIDNumber = "11010519491231002X" // GB 11643 sample number, valid check digit

func signRequest() contract.SignRequest {
	return contract.SignRequest{
		ContractNo: "C202601310001", FileName: "借款合同-C202601310001.pdf",
		PDFOrText:  []byte("# 个人借款合同\n\n……\n\n" + contract.SignatureKeyword + "\n签署日期：2026年1月31日\n"),
		SignerName: "张三", SignerMobile: "13800138000", SignerIDNumber: testIDNumber,
		Deadline: time.Now().Add(24 * time.Hour), UserData: "contract-42",
	}
}

func TestESSSignFlowProducesVerifiableCallback(t *testing.T) {
	env := newESSEnv(t, tcloudtest.ESSCallbacks{})
	flow, err := env.ess.StartSigning(context.Background(), signRequest())
	if err != nil {
		t.Fatal(err)
	}
	if flow.FlowID == "" || !strings.HasSuffix(flow.SignURL, "/_local/ess/sign/"+flow.FlowID) {
		t.Fatalf("flow %+v", flow)
	}
	var actions []string
	for _, c := range env.fake.Calls() {
		actions = append(actions, c.Action)
		wantHost := env.apiHost
		if c.Action == "UploadFiles" {
			wantHost = env.ess.FileEndpoint.Host
		}
		if c.Host != wantHost {
			t.Errorf("%s went to %s, want %s", c.Action, c.Host, wantHost)
		}
	}
	if got := strings.Join(actions, ","); got != "UploadFiles,CreateConvertTaskApi,GetTaskResultApi,GetTaskResultApi,CreateFlowByFiles,CreateSchemeUrl" {
		t.Fatalf("calls %s", got)
	}
	fileID, _ := env.fake.FlowFile(flow.FlowID)
	pdf, _ := env.fake.File(fileID)
	if !strings.HasPrefix(string(pdf), "%PDF-") || !strings.Contains(string(pdf), "<pre># 个人借款合同") ||
		!strings.Contains(string(pdf), contract.SignatureKeyword) {
		t.Fatalf("flow file is not the converted contract: %.200s", pdf)
	}

	if st := env.sign(t, flow.SignURL, "sign"); st != http.StatusOK {
		t.Fatalf("sign: %d", st)
	}
	cbs := env.callbacks()
	if len(cbs) != 1 {
		t.Fatalf("%d callbacks", len(cbs))
	}
	if strings.Contains(string(cbs[0].body), "13800138000") || !strings.Contains(string(cbs[0].body), `"encrypt"`) {
		t.Fatal("callback body is not encrypted")
	}
	ev, err := tcloud.ParseESSCallback(cbs[0].body, cbs[0].headers, env.keys, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if ev.FlowID != flow.FlowID || ev.Status != contract.SignSigned || ev.ProviderStatus != 4 || ev.UserData != "contract-42" ||
		ev.MsgID == "" || ev.MsgType != "FlowStatusChange" || time.Since(ev.OccurredAt) > time.Minute {
		t.Fatalf("event %+v", ev)
	}
	st, err := env.ess.FlowStatuses(context.Background(), []string{flow.FlowID, "yDwUnknown"})
	if err != nil || len(st) != 1 || st[flow.FlowID] != contract.SignSigned {
		t.Fatalf("statuses %v %v", st, err)
	}
	if code := env.sign(t, flow.SignURL, "sign"); code != http.StatusConflict {
		t.Fatalf("second sign: %d", code)
	}
}

func TestESSPDFUploadAndReject(t *testing.T) {
	env := newESSEnv(t, tcloudtest.ESSCallbacks{Plaintext: true})
	req := signRequest()
	req.PDFOrText = append([]byte("%PDF-1.4\n"), req.PDFOrText...)
	flow, err := env.ess.StartSigning(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range env.fake.Calls() {
		if strings.HasPrefix(c.Action, "CreateConvert") || strings.HasPrefix(c.Action, "GetTask") {
			t.Fatal("a PDF was sent for conversion")
		}
	}
	env.sign(t, flow.SignURL, "reject")
	cbs := env.callbacks()
	plainKeys := tcloud.ESSCallbackKeys{Token: env.keys.Token}
	ev, err := tcloud.ParseESSCallback(cbs[0].body, cbs[0].headers, plainKeys, time.Now())
	if err != nil || ev.Status != contract.SignRejected || ev.UserData != "contract-42" {
		t.Fatalf("event %+v %v", ev, err)
	}
	// With a key configured, a plaintext body is a downgrade.
	if _, err := tcloud.ParseESSCallback(cbs[0].body, cbs[0].headers, env.keys, time.Now()); apierr.CodeOf(err) != apierr.Unauthenticated {
		t.Fatalf("plaintext accepted with a key configured: %v", err)
	}
}

func TestESSCallbackRefusals(t *testing.T) {
	env := newESSEnv(t, tcloudtest.ESSCallbacks{})
	flow, err := env.ess.StartSigning(context.Background(), signRequest())
	if err != nil {
		t.Fatal(err)
	}
	env.sign(t, flow.SignURL, "sign")
	cb := env.callbacks()[0]
	now := time.Now()
	forged := []byte(strings.Replace(string(cb.body), `"encrypt":"`, `"encrypt":"A`, 1))
	otherKey := env.keys
	otherKey.AESKey = []byte("0123456789abcdef0123456789abcdef")
	cases := map[string]struct {
		body []byte
		h    map[string]string
		keys tcloud.ESSCallbackKeys
		now  time.Time
		code apierr.Code
	}{
		"forged body":       {forged, cb.headers, env.keys, now, apierr.Unauthenticated},
		"forged signature":  {cb.body, map[string]string{"Content-Signature": tcloudtest.SignESSCallback("guess", cb.body)}, env.keys, now, apierr.Unauthenticated},
		"no signature":      {cb.body, map[string]string{}, env.keys, now, apierr.Unauthenticated},
		"bare hex":          {cb.body, map[string]string{"content-signature": strings.TrimPrefix(cb.headers["content-signature"], "sha256=")}, env.keys, now, apierr.Unauthenticated},
		"wrong token":       {cb.body, cb.headers, tcloud.ESSCallbackKeys{Token: []byte("other"), AESKey: env.keys.AESKey}, now, apierr.Unauthenticated},
		"wrong aes key":     {cb.body, cb.headers, otherKey, now, apierr.Unauthenticated},
		"stale":             {cb.body, cb.headers, env.keys, now.Add(25 * time.Hour), apierr.Unauthenticated},
		"from the future":   {cb.body, cb.headers, env.keys, now.Add(-10 * time.Minute), apierr.Unauthenticated},
		"no token":          {cb.body, cb.headers, tcloud.ESSCallbackKeys{AESKey: env.keys.AESKey}, now, apierr.Internal},
		"short aes key":     {cb.body, cb.headers, tcloud.ESSCallbackKeys{Token: env.keys.Token, AESKey: []byte("short")}, now, apierr.Internal},
		"encrypted, no key": {cb.body, cb.headers, tcloud.ESSCallbackKeys{Token: env.keys.Token}, now, apierr.Internal},
		"empty body":        {nil, cb.headers, env.keys, now, apierr.InvalidArgument},
	}
	for name, c := range cases {
		ev, err := tcloud.ParseESSCallback(c.body, c.h, c.keys, c.now)
		if apierr.CodeOf(err) != c.code || ev.FlowID != "" {
			t.Errorf("%s: %v (%s), want %s", name, err, apierr.CodeOf(err), c.code)
		}
	}
	short := env.keys
	short.MaxAge = time.Minute
	if _, err := tcloud.ParseESSCallback(cb.body, cb.headers, short, now.Add(2*time.Minute)); apierr.CodeOf(err) != apierr.Unauthenticated {
		t.Errorf("MaxAge ignored: %v", err)
	}
}

// TestESSStaleCallbackFromFake has the fake's clock two days behind, as a
// replayed old delivery would look.
func TestESSStaleCallbackFromFake(t *testing.T) {
	env := newESSEnv(t, tcloudtest.ESSCallbacks{})
	flow, err := env.ess.StartSigning(context.Background(), signRequest())
	if err != nil {
		t.Fatal(err)
	}
	env.srv.Now = func() time.Time { return time.Now().Add(-48 * time.Hour) }
	t.Cleanup(func() { env.srv.Now = time.Now })
	env.sign(t, flow.SignURL, "expire")
	cb := env.callbacks()[0]
	if _, err := tcloud.ParseESSCallback(cb.body, cb.headers, env.keys, time.Now()); apierr.CodeOf(err) != apierr.Unauthenticated {
		t.Fatalf("stale callback accepted: %v", err)
	}
	ev, err := tcloud.ParseESSCallback(cb.body, cb.headers, env.keys, time.Now().Add(-48*time.Hour))
	if err != nil || ev.Status != contract.SignExpired {
		t.Fatalf("%+v %v", ev, err)
	}
}

func TestParseESSCallbackMessages(t *testing.T) {
	token := []byte("tok")
	now := time.Unix(1_800_000_000, 0)
	parse := func(msg string) (contract.FlowEvent, error) {
		return tcloud.ParseESSCallback([]byte(msg), map[string]string{"Content-Signature": tcloudtest.SignESSCallback("tok", []byte(msg))},
			tcloud.ESSCallbackKeys{Token: token}, now)
	}
	ok := map[string]contract.SignStatus{
		`{"MsgId":"m1","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":4,"UpdatedOn":1800000000}}`:     contract.SignSigned,
		`{"MsgId":"m1","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":"5","UpdatedOn":"1800000000"}}`: contract.SignExpired,
		`{"MsgId":"m1","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":6}}`:                            contract.SignCancelled,
		`{"MsgId":"m1","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":2}}`:                            contract.SignPending,
		`{"MsgId":"m1","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":99}}`:                           contract.SignOther,
		`{"MsgId":"m1","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":4,"UpdatedOn":1800000000000}}`:  contract.SignSigned,
		`{"MsgId":"m2","MsgType":"SealOperate","MsgData":{"SealId":"s"}}`:                                                        contract.SignOther,
	}
	for msg, want := range ok {
		ev, err := parse(msg)
		if err != nil || ev.Status != want || !ev.OccurredAt.Equal(now) {
			t.Errorf("%s: %+v %v", msg, ev, err)
		}
	}
	userData := map[string]string{`"d3hsZW5kOmMtMQ=="`: "c-1", `"wxlend:c-2"`: "c-2", `"Zm9vYmFy"`: "", `"c-3"`: ""}
	for raw, want := range userData {
		ev, err := parse(`{"MsgId":"m","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":4,"UserData":` + raw + `}}`)
		if err != nil || ev.UserData != want {
			t.Errorf("UserData %s: %q %v", raw, ev.UserData, err)
		}
	}
	for _, bad := range []string{`not json`, `{}`, `{"MsgId":"m"}`, `{"MsgId":"m","MsgType":"FlowStatusChange","MsgData":{}}`,
		`{"MsgId":"m","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":"x"}}`, `{"encrypt":"abc"}`} {
		if _, err := parse(bad); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestESSFaultsAndValidation(t *testing.T) {
	env := newESSEnv(t, tcloudtest.ESSCallbacks{})
	ctx := context.Background()
	env.fake.FailNext("InternalError")
	if _, err := env.ess.StartSigning(ctx, signRequest()); apierr.CodeOf(err) != apierr.Unavailable {
		t.Fatalf("injected fault: %v", err)
	}
	req := signRequest()
	req.SignerName = "张故障"
	if _, err := env.ess.StartSigning(ctx, req); apierr.CodeOf(err) != apierr.Unavailable {
		t.Fatalf("provider failure: %v", err)
	}
	req = signRequest()
	req.SignerIDNumber = "110105194912310021" // bad check digit: the fake quotes it back
	_, err := env.ess.StartSigning(ctx, req)
	if apierr.CodeOf(err) != apierr.Unavailable || strings.Contains(err.Error(), req.SignerIDNumber) || !strings.Contains(err.Error(), "CardNumber") {
		t.Fatalf("ID number not scrubbed from %v", err)
	}
	bad := map[string]func(*contract.SignRequest){
		"contract no": func(r *contract.SignRequest) { r.ContractNo = "C 1" },
		"file name":   func(r *contract.SignRequest) { r.FileName = "../x.pdf" },
		"empty doc":   func(r *contract.SignRequest) { r.PDFOrText = nil },
		"binary doc":  func(r *contract.SignRequest) { r.PDFOrText = []byte{0xff, 0xfe} },
		"huge doc":    func(r *contract.SignRequest) { r.PDFOrText = make([]byte, 6<<20) },
		"name":        func(r *contract.SignRequest) { r.SignerName = "张" },
		"mobile":      func(r *contract.SignRequest) { r.SignerMobile = "2380013800" },
		"id":          func(r *contract.SignRequest) { r.SignerIDNumber = "1101" },
		"past":        func(r *contract.SignRequest) { r.Deadline = time.Now().Add(-time.Minute) },
		"far":         func(r *contract.SignRequest) { r.Deadline = time.Now().AddDate(2, 0, 0) },
		"user data":   func(r *contract.SignRequest) { r.UserData = "" },
	}
	before := len(env.fake.Calls())
	for name, m := range bad {
		r := signRequest()
		m(&r)
		// Our own code builds the request from verified data: a bad one
		// is a bug (internal, detail for the log), not the borrower's input.
		_, err := env.ess.StartSigning(ctx, r)
		if apierr.CodeOf(err) != apierr.Internal || apierr.Public(err).Message != "internal error" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(env.fake.Calls()) != before {
		t.Fatal("an invalid request reached ESS")
	}
	noOp := env.ess
	noOp.OperatorUserID = ""
	if _, err := noOp.StartSigning(ctx, signRequest()); apierr.CodeOf(err) != apierr.Internal {
		t.Fatalf("missing operator: %v", err)
	}
	if _, err := env.ess.FlowStatuses(ctx, nil); apierr.CodeOf(err) != apierr.Internal {
		t.Fatalf("no ids: %v", err)
	}
	wrongKey := env.ess
	wrongKey.Cred = func() *common.Credential { return common.NewCredential(tcloudtest.DevSecretID, "wrong") }
	_, err = wrongKey.StartSigning(ctx, signRequest())
	var ae *apierr.Error
	if !errors.As(err, &ae) || ae.Code != apierr.Unavailable || !strings.Contains(err.Error(), "AuthFailure") {
		t.Fatalf("bad credentials: %v", err)
	}
}

func TestESSConversionTimesOut(t *testing.T) {
	env := newESSEnv(t, tcloudtest.ESSCallbacks{})
	env.ess.ConvertPolls = 1
	if _, err := env.ess.StartSigning(context.Background(), signRequest()); apierr.CodeOf(err) != apierr.Unavailable ||
		!strings.Contains(err.Error(), "still running") {
		t.Fatalf("%v", err)
	}
}

// FuzzParseESSCallback feeds arbitrary messages, correctly signed (and, in
// half the cases, correctly encrypted) so the fuzzer reaches the decoding
// behind the signature check, plus arbitrary signature headers. It must
// never panic, and a forged header must never pass.
func FuzzParseESSCallback(f *testing.F) {
	f.Add([]byte(`{"MsgId":"m","MsgType":"FlowStatusChange","MsgData":{"FlowId":"f","FlowCallbackStatus":4,"UserData":"d3hsZW5kOmMtMQ=="}}`), true, "sha256=00")
	f.Add([]byte(`{"encrypt":"AAAA"}`), false, "")
	f.Add([]byte(`{"MsgId":"m","MsgType":"x","MsgData":[1,2]}`), false, "sha256=")
	token, key := []byte(tcloudtest.DevESSCallbackToken), []byte(tcloudtest.DevESSCallbackKey)
	now := time.Unix(1_800_000_000, 0)
	f.Fuzz(func(t *testing.T, msg []byte, encrypt bool, forged string) {
		body, keys := msg, tcloud.ESSCallbackKeys{Token: token}
		if encrypt {
			body = []byte(`{"encrypt":"` + tcloudtest.EncryptESSCallback(tcloudtest.DevESSCallbackKey, msg) + `"}`)
			keys.AESKey = key
		}
		_, _ = tcloud.ParseESSCallback(body, map[string]string{"Content-Signature": tcloudtest.SignESSCallback(string(token), body)}, keys, now)
		if !strings.EqualFold(strings.TrimSpace(forged), tcloudtest.SignESSCallback(string(token), body)) {
			if _, err := tcloud.ParseESSCallback(body, map[string]string{"Content-Signature": forged}, keys, now); err == nil {
				t.Fatalf("forged signature %q accepted", forged)
			}
		}
	})
}
