package tcloud

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common"
	tcerr "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/common/errors"
	essapi "github.com/tencentcloud/tencentcloud-sdk-go/tencentcloud/ess/v20201111"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/contract"
	"github.com/wxlend/wxlend/shared/pii"
)

// ESS implements contract.Signer and contract.FlowStatuser with Tencent
// Cloud e-sign (腾讯电子签, ess 2020-11-11) through the SDK's ess module:
//
//  1. UploadFiles (BusinessType DOCUMENT) on the file endpoint
//     (file.ess.tencent.cn; file.test.ess.tencent.cn for the test
//     environment): a PDF as is, the rendered contract text wrapped in a
//     minimal HTML page;
//  2. for HTML, CreateConvertTaskApi + GetTaskResultApi (polled, bounded)
//     turn it into the PDF that CreateFlowByFiles requires;
//  3. CreateFlowByFiles: one person approver (ApproverType 1) with name,
//     mobile and ID card, face verification to sign (ApproverSignTypes 1),
//     no transfer to another person, no SMS (the borrower is already in the
//     mini-program), the signature field placed by contract.SignatureKeyword;
//  4. CreateSchemeUrl with EndPoint APP and PathType 1: the path the
//     mini-program navigates to (wx.navigateToMiniProgram) to sign.
//
// The signer's identity is sent only in step 3 and 4 and never logged; SDK
// error messages are scrubbed of it before they become log causes.
type ESS struct {
	Endpoint       Endpoint // ess.tencentcloudapi.com when Host is empty
	FileEndpoint   Endpoint // file.ess.tencent.cn when Host is empty
	Cred           func() *common.Credential
	OperatorUserID string // the lender's ESS employee UserId that starts flows

	ConvertPoll  time.Duration    // longest wait between conversion polls; default 1 s
	ConvertPolls int              // polls before giving up; default 24 (about 20 s)
	Now          func() time.Time // default time.Now
}

// ESS limits and fixed values.
const (
	essHost          = "ess.tencentcloudapi.com"
	essFileHost      = "file.ess.tencent.cn"
	maxDocumentBytes = 5 << 20 // base64 in one JSON request: keep far below API body limits
	maxUserDataBytes = 1024
	essUserDataTag   = "wxlend:" // marks UserData of flows started by wxlend
	essFlowType      = "借款合同"
	essFlowStatusMsg = "FlowStatusChange"
)

var contractNoPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func (e ESS) client(ep Endpoint, host string) (*essapi.Client, error) {
	cpf := ep.profile(host)
	cpf.HttpProfile.ReqTimeout = 20 // uploads are larger than a usual API call
	return essapi.NewClient(e.Cred(), ep.Region, cpf)
}

func (e ESS) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// StartSigning implements contract.Signer. Errors: invalid_argument for a
// malformed request (nothing is sent), unavailable when ESS fails.
func (e ESS) StartSigning(ctx context.Context, req contract.SignRequest) (contract.SignFlow, error) {
	if err := e.checkRequest(req); err != nil {
		return contract.SignFlow{}, err
	}
	fileID, err := e.uploadDocument(ctx, req)
	if err != nil {
		return contract.SignFlow{}, err
	}
	flowID, err := e.createFlow(ctx, req, fileID)
	if err != nil {
		return contract.SignFlow{}, err
	}
	url, err := e.schemeURL(ctx, req, flowID)
	if err != nil {
		return contract.SignFlow{}, err
	}
	return contract.SignFlow{FlowID: flowID, SignURL: url}, nil
}

// checkRequest re-checks a request our own code built from verified data
// (the contract, the borrower's verified identity and phone), before a
// paid call: a failure is a bug (internal), never the borrower's fault.
func (e ESS) checkRequest(r contract.SignRequest) error {
	name := utf8.RuneCountInString(r.SignerName)
	switch {
	case e.OperatorUserID == "":
		return apierr.Bug("ess: OperatorUserID is not configured")
	case !contractNoPattern.MatchString(r.ContractNo):
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "contract_no: contract number must be 1-64 letters, digits, - or _")
	case r.FileName == "" || utf8.RuneCountInString(r.FileName) > 100 || strings.ContainsAny(r.FileName, `/\`):
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "file_name: file name must be 1-100 characters without path separators")
	case len(r.PDFOrText) == 0 || len(r.PDFOrText) > maxDocumentBytes:
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "document: the document must be 1 byte to 5 MiB")
	case !isPDF(r.PDFOrText) && !utf8.Valid(r.PDFOrText):
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "document: the document must be a PDF or UTF-8 text")
	case name < 2 || name > 64 || !utf8.ValidString(r.SignerName):
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "signer_name: signer name must be 2-64 characters")
	case len(r.SignerMobile) != 11 || r.SignerMobile[0] != '1' || !digitsOnly(r.SignerMobile):
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "signer_mobile: signer mobile must be an 11-digit mainland number")
	case len(r.SignerIDNumber) != 18:
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "signer_id_number: signer ID number must have 18 characters")
	case !r.Deadline.After(e.now()) || r.Deadline.After(e.now().AddDate(1, 0, 0)):
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "deadline: deadline must be in the coming year")
	case r.UserData == "" || len(r.UserData) > maxUserDataBytes:
		return apierr.Bug("e-sign request %s: %s", r.ContractNo, "user_data: user data must be 1-1024 bytes")
	}
	return nil
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isPDF(b []byte) bool { return bytes.HasPrefix(b, []byte("%PDF-")) }

// uploadDocument returns the id of a PDF resource holding the document.
func (e ESS) uploadDocument(ctx context.Context, r contract.SignRequest) (string, error) {
	c, err := e.client(e.FileEndpoint, essFileHost)
	if err != nil {
		return "", fmt.Errorf("ess UploadFiles: %w", err)
	}
	base := strings.TrimSuffix(r.FileName, path.Ext(r.FileName))
	body, name, fileType := r.PDFOrText, base+".pdf", "pdf"
	if !isPDF(body) {
		body, name, fileType = textToHTML(r.ContractNo, body), base+".html", "html"
	}
	req := essapi.NewUploadFilesRequest()
	req.BusinessType = common.StringPtr("DOCUMENT")
	req.Caller = &essapi.Caller{OperatorId: common.StringPtr(e.OperatorUserID)}
	req.FileType = common.StringPtr(fileType)
	req.FileInfos = []*essapi.UploadFile{{
		FileBody: common.StringPtr(base64.StdEncoding.EncodeToString(body)),
		FileName: common.StringPtr(name),
	}}
	resp, err := c.UploadFilesWithContext(ctx, req)
	if err != nil {
		return "", classify("ess UploadFiles", err)
	}
	if resp.Response == nil || len(resp.Response.FileIds) != 1 || resp.Response.FileIds[0] == nil || *resp.Response.FileIds[0] == "" {
		return "", apierr.Wrap(apierr.Unavailable, errors.New("ess UploadFiles: no file id"), "e-sign is unavailable, try again")
	}
	fileID := *resp.Response.FileIds[0]
	if fileType == "pdf" {
		return fileID, nil
	}
	return e.convertToPDF(ctx, fileID, name)
}

// textToHTML wraps the contract text, escaped, in a page that keeps its
// line breaks; ESS converts it to PDF with the text (and so the signature
// keyword) searchable.
func textToHTML(title string, text []byte) []byte {
	var b bytes.Buffer
	b.WriteString(`<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</title><style>body{margin:48px;font-family:"SimSun","宋体",serif;font-size:12pt;line-height:1.6}` +
		`pre{white-space:pre-wrap;word-break:break-all;font-family:inherit}</style></head><body><pre>`)
	b.WriteString(html.EscapeString(string(text)))
	b.WriteString("</pre></body></html>\n")
	return b.Bytes()
}

// convertToPDF runs a conversion task and polls it a bounded number of
// times; a task still running after that is unavailable (retry later).
func (e ESS) convertToPDF(ctx context.Context, fileID, name string) (string, error) {
	c, err := e.client(e.Endpoint, essHost)
	if err != nil {
		return "", fmt.Errorf("ess CreateConvertTaskApi: %w", err)
	}
	op := &essapi.UserInfo{UserId: common.StringPtr(e.OperatorUserID)}
	req := essapi.NewCreateConvertTaskApiRequest()
	req.ResourceType, req.ResourceName, req.ResourceId, req.Operator = common.StringPtr("html"), common.StringPtr(name), common.StringPtr(fileID), op
	resp, err := c.CreateConvertTaskApiWithContext(ctx, req)
	if err != nil {
		return "", classify("ess CreateConvertTaskApi", err)
	}
	if resp.Response == nil || resp.Response.TaskId == nil {
		return "", apierr.Wrap(apierr.Unavailable, errors.New("ess CreateConvertTaskApi: no task id"), "e-sign is unavailable, try again")
	}
	longest, polls := e.ConvertPoll, e.ConvertPolls
	if longest <= 0 {
		longest = time.Second
	}
	if polls <= 0 {
		polls = 24
	}
	// A short contract converts in well under a second: poll at a tenth of
	// the longest wait and double up to it, so the borrower is not kept
	// waiting a whole interval after the PDF is ready.
	wait := longest / 10
	for i := 0; i < polls; i++ {
		id, done, err := e.taskResult(ctx, c, op, *resp.Response.TaskId)
		if err != nil || done {
			return id, err
		}
		select {
		case <-ctx.Done():
			return "", apierr.Wrap(apierr.Unavailable, ctx.Err(), "e-sign is unavailable, try again")
		case <-time.After(wait):
		}
		wait = min(2*wait, longest)
	}
	return "", apierr.Wrap(apierr.Unavailable, fmt.Errorf("ess conversion task %s still running after %d polls", *resp.Response.TaskId, polls),
		"e-sign is unavailable, try again")
}

// taskResult reads one conversion task: done with the PDF resource id at
// TaskStatus 8 (TaskEnd), an error for -2/-6/-13 (download failed, failed,
// timed out), not done otherwise (0 submitted, 4 processing).
func (e ESS) taskResult(ctx context.Context, c *essapi.Client, op *essapi.UserInfo, taskID string) (string, bool, error) {
	req := essapi.NewGetTaskResultApiRequest()
	req.TaskId, req.Operator = common.StringPtr(taskID), op
	resp, err := c.GetTaskResultApiWithContext(ctx, req)
	if err != nil {
		return "", false, classify("ess GetTaskResultApi", err)
	}
	p := resp.Response
	if p == nil || p.TaskStatus == nil {
		return "", false, nil
	}
	switch status := *p.TaskStatus; {
	case status == 8 && p.ResourceId != nil && *p.ResourceId != "":
		return *p.ResourceId, true, nil
	case status < 0 || status == 8:
		return "", false, apierr.Wrap(apierr.Unavailable, fmt.Errorf("ess conversion task %s: status %d %s", taskID, status, deref(p.TaskMessage)),
			"e-sign is unavailable, try again")
	}
	return "", false, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (e ESS) createFlow(ctx context.Context, r contract.SignRequest, fileID string) (string, error) {
	c, err := e.client(e.Endpoint, essHost)
	if err != nil {
		return "", fmt.Errorf("ess CreateFlowByFiles: %w", err)
	}
	req := essapi.NewCreateFlowByFilesRequest()
	req.Operator = &essapi.UserInfo{UserId: common.StringPtr(e.OperatorUserID)}
	req.FlowName = common.StringPtr(essFlowType + " " + r.ContractNo)
	req.FlowType = common.StringPtr(essFlowType)
	req.FileIds = []*string{common.StringPtr(fileID)}
	req.Deadline = common.Int64Ptr(r.Deadline.Unix())
	req.UserData = common.StringPtr(base64.StdEncoding.EncodeToString([]byte(essUserDataTag + r.UserData)))
	req.Approvers = []*essapi.ApproverInfo{{
		ApproverType:         common.Int64Ptr(1),
		ApproverName:         common.StringPtr(r.SignerName),
		ApproverMobile:       common.StringPtr(r.SignerMobile),
		ApproverIdCardType:   common.StringPtr("ID_CARD"),
		ApproverIdCardNumber: common.StringPtr(r.SignerIDNumber),
		NotifyType:           common.StringPtr("none"),
		ApproverSignTypes:    []*int64{common.Int64Ptr(1)},
		ApproverOption:       &essapi.ApproverOption{NoTransfer: common.BoolPtr(true)},
		SignComponents: []*essapi.Component{{
			ComponentType:    common.StringPtr("SIGN_SIGNATURE"),
			GenerateMode:     common.StringPtr("KEYWORD"),
			ComponentId:      common.StringPtr(contract.SignatureKeyword),
			ComponentWidth:   common.Float64Ptr(112),
			ComponentHeight:  common.Float64Ptr(40),
			RelativeLocation: common.StringPtr("Right"),
			KeywordOrder:     common.StringPtr("Reverse"),
			KeywordIndexes:   []*int64{common.Int64Ptr(0)},
		}},
	}}
	resp, err := c.CreateFlowByFilesWithContext(ctx, req)
	if err != nil {
		return "", classify("ess CreateFlowByFiles", redactSDK(err, r))
	}
	if resp.Response == nil || resp.Response.FlowId == nil || *resp.Response.FlowId == "" {
		return "", apierr.Wrap(apierr.Unavailable, errors.New("ess CreateFlowByFiles: no flow id"), "e-sign is unavailable, try again")
	}
	return *resp.Response.FlowId, nil
}

func (e ESS) schemeURL(ctx context.Context, r contract.SignRequest, flowID string) (string, error) {
	c, err := e.client(e.Endpoint, essHost)
	if err != nil {
		return "", fmt.Errorf("ess CreateSchemeUrl: %w", err)
	}
	req := essapi.NewCreateSchemeUrlRequest()
	req.Operator = &essapi.UserInfo{UserId: common.StringPtr(e.OperatorUserID)}
	req.FlowId = common.StringPtr(flowID)
	req.Name, req.Mobile = common.StringPtr(r.SignerName), common.StringPtr(r.SignerMobile)
	req.EndPoint = common.StringPtr("APP")
	req.PathType = common.Uint64Ptr(1)
	req.AutoJumpBack = common.BoolPtr(true)
	resp, err := c.CreateSchemeUrlWithContext(ctx, req)
	if err != nil {
		return "", classify("ess CreateSchemeUrl", redactSDK(err, r))
	}
	if resp.Response == nil || resp.Response.SchemeUrl == nil || *resp.Response.SchemeUrl == "" {
		return "", apierr.Wrap(apierr.Unavailable, errors.New("ess CreateSchemeUrl: no url"), "e-sign is unavailable, try again")
	}
	return *resp.Response.SchemeUrl, nil
}

// redactSDK replaces the signer's name, mobile and ID number in an SDK
// error message (ESS may quote a rejected parameter) by their masks.
func redactSDK(err error, r contract.SignRequest) error {
	var sdkErr *tcerr.TencentCloudSDKError
	if !asSDK(err, &sdkErr) {
		return err
	}
	msg := sdkErr.Message
	for plain, masked := range map[string]string{
		r.SignerIDNumber: pii.MaskIDNumber(r.SignerIDNumber), r.SignerMobile: pii.MaskPhone(r.SignerMobile),
		r.SignerName: pii.MaskName(r.SignerName),
	} {
		if plain != "" {
			msg = strings.ReplaceAll(msg, plain, masked)
		}
	}
	return &tcerr.TencentCloudSDKError{Code: sdkErr.Code, Message: msg, RequestId: sdkErr.RequestId}
}

// FlowStatuses implements contract.FlowStatuser with DescribeFlowBriefs
// (at most 100 ids per call, as the API allows). Errors: internal for more
// than 100 ids (a caller bug), unavailable.
func (e ESS) FlowStatuses(ctx context.Context, flowIDs []string) (map[string]contract.SignStatus, error) {
	if len(flowIDs) == 0 || len(flowIDs) > 100 {
		return nil, apierr.Bug("ess FlowStatuses: %d flow ids, not 1-100 per call", len(flowIDs))
	}
	c, err := e.client(e.Endpoint, essHost)
	if err != nil {
		return nil, fmt.Errorf("ess DescribeFlowBriefs: %w", err)
	}
	req := essapi.NewDescribeFlowBriefsRequest()
	req.Operator = &essapi.UserInfo{UserId: common.StringPtr(e.OperatorUserID)}
	req.FlowIds = common.StringPtrs(flowIDs)
	resp, err := c.DescribeFlowBriefsWithContext(ctx, req)
	if err != nil {
		return nil, classify("ess DescribeFlowBriefs", err)
	}
	out := map[string]contract.SignStatus{}
	if resp.Response == nil {
		return out, nil
	}
	for _, b := range resp.Response.FlowBriefs {
		if b != nil && b.FlowId != nil && b.FlowStatus != nil {
			out[*b.FlowId] = essStatus(int(*b.FlowStatus))
		}
	}
	return out, nil
}

// essStatus maps ESS flow status codes (FlowBrief.FlowStatus and the
// callback's FlowCallbackStatus use the same numbers) to ours.
func essStatus(code int) contract.SignStatus {
	switch code {
	case 0, 1, 2, 7, 8, 9:
		return contract.SignPending
	case 3, 10:
		return contract.SignRejected
	case 4:
		return contract.SignSigned
	case 5:
		return contract.SignExpired
	case 6, 16, 21:
		return contract.SignCancelled
	}
	return contract.SignOther
}

// ESSCallbackKeys configures callback verification, from the ESS console
// (企业应用管理 → 应用集成 → 回调配置). Token is the 回调签名验证 Token
// (required: unsigned callbacks are refused); AESKey is the 回调加密 key
// (CallbackKey, 32 bytes), required to be set in production so callback
// bodies carrying names and mobiles are encrypted in transit and in logs.
// MaxAge bounds how old an event may be (default 24 h).
type ESSCallbackKeys struct {
	Token  []byte
	AESKey []byte
	MaxAge time.Duration
}

// ESS callback limits.
const (
	maxESSCallbackBytes = 1 << 20
	defaultESSMaxAge    = 24 * time.Hour
	essMaxFutureSkew    = 5 * time.Minute
)

// ParseESSCallback verifies and decodes one ESS callback (回调通知, version
// 2 "new" format, the default for enterprises registered after 2023-05-15)
// as documented at qian.tencent.com/developers/company/callback_types_v2
// and callback_types_contracts_sign:
//
//   - Header Content-Signature: "sha256=" + hex(HMAC-SHA256(Token, raw
//     body)), the GitHub-webhook scheme ESS's docs refer to. Required.
//   - Body, with a callback key: {"encrypt":"<base64>"} where the base64 is
//     AES-256-CBC (key = the 32-byte CallbackKey, IV = its first 16 bytes,
//     PKCS#7) of the message; without: the message itself.
//   - Message: {"MsgId","MsgType","MsgVersion","MsgData"}; for MsgType
//     FlowStatusChange, MsgData has FlowId, FlowCallbackStatus (1 待签署,
//     2 部分签署, 3 拒签, 4 已签署/ALL, 5 过期, 6 撤销, 8 待填写, 16 失效,
//     21 解除), UserData (as given to CreateFlowByFiles), UpdatedOn (unix s).
//
// Freshness: ESS sends no timestamp header, so the signed MsgData.UpdatedOn
// is checked when present: older than MaxAge or more than 5 minutes ahead
// is refused. A refused but genuine event is not lost: the sweeper reads
// the flow with FlowStatuses.
//
// Confirmed from ESS's public docs: header name, HMAC-SHA256 with the token
// over the body, AES-256-CBC with IV = key[:16] and PKCS#7, the envelope
// and MsgData fields. Assumed (not stated there): that the HMAC covers the
// raw body exactly as sent (i.e. the {"encrypt":...} JSON when encrypted),
// that hex is lowercase (both cases are accepted), and that UserData comes
// back as the base64 string sent (the plain form is accepted too).
//
// Errors: unauthenticated (bad or missing signature, wrong key, stale or
// future event), invalid_argument (a malformed message), internal (keys not
// configured). Other message types return a FlowEvent with Status other.
func ParseESSCallback(body []byte, headers map[string]string, keys ESSCallbackKeys, now time.Time) (contract.FlowEvent, error) {
	if len(keys.Token) == 0 || (len(keys.AESKey) != 0 && len(keys.AESKey) != 32) {
		return contract.FlowEvent{}, apierr.Wrap(apierr.Internal, errors.New("ess callback: token missing or key not 32 bytes"), "e-sign callbacks are not configured")
	}
	if len(body) == 0 || len(body) > maxESSCallbackBytes {
		return contract.FlowEvent{}, apierr.Invalid("body", "size", "callback body must be 1 byte to 1 MiB")
	}
	if err := verifyESSSignature(body, headerValue(headers, "Content-Signature"), keys.Token); err != nil {
		return contract.FlowEvent{}, err
	}
	plain, err := openESSBody(body, keys.AESKey)
	if err != nil {
		return contract.FlowEvent{}, err
	}
	ev, err := decodeESSMessage(plain, now)
	if err != nil {
		return contract.FlowEvent{}, err
	}
	maxAge := keys.MaxAge
	if maxAge <= 0 {
		maxAge = defaultESSMaxAge
	}
	if now.Sub(ev.OccurredAt) > maxAge || ev.OccurredAt.Sub(now) > essMaxFutureSkew {
		return contract.FlowEvent{}, apierr.Wrap(apierr.Unauthenticated,
			fmt.Errorf("ess callback %s: event time %s outside [now-%s, now+%s]", ev.MsgID, ev.OccurredAt.UTC().Format(time.RFC3339), maxAge, essMaxFutureSkew),
			"stale or future callback")
	}
	return ev, nil
}

// headerValue finds a header case-insensitively (API gateway lowercases
// names; the local gateway does not).
func headerValue(h map[string]string, name string) string {
	if v, ok := h[name]; ok {
		return v
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return v
		}
	}
	return ""
}

func verifyESSSignature(body []byte, header string, token []byte) error {
	sig, ok := strings.CutPrefix(strings.TrimSpace(header), "sha256=")
	got, err := hex.DecodeString(sig)
	if !ok || err != nil || len(got) != sha256.Size {
		return apierr.Wrap(apierr.Unauthenticated, errors.New("ess callback: missing or malformed Content-Signature"), "bad callback signature")
	}
	m := hmac.New(sha256.New, token)
	m.Write(body)
	if !hmac.Equal(m.Sum(nil), got) {
		return apierr.Wrap(apierr.Unauthenticated, errors.New("ess callback: Content-Signature does not match"), "bad callback signature")
	}
	return nil
}

// openESSBody returns the message JSON. With a key the body must be
// encrypted (a plaintext body is a downgrade and is refused); without one
// an encrypted body is a configuration mismatch (internal: alert, let ESS
// retry).
func openESSBody(body, key []byte) ([]byte, error) {
	var outer struct {
		Encrypt *string `json:"encrypt"`
	}
	if err := json.Unmarshal(body, &outer); err != nil {
		return nil, apierr.Invalid("body", "format", "callback body is not JSON")
	}
	switch {
	case len(key) == 0 && outer.Encrypt == nil:
		return body, nil
	case len(key) == 0:
		return nil, apierr.Wrap(apierr.Internal, errors.New("ess callback is encrypted but no callback key is configured"), "e-sign callbacks are not configured")
	case outer.Encrypt == nil:
		return nil, apierr.Wrap(apierr.Unauthenticated, errors.New("ess callback: plaintext body while a callback key is configured"), "callback must be encrypted")
	}
	plain, err := decryptESS(*outer.Encrypt, key)
	if err != nil {
		return nil, apierr.Wrap(apierr.Unauthenticated, err, "callback cannot be decrypted")
	}
	return plain, nil
}

// decryptESS is AES-256-CBC with IV = key[:16] and PKCS#7 padding. The
// fixed IV is ESS's design, not ours; the HMAC checked before makes the
// ciphertext authentic, so there is no padding oracle to probe.
func decryptESS(b64 string, key []byte) ([]byte, error) {
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(ct) == 0 || len(ct)%aes.BlockSize != 0 {
		return nil, errors.New("ess callback: ciphertext is not base64 of whole AES blocks")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	plain := make([]byte, len(ct))
	cipher.NewCBCDecrypter(block, key[:aes.BlockSize]).CryptBlocks(plain, ct)
	n := int(plain[len(plain)-1])
	if n == 0 || n > aes.BlockSize || !bytes.Equal(plain[len(plain)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errors.New("ess callback: bad padding (wrong key?)")
	}
	return plain[:len(plain)-n], nil
}

// essNumber accepts a JSON number or a string of digits (ESS documents ints;
// being lenient here costs nothing and survives a stringly-typed field).
type essNumber int64

func (n *essNumber) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "" || s == "null" {
		*n = 0
		return nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	*n = essNumber(v)
	return err
}

func decodeESSMessage(plain []byte, now time.Time) (contract.FlowEvent, error) {
	var msg struct {
		MsgId, MsgType, MsgVersion string
		MsgData                    json.RawMessage
	}
	var data struct {
		FlowId             string
		FlowCallbackStatus essNumber
		UserData           string
		UpdatedOn          essNumber
	}
	if err := json.Unmarshal(plain, &msg); err != nil || msg.MsgId == "" || msg.MsgType == "" {
		return contract.FlowEvent{}, apierr.Invalid("body", "format", "callback is not an ESS v2 message (MsgId, MsgType)")
	}
	if len(msg.MsgData) > 0 {
		if err := json.Unmarshal(msg.MsgData, &data); err != nil {
			return contract.FlowEvent{}, apierr.Invalid("body", "format", "callback MsgData is malformed")
		}
	}
	ev := contract.FlowEvent{MsgID: msg.MsgId, MsgType: msg.MsgType, FlowID: data.FlowId, Status: contract.SignOther,
		UserData: decodeESSUserData(data.UserData), OccurredAt: now}
	if data.UpdatedOn > 0 {
		ev.OccurredAt = unixAuto(int64(data.UpdatedOn))
	}
	if msg.MsgType == essFlowStatusMsg {
		if data.FlowId == "" {
			return contract.FlowEvent{}, apierr.Invalid("body", "format", "FlowStatusChange without FlowId")
		}
		ev.ProviderStatus = int(data.FlowCallbackStatus)
		ev.Status = essStatus(ev.ProviderStatus)
	}
	return ev, nil
}

// unixAuto reads seconds, or milliseconds if the value is too large to be
// seconds of this era.
func unixAuto(v int64) time.Time {
	if v > 1e11 {
		return time.UnixMilli(v).UTC()
	}
	return time.Unix(v, 0).UTC()
}

// decodeESSUserData undoes what createFlow sent (base64 of "wxlend:" +
// user data), accepting it echoed either as sent or already decoded. Any
// other value (a flow not started by wxlend) gives "".
func decodeESSUserData(s string) string {
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		if v, ok := strings.CutPrefix(string(b), essUserDataTag); ok {
			return v
		}
	}
	if v, ok := strings.CutPrefix(s, essUserDataTag); ok {
		return v
	}
	return ""
}
