package money

import (
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestFenString(t *testing.T) {
	cases := []struct {
		f    Fen
		want string
	}{
		{0, "0.00"},
		{5, "0.05"},
		{10, "0.10"},
		{99, "0.99"},
		{100, "1.00"},
		{1000000, "10000.00"},
		{123456789, "1234567.89"},
		{-5, "-0.05"},
		{-100, "-1.00"},
		{-1000001, "-10000.01"},
		{math.MaxInt64, "92233720368547758.07"},
		{math.MinInt64, "-92233720368547758.08"},
	}
	for _, c := range cases {
		if got := c.f.String(); got != c.want {
			t.Errorf("Fen(%d).String() = %q, want %q", int64(c.f), got, c.want)
		}
	}
}

func TestBPString(t *testing.T) {
	cases := []struct {
		b    BP
		want string
	}{{1800, "18.00%"}, {1, "0.01%"}, {0, "0.00%"}, {2400, "24.00%"}, {-250, "-2.50%"}, {1999, "19.99%"}}
	for _, c := range cases {
		if got := c.b.String(); got != c.want {
			t.Errorf("BP(%d).String() = %q, want %q", int64(c.b), got, c.want)
		}
	}
}

func TestParseYuanValid(t *testing.T) {
	cases := []struct {
		in   string
		want Fen
	}{
		{"10000.00", 1000000},
		{"12.5", 1250},
		{"7", 700},
		{"0", 0},
		{"0.01", 1},
		{"0.1", 10},
		{"007.50", 750},
		{"-3.20", -320},
		{"-0.05", -5},
		{"92233720368547758.07", math.MaxInt64},
		{"-92233720368547758.07", -math.MaxInt64},
	}
	for _, c := range cases {
		got, err := ParseYuan(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseYuan(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
}

func TestParseYuanInvalid(t *testing.T) {
	cases := []struct {
		in   string
		want error
	}{
		{"", ErrSyntax},
		{"-", ErrSyntax},
		{".5", ErrSyntax},
		{"5.", ErrSyntax},
		{"1.234", ErrSyntax},
		{"+1.00", ErrSyntax},
		{" 1.00", ErrSyntax},
		{"1.00 ", ErrSyntax},
		{"1,000.00", ErrSyntax},
		{"1e3", ErrSyntax},
		{"1.0.0", ErrSyntax},
		{"--1", ErrSyntax},
		{"1.-5", ErrSyntax},
		{"０.５", ErrSyntax},
		{"NaN", ErrSyntax},
		{"123456789012345678901234567890123", ErrSyntax},
		{"92233720368547758.08", ErrOverflow},
		{"92233720368547759", ErrOverflow},
		{"99999999999999999999", ErrOverflow},
	}
	for _, c := range cases {
		got, err := ParseYuan(c.in)
		if !errors.Is(err, c.want) {
			t.Errorf("ParseYuan(%q) = %d, %v; want error %v", c.in, got, err, c.want)
		}
	}
}

func TestMulDiv(t *testing.T) {
	cases := []struct {
		f         Fen
		num, den  int64
		want      Fen
		wantError bool
	}{
		{1000000, 1800, 120000, 15000, false}, // 10000 CNY at 1.5%/month
		{1, 1, 2, 1, false},                   // 0.5 -> 1
		{-1, 1, 2, -1, false},                 // -0.5 -> -1 (away from zero)
		{1, -1, 2, -1, false},
		{1, 1, -2, -1, false},
		{3, 1, 2, 2, false}, // 1.5 -> 2
		{5, 1, 2, 3, false}, // 2.5 -> 3, not banker's 2
		{7, 1, 3, 2, false}, // 2.333 -> 2
		{8, 1, 3, 3, false}, // 2.667 -> 3
		{999999, 1, 1000000, 1, false},
		{499999, 1, 1000000, 0, false},
		{math.MaxInt64, 3, 3, math.MaxInt64, false}, // 128-bit intermediate
		{math.MaxInt64, math.MaxInt64, math.MaxInt64, math.MaxInt64, false},
		{math.MaxInt64, 2, 1, 0, true},
		{math.MinInt64, 1, 1, 0, true}, // -2^63 is refused so negation is always safe
		{1, 1, 0, 0, true},
		{0, 5, 0, 0, true},
	}
	for _, c := range cases {
		got, err := MulDiv(c.f, c.num, c.den)
		if c.wantError {
			if !errors.Is(err, ErrOverflow) {
				t.Errorf("MulDiv(%d,%d,%d) = %d, %v; want ErrOverflow", c.f, c.num, c.den, got, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("MulDiv(%d,%d,%d) = %d, %v; want %d", c.f, c.num, c.den, got, err, c.want)
		}
	}
}

func TestMulRate(t *testing.T) {
	if got, err := MulRate(1000000, 100); err != nil || got != 10000 {
		t.Fatalf("1%% of 10000.00 = %v, %v", got, err)
	}
	if got, err := MulRate(150, 3333); err != nil || got != 50 { // 49.995 -> 50
		t.Fatalf("MulRate(150, 3333) = %v, %v", got, err)
	}
}

func TestRoundHalfUp(t *testing.T) {
	cases := []struct {
		num, den int64
		want     Fen
	}{
		{5, 2, 3}, {-5, 2, -3}, {3, 2, 2}, {-3, 2, -2}, {24999, 10000, 2}, {25000, 10000, 3},
		{-24999, 10000, -2}, {0, 7, 0}, {10, 5, 2},
	}
	for _, c := range cases {
		got, err := RoundHalfUp(big.NewRat(c.num, c.den))
		if err != nil || got != c.want {
			t.Errorf("RoundHalfUp(%d/%d) = %d, %v; want %d", c.num, c.den, got, err, c.want)
		}
	}
	huge := new(big.Rat).SetInt(new(big.Int).Lsh(big.NewInt(1), 70))
	if _, err := RoundHalfUp(huge); !errors.Is(err, ErrOverflow) {
		t.Fatalf("2^70 fen: err = %v, want ErrOverflow", err)
	}
	if _, err := QuoHalfUp(big.NewInt(1), big.NewInt(0)); !errors.Is(err, ErrOverflow) {
		t.Fatalf("division by zero: err = %v, want ErrOverflow", err)
	}
}

// TestMulDivMatchesBig checks the 128-bit path against math/big on a grid
// that includes both signs and values near the int64 edges.
func TestMulDivMatchesBig(t *testing.T) {
	vals := []int64{0, 1, -1, 2, 3, 7, 99, 100, 12345, -98765, 1 << 31, 1<<40 + 17, -(1 << 50), math.MaxInt64, math.MinInt64 + 1}
	dens := []int64{1, 2, 3, -7, 100, 120000, 3600000, 1<<62 + 3, math.MaxInt64}
	for _, f := range vals {
		for _, n := range vals {
			for _, d := range dens {
				got, err := MulDiv(Fen(f), n, d)
				num := new(big.Int).Mul(big.NewInt(f), big.NewInt(n))
				want, werr := QuoHalfUp(num, big.NewInt(d))
				if (err == nil) != (werr == nil) || got != want {
					t.Fatalf("MulDiv(%d,%d,%d) = %d,%v; big says %d,%v", f, n, d, got, err, want, werr)
				}
			}
		}
	}
}

func FuzzParseYuan(f *testing.F) {
	for _, s := range []string{"10000.00", "12.5", "7", "-0.05", "1.234", "", "9223372036854775807"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseYuan(s)
		if err != nil {
			return
		}
		back, err := ParseYuan(v.String())
		if err != nil || back != v {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, v, v.String(), back, err)
		}
	})
}
