package lending

import (
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

// overdueState: the worked example unpaid as of 2026-03-01 with installment
// 1's penalty of 5.62 accrued (see TestPayoff).
func overdueState(t *testing.T) LoanState {
	st := workedState(t, Date{2026, 3, 1}, false)
	st.PenaltyAccruedFen = make([]money.Fen, 12)
	st.PenaltyAccruedFen[0] = 562
	return st
}

func TestAllocateDefaultOrder(t *testing.T) {
	// 1000.00 paid: past due 5.62 penalty + 150.00 interest + 766.80
	// principal = 922.42; the 77.58 left goes to the current installment's
	// interest (138.50 owed).
	a, err := Allocate(overdueState(t), testProduct(), 100000, AllocateRegular)
	if err != nil {
		t.Fatal(err)
	}
	if a.AllocatedFen != 100000 || a.RefundFen != 0 || a.Settled {
		t.Fatalf("allocation = %+v", a)
	}
	want0 := Components{PenaltyFen: 562, InterestFen: 15000, PrincipalFen: 76680}
	want1 := Components{InterestFen: 7758}
	if a.Installments[0].Paid != want0 || a.Installments[1].Paid != want1 || a.Installments[2].Paid != (Components{}) {
		t.Fatalf("installments = %+v", a.Installments[:3])
	}
	if a.Installments[0].Timing != PastDue || a.Installments[1].Timing != DueNow || a.Installments[2].Timing != NotYetDue {
		t.Fatalf("timings = %v %v %v", a.Installments[0].Timing, a.Installments[1].Timing, a.Installments[2].Timing)
	}
}

func TestAllocateCustomOrder(t *testing.T) {
	p := testProduct()
	// Principal first, penalty last, in every timing.
	p.AllocationOrder = nil
	for _, tm := range allTimings {
		for _, c := range []Component{Principal, Interest, Fee, Penalty} {
			p.AllocationOrder = append(p.AllocationOrder, Bucket{tm, c})
		}
	}
	a, err := Allocate(overdueState(t), p, 80000, AllocateRegular)
	if err != nil {
		t.Fatal(err)
	}
	if want := (Components{InterestFen: 3320, PrincipalFen: 76680}); a.Installments[0].Paid != want {
		t.Fatalf("paid = %+v, want %+v", a.Installments[0].Paid, want)
	}
}

func TestAllocateOverpaymentRegular(t *testing.T) {
	// 20,000.00 against: past due 922.42, the whole current installment
	// 916.80, and the 8454.90 of later principal; later interest is never
	// collected in advance. 20000.00 − 10294.12 = 9705.88 refunded.
	a, err := Allocate(overdueState(t), testProduct(), 2000000, AllocateRegular)
	if err != nil {
		t.Fatal(err)
	}
	if a.AllocatedFen != 1029412 || a.RefundFen != 970588 || !a.Settled {
		t.Fatalf("allocated %d refund %d settled %v", a.AllocatedFen, a.RefundFen, a.Settled)
	}
	if want := (Components{PenaltyFen: 562, InterestFen: 15000 + 13850, PrincipalFen: 1000000}); a.Totals != want {
		t.Fatalf("totals = %+v, want %+v", a.Totals, want)
	}
	// Settled: interest of installments 3..12 (1001.61 − 150.00 − 138.50) is waived.
	var waived Components
	for _, ia := range a.Installments {
		waived = waived.plus(ia.Waived)
	}
	if want := (Components{InterestFen: 71311}); waived != want {
		t.Fatalf("waived = %+v, want %+v", waived, want)
	}
}

func TestAllocatePayoffSettlesExactly(t *testing.T) {
	cases := []struct {
		name          string
		st            func(*testing.T) LoanState
		extra         money.Fen
		waivedInt     money.Fen
		waivedPrinc   money.Fen
		refund        money.Fen
		principalPaid money.Fen
	}{
		// Payoff 10220.25 (TestPayoff): waived interest 1001.61 − 150.00 − 64.63.
		{"overdue", overdueState, 0, 78698, 0, 0, 1000000},
		{"overdue, 5.00 over", overdueState, 500, 78698, 0, 500, 1000000},
		// Cooling-off: 9,900 repays; the 100 CNY deducted fee is credited
		// against the last installment's principal and all interest is waived.
		{"cooling-off", func(t *testing.T) LoanState { return workedState(t, Date{2026, 1, 20}, false) }, 0, 100161, 10000, 0, 990000},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			st, p := c.st(t), testProduct()
			q, err := Payoff(st, p)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Allocate(st, p, q.PayoffFen+c.extra, AllocatePayoff)
			if err != nil {
				t.Fatal(err)
			}
			var waived Components
			for _, ia := range a.Installments {
				waived = waived.plus(ia.Waived)
			}
			if !a.Settled || a.RefundFen != c.refund || a.AllocatedFen != q.PayoffFen ||
				waived.InterestFen != c.waivedInt || waived.PrincipalFen != c.waivedPrinc || a.Totals.PrincipalFen != c.principalPaid {
				t.Fatalf("allocation = %+v\nwaived = %+v", a, waived)
			}
			if c.waivedPrinc != 0 && a.Installments[11].Waived.PrincipalFen != c.waivedPrinc {
				t.Fatalf("credit not on the last installment: %+v", a.Installments[11])
			}
			// A fen short of the payoff does not settle.
			short, err := Allocate(st, p, q.PayoffFen-1, AllocatePayoff)
			if err != nil || short.Settled || short.RefundFen != 0 {
				t.Fatalf("short payment = %+v, %v", short, err)
			}
		})
	}
}

func TestAllocateInvalid(t *testing.T) {
	cases := []struct {
		name   string
		amount money.Fen
		mode   AllocationMode
		field  string
	}{
		{"zero amount", 0, AllocateRegular, "amount_fen"},
		{"negative amount", -100, AllocateRegular, "amount_fen"},
		{"huge amount", 1<<63 - 1, AllocatePayoff, "amount_fen"},
		{"unknown mode", 100, "prepay", "mode"},
		{"empty mode", 100, "", "mode"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Allocate(overdueState(t), testProduct(), c.amount, c.mode)
			assertInvalid(t, err, c.field)
		})
	}
}
