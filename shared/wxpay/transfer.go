package wxpay

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
	"unicode/utf8"

	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxlend/wxlend/shared/money"
)

// Transfer bill states (商家转账, user-confirmation mode). SUCCESS, FAIL and
// CANCELLED are final and the only ones notified.
const (
	TransferAccepted        = "ACCEPTED"
	TransferProcessing      = "PROCESSING" // funds being locked; stuck here usually means low balance
	TransferWaitUserConfirm = "WAIT_USER_CONFIRM"
	TransferTransfering     = "TRANSFERING" // the borrower confirmed; in flight
	TransferSuccess         = "SUCCESS"
	TransferFail            = "FAIL"
	TransferCanceling       = "CANCELING"
	TransferCancelled       = "CANCELLED"
)

// TransferFinal reports whether a transfer state can no longer change.
func TransferFinal(state string) bool {
	return state == TransferSuccess || state == TransferFail || state == TransferCancelled
}

// Paths of the merchant transfer API (not in wechatpay-go v0.2.21).
const (
	pathTransferBills = "/v3/fund-app/mch-transfer/transfer-bills"
	pathTransferByOut = "/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/"
)

// TransferRequest pays a borrower's WeChat balance; the borrower confirms
// receipt in the mini-program (wx.requestMerchantTransfer with
// PackageInfo). OutBillNo is made and stored before the call (1–32 of
// [0-9A-Za-z]); every retry reuses it with the same parameters.
type TransferRequest struct {
	OutBillNo string
	OpenID    string
	AmountFen money.Fen
	Remark    string // ≤32 characters, shown to the borrower
	// UserName is the borrower's real name in plain text; when set it is
	// sent RSA-OAEP encrypted under the platform public key and WeChat Pay
	// checks it (required from 2000 CNY).
	UserName           string
	SceneID            string // transfer_scene_id, e.g. "1000"
	SceneReportInfos   []SceneReportInfo
	NotifyURL          string // optional; Config.NotifyURLs.Transfer otherwise
	UserRecvPerception string // optional, e.g. "现金奖励"
}

// SceneReportInfo is one transfer_scene_report_infos item, fixed per scene.
type SceneReportInfo struct {
	InfoType    string `json:"info_type"`
	InfoContent string `json:"info_content"`
}

// TransferBill is a transfer bill as created, queried or cancelled.
// PackageInfo is present only while WAIT_USER_CONFIRM and only in the
// create answer: to recover it, repeat CreateTransfer with the same number
// and parameters (WeChat Pay answers the existing bill).
type TransferBill struct {
	OutBillNo      string
	TransferBillNo string
	State          string
	FailReason     string // e.g. NAME_NOT_CORRECT, ACCOUNT_FROZEN (final FAIL only)
	PackageInfo    string
	AmountFen      money.Fen // zero in create and cancel answers
	OpenID         string    // query answers only
	CreateTime     time.Time
	UpdateTime     time.Time
}

type transferBody struct {
	AppID              string            `json:"appid"`
	OutBillNo          string            `json:"out_bill_no"`
	SceneID            string            `json:"transfer_scene_id"`
	OpenID             string            `json:"openid"`
	UserName           string            `json:"user_name,omitempty"`
	Amount             int64             `json:"transfer_amount"`
	Remark             string            `json:"transfer_remark"`
	NotifyURL          string            `json:"notify_url,omitempty"`
	UserRecvPerception string            `json:"user_recv_perception,omitempty"`
	ReportInfos        []SceneReportInfo `json:"transfer_scene_report_infos,omitempty"`
}

type transferAnswer struct {
	MchID          string `json:"mch_id"`
	OutBillNo      string `json:"out_bill_no"`
	TransferBillNo string `json:"transfer_bill_no"`
	State          string `json:"state"`
	FailReason     string `json:"fail_reason"`
	PackageInfo    string `json:"package_info"`
	Amount         int64  `json:"transfer_amount"`
	OpenID         string `json:"openid"`
	CreateTime     string `json:"create_time"`
	UpdateTime     string `json:"update_time"`
}

// CreateTransfer creates the transfer bill OutBillNo, or answers the
// existing one when the number was used before with the same parameters
// (the same number with other parameters is a Final *Error).
//
// After any error, never issue a new number until QueryTransfer shows FAIL
// or CANCELLED or answers ErrNotFound: a Retryable error (timeout, 5xx,
// NOT_ENOUGH, FREQUENCY_LIMITED) may have created the bill.
func (c *Client) CreateTransfer(ctx context.Context, req TransferRequest) (TransferBill, error) {
	const op = "transfer.create"
	if err := validateTransfer(req); err != nil {
		return TransferBill{}, invalid(op, "%s", err)
	}
	body := transferBody{AppID: c.cfg.AppID, OutBillNo: req.OutBillNo, SceneID: req.SceneID, OpenID: req.OpenID,
		Amount: int64(req.AmountFen), Remark: req.Remark, NotifyURL: firstNonEmpty(req.NotifyURL, c.cfg.NotifyURLs.Transfer),
		UserRecvPerception: req.UserRecvPerception, ReportInfos: req.SceneReportInfos}
	header := http.Header{}
	if req.UserName != "" {
		enc, err := utils.EncryptOAEPWithPublicKey(req.UserName, c.cfg.PlatformPubKey)
		if err != nil {
			return TransferBill{}, &Error{Op: op, Code: CodeClientInvalid, Final: true, kinds: []error{ErrConfiguration}, cause: err}
		}
		body.UserName = enc
		header.Set(consts.WechatPaySerial, c.cfg.PlatformPubKeyID)
	}
	var a transferAnswer
	if err := c.call(ctx, op, http.MethodPost, pathTransferBills, header, body, &a); err != nil {
		return TransferBill{}, err
	}
	return a.bill(), nil
}

func validateTransfer(req TransferRequest) error {
	if n := len(req.OutBillNo); n == 0 || n > 32 || !alnum(req.OutBillNo) {
		return fmt.Errorf("out_bill_no must be 1-32 letters or digits")
	}
	switch {
	case req.OpenID == "":
		return fmt.Errorf("openid is required")
	case req.AmountFen <= 0:
		return fmt.Errorf("transfer amount must be positive")
	case req.SceneID == "":
		return fmt.Errorf("transfer_scene_id is required")
	case req.Remark == "" || utf8.RuneCountInString(req.Remark) > 32:
		return fmt.Errorf("transfer_remark must be 1-32 characters")
	}
	return nil
}

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !('0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z') {
			return false
		}
	}
	return true
}

// QueryTransfer reads the bill OutBillNo (last 30 days). A number WeChat
// Pay never accepted is an *Error matching ErrNotFound: only then, or on
// FAIL / CANCELLED, may the caller move on to a new number.
func (c *Client) QueryTransfer(ctx context.Context, outBillNo string) (TransferBill, error) {
	const op = "transfer.query"
	if outBillNo == "" || !alnum(outBillNo) {
		return TransferBill{}, invalid(op, "out_bill_no must be letters or digits")
	}
	var a transferAnswer
	if err := c.call(ctx, op, http.MethodGet, pathTransferByOut+url.PathEscape(outBillNo), nil, nil, &a); err != nil {
		return TransferBill{}, err
	}
	return a.bill(), nil
}

// CancelTransfer revokes a bill the borrower has not confirmed yet. The
// answer is CANCELING (or CANCELLED); the end comes as a CANCELLED
// notification or query. A bill already final is a Final *Error.
func (c *Client) CancelTransfer(ctx context.Context, outBillNo string) (TransferBill, error) {
	const op = "transfer.cancel"
	if outBillNo == "" || !alnum(outBillNo) {
		return TransferBill{}, invalid(op, "out_bill_no must be letters or digits")
	}
	var a transferAnswer
	if err := c.call(ctx, op, http.MethodPost, pathTransferByOut+url.PathEscape(outBillNo)+"/cancel", nil, struct{}{}, &a); err != nil {
		return TransferBill{}, err
	}
	return a.bill(), nil
}

func (a transferAnswer) bill() TransferBill {
	return TransferBill{OutBillNo: a.OutBillNo, TransferBillNo: a.TransferBillNo, State: a.State, FailReason: a.FailReason,
		PackageInfo: a.PackageInfo, AmountFen: money.Fen(a.Amount), OpenID: a.OpenID,
		CreateTime: parseTime(a.CreateTime), UpdateTime: parseTime(a.UpdateTime)}
}

// maxAnswerBytes bounds a JSON answer read into memory.
const maxAnswerBytes = 1 << 20

// call sends one signed JSON request on the SDK's core client (response
// signature verified) and decodes a JSON answer into out.
func (c *Client) call(ctx context.Context, op, method, path string, header http.Header, body, out any) error {
	contentType := consts.ApplicationJSON
	result, err := c.core.Request(ctx, method, DefaultBaseURL+path, header, nil, body, contentType)
	if err != nil {
		return classify(op, result, err)
	}
	defer result.Response.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(result.Response.Body, maxAnswerBytes))
	if err != nil {
		return classify(op, result, err)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return classify(op, result, fmt.Errorf("decode answer: %w", err))
	}
	return nil
}
