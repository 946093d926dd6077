package wxpay

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/wxlend/wxlend/shared/money"
)

// ErrBillFormat: a bill file is not in WeChat Pay's CSV format (or is
// truncated: the summary is missing). Wrapped with the line number.
var ErrBillFormat = errors.New("wxpay: bad bill format")

// Bill CSV format (交易账单 / 资金账单, v3): a header row; detail rows whose
// every field starts with a backtick (`); then a summary header and one
// summary row (backticked too). Amounts are yuan with two decimals (fees up
// to five) and are converted exactly, by string arithmetic, to fen (fees to
// milli-fen, 0.00001 yuan). Columns are found by header name, so added,
// removed or reordered columns are tolerated; unknown ones land in Extra.
// Times are Asia/Shanghai wall clock ("2006-01-02 15:04:05").

// TradeBillRow is one detail row of a trade bill. A refund row has
// TradeState REFUND and the Refund* fields; a payment row SUCCESS.
type TradeBillRow struct {
	TradeTime          time.Time // 交易时间
	AppID              string    // 公众账号ID
	MchID              string    // 商户号
	SubMchID           string    // 特约商户号
	DeviceID           string    // 设备号
	TransactionID      string    // 微信订单号
	OutTradeNo         string    // 商户订单号
	OpenID             string    // 用户标识
	TradeType          string    // 交易类型
	TradeState         string    // 交易状态
	BankType           string    // 付款银行
	Currency           string    // 货币种类
	SettlementFen      money.Fen // 应结订单金额
	CouponFen          money.Fen // 代金券金额
	RefundID           string    // 微信退款单号
	OutRefundNo        string    // 商户退款单号
	RefundFen          money.Fen // 退款金额
	CouponRefundFen    money.Fen // 充值券退款金额
	RefundType         string    // 退款类型
	RefundStatus       string    // 退款状态
	Description        string    // 商品名称
	Attach             string    // 商户数据包
	FeeMilliFen        int64     // 手续费, in 0.001 fen
	FeeRate            string    // 费率, e.g. "0.60%"
	TotalFen           money.Fen // 订单金额
	RequestedRefundFen money.Fen // 申请退款金额
	FeeRateNote        string    // 费率备注
	Extra              map[string]string
}

// TradeBillSummary is the trade bill's summary row.
type TradeBillSummary struct {
	Count              int64     // 总交易单数
	SettlementFen      money.Fen // 应结订单总金额
	RefundFen          money.Fen // 退款总金额
	CouponRefundFen    money.Fen // 充值券退款总金额
	FeeMilliFen        int64     // 手续费总金额
	TotalFen           money.Fen // 订单总金额
	RequestedRefundFen money.Fen // 申请退款总金额
}

// FundFlowRow is one detail row of a fund flow bill.
type FundFlowRow struct {
	Time         time.Time // 记账时间
	BusinessID   string    // 微信支付业务单号
	FlowID       string    // 资金流水单号
	BusinessName string    // 业务名称
	BusinessType string    // 业务类型
	Direction    string    // 收支类型: 收入 or 支出
	AmountFen    money.Fen // 收支金额
	BalanceFen   money.Fen // 账户结余
	Applicant    string    // 资金变更提交申请人
	Remark       string    // 备注
	VoucherNo    string    // 业务凭证号 (out_trade_no, out_refund_no, out_bill_no)
	Extra        map[string]string
}

// FundFlowSummary is the fund flow bill's summary row.
type FundFlowSummary struct {
	Count        int64     // 资金流水总笔数
	IncomeCount  int64     // 收入笔数
	IncomeFen    money.Fen // 收入金额
	ExpenseCount int64     // 支出笔数
	ExpenseFen   money.Fen // 支出金额
}

type column[T any] func(*T, string) error

func str[T any](f func(*T) *string) column[T] {
	return func(t *T, v string) error { *f(t) = v; return nil }
}

func fen[T any](f func(*T) *money.Fen) column[T] {
	return func(t *T, v string) error {
		n, err := parseDecimal(v, 2)
		*f(t) = money.Fen(n)
		return err
	}
}

func milliFen[T any](f func(*T) *int64) column[T] {
	return func(t *T, v string) error {
		n, err := parseDecimal(v, 5)
		*f(t) = n
		return err
	}
}

func count[T any](f func(*T) *int64) column[T] {
	return func(t *T, v string) error {
		n, err := parseDecimal(v, 0)
		*f(t) = n
		return err
	}
}

func wallTime[T any](f func(*T) *time.Time) column[T] {
	return func(t *T, v string) error {
		if v == "" {
			return nil
		}
		tm, err := time.ParseInLocation(time.DateTime, v, shanghai)
		if err != nil {
			return fmt.Errorf("time %q is not YYYY-MM-DD hh:mm:ss", v)
		}
		*f(t) = tm
		return nil
	}
}

type tbr = TradeBillRow

var tradeRowCols = map[string]column[TradeBillRow]{
	"交易时间":         wallTime(func(r *tbr) *time.Time { return &r.TradeTime }),
	"公众账号ID":       str(func(r *tbr) *string { return &r.AppID }),
	"商户号":          str(func(r *tbr) *string { return &r.MchID }),
	"特约商户号":        str(func(r *tbr) *string { return &r.SubMchID }),
	"子商户号":         str(func(r *tbr) *string { return &r.SubMchID }),
	"设备号":          str(func(r *tbr) *string { return &r.DeviceID }),
	"微信订单号":        str(func(r *tbr) *string { return &r.TransactionID }),
	"商户订单号":        str(func(r *tbr) *string { return &r.OutTradeNo }),
	"用户标识":         str(func(r *tbr) *string { return &r.OpenID }),
	"交易类型":         str(func(r *tbr) *string { return &r.TradeType }),
	"交易状态":         str(func(r *tbr) *string { return &r.TradeState }),
	"付款银行":         str(func(r *tbr) *string { return &r.BankType }),
	"货币种类":         str(func(r *tbr) *string { return &r.Currency }),
	"应结订单金额":       fen(func(r *tbr) *money.Fen { return &r.SettlementFen }),
	"代金券金额":        fen(func(r *tbr) *money.Fen { return &r.CouponFen }),
	"企业红包金额":       fen(func(r *tbr) *money.Fen { return &r.CouponFen }),
	"微信退款单号":       str(func(r *tbr) *string { return &r.RefundID }),
	"商户退款单号":       str(func(r *tbr) *string { return &r.OutRefundNo }),
	"退款金额":         fen(func(r *tbr) *money.Fen { return &r.RefundFen }),
	"充值券退款金额":      fen(func(r *tbr) *money.Fen { return &r.CouponRefundFen }),
	"代金券或立减优惠退款金额": fen(func(r *tbr) *money.Fen { return &r.CouponRefundFen }),
	"企业红包退款金额":     fen(func(r *tbr) *money.Fen { return &r.CouponRefundFen }),
	"退款类型":         str(func(r *tbr) *string { return &r.RefundType }),
	"退款状态":         str(func(r *tbr) *string { return &r.RefundStatus }),
	"商品名称":         str(func(r *tbr) *string { return &r.Description }),
	"商户数据包":        str(func(r *tbr) *string { return &r.Attach }),
	"手续费":          milliFen(func(r *tbr) *int64 { return &r.FeeMilliFen }),
	"费率":           str(func(r *tbr) *string { return &r.FeeRate }),
	"订单金额":         fen(func(r *tbr) *money.Fen { return &r.TotalFen }),
	"申请退款金额":       fen(func(r *tbr) *money.Fen { return &r.RequestedRefundFen }),
	"费率备注":         str(func(r *tbr) *string { return &r.FeeRateNote }),
}

type tbs = TradeBillSummary

var tradeSummaryCols = map[string]column[TradeBillSummary]{
	"总交易单数":         count(func(s *tbs) *int64 { return &s.Count }),
	"应结订单总金额":       fen(func(s *tbs) *money.Fen { return &s.SettlementFen }),
	"总交易额":          fen(func(s *tbs) *money.Fen { return &s.SettlementFen }),
	"退款总金额":         fen(func(s *tbs) *money.Fen { return &s.RefundFen }),
	"总退款金额":         fen(func(s *tbs) *money.Fen { return &s.RefundFen }),
	"充值券退款总金额":      fen(func(s *tbs) *money.Fen { return &s.CouponRefundFen }),
	"总代金券或立减优惠退款金额": fen(func(s *tbs) *money.Fen { return &s.CouponRefundFen }),
	"总企业红包退款金额":     fen(func(s *tbs) *money.Fen { return &s.CouponRefundFen }),
	"手续费总金额":        milliFen(func(s *tbs) *int64 { return &s.FeeMilliFen }),
	"总手续费":          milliFen(func(s *tbs) *int64 { return &s.FeeMilliFen }),
	"订单总金额":         fen(func(s *tbs) *money.Fen { return &s.TotalFen }),
	"申请退款总金额":       fen(func(s *tbs) *money.Fen { return &s.RequestedRefundFen }),
}

type ffr = FundFlowRow

var fundRowCols = map[string]column[FundFlowRow]{
	"记账时间":      wallTime(func(r *ffr) *time.Time { return &r.Time }),
	"微信支付业务单号":  str(func(r *ffr) *string { return &r.BusinessID }),
	"资金流水单号":    str(func(r *ffr) *string { return &r.FlowID }),
	"业务名称":      str(func(r *ffr) *string { return &r.BusinessName }),
	"业务类型":      str(func(r *ffr) *string { return &r.BusinessType }),
	"收支类型":      str(func(r *ffr) *string { return &r.Direction }),
	"收支金额":      fen(func(r *ffr) *money.Fen { return &r.AmountFen }),
	"账户结余":      fen(func(r *ffr) *money.Fen { return &r.BalanceFen }),
	"资金变更提交申请人": str(func(r *ffr) *string { return &r.Applicant }),
	"备注":        str(func(r *ffr) *string { return &r.Remark }),
	"业务凭证号":     str(func(r *ffr) *string { return &r.VoucherNo }),
}

type ffs = FundFlowSummary

var fundSummaryCols = map[string]column[FundFlowSummary]{
	"资金流水总笔数": count(func(s *ffs) *int64 { return &s.Count }),
	"收入笔数":    count(func(s *ffs) *int64 { return &s.IncomeCount }),
	"收入金额":    fen(func(s *ffs) *money.Fen { return &s.IncomeFen }),
	"支出笔数":    count(func(s *ffs) *int64 { return &s.ExpenseCount }),
	"支出金额":    fen(func(s *ffs) *money.Fen { return &s.ExpenseFen }),
}

// ScanTradeBill streams a trade bill: fn gets each detail row in order
// (an error from fn stops the scan and is returned); the summary comes
// back at the end. Errors wrap ErrBillFormat with a line number.
func ScanTradeBill(r io.Reader, fn func(TradeBillRow) error) (TradeBillSummary, error) {
	return scanBill(r, false, tradeRowCols, tradeSummaryCols, func(row *TradeBillRow, k, v string) {
		if row.Extra == nil {
			row.Extra = map[string]string{}
		}
		row.Extra[k] = v
	}, fn)
}

// ParseTradeBill reads a whole trade bill into memory (see ScanTradeBill
// for a streaming read).
func ParseTradeBill(r io.Reader) ([]TradeBillRow, TradeBillSummary, error) {
	var rows []TradeBillRow
	s, err := ScanTradeBill(r, func(row TradeBillRow) error { rows = append(rows, row); return nil })
	if err != nil {
		return nil, TradeBillSummary{}, err
	}
	return rows, s, nil
}

// ScanFundFlowBill streams a fund flow bill like ScanTradeBill.
func ScanFundFlowBill(r io.Reader, fn func(FundFlowRow) error) (FundFlowSummary, error) {
	return scanBill(r, false, fundRowCols, fundSummaryCols, func(row *FundFlowRow, k, v string) {
		if row.Extra == nil {
			row.Extra = map[string]string{}
		}
		row.Extra[k] = v
	}, fn)
}

// ScanTradeBillStrict is ScanTradeBill refusing any column it does not
// know (header or summary) with ErrBillFormat: reconciliation matches on
// what it understands only, so a changed format stops it instead of being
// half-read.
func ScanTradeBillStrict(r io.Reader, fn func(TradeBillRow) error) (TradeBillSummary, error) {
	return scanBill(r, true, tradeRowCols, tradeSummaryCols, nil, fn)
}

// ScanFundFlowBillStrict is ScanFundFlowBill refusing unknown columns.
func ScanFundFlowBillStrict(r io.Reader, fn func(FundFlowRow) error) (FundFlowSummary, error) {
	return scanBill(r, true, fundRowCols, fundSummaryCols, nil, fn)
}

// ParseFundFlowBill reads a whole fund flow bill into memory.
func ParseFundFlowBill(r io.Reader) ([]FundFlowRow, FundFlowSummary, error) {
	var rows []FundFlowRow
	s, err := ScanFundFlowBill(r, func(row FundFlowRow) error { rows = append(rows, row); return nil })
	if err != nil {
		return nil, FundFlowSummary{}, err
	}
	return rows, s, nil
}

// VerifyTradeBill checks that the detail rows add up to the summary: count,
// settlement and refund totals. (Checked against the fake's bills; the
// exact semantics of WeChat Pay's totals are unconfirmed — treat a
// mismatch on a real bill as a signal for review, not proof of loss.)
func VerifyTradeBill(rows []TradeBillRow, s TradeBillSummary) error {
	var settle, refund money.Fen
	for _, r := range rows {
		settle += r.SettlementFen
		refund += r.RefundFen
	}
	switch {
	case int64(len(rows)) != s.Count:
		return fmt.Errorf("%w: %d rows, summary says %d", ErrBillFormat, len(rows), s.Count)
	case settle != s.SettlementFen:
		return fmt.Errorf("%w: settlement rows sum to %s, summary says %s", ErrBillFormat, settle, s.SettlementFen)
	case refund != s.RefundFen:
		return fmt.Errorf("%w: refund rows sum to %s, summary says %s", ErrBillFormat, refund, s.RefundFen)
	}
	return nil
}

// maxBillLine bounds one line of a bill file.
const maxBillLine = 64 << 10

func scanBill[Row, Sum any](r io.Reader, strict bool, rowCols map[string]column[Row], sumCols map[string]column[Sum],
	extra func(*Row, string, string), fn func(Row) error) (Sum, error) {
	var zero, sum Sum
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxBillLine)
	var header, sumHeader []string
	var setters []column[Row]
	stage, line := 0, 0 // 0 header, 1 detail rows, 2 summary row, 3 done
	fail := func(format string, args ...any) (Sum, error) {
		return zero, fmt.Errorf("%w: line %d: %s", ErrBillFormat, line, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if line == 1 {
			text = strings.TrimPrefix(text, "\ufeff")
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		ticked := strings.HasPrefix(text, "`")
		switch {
		case stage == 0 && !ticked:
			header = splitHeader(text)
			var err error
			if setters, err = settersOf(header, rowCols, strict); err != nil {
				return fail("%v", err)
			}
			stage = 1
		case stage == 1 && ticked:
			var row Row
			if err := fillRow(&row, header, setters, splitTicked(text), extra); err != nil {
				return fail("%v", err)
			}
			if err := fn(row); err != nil {
				return zero, err
			}
		case stage == 1 && !ticked:
			sumHeader = splitHeader(text)
			if _, err := settersOf(sumHeader, sumCols, strict); err != nil {
				return fail("summary %v", err)
			}
			stage = 2
		case stage == 2 && ticked:
			if err := fill(&sum, sumHeader, splitTicked(text), sumCols, nil); err != nil {
				return fail("%v", err)
			}
			stage = 3
		default:
			return fail("unexpected line")
		}
	}
	if err := sc.Err(); err != nil {
		return fail("%v", err)
	}
	if stage != 3 {
		return fail("no summary row (truncated bill?)")
	}
	return sum, nil
}

// settersOf is the setter of each header column (nil for one it does not
// know, refused when strict); a header naming no known column is refused.
func settersOf[T any](header []string, cols map[string]column[T], strict bool) ([]column[T], error) {
	setters := make([]column[T], len(header))
	known := false
	for i, h := range header {
		setters[i] = cols[h]
		switch {
		case setters[i] != nil:
			known = true
		case strict:
			return nil, fmt.Errorf("header names unknown column %q", h)
		}
	}
	if !known {
		return nil, errors.New("header names no known column")
	}
	return setters, nil
}

func fillRow[T any](t *T, header []string, setters []column[T], fields []string, extra func(*T, string, string)) error {
	if len(fields) != len(setters) {
		return fmt.Errorf("%d fields, header has %d", len(fields), len(setters))
	}
	for i, set := range setters {
		if set != nil {
			if err := set(t, fields[i]); err != nil {
				return fmt.Errorf("column %s: %v", header[i], err)
			}
		} else if extra != nil {
			extra(t, header[i], fields[i])
		}
	}
	return nil
}

func fill[T any](t *T, header, fields []string, cols map[string]column[T], extra func(*T, string, string)) error {
	if len(fields) != len(header) {
		return fmt.Errorf("%d fields, header has %d", len(fields), len(header))
	}
	for i, name := range header {
		if set, ok := cols[name]; ok {
			if err := set(t, fields[i]); err != nil {
				return fmt.Errorf("column %s: %v", name, err)
			}
		} else if extra != nil {
			extra(t, name, fields[i])
		}
	}
	return nil
}

func splitHeader(s string) []string {
	parts := strings.Split(s, ",")
	for i, p := range parts {
		p = strings.TrimSpace(strings.TrimPrefix(p, "\ufeff"))
		p = strings.TrimSuffix(strings.TrimSuffix(p, "（元）"), "(元)")
		parts[i] = p
	}
	return parts
}

// splitTicked splits a backticked row on ",`": a comma inside a field
// (e.g. in 商品名称) is not followed by a backtick, so it stays in place.
func splitTicked(s string) []string {
	return strings.Split(strings.TrimPrefix(s, "`"), ",`")
}

// parseDecimal converts a decimal string exactly to an integer count of
// 10^-scale units: "12.34" at scale 2 is 1234. More decimals than scale are
// accepted only when they are zeros; an empty string is 0. No float is
// involved, so every fen is exact.
func parseDecimal(s string, scale int) (int64, error) {
	if s == "" {
		return 0, nil
	}
	if len(s) > 40 {
		return 0, errors.New("amount too long")
	}
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg, s = s[0] == '-', s[1:]
	}
	intPart, frac, hasDot := strings.Cut(s, ".")
	if intPart == "" || (hasDot && frac == "") {
		return 0, fmt.Errorf("amount %q is not a decimal", s)
	}
	if len(frac) > scale {
		if strings.Trim(frac[scale:], "0") != "" {
			return 0, fmt.Errorf("amount %q has more than %d decimals", s, scale)
		}
		frac = frac[:scale]
	}
	frac += strings.Repeat("0", scale-len(frac))
	var v int64
	for _, c := range intPart + frac {
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("amount %q is not a decimal", s)
		}
		if v > (1<<63-1-int64(c-'0'))/10 {
			return 0, fmt.Errorf("amount %q out of range", s)
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, nil
}
