package recon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// entry is one settled record of ours, waiting for its bill line.
type entry struct {
	amount money.Fen
	band   band
}

// band is where in the window a record settled; one byte, so a million
// entries cost no more than with a flag.
type band uint8

const (
	slackBefore band = iota // the slack before the date: the previous date's
	dayBody                 // the date, before its last Slack
	dayEnd                  // the date's last Slack: its line may be on the next date's bill
	slackAfter              // the slack after the date: the next date's
)

// inDay: settled on the bill date itself.
func (b band) inDay() bool { return b == dayBody || b == dayEnd }

// line is a bill line no record of ours in the window matched.
type line struct {
	kind, no string
	amount   money.Fen
}

// brk is a difference left for a person.
type brk struct {
	class    Class
	kind, no string
	amount   money.Fen
	evidence map[string]any
}

// day is one account's reconciliation of one bill date.
type day struct {
	d         Deps
	src       Source
	c         *wxpay.Client
	mch, date string
	from, to  time.Time
	primary   bool
	ours      map[string]map[string]entry // kind → merchant number → record
	oursNet   money.Fen                   // our records settled on the date: payments − refunds − transfers
	misses    []line
	breaks    []brk
	report    mysql.ReconRun
	tradeNet  money.Fen // trade bill: payments − refunds
	basicNet  money.Fen // BASIC fund flow: income − expense
	haveBasic bool
	// Across midnight (recon_carries): records a neighbouring date's
	// report counted (key → its date), records the previous date left to
	// this one, and what this run decides, stored with its report.
	elsewhere map[string]string
	deferred  map[string]bool
	carries   []mysql.Carry
}

// carryKey names a record in the carry sets.
func carryKey(kind, no string) string { return kind + "\x00" + no }

// carry records a decision about a record settled on another date than
// the bill's, or one left to the next date.
func (day *day) carry(kind, no, billDate, state string) {
	day.carries = append(day.carries, mysql.Carry{Kind: kind, No: no, BillDate: billDate, State: state})
}

func newDay(ctx context.Context, d Deps, src Source, c *wxpay.Client, date string) (*day, error) {
	from, err := time.ParseInLocation(time.DateOnly, date, lending.Shanghai)
	if err != nil {
		return nil, fmt.Errorf("bill date %q: %w", date, err)
	}
	day := &day{d: d, src: src, c: c, mch: src.MchID(), date: date, from: from, to: from.AddDate(0, 0, 1), primary: src.MchID() == d.Pay.Pay.MchID(),
		ours: map[string]map[string]entry{}, elsewhere: map[string]string{}, deferred: map[string]bool{}}
	store := mysql.Recon{DB: d.Pay.DB}
	if err := day.loadCarries(ctx); err != nil {
		return nil, err
	}
	sizes, err := store.OurSideCount(ctx, day.mch, day.primary, from.Add(-Slack))
	if err != nil {
		return nil, err
	}
	for _, kind := range []string{mysql.OursPayment, mysql.OursRefund, mysql.OursTransfer} {
		day.ours[kind] = make(map[string]entry, sizes[kind]) // sized once: no rehash of a million keys
	}
	day.report = mysql.ReconRun{MchID: day.mch, BillDate: date}
	sign := map[string]money.Fen{mysql.OursPayment: 1, mysql.OursRefund: -1, mysql.OursTransfer: -1}
	err = store.OurSide(ctx, day.mch, day.primary, from.Add(-Slack), func(r mysql.OursRow) {
		if !r.At.Before(day.to.Add(Slack)) {
			return
		}
		b := day.bandOf(r.At)
		day.ours[r.Kind][r.No] = entry{amount: r.AmountFen, band: b}
		if b.inDay() {
			day.oursNet += sign[r.Kind] * r.AmountFen
		}
	})
	return day, err
}

// bandOf places an instant of the window.
func (day *day) bandOf(at time.Time) band {
	switch {
	case at.Before(day.from):
		return slackBefore
	case !at.Before(day.to):
		return slackAfter
	case !at.Before(day.to.Add(-Slack)):
		return dayEnd
	}
	return dayBody
}

// loadCarries reads what the neighbouring dates decided about records
// near midnight.
func (day *day) loadCarries(ctx context.Context) error {
	cs, err := mysql.Recon{DB: day.d.Pay.DB}.Carries(ctx, day.mch, day.from.AddDate(0, 0, -1).Format(time.DateOnly), day.to.Format(time.DateOnly))
	for _, c := range cs {
		switch {
		case c.State == mysql.CarryCounted && c.BillDate != day.date:
			day.elsewhere[carryKey(c.Kind, c.No)] = c.BillDate
		case c.State == mysql.CarryDeferred && c.BillDate == day.date:
			day.deferred[carryKey(c.Kind, c.No)] = true
		}
	}
	return err
}

// readBills streams every bill of the day and matches its lines; nothing
// is stored here.
func (day *day) readBills(ctx context.Context) error {
	if day.primary {
		err := readAll(func(fn func(io.Reader) error) error { return day.src.StreamTradeBill(ctx, day.date, wxpay.BillAll, fn) },
			func(r io.Reader) error { return day.scanTrade(r) })
		if err != nil {
			return err
		}
		err = readAll(func(fn func(io.Reader) error) error {
			return day.src.StreamFundFlowBill(ctx, day.date, wxpay.AccountBasic, fn)
		},
			func(r io.Reader) error { return day.scanBasic(r) })
		if err != nil {
			return err
		}
	}
	return readAll(func(fn func(io.Reader) error) error {
		return day.src.StreamFundFlowBill(ctx, day.date, wxpay.AccountOperation, fn)
	},
		func(r io.Reader) error { return day.scanOperation(r) })
}

// scanTrade matches the trade bill: payments by out_trade_no, refunds by
// out_refund_no; every row must be this account's; the rows must add up
// to the summary.
func (day *day) scanTrade(r io.Reader) error {
	var n int64
	var settle, refund money.Fen
	sum, err := wxpay.ScanTradeBillStrict(r, func(row wxpay.TradeBillRow) error {
		if row.MchID != day.mch {
			return fmt.Errorf("%w: a row of merchant %q in the bill of %s", errRefused, row.MchID, day.mch)
		}
		n, settle, refund = n+1, settle+row.SettlementFen, refund+row.RefundFen
		if row.OutRefundNo != "" && row.TradeState == wxpay.TradeRefund {
			day.tradeNet -= row.RefundFen
			return day.match(mysql.OursRefund, row.OutRefundNo, row.RefundFen, -row.FeeMilliFen)
		}
		amount := row.TotalFen
		if amount == 0 {
			amount = row.SettlementFen
		}
		day.tradeNet += row.SettlementFen
		return day.match(mysql.OursPayment, row.OutTradeNo, amount, row.FeeMilliFen)
	})
	switch {
	case err != nil:
		return err
	case n != sum.Count || settle != sum.SettlementFen || refund != sum.RefundFen:
		return fmt.Errorf("%w: trade bill rows (%d, %s, %s) do not add up to its summary (%d, %s, %s)", errRefused,
			n, settle, refund, sum.Count, sum.SettlementFen, sum.RefundFen)
	}
	return nil
}

// scanOperation matches transfers out of the operating account by
// out_bill_no (业务凭证号); income (top-ups) is not ours to match.
func (day *day) scanOperation(r io.Reader) error {
	var n, out int64
	var outFen money.Fen
	sum, err := wxpay.ScanFundFlowBillStrict(r, func(row wxpay.FundFlowRow) error {
		n++
		if row.Direction != "支出" {
			return nil
		}
		out, outFen = out+1, outFen+row.AmountFen
		return day.match(mysql.OursTransfer, row.VoucherNo, row.AmountFen, -1)
	})
	if err != nil {
		return err
	}
	if n != sum.Count || out != sum.ExpenseCount || outFen != sum.ExpenseFen {
		return fmt.Errorf("%w: fund-flow rows (%d, %d, %s) do not add up to its summary", errRefused, n, out, outFen)
	}
	return nil
}

// scanBasic sums the basic account's flows for the balance check against
// the trade bill.
func (day *day) scanBasic(r io.Reader) error {
	var in, out money.Fen
	sum, err := wxpay.ScanFundFlowBillStrict(r, func(row wxpay.FundFlowRow) error {
		if row.Direction == "收入" {
			in += row.AmountFen
		} else {
			out += row.AmountFen
		}
		return nil
	})
	if err != nil {
		return err
	}
	if in != sum.IncomeFen || out != sum.ExpenseFen {
		return fmt.Errorf("%w: basic fund-flow rows do not add up to its summary", errRefused)
	}
	day.basicNet, day.haveBasic = in-out, true
	return nil
}

// match takes one bill line: a record of ours in the window with the same
// amount is matched; one with another amount is a break; none waits for
// resolve. feeMilliFen < 0 skips the fee check.
func (day *day) match(kind, no string, amount money.Fen, feeMilliFen int64) error {
	day.report.Lines++
	day.report.TotalFen += absFen(amount)
	if kind == mysql.OursPayment && feeMilliFen >= 0 {
		if want := (int64(amount)*day.d.FeeBP + 5) / 10; want != feeMilliFen {
			diff := absFen(money.Fen((feeMilliFen - want + 999) / 1000))
			day.addBreak(brk{class: FeeDifference, kind: kind, no: no, amount: max(diff, 1),
				evidence: map[string]any{"fee_milli_fen": feeMilliFen, "expected_milli_fen": want, "fee_bp": day.d.FeeBP}})
		}
	}
	e, ok := day.ours[kind][no]
	if ok && !e.band.inDay() && day.elsewhere[carryKey(kind, no)] != "" {
		ok = false // a second line for a record another date's bill matched: a difference
	}
	if !ok {
		if len(day.misses) >= MaxDifferences {
			return fmt.Errorf("%w: more than %d lines have no record of ours", errRefused, MaxDifferences)
		}
		day.misses = append(day.misses, line{kind, no, amount})
		return nil
	}
	delete(day.ours[kind], no)
	if !e.band.inDay() { // settled across midnight: counted here, its own date's report skips it
		day.carry(kind, no, day.date, mysql.CarryCounted)
	}
	if e.amount != amount {
		day.addBreak(brk{class: AmountMismatch, kind: kind, no: no, amount: absFen(amount - e.amount),
			evidence: map[string]any{"bill_fen": amount, "ours_fen": e.amount}})
		return nil
	}
	day.report.Matched++
	return nil
}

func (day *day) addBreak(b brk) { day.breaks = append(day.breaks, b) }

// resolve settles what the bills and our records disagree on: each bill
// line without a record is queried and, when ours and provable, applied
// as its lost notification; each record of the day without a line is a
// break, with what WeChat Pay answers as evidence.
func (day *day) resolve(ctx context.Context) error {
	queries := 0
	for _, m := range day.misses {
		if matched, err := day.crossDate(ctx, m); err != nil || matched {
			if err != nil {
				return err
			}
			continue
		}
		if queries >= day.d.MaxQueries {
			day.addBreak(brk{class: billOnlyClass(m.kind), kind: m.kind, no: m.no, amount: m.amount, evidence: map[string]any{"side": "bill_only", "queried": false}})
			continue
		}
		queries++
		res, err := day.query(ctx, m.kind, m.no)
		if err != nil && !errors.Is(err, wxpay.ErrNotFound) && !errors.Is(err, payments.ErrUnknownBill) {
			return err
		}
		switch {
		case res.Applied && res.State == successOf(m.kind) && res.AmountFen == m.amount:
			day.report.AutoResolved++
		case res.Ours:
			day.addBreak(brk{class: StatusMismatch, kind: m.kind, no: m.no, amount: m.amount,
				evidence: map[string]any{"side": "bill_only", "query_state": res.State, "query_fen": res.AmountFen}})
		default:
			day.addBreak(brk{class: billOnlyClass(m.kind), kind: m.kind, no: m.no, amount: m.amount,
				evidence: map[string]any{"side": "bill_only", "query_state": res.State, "query_fen": res.AmountFen, "ours": false}})
		}
	}
	for kind, left := range day.ours {
		for no, e := range left {
			day.unmatched(kind, no, e)
		}
	}
	return nil
}

// crossDate matches a bill line to its record settled on a neighbouring
// date beyond the slack (a notification applied hours after a payment of
// 23:59:59): the same number and amount, settled within CrossDate of the
// bill date, and not counted by another date's report. It is matched
// here and the record's own date skips it.
func (day *day) crossDate(ctx context.Context, m line) (bool, error) {
	r, ok, err := mysql.Recon{DB: day.d.Pay.DB}.OursByNo(ctx, day.mch, day.primary, m.kind, m.no)
	if err != nil || !ok || r.AmountFen != m.amount || day.elsewhere[carryKey(m.kind, m.no)] != "" {
		return false, err
	}
	inWindow := !r.At.Before(day.from.Add(-Slack)) && r.At.Before(day.to.Add(Slack)) // then another line took it
	if inWindow || r.At.Before(day.from.Add(-CrossDate)) || !r.At.Before(day.to.Add(CrossDate)) {
		return false, nil
	}
	day.report.Matched++
	day.carry(m.kind, m.no, day.date, mysql.CarryCounted)
	return true, nil
}

// unmatched decides about a record of ours no line of the bill matched:
// counted by a neighbouring date's report, it is skipped; settled in the
// last Slack of the date, it is left to the next date's bill (a line
// WeChat Pay dated after midnight); left to this date by the previous
// one, or settled on the date, it is a break, counted here.
func (day *day) unmatched(kind, no string, e entry) {
	k := carryKey(kind, no)
	ev := map[string]any{"side": "ours_only"}
	switch {
	case day.elsewhere[k] != "":
		return
	case e.band == dayEnd:
		day.carry(kind, no, day.to.Format(time.DateOnly), mysql.CarryDeferred)
		return
	case day.deferred[k]:
		ev["deferred_from"] = day.from.AddDate(0, 0, -1).Format(time.DateOnly)
	case !e.band.inDay():
		return // settled in the slack: another day's bill holds it
	}
	day.carry(kind, no, day.date, mysql.CarryCounted)
	day.addBreak(brk{class: oursOnlyClass(kind), kind: kind, no: no, amount: e.amount, evidence: ev})
}

// query asks WeChat Pay about one number and applies the answer to ours.
func (day *day) query(ctx context.Context, kind, no string) (payments.Resolution, error) {
	switch kind {
	case mysql.OursPayment:
		return payments.ResolvePayment(ctx, day.d.Pay, no)
	case mysql.OursRefund:
		return payments.ResolveRefund(ctx, day.d.Pay, no)
	default:
		return payments.ResolveTransfer(ctx, day.d.Pay, day.c, no)
	}
}

func successOf(kind string) string {
	switch kind {
	case mysql.OursPayment:
		return wxpay.TradeSuccess
	case mysql.OursRefund:
		return wxpay.RefundSuccess
	}
	return wxpay.TransferSuccess
}

// billOnlyClass: money moved at WeChat Pay that we have no record of. A
// payment in leaves it holding more than our books (长款); a refund or
// transfer out, less (短款).
func billOnlyClass(kind string) Class {
	if kind == mysql.OursPayment {
		return Long
	}
	return Short
}

// oursOnlyClass is the reverse: a payment of ours that never arrived is
// 短款, a refund or transfer of ours that never left 长款.
func oursOnlyClass(kind string) Class {
	if kind == mysql.OursPayment {
		return Short
	}
	return Long
}

// checkLedger compares the clearing account's movement on the date with
// our records settled on it, and the basic fund flow with the trade bill.
func (day *day) checkLedger(ctx context.Context) error {
	net, err := mysql.Recon{DB: day.d.Pay.DB}.LedgerNet(ctx, day.mch, day.from, day.to)
	if err != nil {
		return err
	}
	day.report.LedgerNetFen = net
	day.report.BillNetFen = day.tradeNet
	if net != day.oursNet {
		day.addBreak(brk{class: LedgerDrift, kind: "ledger", no: "clearing", amount: absFen(net - day.oursNet),
			evidence: map[string]any{"ledger_net_fen": net, "records_net_fen": day.oursNet}})
	}
	if day.haveBasic && day.basicNet != day.tradeNet {
		day.addBreak(brk{class: BalanceDrift, kind: "fundflow", no: "basic", amount: absFen(day.basicNet - day.tradeNet),
			evidence: map[string]any{"basic_net_fen": day.basicNet, "trade_net_fen": day.tradeNet}})
	}
	return nil
}

// store queues the breaks and stores the report in one transaction; a
// date another run finished first is left as it is.
func (day *day) store(ctx context.Context) (mysql.ReconRun, error) {
	r := day.report
	r.State = mysql.ReconDone
	for _, b := range day.breaks {
		r.OpenBreaks++
		r.UnexplainedFen += b.amount
	}
	err := mysql.InTx(ctx, day.d.Pay.DB, day.d.Pay.Clock.Now(), func(tx *mysql.Tx) error {
		done, err := tx.LockRecon(ctx, day.mch, day.date)
		if err != nil || done {
			return err
		}
		for _, c := range day.carries {
			if err := tx.PutCarry(ctx, day.mch, c); err != nil {
				return err
			}
		}
		for _, b := range day.breaks {
			if _, err := tx.AddOpsItem(ctx, b.opsItem(day.mch, day.date)); err != nil {
				return err
			}
		}
		_, err = tx.FinishRecon(ctx, r)
		return err
	})
	if err != nil {
		return r, err
	}
	day.d.Pay.Log.InfoContext(ctx, "recon: date reconciled", "mch_id", day.mch, "date", day.date, "lines", r.Lines, "matched", r.Matched,
		"auto_resolved", r.AutoResolved, "open_breaks", r.OpenBreaks, "unexplained_fen", int64(r.UnexplainedFen))
	return r, nil
}
