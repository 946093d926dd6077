package tcloudtest_test

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/profile"
	essapi "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/ess/v20201111"

	"github.com/wxlend/wxlend/shared/contract"
	"github.com/wxlend/wxlend/shared/tcloud"
	"github.com/wxlend/wxlend/shared/tcloud/tcloudtest"
)

type fakeEnv struct {
	srv    *tcloudtest.Server
	fake   *tcloudtest.ESS
	ess    tcloud.ESS
	client *essapi.Client
	mu     sync.Mutex
	bodies [][]byte
	msgIDs map[string]int
	status int // what the receiver answers
}

func newFakeEnv(t *testing.T) *fakeEnv {
	t.Helper()
	env := &fakeEnv{srv: tcloudtest.NewServer(), msgIDs: map[string]int{}, status: http.StatusOK}
	keys := tcloud.ESSCallbackKeys{Token: []byte(tcloudtest.DevESSCallbackToken), AESKey: []byte(tcloudtest.DevESSCallbackKey)}
	notify := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		ev, err := tcloud.ParseESSCallback(b, map[string]string{"Content-Signature": r.Header.Get("Content-Signature")}, keys, time.Now())
		env.mu.Lock()
		defer env.mu.Unlock()
		if err != nil {
			t.Errorf("callback refused: %v", err)
		}
		env.bodies = append(env.bodies, b)
		env.msgIDs[ev.MsgID]++
		w.WriteHeader(env.status)
	}))
	t.Cleanup(notify.Close)
	env.fake = env.srv.RegisterESS(tcloudtest.ESSCallbacks{URL: notify.URL})
	mux := http.NewServeMux()
	mux.Handle("POST /_local/ess/sign/{flow_id}", env.fake)
	mux.Handle("/", env.srv)
	api := httptest.NewServer(mux)
	t.Cleanup(api.Close)
	ep := tcloud.Endpoint{Host: strings.TrimPrefix(api.URL, "http://"), Scheme: "HTTP"}
	cred := func() *common.Credential {
		return common.NewCredential(tcloudtest.DevSecretID, tcloudtest.DevSecretKey)
	}
	env.ess = tcloud.ESS{Endpoint: ep, FileEndpoint: ep, Cred: cred, OperatorUserID: tcloudtest.DevESSOperatorID, ConvertPoll: time.Millisecond}
	cpf := profile.NewClientProfile()
	cpf.HttpProfile.Endpoint, cpf.HttpProfile.Scheme = ep.Host, "HTTP"
	env.client, _ = essapi.NewClient(cred(), "", cpf)
	return env
}

func (env *fakeEnv) start(t *testing.T, deadline time.Time) contract.SignFlow {
	t.Helper()
	flow, err := env.ess.StartSigning(context.Background(), contract.SignRequest{
		ContractNo: "C1", FileName: "c1.txt", PDFOrText: []byte("合同\n" + contract.SignatureKeyword + "\n"),
		SignerName: "李四", SignerMobile: "13900139000", SignerIDNumber: "11010519491231002X",
		Deadline: deadline, UserData: "contract-1",
	})
	if err != nil {
		t.Fatal(err)
	}
	return flow
}

func post(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Post(url, "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestFakeDuplicatesDelayAndDrop(t *testing.T) {
	env := newFakeEnv(t)
	env.fake.SetDuplicates(2)
	flow := env.start(t, time.Now().Add(time.Hour))
	if code := post(t, flow.SignURL+"?action=sign"); code != http.StatusOK {
		t.Fatalf("sign %d", code)
	}
	d := env.fake.Deliveries()
	if len(d) != 3 || d[0].MsgID != d[2].MsgID || d[0].HTTPStatus != 200 || d[0].FlowStatus != 4 {
		t.Fatalf("deliveries %+v", d)
	}
	if env.msgIDs[d[0].MsgID] != 3 {
		t.Fatalf("receiver saw %v", env.msgIDs)
	}

	env.fake.SetDuplicates(0)
	env.fake.SetDelay(20 * time.Millisecond)
	delayed := env.start(t, time.Now().Add(time.Hour))
	post(t, delayed.SignURL+"?action=reject")
	if n := len(env.fake.Deliveries()); n != 3 {
		t.Fatalf("delayed callback delivered at once (%d)", n)
	}
	env.fake.Wait()
	if d := env.fake.Deliveries(); len(d) != 4 || d[3].FlowStatus != 3 || d[3].HTTPStatus != 200 {
		t.Fatalf("delayed delivery %+v", d)
	}

	env.fake.SetDelay(0)
	env.fake.DropNextCallback()
	lost := env.start(t, time.Now().Add(time.Hour))
	post(t, lost.SignURL+"?action=sign")
	if d := env.fake.Deliveries(); len(d) != 5 || d[4].Err != "dropped" || len(env.bodies) != 4 {
		t.Fatalf("drop %+v", d)
	}
	// The sweeper still learns the outcome by polling.
	st, err := env.ess.FlowStatuses(context.Background(), []string{lost.FlowID, delayed.FlowID})
	if err != nil || st[lost.FlowID] != contract.SignSigned || st[delayed.FlowID] != contract.SignRejected {
		t.Fatalf("%v %v", st, err)
	}
}

func TestFakeSigningEndpoint(t *testing.T) {
	env := newFakeEnv(t)
	flow := env.start(t, time.Now().Add(time.Hour))
	base := flow.SignURL[:strings.LastIndex(flow.SignURL, "/")+1]
	for url, want := range map[string]int{
		base + "nope?action=sign":    http.StatusNotFound,
		flow.SignURL + "?action=eat": http.StatusBadRequest,
		flow.SignURL:                 http.StatusBadRequest,
	} {
		if got := post(t, url); got != want {
			t.Errorf("%s: %d, want %d", url, got, want)
		}
	}
	if got := post(t, flow.SignURL+"?action=reject"); got != http.StatusOK {
		t.Fatalf("reject %d", got)
	}
	if got := post(t, flow.SignURL+"?action=sign"); got != http.StatusConflict {
		t.Fatalf("sign after reject %d", got)
	}
	// A flow past its deadline cannot be signed, and reads as expired.
	late := env.start(t, time.Now().Add(time.Hour))
	env.srv.Now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	defer func() { env.srv.Now = time.Now }()
	if got := post(t, late.SignURL+"?action=sign"); got != http.StatusConflict {
		t.Fatalf("late sign %d", got)
	}
	env.srv.Now = time.Now
	if got := post(t, late.SignURL+"?action=expire"); got != http.StatusOK {
		t.Fatalf("expire %d", got)
	}
	st, err := env.ess.FlowStatuses(context.Background(), []string{late.FlowID})
	if err != nil || st[late.FlowID] != contract.SignExpired {
		t.Fatalf("%v %v", st, err)
	}
}

func sdkCode(err error) string {
	if e, ok := err.(*tcerr.TencentCloudSDKError); ok {
		return e.Code
	}
	return ""
}

func TestFakeRefusesBadRequests(t *testing.T) {
	env := newFakeEnv(t)
	op := &essapi.UserInfo{UserId: common.StringPtr(tcloudtest.DevESSOperatorID)}
	upload := func(name string, body []byte, operator string) (string, error) {
		req := essapi.NewUploadFilesRequest()
		req.BusinessType = common.StringPtr("DOCUMENT")
		req.Caller = &essapi.Caller{OperatorId: common.StringPtr(operator)}
		req.FileInfos = []*essapi.UploadFile{{FileBody: common.StringPtr(base64.StdEncoding.EncodeToString(body)), FileName: common.StringPtr(name)}}
		resp, err := env.client.UploadFiles(req)
		if err != nil {
			return "", err
		}
		return *resp.Response.FileIds[0], nil
	}
	if _, err := upload("a.pdf", []byte("not a pdf"), tcloudtest.DevESSOperatorID); sdkCode(err) != "InvalidParameter.FileBody" {
		t.Errorf("fake PDF: %v", err)
	}
	if _, err := upload("a.pdf", []byte("%PDF-1.4"), "someone"); sdkCode(err) != "OperationDenied" {
		t.Errorf("operator: %v", err)
	}
	htmlID, _ := upload("a.html", []byte("<p>x</p>"), tcloudtest.DevESSOperatorID)
	pdfID, _ := upload("a.pdf", []byte("%PDF-1.4 no keyword"), tcloudtest.DevESSOperatorID)
	flow := func(fileID string, mutate func(*essapi.ApproverInfo), deadline time.Time) error {
		req := essapi.NewCreateFlowByFilesRequest()
		req.Operator, req.FlowName, req.FileIds = op, common.StringPtr("借款合同 C1"), []*string{common.StringPtr(fileID)}
		req.Deadline = common.Int64Ptr(deadline.Unix())
		a := &essapi.ApproverInfo{ApproverType: common.Int64Ptr(1), ApproverName: common.StringPtr("李四"),
			ApproverMobile: common.StringPtr("13900139000"), ApproverIdCardNumber: common.StringPtr("11010519491231002X")}
		mutate(a)
		req.Approvers = []*essapi.ApproverInfo{a}
		_, err := env.client.CreateFlowByFiles(req)
		return err
	}
	future := time.Now().Add(time.Hour)
	none := func(*essapi.ApproverInfo) {}
	cases := map[string]struct {
		err  error
		code string
	}{
		"html file":    {flow(htmlID, none, future), "InvalidParameter.FileIds"},
		"unknown file": {flow("yDwNope", none, future), "InvalidParameter.FileIds"},
		"past":         {flow(pdfID, none, time.Now().Add(-time.Minute)), "InvalidParameter.Deadline"},
		"organization": {flow(pdfID, func(a *essapi.ApproverInfo) { a.ApproverType = common.Int64Ptr(0) }, future), "InvalidParameter.ApproverType"},
		"mobile":       {flow(pdfID, func(a *essapi.ApproverInfo) { a.ApproverMobile = common.StringPtr("123") }, future), "InvalidParameter.Mobile"},
		"check digit":  {flow(pdfID, func(a *essapi.ApproverInfo) { a.ApproverIdCardNumber = common.StringPtr("110105194912310021") }, future), "InvalidParameter.CardNumber"},
		"keyword": {flow(pdfID, func(a *essapi.ApproverInfo) {
			a.SignComponents = []*essapi.Component{{ComponentType: common.StringPtr("SIGN_SIGNATURE"), GenerateMode: common.StringPtr("KEYWORD"),
				ComponentId: common.StringPtr(contract.SignatureKeyword)}}
		}, future), "InvalidParameter.KeywordNotFound"},
		"ok": {flow(pdfID, none, future), ""},
	}
	for name, c := range cases {
		if sdkCode(c.err) != c.code {
			t.Errorf("%s: %v, want %s", name, c.err, c.code)
		}
	}
}

func TestFakeCallbackHelpersMatchParser(t *testing.T) {
	msg := []byte(`{"MsgId":"m","MsgType":"FlowStatusChange","MsgVersion":"CustomApp","MsgData":{"FlowId":"f","FlowCallbackStatus":4}}`)
	body := []byte(`{"encrypt":"` + tcloudtest.EncryptESSCallback(tcloudtest.DevESSCallbackKey, msg) + `"}`)
	ev, err := tcloud.ParseESSCallback(body, map[string]string{"content-signature": tcloudtest.SignESSCallback(tcloudtest.DevESSCallbackToken, body)},
		tcloud.ESSCallbackKeys{Token: []byte(tcloudtest.DevESSCallbackToken), AESKey: []byte(tcloudtest.DevESSCallbackKey)}, time.Now())
	if err != nil || ev.FlowID != "f" || ev.Status != contract.SignSigned {
		t.Fatalf("%+v %v", ev, err)
	}
	if len(tcloudtest.DevESSCallbackKey) != 32 {
		t.Fatal("dev callback key must be 32 bytes")
	}
}
