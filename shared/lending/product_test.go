package lending

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

func TestValidateValidProducts(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Product)
		cap  money.BP
	}{
		{"standard at default cap", func(*Product) {}, DefaultCapBP},
		{"standard at 36% cap", func(*Product) {}, MaxCapBP},
		{"interest-free, no fees", func(p *Product) {
			p.MinAnnualRateBP, p.MaxAnnualRateBP, p.UpfrontFee, p.PenaltyRateBP = 0, 0, FeeRule{}, 0
		}, DefaultCapBP},
		{"fee on first installment, flat service fee", func(p *Product) {
			p.UpfrontFeeDeducted = false
			p.ServiceFee = FeeRule{FlatFen: 20}
		}, DefaultCapBP},
		{"1-month bullet only at 18%", func(p *Product) {
			p.TermsMonths, p.Methods, p.MaxAnnualRateBP, p.UpfrontFee = []int{1}, []Method{Bullet}, 1800, FeeRule{}
		}, DefaultCapBP},
		{"nominal rate equal to cap, no fees", func(p *Product) {
			p.MaxAnnualRateBP, p.UpfrontFee, p.Methods = 2400, FeeRule{}, []Method{EqualInstallment, InterestFirst}
		}, DefaultCapBP},
		{"full-period payoff, custom order", func(p *Product) {
			p.EarlyPayoff = PayoffFullPeriod
			o := p.AllocationOrder
			o[0], o[11] = o[11], o[0]
		}, DefaultCapBP},
		{"60 months, max grace and cooling-off", func(p *Product) {
			p.TermsMonths, p.GraceDays, p.CoolingOffDays = []int{60}, MaxGraceDays, MaxCoolingOffDays
		}, DefaultCapBP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testProduct()
			c.edit(&p)
			if err := p.Validate(c.cap); err != nil {
				t.Fatalf("Validate: %v", err)
			}
		})
	}
}

func TestValidateInvalidProducts(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(*Product)
		field string
	}{
		{"no code", func(p *Product) { p.Code = "" }, "code"},
		{"no name", func(p *Product) { p.Name = "" }, "name"},
		{"zero min amount", func(p *Product) { p.MinAmountFen = 0 }, "min_amount_fen"},
		{"negative min amount", func(p *Product) { p.MinAmountFen = -1 }, "min_amount_fen"},
		{"min below library minimum", func(p *Product) { p.MinAmountFen = MinLoanFen - 1 }, "min_amount_fen"},
		{"max below min", func(p *Product) { p.MaxAmountFen = p.MinAmountFen - 1 }, "max_amount_fen"},
		{"huge max", func(p *Product) { p.MaxAmountFen = 1 << 62 }, "max_amount_fen"},
		{"no terms", func(p *Product) { p.TermsMonths = nil }, "terms_months"},
		{"zero term", func(p *Product) { p.TermsMonths = []int{0, 12} }, "terms_months"},
		{"term too long", func(p *Product) { p.TermsMonths = []int{61} }, "terms_months"},
		{"duplicate term", func(p *Product) { p.TermsMonths = []int{12, 12} }, "terms_months"},
		{"no methods", func(p *Product) { p.Methods = nil }, "methods"},
		{"unknown method", func(p *Product) { p.Methods = []Method{"balloon"} }, "methods"},
		{"duplicate method", func(p *Product) { p.Methods = []Method{Bullet, Bullet} }, "methods"},
		{"negative rate", func(p *Product) { p.MinAnnualRateBP = -1 }, "min_annual_rate_bp"},
		{"min rate above max", func(p *Product) { p.MinAnnualRateBP = p.MaxAnnualRateBP + 1 }, "min_annual_rate_bp"},
		{"penalty above cap", func(p *Product) { p.PenaltyRateBP = DefaultCapBP + 1 }, "penalty_rate_bp"},
		{"negative penalty", func(p *Product) { p.PenaltyRateBP = -1 }, "penalty_rate_bp"},
		{"fee rate and flat", func(p *Product) { p.UpfrontFee = FeeRule{RateBP: 100, FlatFen: 100} }, "upfront_fee"},
		{"negative fee", func(p *Product) { p.UpfrontFee = FeeRule{RateBP: -100} }, "upfront_fee"},
		{"flat fee over half the min amount", func(p *Product) { p.UpfrontFee = FeeRule{FlatFen: p.MinAmountFen} }, "upfront_fee"},
		{"service fee rate too high", func(p *Product) { p.ServiceFee = FeeRule{RateBP: MaxServiceFeeBP + 1} }, "service_fee"},
		{"negative grace", func(p *Product) { p.GraceDays = -1 }, "grace_days"},
		{"grace too long", func(p *Product) { p.GraceDays = MaxGraceDays + 1 }, "grace_days"},
		{"cooling-off too long", func(p *Product) { p.CoolingOffDays = MaxCoolingOffDays + 1 }, "cooling_off_days"},
		{"minor borrowers", func(p *Product) { p.MinAge = 17 }, "min_age"},
		{"max age below min", func(p *Product) { p.MaxAge = p.MinAge - 1 }, "max_age"},
		{"empty allocation order", func(p *Product) { p.AllocationOrder = nil }, "allocation_order"},
		{"short allocation order", func(p *Product) { p.AllocationOrder = p.AllocationOrder[:11] }, "allocation_order"},
		{"duplicate bucket", func(p *Product) { p.AllocationOrder[1] = p.AllocationOrder[0] }, "allocation_order"},
		{"unknown bucket", func(p *Product) { p.AllocationOrder[3].Component = "tip" }, "allocation_order"},
		{"unknown payoff convention", func(p *Product) { p.EarlyPayoff = "" }, "early_payoff"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := testProduct()
			c.edit(&p)
			assertInvalid(t, p.Validate(DefaultCapBP), c.field)
		})
	}
}

func TestValidateCap(t *testing.T) {
	p := testProduct()
	for _, c := range []money.BP{0, -2400, MaxCapBP + 1, 10000} {
		assertInvalid(t, p.Validate(c), "cap_bp")
	}
	for _, c := range []money.BP{0, MaxCapBP + 1} {
		assertInvalid(t, CheckCap(c), "cap_bp")
	}
	if err := CheckCap(DefaultCapBP); err != nil {
		t.Fatal(err)
	}
}

// TestValidateWorstCase: at a 24% cap the standard product passes, but
// adding a 1-month term (1% fee over one month ≈ +12% a year) breaks the
// cap, and the error names that term as the most expensive combination.
func TestValidateWorstCase(t *testing.T) {
	p := testProduct()
	p.TermsMonths = append(p.TermsMonths, 1)
	err := p.Validate(DefaultCapBP)
	var ce *CapError
	if !errors.As(err, &ce) || !errors.Is(err, ErrAPRAboveCap) || !errors.Is(err, ErrFailedPrecondition) {
		t.Fatalf("err = %v, want *CapError apr_above_cap", err)
	}
	// 1 month at 15% with 1% deducted: repay 10000 × 1.0125 for 9900 received;
	// i = 10125/9900 − 1 = 2.2727%, APR = 27.27% (same at every amount).
	if ce.TermMonths != 1 || ce.APRBP != 2727 || ce.CapBP != DefaultCapBP || ce.AnnualRateBP != 1500 {
		t.Fatalf("CapError = %+v", ce)
	}
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeFailedPrecondition || e.Reason != ReasonAPRAboveCap ||
		e.Message != "the annual cost of credit (APR) 27.27% exceeds the 24.00% cap" {
		t.Fatalf("*Error = %+v", e)
	}
	if err := p.Validate(MaxCapBP); err != nil {
		t.Fatalf("at a 36%% cap: %v", err)
	}
}

// TestValidateFlatFeeWorstAtMinAmount: a flat fee costs most on the smallest
// loan, so only the minimum amount breaks the cap.
func TestValidateFlatFeeWorstAtMinAmount(t *testing.T) {
	p := testProduct()
	p.UpfrontFee = FeeRule{FlatFen: 10_00} // 10 CNY: 2% of 500 CNY, 0.005% of 200,000
	err := p.Validate(DefaultCapBP)
	var ce *CapError
	if !errors.As(err, &ce) || ce.AmountFen != p.MinAmountFen || ce.TermMonths != 3 {
		t.Fatalf("err = %v (%+v), want cap breach at the minimum amount, 3 months", err, ce)
	}
}

func TestValidateRateAboveCap(t *testing.T) {
	p := testProduct()
	p.MaxAnnualRateBP = 2500
	if err := p.Validate(DefaultCapBP); !errors.Is(err, ErrRateAboveCap) {
		t.Fatalf("err = %v, want rate_above_cap", err)
	}
}

func TestProductJSON(t *testing.T) {
	b, err := json.Marshal(testProduct())
	if err != nil {
		t.Fatal(err)
	}
	var back Product
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Validate(DefaultCapBP); err != nil {
		t.Fatalf("round-tripped product invalid: %v\n%s", err, b)
	}
}
