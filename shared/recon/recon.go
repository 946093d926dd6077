// Package recon is job-reconcile: every merchant account's T+1 bills
// against our records and the ledger (refs/batch.md §1-3).
//
// For each configured account and each closed business date not yet
// reconciled (catch-up, oldest first, bounded per run), it streams the
// trade bill (payments and refunds; the primary account only takes them)
// and the fund-flow bills (OPERATION: transfers out; BASIC: the balance
// check), matches every line by its merchant number against what settled
// on our side, and classifies what differs (Class). A difference a query
// can prove is resolved through the same apply-once path as the lost
// notification (payments.Resolve*); every other one is a break, queued
// for a person (ops kind recon_break, with amount, class and evidence) in
// the transaction that stores the day's report. Nothing is stored until
// every bill of the day streamed and passed its SHA-1, format, summary and
// merchant checks: a refused bill stores no line and raises an alert; a
// bill not generated yet leaves the date waiting, retried by the next run.
// A done date is never reconciled again (idempotent per account and date).
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
	"github.com/wxlend/wxlend/shared/ops"
	"github.com/wxlend/wxlend/shared/payments"
	"github.com/wxlend/wxlend/shared/wxpay"
)

// Class is what kind of difference a break is. Long and short follow the
// money at WeChat Pay against our books (refs/batch.md §3): 长款, WeChat Pay
// holds more than our books say (a payment we never recorded, a refund or
// transfer of ours that never left); 短款, it holds less (a payment of ours
// that never arrived, a refund or transfer we never started).
type Class string

// Classes of breaks.
const (
	Long           Class = "long"            // 长款
	Short          Class = "short"           // 短款
	AmountMismatch Class = "amount_mismatch" // both sides know it, amounts differ
	StatusMismatch Class = "status_mismatch" // the bill moved money our final state says did not move
	FeeDifference  Class = "fee_difference"  // the fee charged is not the agreed rate
	LedgerDrift    Class = "ledger_drift"    // the clearing account's movement is not our records'
	BalanceDrift   Class = "balance_drift"   // the fund-flow bill disagrees with the trade bill
)

// Bounds (TIGER_STYLE: a limit on everything).
const (
	DefaultMaxDates   = 31   // dates reconciled per account per run
	DefaultMaxQueries = 500  // WeChat Pay queries per date
	MaxDifferences    = 5000 // differences one date may hold before it is refused as unusable
	KeepDays          = 90   // bills are kept 3 months
	// Slack widens the window of our records around a bill day: a
	// notification applied a moment after midnight still matches.
	Slack = 30 * time.Minute
	// CrossDate is how far from its bill date a record of ours may have
	// settled and still match its line (looked up by number, beyond the
	// slack): the neighbouring dates. Such a match is counted once, on
	// the bill's date (recon_carries).
	CrossDate = 24 * time.Hour
)

// DefaultFeeBP is the fee rate WeChat Pay charges on payments (0.60%,
// the fake's rate), in basis points.
const DefaultFeeBP = 60

// Deps is what a run uses.
type Deps struct {
	Pay payments.Deps // DB, clock, log, the primary account (payments, refunds) and every route (transfers)
	// FeeBP is the agreed fee rate; DefaultFeeBP when zero.
	FeeBP int64
	// Alert raises an alert (monitor.Alerter.Raise); nil raises none.
	Alert      func(ctx context.Context, name, title, body string) error
	MaxDates   int
	MaxQueries int
}

func (d Deps) withDefaults() Deps {
	if d.FeeBP <= 0 {
		d.FeeBP = DefaultFeeBP
	}
	if d.MaxDates <= 0 {
		d.MaxDates = DefaultMaxDates
	}
	if d.MaxQueries <= 0 {
		d.MaxQueries = DefaultMaxQueries
	}
	return d
}

// Result counts what a run did.
type Result struct {
	Done, Waiting, Refused int
	Breaks                 int64
}

// Run reconciles, for every account, every closed business date not yet
// done, oldest first, at most MaxDates each. It returns an error only when
// a retry can help (a transport or database failure); refused and waiting
// dates are recorded and retried by the next run.
func Run(ctx context.Context, d Deps) (Result, error) {
	d = d.withDefaults()
	var res Result
	var errs []error
	for _, c := range accounts(d.Pay) {
		dates, err := pending(ctx, d, c.MchID())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		for _, date := range dates {
			r, err := Reconcile(ctx, d, c, date)
			if err != nil {
				errs = append(errs, fmt.Errorf("recon %s %s: %w", c.MchID(), date, err))
				break // dates stay in order: the next run resumes here
			}
			switch r.State {
			case mysql.ReconDone:
				res.Done++
				res.Breaks += r.OpenBreaks
			case mysql.ReconWaiting:
				res.Waiting++
			case mysql.ReconRefused:
				res.Refused++
			}
			if r.State == mysql.ReconWaiting {
				break // later dates are not ready either
			}
		}
	}
	return res, errors.Join(errs...)
}

// accounts are the merchant accounts to reconcile: the primary first,
// then each other route once.
func accounts(p payments.Deps) []*wxpay.Client {
	out := []*wxpay.Client{p.Pay}
	for _, c := range p.Routes {
		if c != nil && c.MchID() != p.Pay.MchID() {
			out = append(out, c)
		}
	}
	return out
}

// pending lists the dates of mch to reconcile: from its first activity
// (at most KeepDays back, yesterday when there is none) through yesterday,
// without those done, at most MaxDates.
func pending(ctx context.Context, d Deps, mch string) ([]string, error) {
	store := mysql.Recon{DB: d.Pay.DB}
	today := lending.ShanghaiDate(d.Pay.Clock.Now())
	yesterday := today.AddDays(-1)
	first, err := store.FirstActivity(ctx, mch, mch == d.Pay.Pay.MchID())
	if err != nil {
		return nil, err
	}
	start := yesterday
	if !first.IsZero() {
		start = lending.ShanghaiDate(first)
	}
	if oldest := today.AddDays(-KeepDays); start.Before(oldest) {
		start = oldest
	}
	var out []string
	for day := start; !day.After(yesterday) && len(out) < d.MaxDates; day = day.AddDays(1) {
		r, ok, err := store.Run(ctx, mch, day.String())
		if err != nil {
			return nil, err
		}
		if !ok || r.State != mysql.ReconDone {
			out = append(out, day.String())
		}
	}
	return out, nil
}

// Source serves one merchant account's bills (*wxpay.Client does).
type Source interface {
	MchID() string
	StreamTradeBill(ctx context.Context, date, billType string, fn func(io.Reader) error) error
	StreamFundFlowBill(ctx context.Context, date, accountType string, fn func(io.Reader) error) error
}

// Reconcile reconciles one account's date (a done date is answered as
// stored). Refused and waiting dates come back with their state; the
// error is for failures a retry can help.
func Reconcile(ctx context.Context, d Deps, c *wxpay.Client, date string) (mysql.ReconRun, error) {
	return ReconcileFrom(ctx, d, c, c, date)
}

// ReconcileFrom is Reconcile reading the bills from src (the benchmark
// reads files); c answers the queries about transfers of src's account.
func ReconcileFrom(ctx context.Context, d Deps, src Source, c *wxpay.Client, date string) (mysql.ReconRun, error) {
	d = d.withDefaults()
	store := mysql.Recon{DB: d.Pay.DB}
	if r, ok, err := store.Run(ctx, src.MchID(), date); err != nil || (ok && r.State == mysql.ReconDone) {
		return r, err
	}
	day, err := newDay(ctx, d, src, c, date)
	if err != nil {
		return mysql.ReconRun{}, err
	}
	if err := day.readBills(ctx); err != nil {
		return day.notFinished(ctx, err)
	}
	if err := day.resolve(ctx); err != nil {
		return mysql.ReconRun{}, err
	}
	if err := day.checkLedger(ctx); err != nil {
		return mysql.ReconRun{}, err
	}
	return day.store(ctx)
}

// errRefused marks a bill that failed a check of ours (not WeChat Pay's).
var errRefused = errors.New("bill refused")

// notFinished records a date whose bills could not all be read: not ready
// (waiting), refused (alert), or a failure to retry (returned).
func (day *day) notFinished(ctx context.Context, err error) (mysql.ReconRun, error) {
	store := mysql.Recon{DB: day.d.Pay.DB}
	now := day.d.Pay.Clock.Now()
	r := mysql.ReconRun{MchID: day.mch, BillDate: day.date, LastError: err.Error()}
	var we *wxpay.Error
	switch {
	case errors.Is(err, wxpay.ErrBillNotReady):
		r.State = mysql.ReconWaiting
	case errors.Is(err, errRefused), errors.Is(err, wxpay.ErrBillFormat), errors.As(err, &we) && we.Code == wxpay.CodeBillHash:
		r.State = mysql.ReconRefused
	default:
		return r, err
	}
	if err := store.Mark(ctx, day.mch, day.date, r.State, r.LastError, now); err != nil {
		return r, err
	}
	if r.State == mysql.ReconRefused {
		day.d.Pay.Log.ErrorContext(ctx, "recon: bill refused", "mch_id", day.mch, "date", day.date, "error", r.LastError)
		if day.d.Alert != nil {
			_ = day.d.Alert(ctx, "recon_bill_refused:"+day.mch, "对账单被拒收 "+day.mch+" "+day.date, r.LastError)
		}
	}
	return r, nil
}

// readAll streams one bill to scan; a date without a statement is an
// empty bill.
func readAll(stream func(func(io.Reader) error) error, scan func(io.Reader) error) error {
	err := stream(scan)
	if errors.Is(err, wxpay.ErrNotFound) {
		return nil
	}
	return err
}

// absFen is |v|.
func absFen(v money.Fen) money.Fen {
	if v < 0 {
		return -v
	}
	return v
}

// opsItem is a break as the operations queue holds it.
func (b brk) opsItem(mch, date string) ops.Item {
	ev := map[string]any{"class": b.class, "kind": b.kind, "no": b.no, "mch_id": mch, "bill_date": date, "amount_fen": b.amount}
	for k, v := range b.evidence {
		ev[k] = v
	}
	it := ops.New(ops.ReconBreak, "recon", mch+":"+date+":"+b.kind+":"+b.no+":"+string(b.class),
		fmt.Sprintf("%s: %s %s", b.class, b.kind, b.no), b.amount, ev)
	it.DedupeKey = "recon:" + mch + ":" + date + ":" + b.kind + ":" + b.no + ":" + string(b.class)
	return it
}
