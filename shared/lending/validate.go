package lending

import (
	"errors"

	"github.com/wxlend/wxlend/shared/money"
)

// Validate checks a product before it is published and returns the first
// problem as an *Error: invalid_argument with the JSON field at fault, or,
// when the product is well formed but too expensive, a *CapError
// (failed_precondition, reason rate_above_cap or apr_above_cap).
//
// The cap check is worst case: at the maximum rate it builds the schedule for
// every allowed term × method at both the minimum and the maximum amount
// (flat fees weigh most on the smallest loan, rate fees on none in
// particular) and refuses the product if any of them has an APR above capBP.
// Quote still checks each individual price, so an amount in between that
// rounds unfavourably can never be quoted above the cap either.
func (p Product) Validate(capBP money.BP) error {
	if err := CheckCap(capBP); err != nil {
		return err
	}
	if err := p.validateStatic(capBP); err != nil {
		return err
	}
	return p.checkWorstCase(capBP)
}

func (p Product) validateStatic(capBP money.BP) error {
	checks := []func() error{
		p.validateIdentity,
		p.validateAmounts,
		p.validateTerms,
		p.validateMethods,
		func() error { return p.validateRates(capBP) },
		p.validateFees,
		p.validateDays,
		p.validateAges,
		func() error { return validateOrder(p.AllocationOrder) },
		p.validatePayoff,
	}
	for _, check := range checks {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (p Product) validateIdentity() error {
	if p.Code == "" || len(p.Code) > 64 {
		return invalidf("code", ReasonRequired, "product code must be 1-64 characters")
	}
	if p.Name == "" || len(p.Name) > 200 {
		return invalidf("name", ReasonRequired, "product name must be 1-200 bytes")
	}
	return nil
}

func (p Product) validateAmounts() error {
	if p.MinAmountFen < MinLoanFen || p.MinAmountFen > MaxLoanFen {
		return invalidf("min_amount_fen", ReasonOutOfRange, "minimum amount must be between %s and %s CNY", MinLoanFen, MaxLoanFen)
	}
	if p.MaxAmountFen < p.MinAmountFen || p.MaxAmountFen > MaxLoanFen {
		return invalidf("max_amount_fen", ReasonOutOfRange, "maximum amount must be between the minimum and %s CNY", MaxLoanFen)
	}
	return nil
}

func (p Product) validateTerms() error {
	if len(p.TermsMonths) == 0 {
		return invalidf("terms_months", ReasonRequired, "at least one term is required")
	}
	seen := map[int]bool{}
	for _, n := range p.TermsMonths {
		if n < 1 || n > MaxTermMonths {
			return invalidf("terms_months", ReasonOutOfRange, "terms must be 1-%d months", MaxTermMonths)
		}
		if seen[n] {
			return invalidf("terms_months", ReasonDuplicate, "term %d is listed twice", n)
		}
		seen[n] = true
	}
	return nil
}

func (p Product) validateMethods() error {
	if len(p.Methods) == 0 {
		return invalidf("methods", ReasonRequired, "at least one repayment method is required")
	}
	seen := map[Method]bool{}
	for _, m := range p.Methods {
		if !m.Valid() {
			return invalidf("methods", ReasonUnknown, "unknown repayment method")
		}
		if seen[m] {
			return invalidf("methods", ReasonDuplicate, "method %s is listed twice", m)
		}
		seen[m] = true
	}
	return nil
}

func (p Product) validateRates(capBP money.BP) error {
	if p.MinAnnualRateBP < 0 || p.MinAnnualRateBP > p.MaxAnnualRateBP {
		return invalidf("min_annual_rate_bp", ReasonOutOfRange, "minimum rate must be between 0 and the maximum rate")
	}
	if p.MaxAnnualRateBP > capBP {
		return &CapError{Reason: ReasonRateAboveCap, AnnualRateBP: p.MaxAnnualRateBP, CapBP: capBP}
	}
	if p.PenaltyRateBP < 0 || p.PenaltyRateBP > capBP {
		return invalidf("penalty_rate_bp", ReasonOutOfRange, "penalty rate must be between 0 and the %s cap", capBP)
	}
	return nil
}

func (p Product) validateFees() error {
	if err := validateFee("upfront_fee", p.UpfrontFee, MaxUpfrontFeeBP, p.MinAmountFen/2); err != nil {
		return err
	}
	return validateFee("service_fee", p.ServiceFee, MaxServiceFeeBP, p.MinAmountFen/10)
}

// validateFee bounds a fee rule; maxFlat keeps a flat fee proportionate to the
// smallest loan the same way maxRate does for rate fees.
func validateFee(field string, f FeeRule, maxRate money.BP, maxFlat money.Fen) error {
	if f.RateBP != 0 && f.FlatFen != 0 {
		return invalidf(field, ReasonInconsistent, "a fee is either a rate or a flat amount, not both")
	}
	if f.RateBP < 0 || f.RateBP > maxRate {
		return invalidf(field, ReasonOutOfRange, "fee rate must be between 0 and %s", maxRate)
	}
	if f.FlatFen < 0 || f.FlatFen > maxFlat {
		return invalidf(field, ReasonOutOfRange, "flat fee must be between 0 and %s CNY", maxFlat)
	}
	return nil
}

func (p Product) validateDays() error {
	if p.GraceDays < 0 || p.GraceDays > MaxGraceDays {
		return invalidf("grace_days", ReasonOutOfRange, "grace days must be 0-%d", MaxGraceDays)
	}
	if p.CoolingOffDays < 0 || p.CoolingOffDays > MaxCoolingOffDays {
		return invalidf("cooling_off_days", ReasonOutOfRange, "cooling-off days must be 0-%d", MaxCoolingOffDays)
	}
	return nil
}

func (p Product) validateAges() error {
	if p.MinAge < MinBorrowerAge || p.MinAge > MaxBorrowerAge {
		return invalidf("min_age", ReasonOutOfRange, "minimum age must be %d-%d", MinBorrowerAge, MaxBorrowerAge)
	}
	if p.MaxAge < p.MinAge || p.MaxAge > MaxBorrowerAge {
		return invalidf("max_age", ReasonOutOfRange, "maximum age must be between the minimum age and %d", MaxBorrowerAge)
	}
	return nil
}

// validateOrder requires each of the 12 buckets exactly once: a missing
// bucket would turn money that should settle a debt into a refund.
func validateOrder(order []Bucket) error {
	want := len(allTimings) * len(allComponents)
	if len(order) != want {
		return invalidf("allocation_order", ReasonInconsistent, "allocation order must list each of the %d buckets once", want)
	}
	seen := map[Bucket]bool{}
	for _, b := range order {
		if !validTiming(b.Timing) || !validComponent(b.Component) {
			return invalidf("allocation_order", ReasonUnknown, "unknown allocation bucket")
		}
		if seen[b] {
			return invalidf("allocation_order", ReasonDuplicate, "allocation bucket %s/%s is listed twice", b.Timing, b.Component)
		}
		seen[b] = true
	}
	return nil
}

func validTiming(t Timing) bool { return t == PastDue || t == DueNow || t == NotYetDue }

func validComponent(c Component) bool {
	return c == Penalty || c == Fee || c == Interest || c == Principal
}

func (p Product) validatePayoff() error {
	if p.EarlyPayoff != PayoffAccruedDays && p.EarlyPayoff != PayoffFullPeriod {
		return invalidf("early_payoff", ReasonUnknown, "early payoff convention must be accrued_days or full_period")
	}
	return nil
}

// checkWorstCase refuses the product if any term × method at the smallest
// or largest amount, at the maximum rate, costs more than the cap, and
// names the most expensive combination in the *CapError.
func (p Product) checkWorstCase(capBP money.BP) error {
	var worst *CapError
	for _, n := range p.TermsMonths {
		for _, m := range p.Methods {
			for _, amount := range []money.Fen{p.MinAmountFen, p.MaxAmountFen} {
				req := QuoteRequest{AmountFen: amount, TermMonths: n, Method: m, AnnualRateBP: p.MaxAnnualRateBP}
				s, err := BuildSchedule(p.terms(req, Date{2000, 1, 31}))
				if err != nil {
					return err
				}
				var ce *CapError
				switch err := checkCap(s, capBP); {
				case err == nil:
				case !errors.As(err, &ce) || ce.Reason == ReasonAPROutOfRange:
					return err
				case worst == nil || ce.APRBP > worst.APRBP:
					worst = ce
				}
			}
		}
	}
	if worst != nil {
		return worst
	}
	return nil
}
