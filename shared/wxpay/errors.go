package wxpay

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/wechatpay-apiv3/wechatpay-go/core"
)

// Sentinels matched with errors.Is against the *Error every API call
// returns. Which ones match which answers is the table in the package doc.
var (
	// ErrUnknownOutcome: WeChat Pay may or may not have applied the request
	// (transport error, timeout, 5xx, unverifiable 2xx). Query by the same
	// number, or resend with the same number and parameters; never issue a
	// new number.
	ErrUnknownOutcome = errors.New("wxpay: outcome unknown")
	// ErrNotFound: the order, refund, transfer bill or statement does not
	// exist (404 NOT_FOUND / ORDER_NOT_EXIST / RESOURCE_NOT_EXISTS, 400
	// NO_STATEMENT_EXIST).
	ErrNotFound = errors.New("wxpay: not found")
	// ErrInvalidRequest: WeChat Pay (or the client, before sending) refused
	// the parameters; resending them unchanged fails again.
	ErrInvalidRequest = errors.New("wxpay: invalid request")
	// ErrConfiguration: credentials, keys or permissions are wrong
	// (SIGN_ERROR, NO_AUTH, a response that fails verification).
	ErrConfiguration = errors.New("wxpay: configuration error")
	// ErrNotEnough: the paying account lacks funds (NOT_ENOUGH); top up and
	// resend with the same number.
	ErrNotEnough = errors.New("wxpay: not enough balance")
	// ErrRateLimited: FREQUENCY_LIMITED; back off and resend with the same
	// number.
	ErrRateLimited = errors.New("wxpay: rate limited")
	// ErrMerchantLimit: the paying merchant's own transfer limit is used up
	// (400 INVALID_REQUEST "超出商户单日转账额度"). It is also an
	// ErrInvalidRequest: the request had no effect. Another merchant
	// account, or the same one tomorrow, may take it.
	ErrMerchantLimit = errors.New("wxpay: merchant transfer limit reached")
	// ErrBillNotReady: the bill of that date is still being generated
	// (400 STATEMENT_CREATING); ask again later.
	ErrBillNotReady = errors.New("wxpay: bill not ready")
)

// merchantLimitMessages mark an INVALID_REQUEST as the merchant's own
// limit. UNCONFIRMED: WeChat Pay documents this case by its message only
// (refs/wxpay.md §2), so the message is matched.
var merchantLimitMessages = []string{"超出商户单日转账额度", "商户单日转账额度", "商户日转账额度"}

func isMerchantLimit(a *core.APIError) bool {
	if a.Code != "INVALID_REQUEST" && a.Code != "PARAM_ERROR" {
		return false
	}
	for _, m := range merchantLimitMessages {
		if strings.Contains(a.Message, m) {
			return true
		}
	}
	return false
}

// PayerSideFailure reports whether a transfer bill's fail_reason lies
// with the paying merchant account rather than the borrower: the bill is
// final, and another merchant account may pay the same money under a new
// number. Borrower-side reasons (name, frozen or abnormal payee account,
// the payee's own limits) are not: they need a person; nor is
// MERCHANT_REJECT (the lender's own approver said no). The reasons are
// the batch API's FailReasonType (refs/wxpay.md §2); the meaning of
// PRODUCT_AUTH_CHECK_FAIL (the merchant lacks the product) is UNCONFIRMED.
func PayerSideFailure(reason string) bool {
	switch reason {
	case "PAYER_ACCOUNT_ABNORMAL", "PRODUCT_AUTH_CHECK_FAIL":
		return true
	}
	return false
}

// PayeeDailyLimit reports whether a transfer failed only on the
// borrower's daily receiving limit (refs/wxpay.md §2: 20,000 CNY a day per
// user): the same money can be sent again from the next day.
func PayeeDailyLimit(reason string) bool {
	return reason == "DAY_RECEIVED_QUOTA_EXCEED" || reason == "DAY_RECEIVED_COUNT_EXCEED"
}

// Codes the client itself gives an *Error when WeChat Pay gave none.
const (
	CodeUnknownOutcome  = "UNKNOWN_OUTCOME"  // transport failure or timeout
	CodeResponseInvalid = "RESPONSE_INVALID" // a 2xx that fails verification or decoding
	CodeClientInvalid   = "CLIENT_INVALID"   // refused locally, never sent
	CodeBillHash        = "BILL_HASH_MISMATCH"
)

// Error is a classified WeChat Pay failure. HTTPStatus and Code are WeChat
// Pay's (or one of the Code* constants above when there was no answer);
// Message is WeChat Pay's text, for logs.
//
// Retryable: sending the same request again — same number, same
// parameters — is safe and may succeed. Final: WeChat Pay answered and
// rejected the request; it had no effect and will be rejected again unless
// something is fixed. An error is never both; an unknown outcome is
// Retryable and not Final.
type Error struct {
	Op         string // e.g. "transfer.create"
	HTTPStatus int
	Code       string
	Message    string
	Retryable  bool
	Final      bool
	kinds      []error
	cause      error
}

func (e *Error) Error() string {
	s := "wxpay " + e.Op + ": "
	if e.HTTPStatus != 0 {
		s += fmt.Sprintf("HTTP %d ", e.HTTPStatus)
	}
	s += e.Code
	if e.Message != "" {
		s += ": " + e.Message
	}
	var apiErr *core.APIError
	if e.cause != nil && !errors.As(e.cause, &apiErr) {
		s += ": " + e.cause.Error()
	}
	return s
}

// Is matches the sentinels this error was classified as.
func (e *Error) Is(target error) bool {
	for _, k := range e.kinds {
		if k == target {
			return true
		}
	}
	return false
}

// Unwrap exposes the underlying cause (a *core.APIError, a transport
// error) for logs and errors.As.
func (e *Error) Unwrap() error { return e.cause }

var notFoundCodes = map[string]bool{
	"NOT_FOUND": true, "ORDER_NOT_EXIST": true, "ORDERNOTEXIST": true,
	"RESOURCE_NOT_EXISTS": true, "NO_STATEMENT_EXIST": true,
}

// classify turns what the SDK returned into an *Error. result is the SDK's
// *core.APIResult (nil when the request was never sent).
func classify(op string, result *core.APIResult, err error) error {
	if err == nil {
		return nil
	}
	var apiErr *core.APIError
	if errors.As(err, &apiErr) {
		return classifyAPI(op, apiErr)
	}
	switch {
	case result == nil:
		return &Error{Op: op, Code: CodeClientInvalid, Final: true, kinds: []error{ErrInvalidRequest}, cause: err}
	case result.Response == nil || result.Response.StatusCode < 200 || result.Response.StatusCode > 299:
		return unknownOutcome(op, err)
	default:
		return &Error{Op: op, HTTPStatus: result.Response.StatusCode, Code: CodeResponseInvalid, Retryable: true,
			kinds: []error{ErrUnknownOutcome, ErrConfiguration}, cause: err}
	}
}

func unknownOutcome(op string, err error) *Error {
	msg := "transport error"
	if errors.Is(err, context.DeadlineExceeded) || isTimeout(err) {
		msg = "timeout"
	}
	return &Error{Op: op, Code: CodeUnknownOutcome, Message: msg, Retryable: true, kinds: []error{ErrUnknownOutcome}, cause: err}
}

func isTimeout(err error) bool {
	var t interface{ Timeout() bool }
	return errors.As(err, &t) && t.Timeout()
}

func classifyAPI(op string, a *core.APIError) *Error {
	e := &Error{Op: op, HTTPStatus: a.StatusCode, Code: a.Code, Message: a.Message, cause: a}
	switch {
	case a.Code == "SYSTEM_ERROR" || a.Code == "BANK_ERROR" || a.StatusCode >= 500:
		e.Retryable, e.kinds = true, []error{ErrUnknownOutcome}
	case a.Code == "FREQUENCY_LIMITED" || a.StatusCode == http.StatusTooManyRequests:
		e.Retryable, e.kinds = true, []error{ErrRateLimited}
	case a.Code == "NOT_ENOUGH":
		e.Retryable, e.kinds = true, []error{ErrNotEnough}
	case a.Code == "STATEMENT_CREATING":
		e.Retryable, e.kinds = true, []error{ErrBillNotReady}
	case notFoundCodes[a.Code] || a.StatusCode == http.StatusNotFound:
		e.Final, e.kinds = true, []error{ErrNotFound}
	case a.Code == "SIGN_ERROR" || a.Code == "NO_AUTH" || a.StatusCode == http.StatusUnauthorized:
		e.Final, e.kinds = true, []error{ErrConfiguration}
	case isMerchantLimit(a):
		e.Final, e.kinds = true, []error{ErrInvalidRequest, ErrMerchantLimit}
	case a.StatusCode >= 400:
		e.Final, e.kinds = true, []error{ErrInvalidRequest}
	default:
		e.Retryable, e.kinds = true, []error{ErrUnknownOutcome}
	}
	return e
}

func invalid(op, format string, args ...any) *Error {
	return &Error{Op: op, Code: CodeClientInvalid, Message: fmt.Sprintf(format, args...), Final: true, kinds: []error{ErrInvalidRequest}}
}
