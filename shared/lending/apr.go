package lending

import (
	"math"
	"math/big"

	"github.com/wxlend/wxlend/shared/money"
)

// The APR (综合年化成本) is the IRR of the borrower's own cash flows: +net
// amount received at month 0, −each installment's total at its month. The
// monthly IRR i solves NPV(i) = Σ c_k / (1+i)^k = 0 and APR = 12·i,
// disclosed in whole basis points rounded half-up.
//
// How it is solved, and why it is exact although floats appear:
//
//  1. NPV is strictly increasing in i when the borrower receives first and
//     pays afterwards, so the root is unique and "rounded APR ≤ A" is the
//     same statement as NPV((A+½)/120000) > 0: a single sign test.
//  2. That sign is computed exactly with math/big. With 1+i = u/d,
//     d = 240000, u = d + 2A + 1, the sign of NPV equals the sign of
//     Σ c_k·u^(n−k)·d^k, an integer evaluated by Horner's rule.
//  3. The answer is the smallest A with a positive sign. A float64 Newton
//     iteration only proposes where to look; two exact tests usually confirm
//     it (A passes, A−1 fails). If the guess is off, a galloping search and
//     a bisection over integers finish the job in at most ~50 exact tests.
//
// So the float can cost time but never change the result, every loop has a
// fixed bound, and there is no NaN to leak.

// aprCeilingBP bounds the search at 100,000% a year; validated fee limits
// keep every real schedule far below it.
const aprCeilingBP = 10_000_000

// halfBPDen is the denominator of a monthly rate expressed in half basis
// points of an annual rate: i = (2A+1)/240000 is "A + ½ bp a year".
const halfBPDen = 2 * monthlyDen

// halfBPPow[k] = 240000^k, shared read-only by every exact NPV test.
var halfBPPow = func() []*big.Int {
	pows := make([]*big.Int, MaxTermMonths+1)
	pows[0] = big.NewInt(1)
	for k := 1; k <= MaxTermMonths; k++ {
		pows[k] = new(big.Int).Mul(pows[k-1], big.NewInt(halfBPDen))
	}
	return pows
}()

// APR returns the schedule's all-in annual cost in basis points, rounded
// half-up. Cash flows are placed by month index, not by day count, as the
// PBoC disclosure method does for monthly products. It fails only for a
// schedule whose cost exceeds 100,000% a year (failed_precondition,
// apr_out_of_range) or that is malformed (invalid_argument).
func APR(s Schedule) (money.BP, error) {
	c, err := cashFlows(s)
	if err != nil {
		return 0, err
	}
	guess := int64(math.Round(floatIRR(c, float64(s.AnnualRateBP)/monthlyDen) * monthlyDen))
	a, ok := smallestPassing(func(a int64) bool { return npvPositive(c, a) }, guess, aprCeilingBP)
	if !ok {
		return 0, &CapError{Reason: ReasonAPROutOfRange, AnnualRateBP: s.AnnualRateBP,
			AmountFen: s.AmountFen, TermMonths: s.TermMonths, Method: s.Method}
	}
	return money.BP(a), nil
}

// checkCap returns a *CapError when the schedule's disclosed APR would
// exceed capBP. One exact sign test decides it; the APR itself is computed
// only to fill in the error.
func checkCap(s Schedule, capBP money.BP) error {
	c, err := cashFlows(s)
	if err != nil {
		return err
	}
	if npvPositive(c, int64(capBP)) {
		return nil
	}
	apr, err := APR(s)
	if err != nil {
		return err
	}
	return &CapError{Reason: ReasonAPRAboveCap, APRBP: apr, CapBP: capBP, AnnualRateBP: s.AnnualRateBP,
		AmountFen: s.AmountFen, TermMonths: s.TermMonths, Method: s.Method}
}

// cashFlows returns c[0] = +net amount and c[k] = −(installments due at
// month k) for k = 1..term.
func cashFlows(s Schedule) ([]int64, error) {
	if s.TermMonths < 1 || s.TermMonths > MaxTermMonths || len(s.Installments) == 0 ||
		len(s.Installments) > s.TermMonths || s.NetAmountFen <= 0 || s.TotalRepayFen < s.NetAmountFen {
		return nil, invalidf("schedule", ReasonInconsistent, "schedule is not a valid loan")
	}
	c := make([]int64, s.TermMonths+1)
	c[0] = int64(s.NetAmountFen)
	for i, in := range s.Installments {
		if in.TotalFen < 0 {
			return nil, invalidf("schedule", ReasonInconsistent, "schedule is not a valid loan")
		}
		c[s.period(i)] -= int64(in.TotalFen)
	}
	return c, nil
}

// npvPositive reports whether NPV at the monthly rate (2A+1)/240000 is > 0,
// i.e. whether the APR rounded half-up to a basis point is at most A. Exact.
func npvPositive(c []int64, a int64) bool {
	u := big.NewInt(halfBPDen + 2*a + 1)
	sum := big.NewInt(c[0])
	term := new(big.Int)
	for k := 1; k < len(c); k++ {
		sum.Mul(sum, u)
		if c[k] != 0 {
			term.SetInt64(c[k])
			sum.Add(sum, term.Mul(term, halfBPPow[k]))
		}
	}
	return sum.Sign() > 0
}

// smallestPassing returns the smallest a in [0, ceiling] with pass(a), for a
// pass that is false below some threshold and true from it on. It starts at
// guess, gallops towards the threshold and bisects. pass(-1) is taken as
// false (APR is never negative when the borrower repays at least the net
// amount) and pass(ceiling+1) as true; ok is false if the threshold lies
// above the ceiling.
func smallestPassing(pass func(int64) bool, guess, ceiling int64) (int64, bool) {
	lo, hi := int64(-1), ceiling+1
	g := min(max(guess, 0), ceiling)
	if pass(g) {
		hi = g
		for step := int64(1); hi-lo > 1; step *= 2 {
			p := max(hi-step, lo+1)
			if !pass(p) {
				lo = p
				break
			}
			hi = p
		}
	} else {
		lo = g
		for step := int64(1); hi-lo > 1; step *= 2 {
			p := min(lo+step, hi-1)
			if pass(p) {
				hi = p
				break
			}
			lo = p
		}
	}
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if pass(mid) {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi, hi <= ceiling
}

// floatIRR estimates the monthly IRR with at most 50 Newton steps from
// start. NPV is increasing and concave, so from the left of the root Newton
// converges monotonically; any step that leaves (-0.5, 100) or stalls just
// ends the estimate. The result is only a starting point for the exact search.
func floatIRR(c []int64, start float64) float64 {
	i := start
	for iter := 0; iter < 50; iter++ {
		f, df := npvFloat(c, i)
		if !(df > 0) {
			return i
		}
		next := i - f/df
		if math.IsNaN(next) || next <= -0.5 || next >= 100 {
			return i
		}
		if math.Abs(next-i) < 1e-13 {
			return next
		}
		i = next
	}
	return i
}

// npvFloat returns NPV(i) and dNPV/di in float64.
func npvFloat(c []int64, i float64) (f, df float64) {
	v := 1 / (1 + i)
	pow := 1.0
	for k, ck := range c {
		x := float64(ck) * pow
		f += x
		df -= float64(k) * x * v
		pow *= v
	}
	return f, df
}
