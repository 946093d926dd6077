package lending

import (
	"math/rand/v2"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

// randomState draws a loan part-way through its life: an as-of date from
// disbursement to three months after maturity, random partial payments on
// installments already due, occasional prepaid principal, random penalty.
func randomState(r *rand.Rand) LoanState {
	terms := randomTerms(r)
	terms.TermMonths = min(terms.TermMonths, 24)
	if r.IntN(2) == 0 {
		terms = randomFees(r, terms)
	}
	s, err := BuildSchedule(terms)
	if err != nil {
		panic(err)
	}
	end := s.Installments[len(s.Installments)-1].DueDate
	st := LoanState{Schedule: s, AsOf: s.StartDate.AddDays(r.IntN(end.DaysSince(s.StartDate) + 92))}
	if r.IntN(5) == 0 {
		return st
	}
	st.Paid = make([]Components, len(s.Installments))
	st.PenaltyAccruedFen = make([]money.Fen, len(s.Installments))
	for i, in := range s.Installments {
		if in.DueDate.Before(st.AsOf) {
			st.PenaltyAccruedFen[i] = randomPart(r, in.PrincipalFen/20)
		}
		if in.DueDate.Before(st.AsOf.AddDays(31)) {
			st.Paid[i] = Components{randomPart(r, st.PenaltyAccruedFen[i]), randomPart(r, in.FeeFen),
				randomPart(r, in.InterestFen), randomPart(r, in.PrincipalFen)}
		} else if r.IntN(10) == 0 {
			st.Paid[i].PrincipalFen = randomPart(r, in.PrincipalFen)
		}
	}
	return st
}

// randomPart is 0, all of max, or something in between.
func randomPart(r *rand.Rand, max money.Fen) money.Fen {
	switch r.IntN(3) {
	case 0:
		return 0
	case 1:
		return max
	}
	return money.Fen(r.Int64N(int64(max) + 1))
}

func randomServicingProduct(r *rand.Rand) Product {
	p := testProduct()
	r.Shuffle(len(p.AllocationOrder), func(i, j int) {
		p.AllocationOrder[i], p.AllocationOrder[j] = p.AllocationOrder[j], p.AllocationOrder[i]
	})
	if r.IntN(2) == 0 {
		p.EarlyPayoff = PayoffFullPeriod
	}
	p.CoolingOffDays = r.IntN(MaxCoolingOffDays + 1)
	p.GraceDays = r.IntN(MaxGraceDays + 1)
	return p
}

func TestAllocateProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(propertySeed, 3))
	count := propertyCount(100_000)
	settled := 0
	for i := 0; i < count; i++ {
		st, p := randomState(r), randomServicingProduct(r)
		q, err := Payoff(st, p)
		if err != nil {
			t.Fatalf("case %d: payoff: %v", i, err)
		}
		checkPayoffSettles(t, i, st, p, q)
		mode := []AllocationMode{AllocateRegular, AllocatePayoff}[r.IntN(2)]
		amount := 1 + money.Fen(r.Int64N(int64(q.PayoffFen)*3/2+2))
		a, err := Allocate(st, p, amount, mode)
		if err != nil {
			t.Fatalf("case %d: allocate: %v", i, err)
		}
		checkAllocation(t, i, st, a, mode)
		if a.Settled {
			settled++
		}
	}
	t.Logf("%d allocations, %d settled the loan", count, settled)
}

func checkPayoffSettles(t *testing.T, i int, st LoanState, p Product, q PayoffQuote) {
	t.Helper()
	if q.PayoffFen != q.PrincipalFen+q.InterestFen+q.PenaltyFen+q.FeeFen-q.CreditFen || q.PayoffFen < 0 || q.CreditFen < 0 {
		t.Fatalf("case %d: payoff does not add up: %+v", i, q)
	}
	if q.PayoffFen == 0 {
		return
	}
	a, err := Allocate(st, p, q.PayoffFen, AllocatePayoff)
	if err != nil || !a.Settled || a.RefundFen != 0 || a.AllocatedFen != q.PayoffFen {
		t.Fatalf("case %d: paying the payoff %+v gave %+v, %v", i, q, a, err)
	}
}

// checkAllocation: allocated + refund = paid; nothing negative; no
// component beyond what the installment still carried; unearned interest
// and fees untouched; a refund only once everything owed is covered; and a
// settlement accounts for every scheduled fen (paid before + now + waived).
func checkAllocation(t *testing.T, i int, st LoanState, a Allocation, mode AllocationMode) {
	t.Helper()
	if a.AllocatedFen+a.RefundFen != a.AmountFen || a.RefundFen < 0 || a.AllocatedFen != a.Totals.TotalFen() {
		t.Fatalf("case %d (%s): amounts do not add up: %+v", i, mode, a)
	}
	var sum Components
	next := st
	next.Paid = make([]Components, len(st.Schedule.Installments))
	for k, ia := range a.Installments {
		before, paid := st.unpaid(k), ia.Paid
		left := before.minus(paid)
		if paid.PenaltyFen < 0 || paid.FeeFen < 0 || paid.InterestFen < 0 || paid.PrincipalFen < 0 ||
			left.PenaltyFen < 0 || left.FeeFen < 0 || left.InterestFen < 0 || left.PrincipalFen < 0 {
			t.Fatalf("case %d (%s): installment %d over-allocated: carried %+v, paid %+v", i, mode, k+1, before, paid)
		}
		if ia.Timing == NotYetDue && paid.FeeFen+paid.InterestFen+paid.PenaltyFen != 0 {
			t.Fatalf("case %d (%s): unearned interest or fee collected: %+v", i, mode, ia)
		}
		if a.Settled && ia.Waived != left {
			t.Fatalf("case %d (%s): settlement leaves %+v unaccounted (waived %+v)", i, mode, left, ia.Waived)
		}
		if !a.Settled && ia.Waived != (Components{}) {
			t.Fatalf("case %d (%s): waiver without settlement", i, mode)
		}
		sum = sum.plus(paid)
		next.Paid[k] = st.paid(k).plus(paid)
	}
	if sum != a.Totals || (a.RefundFen > 0 && !a.Settled) {
		t.Fatalf("case %d (%s): totals %+v vs %+v, refund %d settled %v", i, mode, sum, a.Totals, a.RefundFen, a.Settled)
	}
	if err := next.validate(); err != nil {
		t.Fatalf("case %d (%s): state after the payment is invalid: %v", i, mode, err)
	}
}
