// Package apierr holds wxlend's one error type: a closed list of codes from
// api.md, each mapped to an HTTP status in exactly one table. Domain code
// returns *Error (or wraps one); anything else reaching the edge becomes
// `internal`, so a client never sees a foreign error's text.
//
// The convention every package follows:
//   - Invalid (invalid_argument) is for the caller's own input only;
//   - New with a code and Reason for a refusal the caller can act on
//     (not_found, conflict, failed_precondition, ...);
//   - Bug for a programmer error or a broken invariant (a re-check of data
//     our own code built): internal, the detail in the log only;
//   - sentinel errors (errors.Is) inside a package, classified into one of
//     the above where they leave it.
package apierr

import (
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Code is one of the api.md error codes.
type Code string

// The closed list of codes (api.md "Errors").
const (
	InvalidArgument    Code = "invalid_argument"
	Unauthenticated    Code = "unauthenticated"
	Replayed           Code = "replayed"
	Forbidden          Code = "forbidden"
	NotFound           Code = "not_found"
	Conflict           Code = "conflict"
	FailedPrecondition Code = "failed_precondition"
	RateLimited        Code = "rate_limited"
	Unavailable        Code = "unavailable"
	Internal           Code = "internal"
	// MethodNotAllowed: a known path asked with a method it does not serve
	// (the answer's Allow header lists those it does). Added to api.md's
	// list; README "Errors".
	MethodNotAllowed Code = "method_not_allowed"
)

var statusByCode = map[Code]int{
	InvalidArgument:    http.StatusBadRequest,
	Unauthenticated:    http.StatusUnauthorized,
	Replayed:           http.StatusUnauthorized,
	Forbidden:          http.StatusForbidden,
	NotFound:           http.StatusNotFound,
	Conflict:           http.StatusConflict,
	FailedPrecondition: http.StatusConflict,
	RateLimited:        http.StatusTooManyRequests,
	Unavailable:        http.StatusServiceUnavailable,
	Internal:           http.StatusInternalServerError,
	MethodNotAllowed:   http.StatusMethodNotAllowed,
}

// Status is the HTTP status of a code; an unknown code is a 500.
func (c Code) Status() int {
	if s, ok := statusByCode[c]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// Error is a failure the client may be told about. Message is safe to show
// (no PII, SQL or stack); Field names the offending input where there is one;
// Reason is a stable machine-readable sub-code (e.g. "bad_check_digit").
// RetryAfter, on a rate_limited error, is when the limit frees up (the
// Retry-After header). The wrapped cause is for logs only.
type Error struct {
	Code       Code
	Message    string
	Field      string
	Reason     string
	RetryAfter time.Duration
	cause      error
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Message
	if e.Field != "" {
		s += " (field " + e.Field + ")"
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up and at least
// 1 (HTTP's Retry-After takes whole seconds; 0 would invite a retry now).
func (e *Error) RetryAfterSeconds() int {
	return max(1, int((e.RetryAfter+time.Second-1)/time.Second))
}

// Unwrap exposes the cause to errors.Is/As.
func (e *Error) Unwrap() error { return e.cause }

// Is makes errors.Is(err, &Error{Code: X}) match on the code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Message == "" && t.Field == ""
}

// New makes an error with a safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap makes an error with a safe message and a cause kept for the logs.
func Wrap(code Code, cause error, message string) *Error {
	return &Error{Code: code, Message: message, cause: cause}
}

// Bug reports a programmer error or a broken invariant: never the
// caller's fault, so it is `internal`; Public shows the client a generic
// message and the detail (format, args) reaches the log only.
func Bug(format string, args ...any) *Error {
	return &Error{Code: Internal, Message: "internal error", cause: fmt.Errorf(format, args...)}
}

// Invalid is an invalid_argument naming the field and a reason code.
func Invalid(field, reason, message string) *Error {
	return &Error{Code: InvalidArgument, Field: field, Reason: reason, Message: message}
}

// Coded is implemented by domain errors that carry an api.md code without
// importing this package (e.g. lending.Error): they are understood at the
// edge like an *Error.
type Coded interface {
	error
	APIFields() (code, field, reason, message string)
}

// find is the first *Error or Coded in err's chain, as an *Error.
func find(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var c Coded
	if errors.As(err, &c) {
		code, field, reason, msg := c.APIFields()
		if _, known := statusByCode[Code(code)]; known {
			return &Error{Code: Code(code), Field: field, Reason: reason, Message: msg}
		}
	}
	return nil
}

// CodeOf is the code of err: that of the first *Error (or Coded) in its
// chain, or Internal for anything else (a foreign error is never shown).
func CodeOf(err error) Code {
	if e := find(err); e != nil {
		return e.Code
	}
	return Internal
}

// Public is what a client may see of err: an *Error with a safe message.
// Foreign errors become a generic internal error.
func Public(err error) *Error {
	if e := find(err); e != nil && e.Code != Internal {
		return &Error{Code: e.Code, Message: e.Message, Field: e.Field, Reason: e.Reason, RetryAfter: e.RetryAfter}
	}
	return &Error{Code: Internal, Message: "internal error"}
}
