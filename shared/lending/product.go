package lending

import (
	"github.com/wxlend/wxlend/shared/money"
)

// Method is a repayment method (还款方式).
type Method string

// The four repayment methods of api.md.
const (
	EqualInstallment Method = "equal_installment" // 等额本息
	EqualPrincipal   Method = "equal_principal"   // 等额本金
	InterestFirst    Method = "interest_first"    // 先息后本
	Bullet           Method = "bullet"            // 一次性还本付息
)

// Valid reports whether m is one of the four methods.
func (m Method) Valid() bool {
	switch m {
	case EqualInstallment, EqualPrincipal, InterestFirst, Bullet:
		return true
	}
	return false
}

// FeeRule is a fee as a rate or as a flat amount, never both (a product
// manager who wants "1% but at least 5 CNY" needs a new rule type, not a
// silent choice between two fields). The zero value is "no fee".
type FeeRule struct {
	RateBP  money.BP  `json:"rate_bp,omitempty"`
	FlatFen money.Fen `json:"flat_fen,omitempty"`
}

// IsZero reports whether the rule charges nothing.
func (f FeeRule) IsZero() bool { return f.RateBP == 0 && f.FlatFen == 0 }

// on returns the fee on base: base × RateBP / 10000 rounded half-up, or FlatFen.
func (f FeeRule) on(base money.Fen) (money.Fen, error) {
	if f.FlatFen != 0 {
		return f.FlatFen, nil
	}
	return money.MulRate(base, f.RateBP)
}

// Component is what part of a debt a fen pays.
type Component string

// Components of an installment.
const (
	Penalty   Component = "penalty"   // 罚息
	Fee       Component = "fee"       // 费用
	Interest  Component = "interest"  // 利息
	Principal Component = "principal" // 本金
)

// Timing says when a debt fell due relative to the as-of date.
type Timing string

// Timings of an installment as of a date (see package doc).
const (
	PastDue   Timing = "past_due"    // due date before as-of
	DueNow    Timing = "due_now"     // the first installment due on or after as-of
	NotYetDue Timing = "not_yet_due" // every later installment
)

var (
	allComponents = [...]Component{Penalty, Fee, Interest, Principal}
	allTimings    = [...]Timing{PastDue, DueNow, NotYetDue}
)

// Bucket is one step of an allocation order.
type Bucket struct {
	Timing    Timing    `json:"timing"`
	Component Component `json:"component"`
}

// DefaultAllocationOrder pays the oldest debt first and, within a period,
// penalty, fee, interest, then principal (the mifos-standard order and the
// usual Chinese 先罚息后利息再本金). A fresh slice each call, so callers
// may edit it.
func DefaultAllocationOrder() []Bucket {
	order := make([]Bucket, 0, len(allTimings)*len(allComponents))
	for _, t := range allTimings {
		for _, c := range allComponents {
			order = append(order, Bucket{t, c})
		}
	}
	return order
}

// PayoffConvention says how much interest of the current period an early
// payoff owes.
type PayoffConvention string

// Early-payoff conventions.
const (
	// PayoffAccruedDays: interest on the outstanding principal from the last
	// due date (or disbursement) to the payoff date, actual days / 360,
	// never more than the period's scheduled interest.
	PayoffAccruedDays PayoffConvention = "accrued_days"
	// PayoffFullPeriod: the current period's scheduled interest in full.
	PayoffFullPeriod PayoffConvention = "full_period"
)

// Product is a loan product as published by the back office. A product is
// validated once, when it is published (Validate); Quote re-checks only the
// request and the cap of the one price it quotes. Loans keep the product
// version they were signed under: pass that version to Payoff and Allocate.
type Product struct {
	Code string `json:"code"`
	Name string `json:"name"`

	MinAmountFen money.Fen `json:"min_amount_fen"`
	MaxAmountFen money.Fen `json:"max_amount_fen"`
	TermsMonths  []int     `json:"terms_months"`
	Methods      []Method  `json:"methods"`
	// Nominal annual rate range; the risk price of a borrower falls in it.
	MinAnnualRateBP money.BP `json:"min_annual_rate_bp"`
	MaxAnnualRateBP money.BP `json:"max_annual_rate_bp"`

	// UpfrontFee is charged once, on the loan amount. Deducted: taken from
	// the disbursement (the borrower receives amount − fee); otherwise it is
	// added to the first installment's fee_fen. See the package doc on why
	// deducting is discouraged.
	UpfrontFee         FeeRule `json:"upfront_fee"`
	UpfrontFeeDeducted bool    `json:"upfront_fee_deducted"`
	// ServiceFee is a monthly fee on the original loan amount (RateBP) or a
	// flat monthly amount (FlatFen), collected with each installment for the
	// months it covers (a bullet installment covers all n months).
	ServiceFee FeeRule `json:"service_fee"`

	// PenaltyRateBP is the annual overdue rate (罚息) on overdue principal,
	// accrued per day at rate/360, replacing the contract rate on that
	// principal once it is past due. Never above the cap.
	PenaltyRateBP  money.BP `json:"penalty_rate_bp"`
	GraceDays      int      `json:"grace_days"`       // days after a due date with no penalty
	CoolingOffDays int      `json:"cooling_off_days"` // days after disbursement with principal-only payoff
	MinAge         int      `json:"min_age"`
	MaxAge         int      `json:"max_age"`

	AllocationOrder []Bucket         `json:"allocation_order"`
	EarlyPayoff     PayoffConvention `json:"early_payoff"`
}

// Library-wide limits. They keep every intermediate in int64 (amount ×
// rate × months stays below 10^16) and every product inside the law.
const (
	// DefaultCapBP is the default cap on the all-in annual cost (24%).
	DefaultCapBP money.BP = 2400
	// MaxCapBP is the absolute ceiling (36%); a cap configured above it is refused.
	MaxCapBP money.BP = 3600
	// MinLoanFen is the smallest loan (100 CNY). Below it fen rounding
	// dominates the price and equal installments can no longer be equal.
	MinLoanFen money.Fen = 100_00
	// MaxLoanFen bounds amounts (100 million CNY) far above any consumer
	// product, so that overflow is impossible rather than merely unlikely.
	MaxLoanFen money.Fen = 100_000_000_00
	// MaxTermMonths is the longest term.
	MaxTermMonths = 60
	// MaxUpfrontFeeBP and MaxServiceFeeBP bound fee rates (50% once, 10% a
	// month) so the APR solver always has a bracket; the cap refuses far less.
	MaxUpfrontFeeBP money.BP = 5000
	MaxServiceFeeBP money.BP = 1000
	MaxGraceDays             = 30
	// MaxCoolingOffDays keeps the cooling-off window before the first due date.
	MaxCoolingOffDays = 15
	MinBorrowerAge    = 18
	MaxBorrowerAge    = 100
)

// CheckCap validates a configured cap: 1..3600 bp. Use DefaultCapBP when the
// configuration leaves it unset.
func CheckCap(capBP money.BP) error {
	if capBP <= 0 || capBP > MaxCapBP {
		return invalidf("cap_bp", ReasonOutOfRange, "the annual cost cap must be between 0.01%% and %s", MaxCapBP)
	}
	return nil
}
