package contract

import (
	"strings"

	"github.com/wxlend/wxlend/shared/money"
)

// Chinese financial numerals (大写数字): unlike 一二三 they cannot be turned
// into another number by adding a stroke, which is why contracts, cheques
// and receipts state every amount in them as well as in figures.
var (
	upperDigits = [10]string{"零", "壹", "贰", "叁", "肆", "伍", "陆", "柒", "捌", "玖"}
	upperUnits  = [4]string{"", "拾", "佰", "仟"}
)

// UpperCNY writes an amount in Chinese financial uppercase (大写金额), the
// way the PBoC rules for filling in payment documents (正确填写票据和结算凭证
// 的基本规定) ask for it, without the leading 人民币:
//
//   - 元 is followed by 整 when there are no 角 and 分: 10000.00 → 壹万元整;
//   - nothing follows 角 or 分: 10005.20 → 壹万零伍元贰角, 1.23 → 壹元贰角叁分;
//   - zeros between non-zero digits are written as one 零, including across
//     the 万 and 亿 groups: 1000010000.00 → 壹拾亿零壹万元整;
//   - 角 = 0 with 分 ≠ 0 puts 零 after 元: 325.04 → 叁佰贰拾伍元零肆分;
//   - a zero units digit before non-zero 角 takes no 零 (the rules allow
//     either; wxlend always omits it): 10.20 → 壹拾元贰角;
//   - a leading ten is 壹拾, never a bare 拾: 10.00 → 壹拾元整;
//   - less than one yuan has no 元: 0.05 → 伍分, 0.50 → 伍角;
//   - zero is 零元整; a negative amount is prefixed 负.
//
// Above 亿 the count of 亿 is itself written with 万 and 亿 (nested 万进:
// 10^12 yuan → 壹万亿元整, 10^16 yuan → 壹亿亿元整), so every int64 has a
// rendering; contracts never come near that (lending.MaxLoanFen is 壹亿元).
func UpperCNY(f money.Fen) string {
	if f < 0 {
		return "负" + upperFen(uint64(-f)) // two's complement: exact even for MinInt64
	}
	return upperFen(uint64(f))
}

func upperFen(f uint64) string {
	yuan, jiao, fen := f/100, f%100/10, f%10
	var b strings.Builder
	if yuan > 0 {
		b.WriteString(upperInteger(yuan))
		b.WriteString("元")
	}
	switch {
	case yuan == 0 && jiao == 0 && fen == 0:
		return "零元整"
	case jiao == 0 && fen == 0:
		b.WriteString("整")
		return b.String()
	case jiao == 0:
		if yuan > 0 {
			b.WriteString("零")
		}
	default:
		b.WriteString(upperDigits[jiao] + "角")
	}
	if fen > 0 {
		b.WriteString(upperDigits[fen] + "分")
	}
	return b.String()
}

// upperInteger writes n > 0 with 万 and 亿 groups: the part above 亿
// recursively, then 亿, then a 零 if the next digit (千万) is zero, then the
// part below 亿.
func upperInteger(n uint64) string {
	const yi = 1_0000_0000
	if n < yi {
		return below1e8(n)
	}
	high, low := n/yi, n%yi
	s := upperInteger(high) + "亿"
	if low == 0 {
		return s
	}
	if low < yi/10 {
		s += "零"
	}
	return s + below1e8(low)
}

// below1e8 writes 0 < n < 10^8 as [thousands-group 万] [零] [units group].
func below1e8(n uint64) string {
	if n < 1_0000 {
		return below1e4(n)
	}
	high, low := n/1_0000, n%1_0000
	s := below1e4(high) + "万"
	if low == 0 {
		return s
	}
	if low < 1000 {
		s += "零"
	}
	return s + below1e4(low)
}

// below1e4 writes 0 < n < 10^4 from its first non-zero digit: each
// non-zero digit with its unit, one 零 for any run of zeros followed by a
// non-zero digit, nothing for trailing zeros.
func below1e4(n uint64) string {
	var b strings.Builder
	zeros := false
	started := false
	for pos := 3; pos >= 0; pos-- {
		d := n / pow10[pos] % 10
		switch {
		case d == 0:
			zeros = started
		default:
			if zeros {
				b.WriteString("零")
			}
			b.WriteString(upperDigits[d] + upperUnits[pos])
			zeros, started = false, true
		}
	}
	return b.String()
}

var pow10 = [4]uint64{1, 10, 100, 1000}
