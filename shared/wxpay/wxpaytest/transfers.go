package wxpaytest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"
)

// Transfer bill states.
const (
	TransferAccepted        = "ACCEPTED"
	TransferProcessing      = "PROCESSING"
	TransferWaitUserConfirm = "WAIT_USER_CONFIRM"
	TransferTransfering     = "TRANSFERING"
	TransferSuccess         = "SUCCESS"
	TransferFail            = "FAIL"
	TransferCanceling       = "CANCELING"
	TransferCancelled       = "CANCELLED"
)

func transferFinal(s string) bool {
	return s == TransferSuccess || s == TransferFail || s == TransferCancelled
}

// Transfer is a transfer bill as the fake holds it. UserName is the
// decrypted plain name (the fake checks the encryption).
type Transfer struct {
	OutBillNo, TransferBillNo string
	OpenID, UserName          string
	AmountFen                 int64
	Remark, SceneID           string
	ReportInfos               []ReportInfo
	NotifyURL, Perception     string
	State, FailReason         string
	PackageInfo               string
	History                   []string // every state in order
	CreateTime, UpdateTime    time.Time
}

// ReportInfo is a transfer_scene_report_infos item.
type ReportInfo struct {
	InfoType    string `json:"info_type"`
	InfoContent string `json:"info_content"`
}

type transfer struct {
	Transfer
	fingerprint string
}

// sceneReportTypes are the report infos a scene requires (those the refs
// name; other scenes are accepted without checks).
var sceneReportTypes = map[string][]string{
	"1000": {"活动名称", "奖励说明"},
	"1005": {"岗位类型", "报酬说明"},
}

// MinTransferFen is WeChat Pay's minimum transfer (0.1 CNY); from
// NameRequiredFen (2000 CNY) user_name is required.
const (
	MinTransferFen  = 10
	NameRequiredFen = 200000
)

type transferIn struct {
	AppID       string       `json:"appid"`
	OutBillNo   string       `json:"out_bill_no"`
	SceneID     string       `json:"transfer_scene_id"`
	OpenID      string       `json:"openid"`
	UserName    string       `json:"user_name"`
	Amount      int64        `json:"transfer_amount"`
	Remark      string       `json:"transfer_remark"`
	NotifyURL   string       `json:"notify_url"`
	Perception  string       `json:"user_recv_perception"`
	ReportInfos []ReportInfo `json:"transfer_scene_report_infos"`
}

func (f *Fake) checkTransfer(r *http.Request, in *transferIn) *apiError {
	switch {
	case in.AppID != f.appID:
		return apiErr("PARAM_ERROR", "appid 与商户号不匹配")
	case in.OutBillNo == "" || len(in.OutBillNo) > 32 || !isAlnum(in.OutBillNo):
		return apiErr("PARAM_ERROR", "out_bill_no 只能由数字、大小写字母组成，最长 32 位")
	case in.OpenID == "" || in.SceneID == "":
		return apiErr("PARAM_ERROR", "openid、transfer_scene_id 必填")
	case in.Remark == "" || utf8.RuneCountInString(in.Remark) > 32:
		return apiErr("PARAM_ERROR", "transfer_remark 最多 32 个字符")
	case in.Amount < MinTransferFen:
		return apiErr("INVALID_REQUEST", "超过单笔转账上下限")
	case in.Amount >= NameRequiredFen && in.UserName == "":
		return apiErr("PARAM_ERROR", "转账金额 >= 2000 元时，收款用户姓名必填")
	case in.NotifyURL != "" && !validNotifyURL(in.NotifyURL):
		return apiErr("PARAM_ERROR", "notify_url 格式有误")
	}
	for _, need := range sceneReportTypes[in.SceneID] {
		found := false
		for _, ri := range in.ReportInfos {
			found = found || (ri.InfoType == need && ri.InfoContent != "")
		}
		if !found {
			return apiErr("PARAM_ERROR", "转账场景报备信息缺少 "+need)
		}
	}
	if in.UserName != "" {
		if r.Header.Get("Wechatpay-Serial") != DevPublicKeyID {
			return apiErr("PARAM_ERROR", "Wechatpay-Serial 与加密公钥不符")
		}
		plain, err := decryptOAEP(PlatformPrivateKey(), in.UserName)
		if err != nil {
			return apiErr("PARAM_ERROR", "user_name 解密失败")
		}
		in.UserName = plain
	}
	return nil
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if !strings.ContainsRune(alnumSymbols, rune(s[i])) {
			return false
		}
	}
	return true
}

// decryptOAEP undoes a sensitive field's encryption (RSA-OAEP with SHA-1
// and MGF1-SHA-1, no label, base64) with key, the platform private key
// for what the client sends.
func decryptOAEP(key *rsa.PrivateKey, b64 string) (string, error) {
	ct, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", err
	}
	pt, err := rsa.DecryptOAEP(sha1.New(), nil, key, ct, nil)
	return string(pt), err
}

// encryptForMerchant encrypts a sensitive answer field (user_name) for the
// merchant, as WeChat Pay does with the merchant certificate's key.
func encryptForMerchant(s string) string {
	ct, err := rsa.EncryptOAEP(sha1.New(), rand.Reader, MerchantPublicKey(), []byte(s), nil)
	if err != nil {
		return ""
	}
	return base64.StdEncoding.EncodeToString(ct)
}

func (f *Fake) createTransfer(r *http.Request, body []byte, fault string) answer {
	var in transferIn
	if err := json.Unmarshal(body, &in); err != nil {
		return fail("PARAM_ERROR", "请求体不是合法的 JSON")
	}
	f.mu.Lock()
	f.creates[in.OutBillNo]++
	f.mu.Unlock()
	if e := f.checkTransfer(r, &in); e != nil {
		return answer{err: e}
	}
	reports, _ := json.Marshal(in.ReportInfos)
	fp := fmt.Sprintf("%s|%s|%d|%s|%s|%s", in.OpenID, in.UserName, in.Amount, in.Remark, in.SceneID, reports)
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.transfers[in.OutBillNo]; ok {
		if t.fingerprint != fp {
			return fail("INVALID_REQUEST", "商户单号重复，且参数与原单据不一致")
		}
		return okJSON(createAnswer(t))
	}
	now := f.nowCST()
	if e := f.debit(in.Amount, now); e != nil {
		return answer{err: e}
	}
	t := &transfer{Transfer: Transfer{OutBillNo: in.OutBillNo, OpenID: in.OpenID, UserName: in.UserName, AmountFen: in.Amount,
		Remark: in.Remark, SceneID: in.SceneID, ReportInfos: in.ReportInfos, NotifyURL: in.NotifyURL, Perception: in.Perception,
		TransferBillNo: fmt.Sprintf("1330000%s%025d", now.Format("20060102"), f.nextSeq()), CreateTime: now}, fingerprint: fp}
	f.transfers[t.OutBillNo] = t
	f.stats.TransfersCreated++
	f.setState(t, TransferAccepted, "")
	failReason := ""
	if TransferFailReasons[fault] {
		failReason = fault
	} else if strings.Contains(in.UserName, "不符") {
		failReason = "NAME_NOT_CORRECT"
	}
	if failReason != "" {
		a := okJSON(createAnswer(t))
		a.notices = f.setState(t, TransferFail, failReason)
		return a
	}
	for _, next := range []string{TransferProcessing, TransferWaitUserConfirm} {
		if f.settings.transferHold == t.State {
			break
		}
		f.setState(t, next, "")
	}
	a := okJSON(createAnswer(t))
	if f.settings.autoConfirm && t.State == TransferWaitUserConfirm {
		f.setState(t, TransferTransfering, "")
		a.notices = f.setState(t, TransferSuccess, "")
	}
	return a
}

func createAnswer(t *transfer) map[string]any {
	m := map[string]any{"out_bill_no": t.OutBillNo, "transfer_bill_no": t.TransferBillNo,
		"create_time": rfc3339(t.CreateTime), "state": t.State}
	if t.FailReason != "" {
		m["fail_reason"] = t.FailReason
	}
	if t.State == TransferWaitUserConfirm {
		m["package_info"] = t.PackageInfo
	}
	return m
}

// setState moves a bill and, on a final state, makes its notification
// (f.mu held).
func (f *Fake) setState(t *transfer, state, failReason string) []*notice {
	if t.State == state {
		return nil
	}
	t.State, t.UpdateTime = state, f.nowCST()
	t.History = append(t.History, state)
	if state == TransferFail {
		t.FailReason = failReason
	}
	if state == TransferFail || state == TransferCancelled {
		f.credit(t)
	}
	if state == TransferWaitUserConfirm && t.PackageInfo == "" {
		t.PackageInfo = base64.StdEncoding.EncodeToString([]byte("wxpaytest:" + t.TransferBillNo + ":" + randomAlnum(16)))
		f.packages[t.PackageInfo] = t.OutBillNo
	}
	if !transferFinal(state) {
		return nil
	}
	plain := map[string]any{"mchid": f.mchID, "out_bill_no": t.OutBillNo, "transfer_bill_no": t.TransferBillNo,
		"state": state, "transfer_amount": t.AmountFen, "openid": t.OpenID,
		"create_time": rfc3339(t.CreateTime), "update_time": rfc3339(t.UpdateTime)}
	if t.FailReason != "" {
		plain["fail_reason"] = t.FailReason
	}
	return []*notice{f.newNotice(t.NotifyURL, "MCHTRANSFER.BILL.FINISHED", "商家转账单据终态通知", "mch_payment", plain)}
}

func (f *Fake) queryTransfer(r *http.Request, _ []byte, _ string) answer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.transfers[r.PathValue("no")]
	if !ok {
		return fail("NOT_FOUND", "记录不存在")
	}
	m := map[string]any{"mch_id": f.mchID, "out_bill_no": t.OutBillNo, "transfer_bill_no": t.TransferBillNo,
		"appid": f.appID, "state": t.State, "transfer_amount": t.AmountFen, "transfer_remark": t.Remark,
		"openid": t.OpenID, "create_time": rfc3339(t.CreateTime), "update_time": rfc3339(t.UpdateTime)}
	if t.FailReason != "" {
		m["fail_reason"] = t.FailReason
	}
	if t.UserName != "" {
		m["user_name"] = encryptForMerchant(t.UserName)
	}
	return okJSON(m)
}

func (f *Fake) cancelTransfer(r *http.Request, _ []byte, _ string) answer {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.transfers[r.PathValue("no")]
	if !ok {
		return fail("NOT_FOUND", "记录不存在")
	}
	switch t.State {
	case TransferSuccess, TransferFail, TransferTransfering:
		return fail("INVALID_REQUEST", "当前单据状态不支持撤销")
	case TransferAccepted, TransferProcessing, TransferWaitUserConfirm:
		f.setState(t, TransferCanceling, "")
	}
	a := okJSON(map[string]any{"out_bill_no": t.OutBillNo, "transfer_bill_no": t.TransferBillNo,
		"state": t.State, "update_time": rfc3339(t.UpdateTime)})
	if t.State == TransferCanceling && !f.settings.cancelHold {
		a.notices = f.setState(t, TransferCancelled, "")
	}
	return a
}
