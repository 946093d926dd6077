package wxpaytest

import (
	"bytes"
	"compress/gzip"
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bill format served (the refs' trade bill layout): detail fields are
// backtick-prefixed, amounts in yuan with two decimals, fees with five
// (0.6% of the amount, exact), then a summary header and row. The fund
// flow bill's balance starts each day at OpeningBalanceFen. A bill is
// served from 09:00 (business clock) the day after its date (before that
// 400 STATEMENT_CREATING); a date with no rows answers 400
// NO_STATEMENT_EXIST. The download_url lives BillURLTTL (recon.go).

// OpeningBalanceFen is each account's balance at the start of a bill day.
const OpeningBalanceFen = 100_000_000_00

// TradeBillHeader and TradeBillSummaryHeader are the trade bill (ALL)
// header lines the fake serves.
var TradeBillHeader = "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"

var TradeBillSummaryHeader = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"

var fundHeader = "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额（元）,账户结余（元）,资金变更提交申请人,备注,业务凭证号"

var fundSummaryHeader = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额"

// yuan formats an integer count of 10^-scale yuan units exactly, e.g.
// (1234, 2) → "12.34", (-6, 5) → "-0.00006".
func yuan(v int64, scale int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := strconv.FormatInt(v, 10)
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	if neg {
		s = "-" + s
	}
	return s
}

func ticked(fields ...string) string { return "`" + strings.Join(fields, ",`") }

type billLine struct {
	at   time.Time
	text string
}

// TradeBillCSV builds the trade bill of date (YYYY-MM-DD, Asia/Shanghai)
// and billType (ALL, SUCCESS, REFUND) from the fake's orders and refunds;
// ok is false when there is no row.
func (f *Fake) TradeBillCSV(date, billType string) (csv []byte, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var lines []billLine
	var count, settle, refund, fee, total, requested int64
	onDate := func(t time.Time) bool { return !t.IsZero() && t.In(shanghai).Format(time.DateOnly) == date }
	if billType != "REFUND" {
		for _, o := range f.orders {
			if o.TransactionID == "" || !onDate(o.SuccessTime) {
				continue
			}
			feeM := o.AmountFen * 6
			count, settle, fee, total = count+1, settle+o.AmountFen, fee+feeM, total+o.AmountFen
			lines = append(lines, billLine{o.SuccessTime, ticked(o.SuccessTime.In(shanghai).Format(time.DateTime), f.appID, f.mchID, "0", "",
				o.TransactionID, o.OutTradeNo, o.OpenID, "JSAPI", "SUCCESS", "OTHERS", "CNY", yuan(o.AmountFen, 2), "0.00",
				"0", "0", "0.00", "0.00", "", "", o.Description, o.Attach, yuan(feeM, 5), "0.60%", yuan(o.AmountFen, 2), "0.00", "")})
		}
	}
	if billType != "SUCCESS" {
		for _, rf := range f.refunds {
			if rf.Status != RefundSuccess || !onDate(rf.SuccessTime) {
				continue
			}
			o := f.orderOf(rf)
			feeM := -rf.RefundFen * 6
			count, refund, fee, requested = count+1, refund+rf.RefundFen, fee+feeM, requested+rf.RefundFen
			lines = append(lines, billLine{rf.SuccessTime, ticked(rf.SuccessTime.In(shanghai).Format(time.DateTime), f.appID, f.mchID, "0", "",
				rf.TransactionID, rf.OutTradeNo, o.OpenID, "JSAPI", "REFUND", "OTHERS", "CNY", "0.00", "0.00",
				rf.RefundID, rf.OutRefundNo, yuan(rf.RefundFen, 2), "0.00", "ORIGINAL", "SUCCESS", o.Description, o.Attach,
				yuan(feeM, 5), "0.60%", "0.00", yuan(rf.RefundFen, 2), "")})
		}
	}
	if len(lines) == 0 {
		return nil, false
	}
	return render(TradeBillHeader, lines, TradeBillSummaryHeader, ticked(strconv.FormatInt(count, 10), yuan(settle, 2), yuan(refund, 2),
		"0.00", yuan(fee, 5), yuan(total, 2), yuan(requested, 2))), true
}

// FundFlowBillCSV builds the fund flow bill of date for accountType:
// BASIC has payments in and refunds out, OPERATION successful transfers
// out, FEES nothing.
func (f *Fake) FundFlowBillCSV(date, accountType string) (csv []byte, ok bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	type flow struct {
		at                      time.Time
		id, name, voucher, side string
		amount                  int64
	}
	var flows []flow
	onDate := func(t time.Time) bool { return !t.IsZero() && t.In(shanghai).Format(time.DateOnly) == date }
	switch accountType {
	case "BASIC":
		for _, o := range f.orders {
			if o.TransactionID != "" && onDate(o.SuccessTime) {
				flows = append(flows, flow{o.SuccessTime, o.TransactionID, "交易", o.OutTradeNo, "收入", o.AmountFen})
			}
		}
		for _, rf := range f.refunds {
			if rf.Status == RefundSuccess && onDate(rf.SuccessTime) {
				flows = append(flows, flow{rf.SuccessTime, rf.RefundID, "退款", rf.OutRefundNo, "支出", rf.RefundFen})
			}
		}
	case "OPERATION":
		for _, t := range f.transfers {
			if t.State == TransferSuccess && onDate(t.UpdateTime) {
				flows = append(flows, flow{t.UpdateTime, t.TransferBillNo, "商家转账", t.OutBillNo, "支出", t.AmountFen})
			}
		}
	}
	if len(flows) == 0 {
		return nil, false
	}
	sort.SliceStable(flows, func(i, j int) bool { return flows[i].at.Before(flows[j].at) })
	balance := int64(OpeningBalanceFen)
	var lines []billLine
	var inN, outN, inFen, outFen int64
	for i, fl := range flows {
		if fl.side == "收入" {
			balance, inN, inFen = balance+fl.amount, inN+1, inFen+fl.amount
		} else {
			balance, outN, outFen = balance-fl.amount, outN+1, outFen+fl.amount
		}
		lines = append(lines, billLine{fl.at, ticked(fl.at.In(shanghai).Format(time.DateTime), fl.id,
			fl.at.In(shanghai).Format("20060102")+strconv.Itoa(100000+i), fl.name, fl.name, fl.side, yuan(fl.amount, 2),
			yuan(balance, 2), "system", "", fl.voucher)})
	}
	return render(fundHeader, lines, fundSummaryHeader, ticked(strconv.Itoa(len(flows)), strconv.FormatInt(inN, 10),
		yuan(inFen, 2), strconv.FormatInt(outN, 10), yuan(outFen, 2))), true
}

func render(header string, lines []billLine, sumHeader, sum string) []byte {
	sort.SliceStable(lines, func(i, j int) bool { return lines[i].at.Before(lines[j].at) })
	var b bytes.Buffer
	b.WriteString(header + "\r\n")
	for _, l := range lines {
		b.WriteString(l.text + "\r\n")
	}
	b.WriteString(sumHeader + "\r\n" + sum + "\r\n")
	return b.Bytes()
}

func (f *Fake) tradeBill(r *http.Request, _ []byte, _ string) answer {
	q := r.URL.Query()
	billType := q.Get("bill_type")
	if billType == "" {
		billType = "ALL"
	}
	if !validDate(q.Get("bill_date")) || (billType != "ALL" && billType != "SUCCESS" && billType != "REFUND") {
		return fail("PARAM_ERROR", "bill_date 或 bill_type 有误")
	}
	if !f.billReady(q.Get("bill_date")) {
		return fail("STATEMENT_CREATING", "账单生成中")
	}
	csv, ok := f.TradeBillCSV(q.Get("bill_date"), billType)
	return f.billAnswer(csv, ok, q.Get("tar_type"))
}

func (f *Fake) fundFlowBill(r *http.Request, _ []byte, _ string) answer {
	q := r.URL.Query()
	acct := q.Get("account_type")
	if acct == "" {
		acct = "BASIC"
	}
	if !validDate(q.Get("bill_date")) || (acct != "BASIC" && acct != "OPERATION" && acct != "FEES") {
		return fail("PARAM_ERROR", "bill_date 或 account_type 有误")
	}
	if !f.billReady(q.Get("bill_date")) {
		return fail("STATEMENT_CREATING", "账单生成中")
	}
	csv, ok := f.FundFlowBillCSV(q.Get("bill_date"), acct)
	return f.billAnswer(csv, ok, q.Get("tar_type"))
}

func validDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// billFile is a bill behind a download token.
type billFile struct {
	csv     []byte
	expires time.Time
}

// maxBillFiles bounds the download tokens kept.
const maxBillFiles = 64

func (f *Fake) billAnswer(csv []byte, ok bool, tarType string) answer {
	if !ok {
		return fail("NO_STATEMENT_EXIST", "账单文件不存在")
	}
	if tarType != "" && tarType != "GZIP" {
		return fail("PARAM_ERROR", "tar_type 有误")
	}
	token := randomAlnum(40)
	f.mu.Lock()
	fault := f.settings.billFault
	if fault != BillFaultHash {
		csv = f.damage(csv, fault)
	}
	sum := sha1.Sum(csv)
	if fault == BillFaultHash {
		csv = f.damage(csv, fault)
	}
	f.billFiles[token+"|"+tarType] = billFile{csv: csv, expires: f.nowCST().Add(BillURLTTL)}
	f.billOrder = append(f.billOrder, token+"|"+tarType)
	if len(f.billOrder) > maxBillFiles {
		delete(f.billFiles, f.billOrder[0])
		f.billOrder = f.billOrder[1:]
	}
	f.mu.Unlock()
	u := "https://api.mch.weixin.qq.com/v3/billdownload/file?" + url.Values{"token": {token}, "tartype": {tarType}}.Encode()
	return okJSON(map[string]string{"hash_type": "SHA1", "hash_value": hex.EncodeToString(sum[:]), "download_url": u})
}

func (f *Fake) downloadBill(r *http.Request, _ []byte, fault string) answer {
	q := r.URL.Query()
	key := q.Get("token") + "|" + q.Get("tartype")
	f.mu.Lock()
	file, ok := f.billFiles[key]
	f.mu.Unlock()
	if !ok || f.nowCST().After(file.expires) {
		return fail("INVALID_REQUEST", "token 无效或已过期")
	}
	csv := file.csv
	if fault == FaultCorrupt {
		csv = append(append([]byte(nil), csv...), " "...)
	}
	if q.Get("tartype") != "GZIP" {
		return answer{raw: csv, contentType: "text/plain; charset=utf-8"}
	}
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	_, _ = zw.Write(csv)
	_ = zw.Close()
	return answer{raw: b.Bytes(), contentType: "application/octet-stream"}
}
