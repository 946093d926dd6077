package lending

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/wxlend/wxlend/shared/money"
)

// Property tests: deterministic (seeded PCG), so a failure reproduces
// exactly; the seed and case index are in every message.

const propertySeed = 20260115

func propertyCount(full int) int {
	if testing.Short() {
		return full / 10
	}
	return full
}

var allMethods = []Method{EqualInstallment, EqualPrincipal, InterestFirst, Bullet}

// randomTerms draws realistic and edge-case terms: amounts log-uniform over
// 100 CNY – 1,000,000 CNY (sometimes up to the library maximum), terms
// 1–60 months biased to the usual ones, rates 0–36%, any start date.
func randomTerms(r *rand.Rand) Terms {
	amount := money.Fen(math.Exp(math.Log(float64(MinLoanFen)) + r.Float64()*math.Log(1e4)))
	if r.IntN(50) == 0 {
		amount = MinLoanFen + money.Fen(r.Int64N(int64(MaxLoanFen-MinLoanFen+1)))
	}
	terms := []int{1, 3, 6, 9, 12, 18, 24, 36}
	n := terms[r.IntN(len(terms))]
	if r.IntN(4) == 0 {
		n = 1 + r.IntN(MaxTermMonths)
	}
	rate := money.BP(r.IntN(int(MaxCapBP) + 1))
	if r.IntN(10) == 0 {
		rate = []money.BP{0, 1, 1800, 2400, 3600}[r.IntN(5)]
	}
	start := Date{2000 + r.IntN(100), time.Month(1 + r.IntN(12)), 1 + r.IntN(31)}
	if last := daysIn(start.Year, start.Month); start.Day > last {
		start.Day = last
	}
	return Terms{AmountFen: amount, TermMonths: n, Method: allMethods[r.IntN(4)], AnnualRateBP: rate, StartDate: start}
}

// randomFees adds a material fee (at least 0.1% of the amount in total).
func randomFees(r *rand.Rand, t Terms) Terms {
	switch r.IntN(3) {
	case 0:
		t.UpfrontFee = FeeRule{RateBP: money.BP(10 + r.IntN(500))}
	case 1:
		t.UpfrontFee = FeeRule{FlatFen: max(t.AmountFen/1000, 1) + money.Fen(r.Int64N(int64(t.AmountFen/20)))}
	default:
		t.ServiceFee = FeeRule{RateBP: money.BP(1 + r.IntN(50))}
		if r.IntN(2) == 0 {
			t.UpfrontFee = FeeRule{RateBP: money.BP(r.IntN(200))}
		}
	}
	t.UpfrontFeeDeducted = r.IntN(2) == 0
	return t
}

func TestScheduleProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(propertySeed, 1))
	count := propertyCount(100_000)
	var maxResidue money.Fen
	for i := 0; i < count; i++ {
		terms := randomTerms(r)
		if r.IntN(2) == 0 {
			terms = randomFees(r, terms)
		}
		s, err := BuildSchedule(terms)
		if err != nil {
			t.Fatalf("case %d %+v: %v", i, terms, err)
		}
		checkScheduleInvariants(t, i, terms, s)
		if terms.Method == EqualInstallment {
			maxResidue = max(maxResidue, checkEqualInstallments(t, i, terms, s))
		}
	}
	t.Logf("%d schedules; largest equal-installment residue %d fen", count, maxResidue)
}

func checkScheduleInvariants(t *testing.T, i int, terms Terms, s Schedule) {
	t.Helper()
	var principal, interest, fees, repay money.Fen
	remaining := terms.AmountFen
	prev := terms.StartDate
	for k, in := range s.Installments {
		if in.PrincipalFen < 0 || in.InterestFen < 0 || in.FeeFen < 0 || in.RemainingPrincipalFen < 0 {
			t.Fatalf("case %d %+v: negative part in %+v", i, terms, in)
		}
		remaining -= in.PrincipalFen
		if in.TotalFen != in.PrincipalFen+in.InterestFen+in.FeeFen || in.RemainingPrincipalFen != remaining || in.Seq != k+1 {
			t.Fatalf("case %d %+v: inconsistent installment %+v", i, terms, in)
		}
		if !in.DueDate.After(prev) || in.DueDate != terms.StartDate.AddMonthsClamped(s.period(k)) {
			t.Fatalf("case %d %+v: due date %v", i, terms, in.DueDate)
		}
		prev = in.DueDate
		principal += in.PrincipalFen
		interest += in.InterestFen
		fees += in.FeeFen
		repay += in.TotalFen
	}
	deducted := money.Fen(0)
	if terms.UpfrontFeeDeducted {
		deducted = s.UpfrontFeeFen
	}
	if principal != terms.AmountFen || repay != s.TotalRepayFen || interest != s.TotalInterestFen ||
		fees+deducted != s.TotalFeeFen || s.NetAmountFen != terms.AmountFen-deducted ||
		s.TotalRepayFen != terms.AmountFen+s.TotalInterestFen+s.TotalFeeFen-deducted {
		t.Fatalf("case %d %+v: totals do not add up: %+v", i, terms, s)
	}
	wantN := terms.TermMonths
	if terms.Method == Bullet {
		wantN = 1
	}
	if len(s.Installments) != wantN {
		t.Fatalf("case %d %+v: %d installments", i, terms, len(s.Installments))
	}
}

// checkEqualInstallments: every installment but the last has principal +
// interest = PMT exactly; the last differs by the residue. Each period adds
// at most 1 fen of rounding error (½ from PMT, ½ from interest) that then
// compounds at r, so |residue| ≤ ((1+r)^n − 1)/r + 1 fen. For the usual
// products (n ≤ 36, rate ≤ 24%) it also stays within n fen; at 36% over 60
// months the PMT's rounding, always in the same direction, can compound to
// more than n.
func checkEqualInstallments(t *testing.T, i int, terms Terms, s Schedule) money.Fen {
	t.Helper()
	n := len(s.Installments)
	first := s.Installments[0].PrincipalFen + s.Installments[0].InterestFen
	for _, in := range s.Installments[:n-1] {
		if in.PrincipalFen+in.InterestFen != first {
			t.Fatalf("case %d %+v: unequal installment %+v vs %d", i, terms, in, first)
		}
	}
	last := s.Installments[n-1]
	residue := last.PrincipalFen + last.InterestFen - first
	if residue < 0 {
		residue = -residue
	}
	rate := float64(terms.AnnualRateBP) / monthlyDen
	bound := float64(n) + 1
	if rate > 0 {
		bound = (math.Pow(1+rate, float64(n))-1)/rate + 1
	}
	typical := n <= 36 && terms.AnnualRateBP <= DefaultCapBP
	if n > 1 && (float64(residue) > bound || (typical && residue > money.Fen(n))) {
		t.Fatalf("case %d %+v: residue %d fen exceeds bound %.1f (n=%d)", i, terms, residue, bound, n)
	}
	return residue
}

func TestAPRProperties(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(propertySeed, 2))
	count := propertyCount(100_000)
	for i := 0; i < count; i++ {
		terms := randomTerms(r)
		s := mustSchedule(t, terms)
		apr := mustAPR(t, s)
		checkNoFeeAPR(t, i, terms, apr)
		withFee := mustSchedule(t, randomFees(r, terms))
		if feeAPR := mustAPR(t, withFee); feeAPR <= apr {
			t.Fatalf("case %d %+v: fee %d did not raise APR %d -> %d", i, terms, withFee.TotalFeeFen, apr, feeAPR)
		}
		if i%500 == 0 {
			if want := referenceAPR(s); want != apr {
				t.Fatalf("case %d %+v: APR %d, reference bisection %d", i, terms, apr, want)
			}
		}
	}
}

// checkNoFeeAPR: without fees the APR is the nominal rate up to fen
// rounding of the interest (±1 bp from 1000 CNY up; below that each 0.5 fen
// of rounding can move it by up to 120000 × 0.5 / amount bp per period),
// and a multi-month bullet (simple interest, paid at the end) costs less.
func checkNoFeeAPR(t *testing.T, i int, terms Terms, apr money.BP) {
	t.Helper()
	diff := apr - terms.AnnualRateBP
	tol := money.BP(1)
	if terms.AmountFen < 1000_00 {
		tol += money.BP(math.Ceil(monthlyDen * 0.5 * float64(terms.TermMonths) * 1.04 / float64(terms.AmountFen)))
	}
	if terms.Method == Bullet && terms.TermMonths > 1 {
		// From 1000 CNY the one rounding of the interest moves the APR by at
		// most 0.3 bp, so APR ≤ nominal holds exactly; at 10% and more the
		// simple-interest discount (≈ r²(n−1)/2 a month) exceeds 1 bp.
		bigEnough := terms.AmountFen >= 1000_00
		if (bigEnough && diff > 0) || (!bigEnough && diff > tol) || (bigEnough && terms.AnnualRateBP >= 1000 && diff >= 0) {
			t.Fatalf("case %d %+v: bullet APR %d vs nominal %d", i, terms, apr, terms.AnnualRateBP)
		}
		return
	}
	if diff > tol || diff < -tol {
		t.Fatalf("case %d %+v: no-fee APR %d vs nominal %d (tolerance %d)", i, terms, apr, terms.AnnualRateBP, tol)
	}
}

// referenceAPR is a deliberately naive exact solver: big.Rat NPV and a
// bisection over every integer bp in [0, 1e6], sharing nothing with APR
// but the cash flows.
func referenceAPR(s Schedule) money.BP {
	npv := func(a int64) int { // sign of NPV at monthly rate (a+½)/120000
		i := big.NewRat(2*a+1, 2*monthlyDen)
		v := new(big.Rat).Add(big.NewRat(1, 1), i)
		disc := big.NewRat(1, 1)
		sum := new(big.Rat).SetInt64(int64(s.NetAmountFen))
		month := 0
		for k, in := range s.Installments {
			for month < s.period(k) {
				disc.Quo(disc, v)
				month++
			}
			sum.Sub(sum, new(big.Rat).Mul(disc, new(big.Rat).SetInt64(int64(in.TotalFen))))
		}
		return sum.Sign()
	}
	lo, hi := int64(-1), int64(1_000_000)
	for hi-lo > 1 {
		mid := (lo + hi) / 2
		if npv(mid) > 0 {
			hi = mid
		} else {
			lo = mid
		}
	}
	return money.BP(hi)
}
