package wxpay

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	valid := []struct {
		in    string
		scale int
		want  int64
	}{
		{"0.01", 2, 1}, {"12.34", 2, 1234}, {"12.3", 2, 1230}, {"12", 2, 1200}, {"-0.05", 2, -5},
		{"+7.00", 2, 700}, {"0.10000", 2, 10}, {"", 2, 0}, {"0.00006", 5, 6}, {"-1.23456", 5, -123456},
		{"92233720368547758.07", 2, 1<<63 - 1}, {"3", 0, 3}, {"3.000", 0, 3},
	}
	for _, tc := range valid {
		got, err := parseDecimal(tc.in, tc.scale)
		if err != nil || got != tc.want {
			t.Errorf("parseDecimal(%q, %d) = %d, %v; want %d", tc.in, tc.scale, got, err, tc.want)
		}
	}
	invalid := []struct {
		in    string
		scale int
	}{
		{"0.001", 2}, {"1e3", 2}, {"1,000.00", 2}, {".5", 2}, {"5.", 2}, {"-", 2}, {"1.2.3", 2},
		{" 1.00", 2}, {"92233720368547758.08", 2}, {"0x10", 2}, {"１.00", 2}, {strings.Repeat("9", 41), 2}, {"1.5", 0},
	}
	for _, tc := range invalid {
		if got, err := parseDecimal(tc.in, tc.scale); err == nil {
			t.Errorf("parseDecimal(%q, %d) = %d, want an error", tc.in, tc.scale, got)
		}
	}
}

const sampleTradeBill = "\ufeff交易时间,公众账号ID,商户号,微信订单号,商户订单号,交易状态,应结订单金额,退款金额,商品名称,手续费,订单金额,新列\r\n" +
	"`2026-03-05 10:30:00,`wx1,`123,`4200001,`R1,`SUCCESS,`100.01,`0.00,`还款,第1期,`0.60006,`100.01,`x\r\n" +
	"`2026-03-05 11:00:00,`wx1,`123,`4200001,`R1,`REFUND,`0.00,`0.01,`还款,第1期,`-0.00006,`0.00,`y\r\n" +
	"\r\n" +
	"总交易单数,应结订单总金额,退款总金额,手续费总金额,订单总金额\r\n" +
	"`2,`100.01,`0.01,`0.60000,`100.01\r\n"

func TestParseTradeBillTolerantColumns(t *testing.T) {
	rows, sum, err := ParseTradeBill(strings.NewReader(sampleTradeBill))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0].SettlementFen != 10001 || rows[0].FeeMilliFen != 60006 || rows[1].RefundFen != 1 ||
		rows[1].FeeMilliFen != -6 || rows[0].Description != "还款,第1期" || rows[0].Extra["新列"] != "x" ||
		rows[0].TradeTime.Format("2006-01-02T15:04:05Z07:00") != "2026-03-05T10:30:00+08:00" {
		t.Fatalf("rows %+v", rows)
	}
	if sum.Count != 2 || sum.SettlementFen != 10001 || sum.RefundFen != 1 || sum.FeeMilliFen != 60000 || sum.TotalFen != 10001 {
		t.Fatalf("summary %+v", sum)
	}
	if err := VerifyTradeBill(rows, sum); err != nil {
		t.Fatal(err)
	}
	sum.Count = 3
	if err := VerifyTradeBill(rows, sum); !errors.Is(err, ErrBillFormat) {
		t.Fatal("a count mismatch passed")
	}
}

func TestParseTradeBillRejects(t *testing.T) {
	lines := strings.Split(sampleTradeBill, "\r\n")
	cases := map[string]string{
		"empty":             "",
		"truncated":         strings.Join(lines[:3], "\r\n"),
		"no summary row":    strings.Join(lines[:5], "\r\n"),
		"unknown header":    "a,b,c\r\n`1,`2,`3\r\n",
		"field count":       strings.Replace(sampleTradeBill, ",`x\r\n", "\r\n", 1),
		"float-ish amount":  strings.Replace(sampleTradeBill, "`100.01,`0.00,`还款", "`1.0001e2,`0.00,`还款", 1),
		"too many decimals": strings.Replace(sampleTradeBill, "`100.01,`0.00,`还款", "`100.011,`0.00,`还款", 1),
		"bad time":          strings.Replace(sampleTradeBill, "2026-03-05 10:30:00", "2026/03/05 10:30", 1),
		"trailing rows":     sampleTradeBill + "`1,`2\r\n",
		"unticked detail":   strings.Replace(sampleTradeBill, "`2026-03-05 11:00:00", "2026-03-05 11:00:00", 1),
	}
	for name, in := range cases {
		if _, _, err := ParseTradeBill(strings.NewReader(in)); !errors.Is(err, ErrBillFormat) {
			t.Errorf("%s: want ErrBillFormat, got %v", name, err)
		}
	}
}

func TestParseFundFlowBill(t *testing.T) {
	in := "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号\n" +
		"`2026-03-05 10:30:00,`1330000,`F1,`商家转账,`商家转账,`支出,`1234.56,`98765.44,`system,`,`D1\n" +
		"资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额\n" +
		"`1,`0,`0.00,`1,`1234.56\n"
	rows, sum, err := ParseFundFlowBill(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].AmountFen != 123456 || rows[0].BalanceFen != 9876544 || rows[0].VoucherNo != "D1" || sum.ExpenseFen != 123456 || sum.ExpenseCount != 1 {
		t.Fatalf("%+v %+v", rows, sum)
	}
}
