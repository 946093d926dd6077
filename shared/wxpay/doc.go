// Package wxpay is wxlend's WeChat Pay API v3 client: JSAPI payments for
// repayments, refunds, merchant transfers (商家转账, user-confirmation mode)
// for disbursements, bill downloads for reconciliation, and notification
// parsing. It runs on wechatpay-go in public-key mode, so building a Client
// makes no network call (SCF cold starts stay fast); the merchant transfer
// API and bills, missing from the SDK, are typed clients on its
// core.Client.Request, which signs requests and verifies answers.
//
// # Numbers and retries
//
// Every call that moves money takes a number the caller made and stored
// first (out_trade_no, out_refund_no, out_bill_no). WeChat Pay is
// idempotent on that number: the same number with the same parameters
// answers the existing object. So after any failure the rule is: resend
// with the same number and parameters, or query by it — never issue a new
// number until a query shows a final failure (transfer FAIL / CANCELLED,
// order CLOSED) or answers ErrNotFound. Otherwise a borrower may be paid
// twice.
//
// # Errors
//
// API calls return *Error; match the class with errors.Is:
//
//	answer                                    Retryable Final  errors.Is
//	transport error, timeout, ctx cancelled   yes       no     ErrUnknownOutcome (query, or resend same number)
//	2xx failing signature check or decoding   yes       no     ErrUnknownOutcome, ErrConfiguration
//	5xx, SYSTEM_ERROR, BANK_ERROR             yes       no     ErrUnknownOutcome
//	429 / FREQUENCY_LIMITED                   yes       no     ErrRateLimited (back off)
//	403 NOT_ENOUGH                            yes       no     ErrNotEnough (top up the account)
//	404 NOT_FOUND, ORDER_NOT_EXIST,
//	  RESOURCE_NOT_EXISTS; NO_STATEMENT_EXIST no        yes    ErrNotFound (does not exist)
//	401 / SIGN_ERROR, NO_AUTH                 no        yes    ErrConfiguration (keys, serial, permissions)
//	other 4xx: PARAM_ERROR, INVALID_REQUEST
//	  (e.g. number reused with other params) no        yes    ErrInvalidRequest
//	refused before sending (CLIENT_INVALID)   no        yes    ErrInvalidRequest
//
// Retryable means "the same request may be sent again, safely"; a bounded
// retry loop belongs to the caller. A transfer's per-bill failures
// (NAME_NOT_CORRECT, ACCOUNT_FROZEN, ...) are not errors: they are a bill
// in state FAIL with FailReason — a business outcome; a new attempt needs
// a fix and a new number.
//
// Notifications: ParseNotification returns *NotifyError matching
// ErrBadSignature, ErrStaleTimestamp, ErrWrongMerchant or
// ErrMalformedNotification; answer 4xx and WeChat Pay retries the genuine
// one. Answer 204 for a notification applied now or before (duplicates
// are normal).
//
// # Testing
//
// wxpaytest is a fake WeChat Pay speaking the real protocol on loopback;
// point Config.BaseURL at it and the requests are rewritten there. So that
// client and fake cannot share a misunderstanding, each is also tested on
// its own against internal/vectors: WeChat Pay's documented examples and
// the official SDKs' test vectors (signing strings, signatures, AES-GCM,
// OAEP, notification fields).
package wxpay
