package wxpaytest

import (
	"bytes"
	"fmt"
	"time"
)

// Reconciliation side of the fake: bills become ready at 09:00 the next
// business day (before that WeChat Pay answers 400 STATEMENT_CREATING), a
// download_url lives 5 minutes, money can move without us (out of band),
// and a bill can be served damaged.

// BillReadyHour is when (Asia/Shanghai, the day after the bill date) a
// bill can be downloaded; fetch after 10:00 (refs/batch.md §1).
const BillReadyHour = 9

// BillURLTTL is how long a download_url is valid.
const BillURLTTL = 5 * time.Minute

// billReady reports whether the bill of date may be served now.
func (f *Fake) billReady(date string) bool {
	d, err := time.ParseInLocation(time.DateOnly, date, shanghai)
	return err == nil && !f.nowCST().Before(d.AddDate(0, 0, 1).Add(BillReadyHour*time.Hour))
}

// ShiftClock moves the fake's business clock forward by d (tests whose
// Options.Now is fixed: a bill of today becomes ready tomorrow).
func (f *Fake) ShiftClock(d time.Duration) { f.shift.Add(int64(d)) }

// Bill damage SetBillFault can serve. Each is consistent with its SHA-1
// (WeChat Pay served it so) except BillFaultHash.
const (
	BillFaultNone          = ""
	BillFaultHash          = "hash"           // the file differs from hash_value
	BillFaultTruncated     = "truncated"      // the summary lines are missing
	BillFaultMalformed     = "malformed"      // a detail row lost a field
	BillFaultUnknownColumn = "unknown_column" // a column the parser does not know
	BillFaultOtherMerchant = "other_merchant" // the rows name another 商户号
)

var billFaults = map[string]bool{BillFaultNone: true, BillFaultHash: true, BillFaultTruncated: true, BillFaultMalformed: true,
	BillFaultUnknownColumn: true, BillFaultOtherMerchant: true}

// SetBillFault serves every bill damaged as kind until set back to
// BillFaultNone.
func (f *Fake) SetBillFault(kind string) error {
	if !billFaults[kind] {
		return fmt.Errorf("wxpaytest: unknown bill fault %q", kind)
	}
	f.mu.Lock()
	f.settings.billFault = kind
	f.mu.Unlock()
	return nil
}

// damage applies kind to a bill file (before its hash, but BillFaultHash).
func (f *Fake) damage(csv []byte, kind string) []byte {
	lines := bytes.SplitAfter(csv, []byte("\r\n"))
	switch kind {
	case BillFaultTruncated:
		if len(lines) > 3 {
			return bytes.Join(lines[:len(lines)-3], nil)
		}
	case BillFaultMalformed:
		if len(lines) > 2 {
			if i := bytes.LastIndex(lines[1], []byte(",`")); i > 0 {
				lines[1] = append(append([]byte(nil), lines[1][:i]...), "\r\n"...)
			}
		}
		return bytes.Join(lines, nil)
	case BillFaultUnknownColumn:
		for i, l := range lines {
			switch {
			case len(l) == 0:
			case i == 0:
				lines[i] = bytes.Replace(l, []byte("\r\n"), []byte(",神秘列\r\n"), 1)
			case l[0] == '`' && i < len(lines)-3:
				lines[i] = bytes.Replace(l, []byte("\r\n"), []byte(",`x\r\n"), 1)
			}
		}
		return bytes.Join(lines, nil)
	case BillFaultOtherMerchant:
		return bytes.ReplaceAll(csv, []byte(",`"+f.mchID+",`"), []byte(",`1900009999,`"))
	case BillFaultHash:
		// An amount changed after the hash was taken: same length, wrong SHA-1.
		return bytes.Replace(csv, []byte(".00,`"), []byte(".01,`"), 1)
	}
	return csv
}

// OutOfBand is a money movement planted at WeChat Pay that we never
// started: a payment into the merchant account or a refund out of it.
type OutOfBand struct {
	Kind       string // "payment" or "refund"
	AmountFen  int64
	OutTradeNo string    // default OOB<seq>; for a refund, the order it refunds (need not exist)
	At         time.Time // default now (business clock)
}

// PlantOutOfBand records m as succeeded, so that it appears in the day's
// trade and fund-flow bills and answers queries; nothing is notified. It
// returns the merchant number of the movement (out_trade_no or
// out_refund_no).
func (f *Fake) PlantOutOfBand(m OutOfBand) (string, error) {
	if m.AmountFen <= 0 || (m.Kind != "payment" && m.Kind != "refund") {
		return "", fmt.Errorf("wxpaytest: out-of-band kind must be payment or refund with amount_fen > 0")
	}
	if m.At.IsZero() {
		m.At = f.nowCST()
	}
	m.At = m.At.In(shanghai).Truncate(time.Second)
	f.mu.Lock()
	defer f.mu.Unlock()
	seq := f.nextSeq()
	day := m.At.Format("20060102")
	if m.OutTradeNo == "" {
		m.OutTradeNo = fmt.Sprintf("OOB%s%08d", day, seq)
	}
	if m.Kind == "payment" {
		if _, dup := f.orders[m.OutTradeNo]; dup {
			return "", fmt.Errorf("wxpaytest: order %s exists", m.OutTradeNo)
		}
		f.orders[m.OutTradeNo] = &order{Order: Order{OutTradeNo: m.OutTradeNo, TransactionID: fmt.Sprintf("4200%s%014d", day, seq),
			Description: "out of band", OpenID: "oOutOfBand", AmountFen: m.AmountFen, State: "SUCCESS", CreateTime: m.At, SuccessTime: m.At}}
		return m.OutTradeNo, nil
	}
	no := fmt.Sprintf("OOBR%s%08d", day, seq)
	tx := ""
	if o := f.orders[m.OutTradeNo]; o != nil {
		tx = o.TransactionID
	}
	f.refunds[no] = &refund{Refund: Refund{OutRefundNo: no, RefundID: fmt.Sprintf("50%s%022d", day, seq), OutTradeNo: m.OutTradeNo,
		TransactionID: tx, Reason: "out of band", RefundFen: m.AmountFen, TotalFen: m.AmountFen, Status: RefundSuccess,
		CreateTime: m.At, SuccessTime: m.At}}
	return no, nil
}

// orderOf is the order a refund refunds, an empty one when unknown (an
// out-of-band refund of an order we never saw).
func (f *Fake) orderOf(rf *refund) *order {
	if o := f.orders[rf.OutTradeNo]; o != nil {
		return o
	}
	return &order{}
}

// DropHeldNotifications loses the held notifications for good (WeChat
// Pay gave up after its retries) and stops holding; it says how many. The
// orders stay paid: only a query or the bill can show them.
func (f *Fake) DropHeldNotifications() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := len(f.held)
	f.held, f.notifyCtl.hold = nil, false
	return n
}
