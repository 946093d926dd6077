package contract

import (
	"math"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
)

func TestUpperCNY(t *testing.T) {
	cases := []struct {
		fen  money.Fen
		want string
	}{
		{0, "零元整"},
		{1, "壹分"},
		{5, "伍分"},
		{10, "壹角"},
		{50, "伍角"},
		{55, "伍角伍分"},
		{99, "玖角玖分"},
		{100, "壹元整"},
		{101, "壹元零壹分"},
		{110, "壹元壹角"},
		{123, "壹元贰角叁分"},
		{1000, "壹拾元整"},
		{1020, "壹拾元贰角"},
		{1100, "壹拾壹元整"},
		{2000, "贰拾元整"},
		{10000, "壹佰元整"},
		{10100, "壹佰零壹元整"},
		{11000, "壹佰壹拾元整"},
		{32504, "叁佰贰拾伍元零肆分"},
		{100000, "壹仟元整"},
		{100100, "壹仟零壹元整"},
		{101000, "壹仟零壹拾元整"},
		{140950, "壹仟肆佰零玖元伍角"},
		{168032, "壹仟陆佰捌拾元叁角贰分"},
		{600714, "陆仟零柒元壹角肆分"},
		{1_000_000, "壹万元整"},
		{1_000_520, "壹万零伍元贰角"},
		{1_640_902, "壹万陆仟肆佰零玖元零贰分"},
		{10_050_000, "壹拾万零伍佰元整"},
		{10_700_053, "壹拾万柒仟元伍角叁分"},
		{100_100_000, "壹佰万壹仟元整"},
		{110_000_000, "壹佰壹拾万元整"},
		{1_000_000_000, "壹仟万元整"},
		{1_000_000_100, "壹仟万零壹元整"},
		{10_000_000_000, "壹亿元整"},
		{10_000_000_001, "壹亿元零壹分"},
		{10_100_000_000, "壹亿零壹佰万元整"},
		{11_000_000_000, "壹亿壹仟万元整"},
		{10_001_000_000, "壹亿零壹万元整"},
		{12_345_678_900, "壹亿贰仟叁佰肆拾伍万陆仟柒佰捌拾玖元整"},
		{100_001_000_000, "壹拾亿零壹万元整"},
		{100_000_000_100, "壹拾亿零壹元整"},
		{123_456_789_012, "壹拾贰亿叁仟肆佰伍拾陆万柒仟捌佰玖拾元壹角贰分"},
		{100_000_000_000_000, "壹万亿元整"},
		{1_000_000_000_000_000, "壹拾万亿元整"},
		{100_000_100_000_000, "壹万亿零壹佰万元整"},
		{1_000_000_000_000_000_000, "壹亿亿元整"},
		{math.MaxInt64, "玖亿贰仟贰佰叁拾叁万柒仟贰佰零叁亿陆仟捌佰伍拾肆万柒仟柒佰伍拾捌元零柒分"},
		{-1_000_000, "负壹万元整"},
		{-5, "负伍分"},
	}
	for _, c := range cases {
		if got := UpperCNY(c.fen); got != c.want {
			t.Errorf("UpperCNY(%s) = %s, want %s", c.fen, got, c.want)
		}
	}
}

// TestUpperCNYShape checks rules that must hold for every amount: no two 零
// in a row, no 零 before a unit or at the end, 整 only right after 元.
func TestUpperCNYShape(t *testing.T) {
	amounts := []money.Fen{math.MaxInt64, math.MinInt64 + 1, math.MinInt64}
	for f := money.Fen(0); f < 200_000; f += 7 {
		amounts = append(amounts, f, f*1_000_003, f*100_000_007)
	}
	for _, f := range amounts {
		s := UpperCNY(f)
		switch {
		case strings.Contains(s, "零零"), strings.Contains(s, "零元") && f != 0,
			strings.Contains(s, "零万"), strings.Contains(s, "零亿"), strings.HasSuffix(s, "零"):
			t.Fatalf("UpperCNY(%d) = %s: misplaced 零", f, s)
		case strings.Contains(s, "整") && !strings.HasSuffix(s, "元整"):
			t.Fatalf("UpperCNY(%d) = %s: 整 must follow 元", f, s)
		case f%100 == 0 && !strings.HasSuffix(s, "整"):
			t.Fatalf("UpperCNY(%d) = %s: whole yuan must end with 整", f, s)
		case strings.ContainsAny(s, "0123456789"):
			t.Fatalf("UpperCNY(%d) = %s: contains a figure", f, s)
		}
	}
}
