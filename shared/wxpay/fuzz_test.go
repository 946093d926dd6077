package wxpay_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/wxpay"
	"github.com/wxlend/wxlend/shared/wxpay/wxpaytest"
)

func FuzzParseTradeBill(f *testing.F) {
	f.Add([]byte("交易时间,商户订单号,应结订单金额\n`2026-03-05 10:00:00,`R1,`1.00\n总交易单数,应结订单总金额\n`1,`1.00\n"))
	f.Add([]byte("交易时间,商户订单号,应结订单金额\n`x,`R1,`-0.0\n总交易单数\n`1\n"))
	f.Add([]byte("\ufeff手续费\r\n`0.00001\r\n手续费总金额\r\n`0.00001\r\n"))
	f.Add([]byte("应结订单金额\n`,`,`\n总交易单数\n`"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, sum, err := wxpay.ParseTradeBill(bytes.NewReader(data))
		if err != nil {
			return
		}
		if len(rows) > bytes.Count(data, []byte("\n"))+1 {
			t.Fatalf("%d rows from %d lines", len(rows), bytes.Count(data, []byte("\n"))+1)
		}
		for _, r := range rows {
			// an amount that parsed prints back to a parseable amount of the same value
			back, err := money.ParseYuan(r.SettlementFen.String())
			if err != nil || back != r.SettlementFen {
				t.Fatalf("%v does not round-trip: %v %v", r.SettlementFen, back, err)
			}
		}
		_ = wxpay.VerifyTradeBill(rows, sum)
	})
}

func FuzzParseNotificationBody(f *testing.F) {
	cfg := wxpaytest.DevConfig("http://127.0.0.1:1", "http://127.0.0.1:2")
	client, err := wxpay.New(context.Background(), cfg)
	if err != nil {
		f.Fatal(err)
	}
	genuine, _ := wxpaytest.NewNotificationBody("EV-1", wxpay.EventTransferFinished, "s", "mch_payment",
		map[string]any{"mchid": wxpaytest.DevMchID, "out_bill_no": "D1", "state": "SUCCESS", "transfer_amount": 1}, businessNow)
	f.Add(genuine, true)
	f.Add([]byte(`{}`), true)
	f.Add([]byte(`{"resource":null}`), true)
	f.Add([]byte(`{"resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"x","ciphertext":"!!"}}`), true)
	f.Add([]byte(`{"create_time":"yesterday","resource":{"algorithm":"AEAD_AES_256_GCM","nonce":"abcdefghijkl","ciphertext":""}}`), true)
	f.Add([]byte(`not json`), false)
	f.Fuzz(func(t *testing.T, body []byte, sign bool) {
		r, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/notify/wxpay/transfer", bytes.NewReader(body))
		if sign {
			wxpaytest.SignNotification(r.Header, body, "")
		} else {
			r.Header.Set("Wechatpay-Serial", wxpaytest.DevPublicKeyID)
			r.Header.Set("Wechatpay-Timestamp", strings.Repeat("9", len(body)%25))
		}
		n, err := client.ParseNotification(context.Background(), r)
		if err != nil {
			return
		}
		_, _ = n.Transfer()
		_, _ = n.Transaction()
		_, _ = n.Refund()
	})
}
