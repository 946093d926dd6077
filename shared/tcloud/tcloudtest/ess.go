package tcloudtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/wxlend/wxlend/shared/pii"
)

// ESS dev fixtures (ess 2020-11-11), dev only, never valid anywhere else:
//   - DevESSOperatorID is the only operator (Operator.UserId,
//     Caller.OperatorId) the fake accepts; any other is OperationDenied.
//   - Callbacks are signed with DevESSCallbackToken (Content-Signature:
//     sha256=hex(HMAC-SHA256(token, body))) and encrypted with
//     DevESSCallbackKey (AES-256-CBC, IV = key[:16], PKCS#7, body
//     {"encrypt": base64}), exactly the format tcloud.ParseESSCallback
//     verifies; ESSCallbacks.Plaintext sends them unencrypted.
//   - UploadFiles (BusinessType DOCUMENT) keeps the bytes; a .pdf must start
//     with %PDF-. CreateConvertTaskApi turns an uploaded HTML/text file into
//     a "PDF" (a %PDF- header before the source bytes); GetTaskResultApi
//     answers TaskStatus 4 (processing) on the first poll, 8 with the PDF's
//     ResourceId from the second on.
//   - CreateFlowByFiles accepts one PDF file id and person approvers
//     (ApproverType 1) with an 11-digit mobile and an ID number with a valid
//     GB 11643 check digit (otherwise InvalidParameter.CardNumber, quoting
//     the number as the real service may: adapters must scrub it); a name
//     containing 故障 answers FailedOperation; a keyword-positioned signature
//     component whose keyword is not in the document answers
//     InvalidParameter.KeywordNotFound; the Deadline must be in the future.
//   - CreateSchemeUrl returns http://<host>/_local/ess/sign/<flow_id>, the
//     handler RegisterESS returns (mount it at
//     POST /_local/ess/sign/{flow_id}): ?action=sign | reject | expire plays
//     the borrower (or the clock) and delivers the FlowStatusChange callback
//     (FlowCallbackStatus 4, 3 or 5) to ESSCallbacks.URL.
//   - DescribeFlowBriefs reports FlowStatus 1, 3, 4 or 5 (5 once the
//     deadline has passed).
//
// Faults: FailNext(code) fails the next API call; SetDuplicates(n) delivers
// every callback 1+n times (same MsgId); SetDelay(d) delivers it d later in
// the background; DropNextCallback loses the next one.
const (
	DevESSOperatorID    = "yDwxlendDEVONLYOperator000000000"
	DevESSCallbackToken = "wxlend-dev-ess-callback-token"
	DevESSCallbackKey   = "wxlendDevOnlyEssCallbackKey00000"
)

// ESSCallbacks configures where and how the fake sends flow callbacks.
type ESSCallbacks struct {
	URL        string       // e.g. http://127.0.0.1:9000/notify/ess; empty: callbacks are recorded, not sent
	Token      string       // "" means DevESSCallbackToken
	Key        string       // "" means DevESSCallbackKey (32 bytes)
	Plaintext  bool         // send messages unencrypted (ESS without a callback key)
	OperatorID string       // "" means DevESSOperatorID
	Client     *http.Client // nil: a client with a 5 s timeout
}

// ESSDelivery is one callback attempt, for tests and the local console.
type ESSDelivery struct {
	MsgID      string
	FlowID     string
	FlowStatus int
	HTTPStatus int    // 0 if not sent (no URL, dropped, or a transport error)
	Err        string // transport error or "dropped"
}

// ESSCall is one API call the fake answered (action and the Host it was
// sent to), so tests can check which endpoint an adapter used.
type ESSCall struct {
	Action string
	Host   string
}

// ESS is the fake's state. It is the http.Handler of the local signing
// endpoint.
type ESS struct {
	s          *Server
	cb         ESSCallbacks
	mu         sync.Mutex
	files      map[string]*essFile
	tasks      map[string]*essTask
	flows      map[string]*essFlow
	failNext   []string
	duplicates int
	delay      time.Duration
	drop       int
	deliveries []ESSDelivery
	calls      []ESSCall
	wg         sync.WaitGroup
}

type essFile struct {
	name  string
	pdf   bool
	bytes []byte
}

type essTask struct {
	source, result string
	polls          int
}

type essFlow struct {
	id, name, flowType, userData string
	fileID                       string
	approver                     essApprover
	created, deadline            time.Time
	status                       int
	message                      string
}

type essApprover struct {
	ApproverType                                                           int
	ApproverName, ApproverMobile, ApproverIdCardType, ApproverIdCardNumber string
	SignComponents                                                         []struct{ ComponentType, GenerateMode, ComponentId string }
}

// RegisterESS adds the ESS actions (UploadFiles, CreateConvertTaskApi,
// GetTaskResultApi, CreateFlowByFiles, CreateSchemeUrl, DescribeFlowBriefs)
// and returns the fake, which serves POST /_local/ess/sign/{flow_id}.
func (s *Server) RegisterESS(cb ESSCallbacks) *ESS {
	if cb.Token == "" {
		cb.Token = DevESSCallbackToken
	}
	if cb.Key == "" {
		cb.Key = DevESSCallbackKey
	}
	if cb.OperatorID == "" {
		cb.OperatorID = DevESSOperatorID
	}
	if cb.Client == nil {
		cb.Client = &http.Client{Timeout: 5 * time.Second}
	}
	f := &ESS{s: s, cb: cb, files: map[string]*essFile{}, tasks: map[string]*essTask{}, flows: map[string]*essFlow{}}
	for action, a := range map[string]Action{
		"UploadFiles": f.uploadFiles, "CreateConvertTaskApi": f.createConvertTask, "GetTaskResultApi": f.taskResult,
		"CreateFlowByFiles": f.createFlow, "CreateSchemeUrl": f.schemeURL, "DescribeFlowBriefs": f.describeFlows,
	} {
		s.Handle("ess", action, f.wrap(action, a))
	}
	return f
}

// wrap records the call and applies an injected fault.
func (f *ESS) wrap(action string, a Action) Action {
	return func(r *http.Request, body []byte) (any, *Error) {
		f.mu.Lock()
		f.calls = append(f.calls, ESSCall{Action: action, Host: r.Host})
		var code string
		if len(f.failNext) > 0 {
			code, f.failNext = f.failNext[0], f.failNext[1:]
		}
		f.mu.Unlock()
		if code != "" {
			return nil, &Error{code, "injected fault in " + action}
		}
		return a(r, body)
	}
}

// FailNext makes the next API call answer error code (e.g. "InternalError",
// "FailedOperation"); calls queue up.
func (f *ESS) FailNext(code string) {
	f.mu.Lock()
	f.failNext = append(f.failNext, code)
	f.mu.Unlock()
}

// SetDuplicates delivers every later callback 1+n times.
func (f *ESS) SetDuplicates(n int) {
	f.mu.Lock()
	f.duplicates = max(n, 0)
	f.mu.Unlock()
}

// SetDelay delivers later callbacks d after the action, in the background
// (Wait waits for them).
func (f *ESS) SetDelay(d time.Duration) {
	f.mu.Lock()
	f.delay = d
	f.mu.Unlock()
}

// DropNextCallback loses the next callback (recorded as "dropped").
func (f *ESS) DropNextCallback() {
	f.mu.Lock()
	f.drop++
	f.mu.Unlock()
}

// Wait blocks until background deliveries are done.
func (f *ESS) Wait() { f.wg.Wait() }

// Deliveries returns the callback attempts so far.
func (f *ESS) Deliveries() []ESSDelivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ESSDelivery(nil), f.deliveries...)
}

// Calls returns the API calls answered so far.
func (f *ESS) Calls() []ESSCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]ESSCall(nil), f.calls...)
}

// File returns an uploaded or converted file's bytes.
func (f *ESS) File(id string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if file, ok := f.files[id]; ok {
		return append([]byte(nil), file.bytes...), true
	}
	return nil, false
}

// FlowFile returns the id of the file a flow was created from.
func (f *ESS) FlowFile(flowID string) (string, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl, ok := f.flows[flowID]; ok {
		return fl.fileID, true
	}
	return "", false
}

// FlowSigner returns the name and mobile a flow's signer was created with.
func (f *ESS) FlowSigner(flowID string) (name, mobile string, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fl, found := f.flows[flowID]; found {
		return fl.approver.ApproverName, fl.approver.ApproverMobile, true
	}
	return "", "", false
}

func essID(prefix string) string {
	var b [14]byte
	_, _ = rand.Read(b[:])
	return prefix + hex.EncodeToString(b[:])
}

func (f *ESS) operatorOK(id string) *Error {
	if id != f.cb.OperatorID {
		return &Error{"OperationDenied", "operator " + id + " is not an employee of this organization"}
	}
	return nil
}

var essFileTypes = map[string]bool{"pdf": true, "html": true, "doc": true, "docx": true, "xls": true, "xlsx": true,
	"jpg": true, "png": true, "txt": true}

func (f *ESS) uploadFiles(r *http.Request, body []byte) (any, *Error) {
	var p struct {
		BusinessType, FileType string
		Caller                 struct{ OperatorId string }
		FileInfos              []struct{ FileBody, FileName string }
	}
	if err := json.Unmarshal(body, &p); err != nil || p.BusinessType != "DOCUMENT" {
		return nil, &Error{"InvalidParameter.BusinessType", "BusinessType must be DOCUMENT in this fake"}
	}
	if e := f.operatorOK(p.Caller.OperatorId); e != nil {
		return nil, e
	}
	if len(p.FileInfos) == 0 || len(p.FileInfos) > 20 {
		return nil, &Error{"InvalidParameter.FileInfos", "1-20 files"}
	}
	ids := []string{}
	for _, fi := range p.FileInfos {
		b, err := base64.StdEncoding.DecodeString(fi.FileBody)
		ext := strings.TrimPrefix(path.Ext(fi.FileName), ".")
		if p.FileType != "" && p.FileType != ext {
			return nil, &Error{"InvalidParameter.FileType", "FileType does not match the file name " + fi.FileName}
		}
		switch {
		case err != nil || len(b) == 0:
			return nil, &Error{"InvalidParameter.FileBody", "FileBody must be non-empty base64"}
		case !essFileTypes[ext]:
			return nil, &Error{"InvalidParameter.FileType", "unsupported file type " + ext}
		case ext == "pdf" && !bytes.HasPrefix(b, []byte("%PDF-")):
			return nil, &Error{"InvalidParameter.FileBody", "not a PDF"}
		}
		id := essID("yDwFile")
		f.mu.Lock()
		f.files[id] = &essFile{name: fi.FileName, pdf: ext == "pdf", bytes: b}
		f.mu.Unlock()
		ids = append(ids, id)
	}
	return map[string]any{"FileIds": ids, "TotalCount": len(ids)}, nil
}

func (f *ESS) createConvertTask(r *http.Request, body []byte) (any, *Error) {
	var p struct {
		ResourceType, ResourceName, ResourceId string
		Operator                               struct{ UserId string }
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, &Error{"InvalidParameter", "bad request"}
	}
	if e := f.operatorOK(p.Operator.UserId); e != nil {
		return nil, e
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	src, ok := f.files[p.ResourceId]
	switch {
	case !ok:
		return nil, &Error{"ResourceNotFound.Resource", "no file " + p.ResourceId}
	case src.pdf || p.ResourceType == "pdf":
		return nil, &Error{"InvalidParameter.ResourceType", "a PDF needs no conversion"}
	}
	id := essID("yDwTask")
	f.tasks[id] = &essTask{source: p.ResourceId}
	return map[string]string{"TaskId": id}, nil
}

func (f *ESS) taskResult(r *http.Request, body []byte) (any, *Error) {
	var p struct {
		TaskId   string
		Operator struct{ UserId string }
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, &Error{"InvalidParameter", "bad request"}
	}
	if e := f.operatorOK(p.Operator.UserId); e != nil {
		return nil, e
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.tasks[p.TaskId]
	if !ok {
		return nil, &Error{"ResourceNotFound.Task", "no task " + p.TaskId}
	}
	t.polls++
	if t.polls < 2 {
		return map[string]any{"TaskId": p.TaskId, "TaskStatus": 4, "TaskMessage": "Processing"}, nil
	}
	if t.result == "" {
		src := f.files[t.source]
		t.result = essID("yDwFile")
		pdf := append([]byte("%PDF-1.7\n%wxlend-local-fake converted "+src.name+"\n"), src.bytes...)
		f.files[t.result] = &essFile{name: strings.TrimSuffix(src.name, path.Ext(src.name)) + ".pdf", pdf: true, bytes: pdf}
	}
	return map[string]any{"TaskId": p.TaskId, "TaskStatus": 8, "TaskMessage": "TaskEnd", "ResourceId": t.result}, nil
}

func (f *ESS) createFlow(r *http.Request, body []byte) (any, *Error) {
	var p struct {
		Operator                     struct{ UserId string }
		FlowName, FlowType, UserData string
		FileIds                      []string
		Approvers                    []essApprover
		Deadline                     int64
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, &Error{"InvalidParameter", "bad request"}
	}
	if e := f.operatorOK(p.Operator.UserId); e != nil {
		return nil, e
	}
	if len(p.FlowName) == 0 || len([]rune(p.FlowName)) > 200 {
		return nil, &Error{"InvalidParameter.FlowName", "FlowName must be 1-200 characters"}
	}
	if _, err := base64.StdEncoding.DecodeString(p.UserData); err != nil || len(p.UserData) > 20480 {
		return nil, &Error{"InvalidParameter.UserData", "UserData must be base64, at most 20480 characters"}
	}
	now := f.s.Now()
	if p.Deadline <= now.Unix() {
		return nil, &Error{"InvalidParameter.Deadline", "Deadline must be in the future"}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var file *essFile
	if len(p.FileIds) == 1 {
		file = f.files[p.FileIds[0]]
	}
	if file == nil || !file.pdf {
		return nil, &Error{"InvalidParameter.FileIds", "exactly one uploaded PDF file id is required"}
	}
	if len(p.Approvers) != 1 {
		return nil, &Error{"InvalidParameter.Approvers", "this fake supports exactly one approver"}
	}
	if e := checkESSApprover(p.Approvers[0], file); e != nil {
		return nil, e
	}
	fl := &essFlow{id: essID("yDwFlow"), name: p.FlowName, flowType: p.FlowType, userData: p.UserData, fileID: p.FileIds[0],
		approver: p.Approvers[0], created: now, deadline: time.Unix(p.Deadline, 0), status: 1}
	f.flows[fl.id] = fl
	return map[string]any{"FlowId": fl.id, "Approvers": []map[string]string{{"SignId": essID("yDwSign"), "RecipientId": essID("yDwRcpt")}}}, nil
}

func checkESSApprover(a essApprover, file *essFile) *Error {
	id := a.ApproverIdCardNumber
	check, ok := pii.IDCheckChar(id[:min(len(id), 17)])
	switch {
	case a.ApproverType != 1:
		return &Error{"InvalidParameter.ApproverType", "this fake supports person approvers (ApproverType 1) only"}
	case strings.Contains(a.ApproverName, "故障"):
		return &Error{"FailedOperation", "internal error of the e-sign service"}
	case a.ApproverName == "":
		return &Error{"InvalidParameter.ApproverName", "ApproverName is required"}
	case len(a.ApproverMobile) != 11 || a.ApproverMobile[0] != '1':
		return &Error{"InvalidParameter.Mobile", "ApproverMobile " + a.ApproverMobile + " is not a mainland mobile"}
	case a.ApproverIdCardType != "" && a.ApproverIdCardType != "ID_CARD":
		return &Error{"InvalidParameter.CardType", "only ID_CARD in this fake"}
	case len(id) != 18 || !ok || id[17] != check:
		return &Error{"InvalidParameter.CardNumber", "ApproverIdCardNumber " + id + " is invalid"}
	}
	for _, c := range a.SignComponents {
		if c.GenerateMode == "KEYWORD" && !bytes.Contains(file.bytes, []byte(strings.Trim(c.ComponentId, "^"))) {
			return &Error{"InvalidParameter.KeywordNotFound", "keyword " + c.ComponentId + " is not in the document"}
		}
	}
	return nil
}

func (f *ESS) schemeURL(r *http.Request, body []byte) (any, *Error) {
	var p struct {
		Operator                       struct{ UserId string }
		FlowId, Name, Mobile, EndPoint string
		PathType                       int
	}
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, &Error{"InvalidParameter", "bad request"}
	}
	if e := f.operatorOK(p.Operator.UserId); e != nil {
		return nil, e
	}
	f.mu.Lock()
	fl, ok := f.flows[p.FlowId]
	f.mu.Unlock()
	switch {
	case !ok:
		return nil, &Error{"ResourceNotFound.Flow", "no flow " + p.FlowId}
	case p.Name != "" && p.Name != fl.approver.ApproverName, p.Mobile != "" && p.Mobile != fl.approver.ApproverMobile:
		return nil, &Error{"InvalidParameter.Approver", "name or mobile is not an approver of this flow"}
	case p.EndPoint != "" && p.EndPoint != "APP" && p.EndPoint != "HTTP" && p.EndPoint != "HTTP_SHORT_URL":
		return nil, &Error{"InvalidParameter.EndPoint", "EndPoint must be HTTP, HTTP_SHORT_URL or APP"}
	}
	return map[string]string{"SchemeUrl": "http://" + r.Host + "/_local/ess/sign/" + p.FlowId}, nil
}

func (f *ESS) describeFlows(r *http.Request, body []byte) (any, *Error) {
	var p struct {
		Operator struct{ UserId string }
		FlowIds  []string
	}
	if err := json.Unmarshal(body, &p); err != nil || len(p.FlowIds) == 0 || len(p.FlowIds) > 100 {
		return nil, &Error{"InvalidParameter.FlowIds", "1-100 FlowIds"}
	}
	if e := f.operatorOK(p.Operator.UserId); e != nil {
		return nil, e
	}
	now := f.s.Now()
	f.mu.Lock()
	defer f.mu.Unlock()
	briefs := []map[string]any{}
	for _, id := range p.FlowIds {
		fl, ok := f.flows[id]
		if !ok {
			continue
		}
		if fl.status == 1 && now.After(fl.deadline) {
			fl.status = 5
		}
		briefs = append(briefs, map[string]any{"FlowId": fl.id, "FlowName": fl.name, "FlowType": fl.flowType,
			"FlowStatus": fl.status, "CreatedOn": fl.created.Unix(), "Deadline": fl.deadline.Unix(), "FlowMessage": fl.message})
	}
	return map[string]any{"FlowBriefs": briefs}, nil
}

// essActions maps the signing endpoint's action to the flow status it sets
// and the callback's Operate.
var essActions = map[string]struct {
	status  int
	operate string
}{"sign": {4, "finish"}, "reject": {3, "reject"}, "expire": {5, "deadline"}}

// ServeHTTP plays the borrower in the e-sign mini-program:
// POST /_local/ess/sign/{flow_id}?action=sign|reject|expire. It answers
// 200 {"flow_id", "flow_status", "deliveries"} after the callback was
// delivered (or scheduled, with a delay), 404 for an unknown flow, 409 for a
// flow that is no longer waiting (and for sign/reject after the deadline).
func (f *ESS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	act, ok := essActions[r.URL.Query().Get("action")]
	if r.Method != http.MethodPost || !ok {
		http.Error(w, "POST with action=sign, reject or expire", http.StatusBadRequest)
		return
	}
	now := f.s.Now()
	f.mu.Lock()
	fl, found := f.flows[r.PathValue("flow_id")]
	var conflict string
	switch {
	case !found:
	case fl.status != 1:
		conflict = fmt.Sprintf("flow is in status %d, not waiting for signature", fl.status)
	case act.status != 5 && now.After(fl.deadline):
		conflict = "flow deadline has passed"
	default:
		fl.status = act.status
		if act.status == 3 {
			fl.message = "借款人拒签"
		}
	}
	f.mu.Unlock()
	switch {
	case !found:
		http.Error(w, "unknown flow", http.StatusNotFound)
		return
	case conflict != "":
		http.Error(w, conflict, http.StatusConflict)
		return
	}
	statuses := f.deliver(fl, act.operate, now)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"flow_id": fl.id, "flow_status": act.status, "deliveries": statuses})
}

// deliver sends the flow's FlowStatusChange callback 1+duplicates times,
// now or after the configured delay, and returns the HTTP statuses of
// synchronous deliveries.
func (f *ESS) deliver(fl *essFlow, operate string, now time.Time) []int {
	f.mu.Lock()
	body, msgID := f.callbackBody(fl, operate, now)
	times, delay, drop := 1+f.duplicates, f.delay, f.drop > 0
	if drop {
		f.drop--
		f.deliveries = append(f.deliveries, ESSDelivery{MsgID: msgID, FlowID: fl.id, FlowStatus: fl.status, Err: "dropped"})
	}
	status := fl.status
	f.mu.Unlock()
	if drop {
		return nil
	}
	send := func() []int {
		var out []int
		for i := 0; i < times; i++ {
			out = append(out, f.post(body, ESSDelivery{MsgID: msgID, FlowID: fl.id, FlowStatus: status}))
		}
		return out
	}
	if delay <= 0 {
		return send()
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		time.Sleep(delay)
		send()
	}()
	return nil
}

// post delivers one callback body, signed, and records the attempt.
func (f *ESS) post(body []byte, d ESSDelivery) int {
	if f.cb.URL != "" {
		req, err := http.NewRequest(http.MethodPost, f.cb.URL, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Content-Signature", SignESSCallback(f.cb.Token, body))
			var resp *http.Response
			if resp, err = f.cb.Client.Do(req); err == nil {
				d.HTTPStatus = resp.StatusCode
				resp.Body.Close()
			}
		}
		if err != nil {
			d.Err = err.Error()
		}
	}
	f.mu.Lock()
	f.deliveries = append(f.deliveries, d)
	f.mu.Unlock()
	return d.HTTPStatus
}

// callbackBody builds the v2 message (MsgId, MsgType, MsgVersion, MsgData)
// and encrypts it unless configured plaintext. Callers hold f.mu.
func (f *ESS) callbackBody(fl *essFlow, operate string, now time.Time) ([]byte, string) {
	a := fl.approver
	msgID := essID("yDwMsg")
	msg := map[string]any{"MsgId": msgID, "MsgType": "FlowStatusChange", "MsgVersion": "CustomApp", "MsgData": map[string]any{
		"FlowId": fl.id, "DocumentId": "", "CallbackType": "sign", "FlowName": fl.name, "FlowType": fl.flowType,
		"FlowDescription": "", "Unordered": false, "CreateOn": fl.created.Unix(), "UpdatedOn": now.Unix(),
		"DeadLine": fl.deadline.Unix(), "FlowCallbackStatus": fl.status, "UserId": "", "RecipientId": "",
		"Operate": operate, "UserData": fl.userData,
		"Approvers": []map[string]any{{"ApproverType": 1, "Required": true, "ApproverName": a.ApproverName,
			"ApproverMobile": a.ApproverMobile, "ApproverIdCardType": "ID_CARD", "ApproverIdCardNumber": a.ApproverIdCardNumber,
			"ApproveCallbackStatus": map[int]int{4: 3, 3: 4, 5: 5}[fl.status], "ApproveTime": now.Unix()}},
	}}
	plain, _ := json.Marshal(msg)
	if f.cb.Plaintext {
		return plain, msgID
	}
	out, _ := json.Marshal(map[string]string{"encrypt": EncryptESSCallback(f.cb.Key, plain)})
	return out, msgID
}

// SignESSCallback is the Content-Signature value ESS sends:
// "sha256=" + hex(HMAC-SHA256(token, body)).
func SignESSCallback(token string, body []byte) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// EncryptESSCallback is ESS's callback encryption: base64 of AES-256-CBC
// with key = the 32-byte key string, IV = its first 16 bytes, PKCS#7.
// It panics on a key that is not 32 bytes (a fixture error).
func EncryptESSCallback(key string, plain []byte) string {
	block, err := aes.NewCipher([]byte(key))
	if err != nil || len(key) != 32 {
		panic("tcloudtest: the ESS callback key must be 32 bytes")
	}
	n := aes.BlockSize - len(plain)%aes.BlockSize
	padded := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(n)}, n)...)
	cipher.NewCBCEncrypter(block, []byte(key)[:aes.BlockSize]).CryptBlocks(padded, padded)
	return base64.StdEncoding.EncodeToString(padded)
}
