package lending

import (
	"fmt"

	"github.com/wxlend/wxlend/shared/money"
)

// Error codes, a subset of api.md's closed list. The HTTP layer maps Code to
// a status (invalid_argument 400, failed_precondition 409) without parsing
// text.
const (
	CodeInvalidArgument    = "invalid_argument"
	CodeFailedPrecondition = "failed_precondition"
)

// Reasons: stable machine-readable sub-codes, safe to log and to localize.
const (
	ReasonRequired     = "required"
	ReasonOutOfRange   = "out_of_range"
	ReasonNotAllowed   = "not_allowed"
	ReasonUnknown      = "unknown"
	ReasonDuplicate    = "duplicate"
	ReasonInconsistent = "inconsistent"
	// ReasonAPRAboveCap: the IRR-based all-in cost (综合年化成本) would exceed the cap.
	ReasonAPRAboveCap = "apr_above_cap"
	// ReasonRateAboveCap: the nominal rate alone exceeds the cap.
	ReasonRateAboveCap = "rate_above_cap"
	// ReasonAPROutOfRange: the cash flows have no IRR the solver can bound
	// (more than 100000% a year); treated like any other cap breach.
	ReasonAPROutOfRange = "apr_out_of_range"
)

// Error is the one error type of package lending. Message is safe to show to
// a borrower or a staff member (no PII, no internals); Field is the JSON name
// of the offending input when there is one ("amount_fen", "term_months",
// "method", ...). It mirrors shared/apierr.Error field by field so the edge
// converts it without a lookup table.
type Error struct {
	Code    string `json:"code"`
	Field   string `json:"field,omitempty"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

func (e *Error) Error() string {
	s := "lending: " + e.Code
	if e.Field != "" {
		s += " " + e.Field
	}
	return s + ": " + e.Message
}

// APIFields lets the HTTP edge (shared/apierr) map the error without this
// package importing it.
func (e *Error) APIFields() (code, field, reason, message string) {
	return e.Code, e.Field, e.Reason, e.Message
}

// Is matches a sentinel such as ErrInvalidArgument or ErrAPRAboveCap: Code
// must match, and Field and Reason when the target sets them.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code &&
		(t.Field == "" || t.Field == e.Field) &&
		(t.Reason == "" || t.Reason == e.Reason)
}

// Sentinels for errors.Is.
var (
	ErrInvalidArgument    = &Error{Code: CodeInvalidArgument}
	ErrFailedPrecondition = &Error{Code: CodeFailedPrecondition}
	ErrAPRAboveCap        = &Error{Code: CodeFailedPrecondition, Reason: ReasonAPRAboveCap}
	ErrRateAboveCap       = &Error{Code: CodeFailedPrecondition, Reason: ReasonRateAboveCap}
)

func invalidf(field, reason, format string, args ...any) *Error {
	return &Error{Code: CodeInvalidArgument, Field: field, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// CapError says a price breaks the annual-cost cap, with the numbers the
// borrower (or the product manager) needs to see. It unwraps to an *Error
// with Code failed_precondition, so errors.As(err, **Error) works for the
// HTTP mapping and errors.As(err, **CapError) for the details.
type CapError struct {
	Reason       string    `json:"reason"`
	APRBP        money.BP  `json:"apr_bp"`
	CapBP        money.BP  `json:"cap_bp"`
	AnnualRateBP money.BP  `json:"annual_rate_bp"`
	AmountFen    money.Fen `json:"amount_fen"`
	TermMonths   int       `json:"term_months"`
	Method       Method    `json:"method"`
}

func (e *CapError) Error() string { return e.Unwrap().Error() }

// Unwrap returns the code-carrying *Error with a borrower-showable message.
func (e *CapError) Unwrap() error {
	var msg string
	switch e.Reason {
	case ReasonRateAboveCap:
		msg = fmt.Sprintf("the annual interest rate %s exceeds the %s cap on the annual cost of credit", e.AnnualRateBP, e.CapBP)
	case ReasonAPROutOfRange:
		msg = fmt.Sprintf("the annual cost of credit exceeds the %s cap", e.CapBP)
	default:
		msg = fmt.Sprintf("the annual cost of credit (APR) %s exceeds the %s cap", e.APRBP, e.CapBP)
	}
	return &Error{Code: CodeFailedPrecondition, Reason: e.Reason, Message: msg}
}
