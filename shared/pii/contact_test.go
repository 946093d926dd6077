package pii_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/pii"
)

func TestParseName(t *testing.T) {
	valid := []struct{ raw, plain string }{
		{"张三", "张三"},
		{" 欧阳娜娜\u3000", "欧阳娜娜"},
		{"阿卜杜拉·买买提", "阿卜杜拉·买买提"},
		{"阿卜杜拉•买买提", "阿卜杜拉·买买提"},
		{"迪丽热巴・迪力木拉提", "迪丽热巴·迪力木拉提"},
		{"𠮷野", "𠮷野"}, // CJK extension B
		{"王〇", "王〇"},
		{strings.Repeat("买", 30), strings.Repeat("买", 30)},
	}
	for _, tt := range valid {
		n, err := pii.ParseName(tt.raw)
		if err != nil || n.Plain() != tt.plain {
			t.Errorf("ParseName(%q) = %q, %v; want %q", tt.raw, n.Plain(), err, tt.plain)
		}
	}
	invalid := []struct{ raw, reason string }{
		{"", "length"},
		{"  ", "length"},
		{"张", "length"},
		{strings.Repeat("买", 31), "length"},
		{huge, "length"},
		{"张\xff", "encoding"},
		{"\xe5\xbc", "encoding"},
		{"张3", "character"},
		{"Zhang San", "character"},
		{"张 三", "character"},
		{"张三!", "character"},
		{"张三\u200b", "character"}, // zero-width space
		{"⺁三", "character"},       // a radical, not an ideograph
		{"々三", "character"},
		{"·张三", "separator"},
		{"张三·", "separator"},
		{"张··三", "separator"},
		{"张·•三", "separator"},
	}
	for _, tt := range invalid {
		_, err := pii.ParseName(tt.raw)
		t.Run(tt.raw[:min(len(tt.raw), 12)], func(t *testing.T) {
			wantReason(t, err, apierr.InvalidArgument, pii.FieldName, tt.reason)
		})
	}
}

func TestParsePhone(t *testing.T) {
	valid := []string{
		"13812345678", "+8613812345678", "86 138 1234 5678", "138-1234-5678",
		"0086 138 1234 5678", " 13812345678\n", "+86 138-1234-5678", "8613812345678",
	}
	for _, raw := range valid {
		p, err := pii.ParsePhone(raw)
		if err != nil || p.Plain() != "13812345678" {
			t.Errorf("ParsePhone(%q) = %q, %v", raw, p.Plain(), err)
		}
	}
	for _, raw := range []string{"19912345678", "16612345678", "14712345678"} {
		if _, err := pii.ParsePhone(raw); err != nil {
			t.Errorf("ParsePhone(%q): %v", raw, err)
		}
	}
	invalid := []struct{ raw, reason string }{
		{"", "length"},
		{"1381234567", "length"},
		{"138123456789", "length"},
		{"+86", "length"},
		{"+861381234567", "length"},
		{"86 1381234567", "length"},
		{huge, "length"},
		{"+1 415 555 0100", "country_code"},
		{"+85291234567", "country_code"},
		{"+", "country_code"},
		{"1381234567a", "format"},
		{"(138)12345678", "format"},
		{"１３８１２３４５６７８", "format"},
		{"138.1234.5678", "format"},
		{"\xff\xfe", "format"},
		{"12812345678", "prefix"},
		{"10012345678", "prefix"},
		{"23812345678", "prefix"},
		{"86138123456", "prefix"},
	}
	for _, tt := range invalid {
		_, err := pii.ParsePhone(tt.raw)
		t.Run(tt.raw[:min(len(tt.raw), 16)], func(t *testing.T) {
			wantReason(t, err, apierr.InvalidArgument, pii.FieldPhone, tt.reason)
		})
	}
}

// Card fixtures were checked with an independent Luhn implementation:
// 4111111111111111 and 378282246310005 are the classic test numbers;
// 6222021234567890128 is 622202123456789012 plus its Luhn digit 8.
func TestParseBankCard(t *testing.T) {
	valid := []struct{ raw, plain string }{
		{"4111111111111111", "4111111111111111"},
		{"4111 1111 1111 1111", "4111111111111111"},
		{"6222021234567890128", "6222021234567890128"},
		{" 6222 0212 3456 7890 128 ", "6222021234567890128"},
		{"6228480402564890018", "6228480402564890018"},
		{"6217000010012345677", "6217000010012345677"},
		{"378282246310005", "378282246310005"},
		{"622588000000002", "622588000000002"},
	}
	for _, tt := range valid {
		c, err := pii.ParseBankCard(tt.raw)
		if err != nil || c.Plain() != tt.plain {
			t.Errorf("ParseBankCard(%q) = %q, %v; want %q", tt.raw, c.Plain(), err, tt.plain)
		}
	}
	invalid := []struct{ raw, reason string }{
		{"", "length"},
		{"41111111111111", "length"},
		{"62220212345678901281", "length"},
		{huge, "length"},
		{"4111-1111-1111-1111", "format"},
		{"6222O21234567890128", "format"},
		{"4111\t1111 1111 1111", "format"},
		{"\xff4111111111111111", "format"},
		{"6222021234567890120", "luhn"},
		{"4111111111111112", "luhn"},
		{"4111111111111121", "luhn"},    // transposition
		{"6217000010012345678", "luhn"}, // last digit typo
		{"6222 0212 3456 7890 121", "luhn"},
	}
	for _, tt := range invalid {
		_, err := pii.ParseBankCard(tt.raw)
		t.Run(tt.raw[:min(len(tt.raw), 20)], func(t *testing.T) {
			wantReason(t, err, apierr.InvalidArgument, pii.FieldCardNumber, tt.reason)
		})
	}
}

func TestMasking(t *testing.T) {
	tests := []struct {
		fn       func(string) string
		in, want string
		fnName   string
	}{
		{pii.MaskPhone, "13812341234", "138****1234", "phone"},
		{pii.MaskPhone, "+86 138-1234-5678", "138****5678", "phone"},
		{pii.MaskPhone, "12345", "*****", "phone"},
		{pii.MaskPhone, "", "", "phone"},
		{pii.MaskPhone, "+1 415 555 0100", "***************", "phone"},
		{pii.MaskIDNumber, "110101199003071234", "1101**********1234", "id"},
		{pii.MaskIDNumber, "11010519491231002X", "1101**********002X", "id"},
		{pii.MaskIDNumber, "110105491231002", "1101*******1002", "id"},
		{pii.MaskIDNumber, "1101051949", "**********", "id"},
		{pii.MaskIDNumber, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff", "****************", "id"},
		{pii.MaskName, "张三", "张*", "name"},
		{pii.MaskName, "欧阳娜娜", "欧***", "name"},
		{pii.MaskName, "欧阳娜", "欧**", "name"},
		{pii.MaskName, "阿卜杜拉·买买提", "阿*******", "name"},
		{pii.MaskName, "张", "*", "name"},
		{pii.MaskName, "", "", "name"},
		{pii.MaskName, "张\xff", "**", "name"},
		{pii.MaskBankCard, "6222021234567890128", "****0128", "card"},
		{pii.MaskBankCard, "4111 1111 1111 1111", "****1111", "card"},
		{pii.MaskBankCard, "1234", "****", "card"},
		{pii.MaskBankCard, "", "****", "card"},
	}
	for _, tt := range tests {
		if got := tt.fn(tt.in); got != tt.want {
			t.Errorf("mask %s(%q) = %q, want %q", tt.fnName, tt.in, got, tt.want)
		}
	}
	// Huge input: output is capped, never the input.
	for _, fn := range []func(string) string{pii.MaskPhone, pii.MaskIDNumber, pii.MaskName, pii.MaskBankCard} {
		if got := fn(huge); len(got) > 64 || strings.Contains(got, "1111") {
			t.Errorf("mask of huge input = %.80q", got)
		}
	}
}

func TestParsedValuesPrintMasked(t *testing.T) {
	n, _ := pii.ParseName("欧阳娜娜")
	p, _ := pii.ParsePhone("13812341234")
	c, _ := pii.ParseBankCard("6222021234567890128")
	got := fmt.Sprintf("%v %s %+v %#v | %v %#v | %v %#v", n, n, n, n, p, p, c, c)
	want := "欧*** 欧*** 欧*** pii.Name(欧***) | 138****1234 pii.Phone(138****1234) | ****0128 pii.BankCard(****0128)"
	if got != want {
		t.Errorf("printed %q\nwant    %q", got, want)
	}
	if c.Last4() != "0128" {
		t.Errorf("Last4 = %q", c.Last4())
	}
}
