package lending

import "github.com/wxlend/wxlend/shared/money"

// testProduct is a valid product: 500–200,000 CNY, 3–36 months, every
// method, 7.2%–15%, 1% upfront fee deducted, 24% penalty, 3 grace days,
// 7 cooling-off days. Its worst case (3 months, 15%, fee) is about 21% APR.
func testProduct() Product {
	return Product{
		Code: "std-v1", Name: "Standard instalment loan",
		MinAmountFen: 500_00, MaxAmountFen: 200_000_00,
		TermsMonths:     []int{3, 6, 12, 24, 36},
		Methods:         []Method{EqualInstallment, EqualPrincipal, InterestFirst, Bullet},
		MinAnnualRateBP: 720, MaxAnnualRateBP: 1500,
		UpfrontFee: FeeRule{RateBP: 100}, UpfrontFeeDeducted: true,
		PenaltyRateBP: 2400, GraceDays: 3, CoolingOffDays: 7,
		MinAge: 22, MaxAge: 55,
		AllocationOrder: DefaultAllocationOrder(),
		EarlyPayoff:     PayoffAccruedDays,
	}
}

func mustSchedule(t interface{ Fatal(...any) }, terms Terms) Schedule {
	s, err := BuildSchedule(terms)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustAPR(t interface{ Fatal(...any) }, s Schedule) money.BP {
	a, err := APR(s)
	if err != nil {
		t.Fatal(err)
	}
	return a
}
