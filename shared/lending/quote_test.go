package lending

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

// workedProduct offers the worked example: 10,000 CNY, 12 months, 18%.
func workedProduct() Product {
	p := testProduct()
	p.TermsMonths = []int{6, 12, 24}
	p.Methods = []Method{EqualInstallment, EqualPrincipal}
	p.MaxAnnualRateBP = 1800
	return p
}

var workedRequest = QuoteRequest{AmountFen: 10_000_00, TermMonths: 12, Method: EqualInstallment, AnnualRateBP: 1800}

func TestQuoteWorkedExample(t *testing.T) {
	p := workedProduct()
	if err := p.Validate(DefaultCapBP); err != nil {
		t.Fatal(err)
	}
	q, err := Quote(p, workedRequest, Date{2026, 1, 15}, DefaultCapBP)
	if err != nil {
		t.Fatal(err)
	}
	g := goldenSchedules[0]
	if q.APRBP != 1994 || q.TotalRepayFen != g.repay || q.NetAmountFen != 990000 || q.TotalInterestFen != 100161 ||
		q.TotalFeeFen != 10000 || len(q.Installments) != 12 || q.ProductCode != "std-v1" {
		t.Fatalf("quote = %+v", q)
	}
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{`"amount_fen":1000000`, `"term_months":12`, `"method":"equal_installment"`,
		`"annual_rate_bp":1800`, `"apr_bp":1994`, `"total_interest_fen":100161`, `"total_fee_fen":10000`,
		`"total_repay_fen":1100161`, `"installments":[{"seq":1,"due_date":"2026-02-15"`} {
		if !strings.Contains(string(b), f) {
			t.Errorf("quote JSON lacks %s:\n%s", f, b)
		}
	}
}

func TestQuoteValid(t *testing.T) {
	cases := []struct {
		name string
		req  QuoteRequest
		cap  money.BP
	}{
		{"minimum amount and rate", QuoteRequest{500_00, 6, EqualPrincipal, 720}, DefaultCapBP},
		{"maximum amount", QuoteRequest{200_000_00, 24, EqualInstallment, 1800}, DefaultCapBP},
		{"odd amount", QuoteRequest{12_345_67, 12, EqualPrincipal, 1234}, DefaultCapBP},
		{"APR just under a tight cap", QuoteRequest{10_000_00, 12, EqualInstallment, 1800}, 1994},
		{"36% cap", QuoteRequest{10_000_00, 6, EqualInstallment, 1800}, MaxCapBP},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := Quote(workedProduct(), c.req, Date{2026, 1, 31}, c.cap)
			if err != nil {
				t.Fatal(err)
			}
			if q.APRBP > c.cap || q.AmountFen != c.req.AmountFen || q.AnnualRateBP != c.req.AnnualRateBP {
				t.Fatalf("quote = %+v", q)
			}
		})
	}
}

func TestQuoteInvalid(t *testing.T) {
	ok := workedRequest
	cases := []struct {
		name  string
		edit  func(*QuoteRequest, *Product, *Date, *money.BP)
		field string
	}{
		{"zero amount", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.AmountFen = 0 }, "amount_fen"},
		{"negative amount", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.AmountFen = -1_00 }, "amount_fen"},
		{"below product minimum", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.AmountFen = 499_99 }, "amount_fen"},
		{"above product maximum", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.AmountFen = 200_000_01 }, "amount_fen"},
		{"huge amount", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.AmountFen = 1<<63 - 1 }, "amount_fen"},
		{"term not offered", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.TermMonths = 3 }, "term_months"},
		{"zero term", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.TermMonths = 0 }, "term_months"},
		{"negative term", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.TermMonths = -12 }, "term_months"},
		{"unknown method", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.Method = "weekly" }, "method"},
		{"method not offered", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.Method = Bullet }, "method"},
		{"rate below range", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.AnnualRateBP = 719 }, "annual_rate_bp"},
		{"rate above range", func(r *QuoteRequest, _ *Product, _ *Date, _ *money.BP) { r.AnnualRateBP = 1801 }, "annual_rate_bp"},
		{"cap above 36%", func(_ *QuoteRequest, _ *Product, _ *Date, c *money.BP) { *c = 3601 }, "cap_bp"},
		{"zero cap", func(_ *QuoteRequest, _ *Product, _ *Date, c *money.BP) { *c = 0 }, "cap_bp"},
		{"invalid start date", func(_ *QuoteRequest, _ *Product, d *Date, _ *money.BP) { *d = Date{2026, 2, 29} }, "start_date"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, p, start, capBP := ok, workedProduct(), Date{2026, 1, 15}, DefaultCapBP
			c.edit(&req, &p, &start, &capBP)
			_, err := Quote(p, req, start, capBP)
			assertInvalid(t, err, c.field)
		})
	}
}

func TestQuoteRefusals(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(*QuoteRequest, *Product, *money.BP)
		target error
		reason string
	}{
		// 18% nominal under a 17% cap: refused before any schedule is built.
		{"nominal above cap", func(_ *QuoteRequest, _ *Product, c *money.BP) { *c = 1700 }, ErrRateAboveCap, ReasonRateAboveCap},
		// The worked example costs 19.94% all-in: one bp under it is refused.
		{"APR above cap", func(_ *QuoteRequest, _ *Product, c *money.BP) { *c = 1993 }, ErrAPRAboveCap, ReasonAPRAboveCap},
		// An unvalidated product with a 10% fee must still not be quoted.
		{"unvalidated expensive product", func(_ *QuoteRequest, p *Product, _ *money.BP) { p.UpfrontFee = FeeRule{RateBP: 1000} }, ErrAPRAboveCap, ReasonAPRAboveCap},
		{"broken product", func(_ *QuoteRequest, p *Product, _ *money.BP) { p.AllocationOrder = nil }, ErrFailedPrecondition, ReasonInconsistent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, p, capBP := workedRequest, workedProduct(), DefaultCapBP
			c.edit(&req, &p, &capBP)
			_, err := Quote(p, req, Date{2026, 1, 15}, capBP)
			var e *Error
			if !errors.Is(err, c.target) || !errors.As(err, &e) || e.Reason != c.reason || e.Message == "" {
				t.Fatalf("err = %v, want %v", err, c.target)
			}
		})
	}
}
