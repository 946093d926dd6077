package lending

import (
	"math/rand/v2"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

// TestReamortizeWorked: installment 1 paid; on 2026-03-01 the borrower pays
// 2,000.00. Default order: installment 2 in full (916.80), then 1083.20 of
// later principal (789.98 of installment 3, 293.22 of installment 4).
// 7371.70 remains over 10 months at 1.5%: PMT 799.34, last 799.39
// (testdata/ref.py: schedule(737170, 10, 'equal_installment', 1800, ...)).
// Future interest drops from 713.11 to 621.75.
func TestReamortizeWorked(t *testing.T) {
	st := workedState(t, Date{2026, 3, 1}, true)
	a, err := Allocate(st, testProduct(), 200000, AllocateRegular)
	if err != nil {
		t.Fatal(err)
	}
	for k, ia := range a.Installments {
		st.Paid[k] = st.Paid[k].plus(ia.Paid)
	}
	if st.Paid[2].PrincipalFen != 78998 || st.Paid[3].PrincipalFen != 29322 {
		t.Fatalf("prepayment went to %+v / %+v", st.Paid[2], st.Paid[3])
	}
	re, err := Reamortize(st)
	if err != nil {
		t.Fatal(err)
	}
	ins := re.Schedule.Installments
	if ins[1].PrincipalFen != 186150 || ins[1].TotalFen != 200000 || re.Paid[1].PrincipalFen != 186150 {
		t.Fatalf("installment 2 = %+v, paid %+v", ins[1], re.Paid[1])
	}
	want := [][3]money.Fen{{68876, 11058, 668294}, {69910, 10024, 598384}, {70958, 8976, 527426}, {72023, 7911, 455403},
		{73103, 6831, 382300}, {74199, 5735, 308101}, {75312, 4622, 232789}, {76442, 3492, 156347}, {77589, 2345, 78758}, {78758, 1181, 0}}
	for k, w := range want {
		in := ins[k+2]
		if got := [3]money.Fen{in.PrincipalFen, in.InterestFen, in.RemainingPrincipalFen}; got != w || re.Paid[k+2] != (Components{}) {
			t.Errorf("installment %d = %v (paid %+v), want %v", k+3, got, re.Paid[k+2], w)
		}
	}
	if re.Schedule.TotalInterestFen != 15000+13850+62175 || ins[2].DueDate != st.Schedule.Installments[2].DueDate {
		t.Fatalf("totals %+v", re.Schedule)
	}
	if st.Schedule.Installments[2].PrincipalFen != 78998 {
		t.Fatalf("Reamortize modified its input")
	}
}

func TestReamortizeNoOp(t *testing.T) {
	for _, st := range []LoanState{
		workedState(t, Date{2026, 3, 1}, true),  // nothing prepaid
		workedState(t, Date{2027, 2, 1}, false), // after maturity: nothing not yet due
	} {
		re, err := Reamortize(st)
		if err != nil || re.Schedule.TotalRepayFen != st.Schedule.TotalRepayFen {
			t.Fatalf("Reamortize changed a schedule without prepayment: %v", err)
		}
	}
	st := workedState(t, Date{2026, 3, 1}, true)
	st.Paid[5].InterestFen = 1
	_, err := Reamortize(st)
	assertInvalid(t, err, "paid")
}

// TestReamortizeProperties: after any regular payment, re-amortizing keeps
// Σ principal = amount and Σ paid principal, never raises future interest,
// and leaves a valid state.
func TestReamortizeProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(propertySeed, 4))
	count, lowered := propertyCount(20_000), 0
	for i := 0; i < count; i++ {
		st, p := randomState(r), randomServicingProduct(r)
		st = st.clone()
		for k, tm := range st.timings() {
			if tm == NotYetDue { // as Allocate leaves them: principal only
				st.Paid[k] = Components{PrincipalFen: st.Paid[k].PrincipalFen}
				st.PenaltyAccruedFen[k] = 0
			}
		}
		a, err := Allocate(st, p, 1+money.Fen(r.Int64N(int64(st.Schedule.AmountFen))), AllocateRegular)
		if err != nil {
			t.Fatal(err)
		}
		for k, ia := range a.Installments {
			st.Paid[k] = st.Paid[k].plus(ia.Paid)
		}
		re, err := Reamortize(st)
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		if err := re.validate(); err != nil {
			t.Fatalf("case %d: invalid result: %v", i, err)
		}
		var principal, paidBefore, paidAfter money.Fen
		for k, in := range re.Schedule.Installments {
			principal += in.PrincipalFen
			paidBefore += st.Paid[k].PrincipalFen
			paidAfter += re.Paid[k].PrincipalFen
			if in.PrincipalFen < 0 || in.InterestFen < 0 || in.InterestFen > st.Schedule.Installments[k].InterestFen+1 {
				t.Fatalf("case %d: installment %d = %+v, was %+v", i, k+1, in, st.Schedule.Installments[k])
			}
		}
		if principal != re.Schedule.AmountFen || paidBefore != paidAfter || re.Schedule.TotalInterestFen > st.Schedule.TotalInterestFen {
			t.Fatalf("case %d: principal %d paid %d -> %d interest %d -> %d", i, principal, paidBefore, paidAfter,
				st.Schedule.TotalInterestFen, re.Schedule.TotalInterestFen)
		}
		if re.Schedule.TotalInterestFen < st.Schedule.TotalInterestFen {
			lowered++
		}
	}
	t.Logf("%d prepayments re-amortized, %d lowered the interest", count, lowered)
}
