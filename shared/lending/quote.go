package lending

import (
	"slices"

	"github.com/wxlend/wxlend/shared/money"
)

// QuoteRequest is what a borrower asks for (api.md POST /v1/loans/quote);
// AnnualRateBP is the borrower's risk price, set by the credit decision, not
// by the borrower.
type QuoteRequest struct {
	AmountFen    money.Fen `json:"amount_fen"`
	TermMonths   int       `json:"term_months"`
	Method       Method    `json:"method"`
	AnnualRateBP money.BP  `json:"annual_rate_bp"`
}

// QuoteResult is the disclosure shown before signing: the full schedule and
// its APR. Its JSON is api.md's quote response without quote_id and
// expires_at, which the HTTP layer adds.
type QuoteResult struct {
	Schedule
	ProductCode string   `json:"product_code"`
	APRBP       money.BP `json:"apr_bp"`
}

// Quote prices req under product p for a loan disbursed on start, refusing
// anything the borrower may not be offered:
//   - invalid_argument *Error with Field "amount_fen", "term_months",
//     "method" or "annual_rate_bp" when the request is outside the product,
//     and "cap_bp" for a bad cap;
//   - failed_precondition *CapError (errors.Is ErrRateAboveCap or
//     ErrAPRAboveCap) when the nominal rate or the disclosed APR exceeds
//     capBP. Its message is safe to show to the borrower.
//
// p should have passed Validate when it was published; Quote repeats only
// the cheap checks.
func Quote(p Product, req QuoteRequest, start Date, capBP money.BP) (QuoteResult, error) {
	if err := CheckCap(capBP); err != nil {
		return QuoteResult{}, err
	}
	if err := p.validateStatic(MaxCapBP); err != nil {
		return QuoteResult{}, &Error{Code: CodeFailedPrecondition, Field: "product", Reason: ReasonInconsistent,
			Message: "this loan product is not available"}
	}
	if err := p.checkRequest(req); err != nil {
		return QuoteResult{}, err
	}
	if req.AnnualRateBP > capBP {
		return QuoteResult{}, &CapError{Reason: ReasonRateAboveCap, AnnualRateBP: req.AnnualRateBP, CapBP: capBP,
			AmountFen: req.AmountFen, TermMonths: req.TermMonths, Method: req.Method}
	}
	s, err := BuildSchedule(p.terms(req, start))
	if err != nil {
		return QuoteResult{}, err
	}
	apr, err := APR(s)
	if err != nil {
		return QuoteResult{}, err
	}
	if apr > capBP {
		return QuoteResult{}, &CapError{Reason: ReasonAPRAboveCap, APRBP: apr, CapBP: capBP, AnnualRateBP: req.AnnualRateBP,
			AmountFen: req.AmountFen, TermMonths: req.TermMonths, Method: req.Method}
	}
	return QuoteResult{Schedule: s, ProductCode: p.Code, APRBP: apr}, nil
}

func (p Product) checkRequest(req QuoteRequest) error {
	switch {
	case req.AmountFen < p.MinAmountFen || req.AmountFen > p.MaxAmountFen:
		return invalidf("amount_fen", ReasonOutOfRange, "amount must be between %s and %s CNY", p.MinAmountFen, p.MaxAmountFen)
	case !slices.Contains(p.TermsMonths, req.TermMonths):
		return invalidf("term_months", ReasonNotAllowed, "this term is not offered for this product")
	case !req.Method.Valid():
		return invalidf("method", ReasonUnknown, "unknown repayment method")
	case !slices.Contains(p.Methods, req.Method):
		return invalidf("method", ReasonNotAllowed, "this repayment method is not offered for this product")
	case req.AnnualRateBP < p.MinAnnualRateBP || req.AnnualRateBP > p.MaxAnnualRateBP:
		return invalidf("annual_rate_bp", ReasonOutOfRange, "annual rate must be between %s and %s", p.MinAnnualRateBP, p.MaxAnnualRateBP)
	}
	return nil
}

// terms combines a product and a request into schedule terms.
func (p Product) terms(req QuoteRequest, start Date) Terms {
	return Terms{
		AmountFen: req.AmountFen, TermMonths: req.TermMonths, Method: req.Method,
		AnnualRateBP: req.AnnualRateBP, StartDate: start,
		UpfrontFee: p.UpfrontFee, UpfrontFeeDeducted: p.UpfrontFeeDeducted, ServiceFee: p.ServiceFee,
	}
}
