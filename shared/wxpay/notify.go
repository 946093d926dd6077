package wxpay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/wechatpay-apiv3/wechatpay-go/core/consts"
	"github.com/wechatpay-apiv3/wechatpay-go/utils"

	"github.com/wxlend/wxlend/shared/money"
)

// Notification errors, matched with errors.Is. All mean "answer 4xx and do
// not apply anything"; WeChat Pay retries genuine notifications.
var (
	// ErrBadSignature: missing or wrong Wechatpay-* headers, an unknown
	// Wechatpay-Serial or a signature that does not verify (WeChat also
	// sends such probes on purpose).
	ErrBadSignature = errors.New("wxpay: notification signature invalid")
	// ErrStaleTimestamp: Wechatpay-Timestamp is 5 minutes or more away.
	ErrStaleTimestamp = errors.New("wxpay: notification timestamp stale")
	// ErrWrongMerchant: the decrypted resource names another mchid/appid.
	ErrWrongMerchant = errors.New("wxpay: notification for another merchant")
	// ErrMalformedNotification: the signed body is not a decryptable
	// notification, or an event lacks required fields.
	ErrMalformedNotification = errors.New("wxpay: malformed notification")
)

// Event types (notification event_type).
const (
	EventTransactionSuccess = "TRANSACTION.SUCCESS"
	EventRefundSuccess      = "REFUND.SUCCESS"
	EventRefundAbnormal     = "REFUND.ABNORMAL"
	EventRefundClosed       = "REFUND.CLOSED"
	EventTransferFinished   = "MCHTRANSFER.BILL.FINISHED"
)

// MaxNotificationBytes bounds a notification body.
const MaxNotificationBytes = 64 << 10

// Notification is a verified and decrypted WeChat Pay notification. Plain
// is the decrypted resource; decode it with Transaction, Refund or
// Transfer. Dedupe on ID plus the business number: duplicates happen.
type Notification struct {
	ID           string
	EventType    string
	ResourceType string
	Summary      string
	CreateTime   time.Time
	Plain        json.RawMessage
}

// envelope is a notification body (documented field names).
type envelope struct {
	ID           string `json:"id"`
	CreateTime   string `json:"create_time"`
	ResourceType string `json:"resource_type"`
	EventType    string `json:"event_type"`
	Summary      string `json:"summary"`
	Resource     *struct {
		OriginalType   string `json:"original_type"`
		Algorithm      string `json:"algorithm"`
		Ciphertext     string `json:"ciphertext"`
		AssociatedData string `json:"associated_data"`
		Nonce          string `json:"nonce"`
	} `json:"resource"`
}

// gcmNonceSize is AEAD_AES_256_GCM's nonce length (12 bytes).
const gcmNonceSize = 12

// ParseNotification verifies (signature by the platform public key,
// Wechatpay-Serial = PlatformPubKeyID, timestamp within 5 minutes) and
// decrypts (AEAD_AES_256_GCM with the APIv3 key) a notification, then
// checks that its mchid (and appid, when present) are this merchant's.
// r.Body is read and restored. Errors wrap ErrBadSignature,
// ErrStaleTimestamp, ErrWrongMerchant or ErrMalformedNotification.
func (c *Client) ParseNotification(ctx context.Context, r *http.Request) (Notification, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxNotificationBytes+1))
	if err != nil || len(body) > MaxNotificationBytes {
		return Notification{}, notifyErr(ErrMalformedNotification, "body unreadable or too large", err)
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := c.checkNotifyHeaders(r.Header); err != nil {
		return Notification{}, err
	}
	h := r.Header
	msg := signedMessage(strings.TrimSpace(h.Get(consts.WechatPayTimestamp)), strings.TrimSpace(h.Get(consts.WechatPayNonce)), body)
	if err := c.verifier.Verify(ctx, strings.TrimSpace(h.Get(consts.WechatPaySerial)), msg, strings.TrimSpace(h.Get(consts.WechatPaySignature))); err != nil {
		return Notification{}, notifyErr(ErrBadSignature, "signature does not verify", err)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Resource == nil {
		return Notification{}, notifyErr(ErrMalformedNotification, "no resource", err)
	}
	res := env.Resource
	if res.Algorithm != "AEAD_AES_256_GCM" || len(res.Nonce) != gcmNonceSize {
		return Notification{}, notifyErr(ErrMalformedNotification, "resource algorithm or nonce unsupported", nil)
	}
	plain, err := decryptResource(c.cfg.APIv3Key, res.Nonce, res.AssociatedData, res.Ciphertext)
	if err != nil || !json.Valid(plain) {
		return Notification{}, notifyErr(ErrMalformedNotification, "resource does not decrypt to JSON", err)
	}
	n := Notification{ID: env.ID, EventType: env.EventType, ResourceType: env.ResourceType, Summary: env.Summary,
		CreateTime: parseTime(env.CreateTime), Plain: plain}
	return n, c.checkMerchant(plain)
}

// signedMessage is what WeChat Pay signs for an answer or a notification
// (验签名串): timestamp, nonce and body, each line ending in \n.
func signedMessage(timestamp, nonce string, body []byte) string {
	return timestamp + "\n" + nonce + "\n" + string(body) + "\n"
}

// decryptResource opens a notification resource: AEAD_AES_256_GCM with
// the APIv3 key, the resource's nonce and associated_data as bytes, and a
// base64 ciphertext that ends with the tag.
func decryptResource(apiV3Key, nonce, associatedData, ciphertext string) ([]byte, error) {
	plain, err := utils.DecryptAES256GCM(apiV3Key, associatedData, nonce, ciphertext)
	return []byte(plain), err
}

// checkMerchant refuses a resource naming another mchid or appid.
func (c *Client) checkMerchant(plain json.RawMessage) error {
	var who struct {
		MchID  string `json:"mchid"`
		MchID2 string `json:"mch_id"`
		AppID  string `json:"appid"`
	}
	if err := json.Unmarshal(plain, &who); err != nil {
		return notifyErr(ErrMalformedNotification, "resource is not a JSON object", err)
	}
	if mch := firstNonEmpty(who.MchID, who.MchID2); mch != c.cfg.MchID {
		return notifyErr(ErrWrongMerchant, fmt.Sprintf("mchid %q", mch), nil)
	}
	if who.AppID != "" && who.AppID != c.cfg.AppID {
		return notifyErr(ErrWrongMerchant, fmt.Sprintf("appid %q", who.AppID), nil)
	}
	return nil
}

// checkNotifyHeaders classifies header problems before the signature is
// verified, so a stale timestamp and an unknown key are told apart.
func (c *Client) checkNotifyHeaders(h http.Header) error {
	if t := h.Get("Wechatpay-Signature-Type"); t != "" && t != "WECHATPAY2-SHA256-RSA2048" {
		return notifyErr(ErrBadSignature, "unsupported Wechatpay-Signature-Type", nil)
	}
	for _, k := range []string{consts.WechatPaySerial, consts.WechatPaySignature, consts.WechatPayTimestamp, consts.WechatPayNonce} {
		if strings.TrimSpace(h.Get(k)) == "" {
			return notifyErr(ErrBadSignature, "missing "+k, nil)
		}
	}
	if strings.TrimSpace(h.Get(consts.WechatPaySerial)) != c.cfg.PlatformPubKeyID {
		return notifyErr(ErrBadSignature, "unknown Wechatpay-Serial", nil)
	}
	ts, err := strconv.ParseInt(strings.TrimSpace(h.Get(consts.WechatPayTimestamp)), 10, 64)
	if err != nil {
		return notifyErr(ErrBadSignature, "Wechatpay-Timestamp is not a number", nil)
	}
	if d := c.now().Unix() - ts; d >= consts.FiveMinute || d <= -consts.FiveMinute {
		return notifyErr(ErrStaleTimestamp, fmt.Sprintf("timestamp %d s away", d), nil)
	}
	return nil
}

// NotifyError is a refused notification: Kind is one of the ErrXxx
// notification sentinels; the cause is for logs.
type NotifyError struct {
	Kind   error
	Detail string
	cause  error
}

func (e *NotifyError) Error() string {
	s := e.Kind.Error() + ": " + e.Detail
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Is matches Kind.
func (e *NotifyError) Is(target error) bool { return target == e.Kind }

// Unwrap exposes the cause.
func (e *NotifyError) Unwrap() error { return e.cause }

func notifyErr(kind error, detail string, cause error) error {
	return &NotifyError{Kind: kind, Detail: detail, cause: cause}
}

// RequestFromSCF rebuilds the HTTP request of an SCF API gateway event so
// ParseNotification can read it: the gateway lower-cases header names and
// the SDK reads canonical Wechatpay-* names. body must be the raw body
// (decode it first if the event says isBase64Encoded).
func RequestFromSCF(method, path string, headers map[string]string, body string) *http.Request {
	u, err := url.ParseRequestURI(path)
	if err != nil {
		u = &url.URL{Path: path}
	}
	h := make(http.Header, len(headers))
	for k, v := range headers {
		h.Set(k, v)
	}
	r := &http.Request{Method: strings.ToUpper(method), URL: u, RequestURI: u.RequestURI(), Proto: "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1, Header: h, Host: h.Get("Host"),
		Body: io.NopCloser(strings.NewReader(body)), ContentLength: int64(len(body))}
	return r.WithContext(context.Background())
}

// TransactionEvent is the resource of TRANSACTION.SUCCESS.
type TransactionEvent struct {
	OutTradeNo    string
	TransactionID string
	TradeState    string
	TradeType     string
	AmountFen     money.Fen // amount.total: compare with the order
	PayerTotalFen money.Fen // amount.payer_total
	MchID         string
	AppID         string
	PayerOpenID   string
	Attach        string
	SuccessTime   time.Time
}

// RefundEvent is the resource of REFUND.SUCCESS / ABNORMAL / CLOSED.
type RefundEvent struct {
	OutTradeNo          string
	TransactionID       string
	OutRefundNo         string
	RefundID            string
	RefundStatus        string
	RefundFen           money.Fen // amount.refund
	TotalFen            money.Fen // amount.total
	PayerRefundFen      money.Fen // amount.payer_refund
	MchID               string
	UserReceivedAccount string
	SuccessTime         time.Time
}

// TransferEvent is the resource of MCHTRANSFER.BILL.FINISHED (state
// SUCCESS, FAIL or CANCELLED).
type TransferEvent struct {
	OutBillNo      string
	TransferBillNo string
	State          string
	MchID          string
	AmountFen      money.Fen
	OpenID         string
	FailReason     string
	CreateTime     time.Time
	UpdateTime     time.Time
}

// Transaction decodes a TRANSACTION.* notification.
func (n Notification) Transaction() (TransactionEvent, error) {
	var p struct {
		OutTradeNo    string `json:"out_trade_no"`
		TransactionID string `json:"transaction_id"`
		TradeState    string `json:"trade_state"`
		TradeType     string `json:"trade_type"`
		MchID         string `json:"mchid"`
		AppID         string `json:"appid"`
		Attach        string `json:"attach"`
		SuccessTime   string `json:"success_time"`
		Amount        *struct {
			Total      *int64 `json:"total"`
			PayerTotal int64  `json:"payer_total"`
		} `json:"amount"`
		Payer struct {
			OpenID string `json:"openid"`
		} `json:"payer"`
	}
	if err := n.decode("TRANSACTION.", &p); err != nil {
		return TransactionEvent{}, err
	}
	if p.OutTradeNo == "" || p.TradeState == "" || p.Amount == nil || p.Amount.Total == nil {
		return TransactionEvent{}, notifyErr(ErrMalformedNotification, "transaction lacks out_trade_no, trade_state or amount", nil)
	}
	return TransactionEvent{OutTradeNo: p.OutTradeNo, TransactionID: p.TransactionID, TradeState: p.TradeState, TradeType: p.TradeType,
		AmountFen: money.Fen(*p.Amount.Total), PayerTotalFen: money.Fen(p.Amount.PayerTotal), MchID: p.MchID, AppID: p.AppID,
		PayerOpenID: p.Payer.OpenID, Attach: p.Attach, SuccessTime: parseTime(p.SuccessTime)}, nil
}

// Refund decodes a REFUND.* notification.
func (n Notification) Refund() (RefundEvent, error) {
	var p struct {
		OutTradeNo          string `json:"out_trade_no"`
		TransactionID       string `json:"transaction_id"`
		OutRefundNo         string `json:"out_refund_no"`
		RefundID            string `json:"refund_id"`
		RefundStatus        string `json:"refund_status"`
		MchID               string `json:"mchid"`
		UserReceivedAccount string `json:"user_received_account"`
		SuccessTime         string `json:"success_time"`
		Amount              *struct {
			Total       int64  `json:"total"`
			Refund      *int64 `json:"refund"`
			PayerRefund int64  `json:"payer_refund"`
		} `json:"amount"`
	}
	if err := n.decode("REFUND.", &p); err != nil {
		return RefundEvent{}, err
	}
	if p.OutRefundNo == "" || p.RefundStatus == "" || p.Amount == nil || p.Amount.Refund == nil {
		return RefundEvent{}, notifyErr(ErrMalformedNotification, "refund lacks out_refund_no, refund_status or amount", nil)
	}
	return RefundEvent{OutTradeNo: p.OutTradeNo, TransactionID: p.TransactionID, OutRefundNo: p.OutRefundNo, RefundID: p.RefundID,
		RefundStatus: p.RefundStatus, RefundFen: money.Fen(*p.Amount.Refund), TotalFen: money.Fen(p.Amount.Total),
		PayerRefundFen: money.Fen(p.Amount.PayerRefund), MchID: p.MchID, UserReceivedAccount: p.UserReceivedAccount,
		SuccessTime: parseTime(p.SuccessTime)}, nil
}

// Transfer decodes a MCHTRANSFER.BILL.* notification.
func (n Notification) Transfer() (TransferEvent, error) {
	var p struct {
		OutBillNo      string `json:"out_bill_no"`
		TransferBillNo string `json:"transfer_bill_no"`
		State          string `json:"state"`
		MchID          string `json:"mchid"`
		MchID2         string `json:"mch_id"`
		Amount         *int64 `json:"transfer_amount"`
		OpenID         string `json:"openid"`
		FailReason     string `json:"fail_reason"`
		CreateTime     string `json:"create_time"`
		UpdateTime     string `json:"update_time"`
	}
	if err := n.decode("MCHTRANSFER.BILL.", &p); err != nil {
		return TransferEvent{}, err
	}
	if p.OutBillNo == "" || p.State == "" || p.Amount == nil {
		return TransferEvent{}, notifyErr(ErrMalformedNotification, "transfer lacks out_bill_no, state or transfer_amount", nil)
	}
	return TransferEvent{OutBillNo: p.OutBillNo, TransferBillNo: p.TransferBillNo, State: p.State, MchID: firstNonEmpty(p.MchID, p.MchID2),
		AmountFen: money.Fen(*p.Amount), OpenID: p.OpenID, FailReason: p.FailReason,
		CreateTime: parseTime(p.CreateTime), UpdateTime: parseTime(p.UpdateTime)}, nil
}

func (n Notification) decode(prefix string, v any) error {
	if !strings.HasPrefix(n.EventType, prefix) {
		return notifyErr(ErrMalformedNotification, fmt.Sprintf("event %q is not %s*", n.EventType, prefix), nil)
	}
	if err := json.Unmarshal(n.Plain, v); err != nil {
		return notifyErr(ErrMalformedNotification, "resource does not decode", err)
	}
	return nil
}
