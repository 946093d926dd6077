package wxpay_test

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/wxpay"
)

// endless is a 2 GB line: a header, then one detail line that never ends.
type endless struct{ read, limit int64 }

func (e *endless) Read(p []byte) (int, error) {
	if e.read >= e.limit {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > e.limit-e.read {
		n = e.limit - e.read
	}
	for i := range p[:n] {
		p[i] = 'x'
	}
	if e.read == 0 {
		copy(p, "交易时间,商户订单号\n`")
	}
	e.read += n
	return int(n), nil
}

// A 2 GB line is refused after reading one line's bound, not buffered.
func TestAHugeLineIsRefusedAfterTheLineBound(t *testing.T) {
	r := &endless{limit: 2 << 30}
	_, err := wxpay.ScanTradeBillStrict(r, func(wxpay.TradeBillRow) error { return nil })
	if !errors.Is(err, wxpay.ErrBillFormat) {
		t.Fatalf("err %v", err)
	}
	if r.read > 1<<20 {
		t.Fatalf("read %d bytes of a 2 GB line before refusing it", r.read)
	}
}

func TestStrictScanRefusesUnknownColumns(t *testing.T) {
	bill := "交易时间,商户订单号,应结订单金额,神秘列\n`2026-03-05 10:00:00,`R1,`1.00,`x\n总交易单数,应结订单总金额\n`1,`1.00\n"
	if _, err := wxpay.ScanTradeBillStrict(strings.NewReader(bill), func(wxpay.TradeBillRow) error { return nil }); !errors.Is(err, wxpay.ErrBillFormat) || !strings.Contains(err.Error(), "神秘列") {
		t.Fatalf("err %v", err)
	}
	if _, err := wxpay.ScanTradeBill(strings.NewReader(bill), func(wxpay.TradeBillRow) error { return nil }); err != nil {
		t.Fatalf("the lenient scan refused it: %v", err)
	}
}

func FuzzScanTradeBillStrict(f *testing.F) {
	f.Add([]byte("交易时间,商户订单号,应结订单金额\n`2026-03-05 10:00:00,`R1,`1.00\n总交易单数,应结订单总金额\n`1,`1.00\n"))
	f.Add([]byte("交易时间,商户订单号,手续费,x\n`2026-03-05 10:00:00,`R1,`0.00006,`y\n总交易单数\n`1\n"))
	f.Add([]byte("商户订单号\r\n`R1\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		_, err := wxpay.ScanTradeBillStrict(bytes.NewReader(data), func(r wxpay.TradeBillRow) error {
			n++
			if r.Extra != nil {
				t.Fatalf("strict scan kept unknown columns %v", r.Extra)
			}
			return nil
		})
		if err != nil && !errors.Is(err, wxpay.ErrBillFormat) {
			t.Fatalf("error outside ErrBillFormat: %v", err)
		}
		if n > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d rows from %d lines", n, bytes.Count(data, []byte("\n"))+1)
		}
	})
}
