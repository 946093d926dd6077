// Package money holds wxlend's exact money and rate types: integer fen and
// integer basis points, and the few rounding helpers that turn an exact
// rational amount into fen.
//
// Why integers: a float cannot represent 0.10 CNY, so sums drift and two
// systems that "agree" differ by a fen. Every amount here is an int64 count
// of fen (1 CNY = 100 fen) and every rate an int64 count of basis points
// (1% = 100 bp). Intermediate products are computed in 128 bits or with
// math/big, and every function that can overflow says so with an error
// rather than wrapping around.
//
// Rounding rule, used everywhere in wxlend: half away from zero to the fen
// ("half-up" in the names: 0.5 fen -> 1 fen, -0.5 fen -> -1 fen). It is the
// rule Chinese lenders print on schedules (四舍五入) and, unlike banker's
// rounding, it is what a borrower reproduces with a calculator.
package money

import (
	"errors"
	"fmt"
	"strconv"
)

// Fen is an amount of money in fen (分), 1 CNY = 100 fen.
type Fen int64

// BP is a rate in basis points: 1% = 100 bp, 18% a year = 1800 bp.
type BP int64

// Errors returned by this package; match them with errors.Is.
var (
	ErrOverflow = errors.New("money: amount out of range")
	ErrSyntax   = errors.New("money: invalid amount syntax")
)

// String formats f in yuan with exactly two decimals, e.g. 1000000 fen ->
// "10000.00", -5 fen -> "-0.05". It is exact for every int64.
func (f Fen) String() string { return formatHundredths(int64(f), "") }

// String formats b as a percentage with two decimals, e.g. 1800 -> "18.00%".
func (b BP) String() string { return formatHundredths(int64(b), "%") }

func formatHundredths(v int64, suffix string) string {
	u := uint64(v)
	sign := ""
	if v < 0 {
		u = -u // two's complement: correct even for math.MinInt64
		sign = "-"
	}
	frac := u % 100
	pad := ""
	if frac < 10 {
		pad = "0"
	}
	return sign + strconv.FormatUint(u/100, 10) + "." + pad + strconv.FormatUint(frac, 10) + suffix
}

// maxParseLen bounds the work done on outside input; int64 fen has 19 digits.
const maxParseLen = 32

// ParseYuan parses a decimal yuan amount such as "10000.00", "12.5", "7" or
// "-3.20" into fen. It accepts an optional leading '-', one or more digits,
// and optionally a '.' followed by one or two digits; nothing else (no '+',
// spaces, exponents, thousands separators, or a third decimal, which would
// need rounding the caller did not ask for). Out-of-range values return
// ErrOverflow, malformed ones ErrSyntax.
func ParseYuan(s string) (Fen, error) {
	if len(s) == 0 || len(s) > maxParseLen {
		return 0, fmt.Errorf("parse yuan: %w", ErrSyntax)
	}
	neg := s[0] == '-'
	if neg {
		s = s[1:]
	}
	intPart, frac := s, ""
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			intPart, frac = s[:i], s[i+1:]
			if len(frac) == 0 || len(frac) > 2 {
				return 0, fmt.Errorf("parse yuan: %w", ErrSyntax)
			}
			break
		}
	}
	yuan, err := parseDigits(intPart)
	if err != nil {
		return 0, err
	}
	for len(frac) < 2 {
		frac += "0"
	}
	cents, err := parseDigits(frac)
	if err != nil {
		return 0, err
	}
	if yuan > (maxInt64-cents)/100 {
		return 0, fmt.Errorf("parse yuan: %w", ErrOverflow)
	}
	v := yuan*100 + cents
	if neg {
		v = -v
	}
	return Fen(v), nil
}

const maxInt64 = 1<<63 - 1

// parseDigits parses a non-empty run of ASCII digits into a non-negative
// int64, refusing overflow.
func parseDigits(s string) (int64, error) {
	if len(s) == 0 {
		return 0, fmt.Errorf("parse yuan: %w", ErrSyntax)
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("parse yuan: %w", ErrSyntax)
		}
		d := int64(c - '0')
		if v > (maxInt64-d)/10 {
			return 0, fmt.Errorf("parse yuan: %w", ErrOverflow)
		}
		v = v*10 + d
	}
	return v, nil
}
