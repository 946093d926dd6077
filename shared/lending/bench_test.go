package lending

import (
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

func benchScheduleWithAPR(b *testing.B, n int) {
	terms := Terms{AmountFen: 10_000_00, TermMonths: n, Method: EqualInstallment, AnnualRateBP: 1800,
		StartDate: Date{2026, 1, 31}, UpfrontFee: FeeRule{RateBP: 100}, UpfrontFeeDeducted: true}
	var sink money.BP
	for b.Loop() {
		s, err := BuildSchedule(terms)
		if err != nil {
			b.Fatal(err)
		}
		apr, err := APR(s)
		if err != nil {
			b.Fatal(err)
		}
		sink += apr
	}
	_ = sink
}

func BenchmarkSchedule12WithAPR(b *testing.B) { benchScheduleWithAPR(b, 12) }
func BenchmarkSchedule36WithAPR(b *testing.B) { benchScheduleWithAPR(b, 36) }

func BenchmarkSchedule36(b *testing.B) {
	terms := Terms{AmountFen: 10_000_00, TermMonths: 36, Method: EqualInstallment, AnnualRateBP: 1800, StartDate: Date{2026, 1, 31}}
	for b.Loop() {
		if _, err := BuildSchedule(terms); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkQuote36(b *testing.B) {
	p := testProduct()
	req := QuoteRequest{AmountFen: 10_000_00, TermMonths: 36, Method: EqualInstallment, AnnualRateBP: 1500}
	for b.Loop() {
		if _, err := Quote(p, req, Date{2026, 1, 31}, DefaultCapBP); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkValidateProduct(b *testing.B) {
	p := testProduct()
	for b.Loop() {
		if err := p.Validate(DefaultCapBP); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAllocate12(b *testing.B) {
	st := LoanState{Schedule: mustSchedule(b, goldenSchedules[0].terms), AsOf: Date{2026, 6, 1}}
	p := testProduct()
	for b.Loop() {
		if _, err := Allocate(st, p, 300000, AllocateRegular); err != nil {
			b.Fatal(err)
		}
	}
}
