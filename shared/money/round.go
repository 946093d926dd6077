package money

import (
	"fmt"
	"math/big"
	"math/bits"
)

// bpPerUnit is the number of basis points in a rate of 1 (100%).
const bpPerUnit = 10000

// MulRate returns f × bp / 10000 rounded half away from zero: the fee or
// interest at rate bp on amount f. The product is computed in 128 bits, so
// only a result outside int64 fails (ErrOverflow).
func MulRate(f Fen, bp BP) (Fen, error) { return MulDiv(f, int64(bp), bpPerUnit) }

// MulDiv returns f × num / den rounded half away from zero, computed exactly
// in 128 bits. It is the workhorse for "amount × rate × days / basis" where
// the ratio is rational: interest at bp/120000 a month, penalty at
// bp×days/3600000. den == 0 and results outside int64 return ErrOverflow.
func MulDiv(f Fen, num, den int64) (Fen, error) {
	if den == 0 {
		return 0, fmt.Errorf("muldiv: zero denominator: %w", ErrOverflow)
	}
	neg := (f < 0) != (num < 0)
	if den < 0 {
		neg = !neg
	}
	if f == 0 || num == 0 {
		return 0, nil
	}
	hi, lo := bits.Mul64(absU(int64(f)), absU(num))
	d := absU(den)
	if hi >= d {
		return 0, fmt.Errorf("muldiv: %w", ErrOverflow)
	}
	q, r := bits.Div64(hi, lo, d)
	if r >= d-r { // 2r >= d without overflowing: the half goes away from zero
		if q == 1<<64-1 {
			return 0, fmt.Errorf("muldiv: %w", ErrOverflow)
		}
		q++
	}
	return signed(q, neg)
}

// QuoHalfUp returns num / den rounded half away from zero as fen. It does no
// GCD reduction, so it is the fast path for big rationals built by hand.
func QuoHalfUp(num, den *big.Int) (Fen, error) {
	if den.Sign() == 0 {
		return 0, fmt.Errorf("quo: zero denominator: %w", ErrOverflow)
	}
	neg := num.Sign()*den.Sign() < 0
	n := new(big.Int).Abs(num)
	d := new(big.Int).Abs(den)
	q, r := n.QuoRem(n, d, new(big.Int))
	if r.Lsh(r, 1).Cmp(d) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if !q.IsUint64() {
		return 0, fmt.Errorf("quo: %w", ErrOverflow)
	}
	return signed(q.Uint64(), neg)
}

// RoundHalfUp rounds an exact amount of fen to a whole fen, half away from
// zero (2.5 -> 3, -2.5 -> -3, 2.4999 -> 2).
func RoundHalfUp(r *big.Rat) (Fen, error) { return QuoHalfUp(r.Num(), r.Denom()) }

func absU(v int64) uint64 {
	if v < 0 {
		return -uint64(v)
	}
	return uint64(v)
}

// signed applies a sign to a magnitude, refusing what int64 cannot hold.
// -2^63 is refused too, so that every Fen result can be negated safely.
func signed(q uint64, neg bool) (Fen, error) {
	if q > maxInt64 {
		return 0, fmt.Errorf("result: %w", ErrOverflow)
	}
	if neg {
		return Fen(-int64(q)), nil
	}
	return Fen(q), nil
}
