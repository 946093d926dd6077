// Package cob is the close of business (job-cob, Fineract's loan COB):
// once a day it closes every business date up to yesterday for every loan
// being repaid, in date order, catching up missed dates. Per loan and date
// it accrues the penalty (ledger and servicing state), moves the loan
// active ⇄ overdue, freezes or unfreezes the borrower's line, and records
// the days past due, bucket and write-off eligibility. README "Close of
// business (job-cob)" describes the design.
package cob

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/wxlend/wxlend/shared/apierr"
	"github.com/wxlend/wxlend/shared/app"
	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/money"
	"github.com/wxlend/wxlend/shared/mysql"
	"github.com/wxlend/wxlend/shared/risk"
)

// Bounds of the close of business.
const (
	// Chunk is how many loans one transaction of the batched path
	// closes; a window of Workers chunks is read at once, and the cursor
	// in cob_runs moves after each window.
	Chunk = 500
	// Workers is how many chunks of a window are written at once, each
	// in its own transaction and connection (the pool has
	// MYSQL_MAX_OPEN), and how many loans the per-loan path closes at
	// once.
	Workers = 4
	// MaxLoans bounds the loans one invocation closes, over all dates;
	// the rest resumes from the cursor on the platform's retry.
	MaxLoans = 100_000
	// MaxDays bounds the dates one invocation closes (a long outage is
	// caught up over several invocations, still in date order).
	MaxDays = 62
	// MaxLoanCatchUpDays bounds the dates one loan closes in one
	// transaction (a loan left behind by a failure catches up here).
	MaxLoanCatchUpDays = 400
	// deadlineReserve is the time left before the invocation's deadline at
	// which a run stops taking loans, so it ends with its cursor saved.
	deadlineReserve = 5 * time.Second
)

// Limits adjust a run (zero values take the constants above); tests
// use them to kill a run halfway.
type Limits struct {
	Chunk    int
	MaxLoans int
	Workers  int
	// beforeWrite, when set, runs between a window's read and its write
	// (tests land a repayment there); perLoan closes every loan on the
	// per-loan path (the reference the batched path is tested against).
	beforeWrite func(ids []int64)
	perLoan     bool
}

// Result is what one invocation did.
type Result struct {
	Closed     []lending.Date // dates finished by this invocation
	Loans      int            // loan-dates closed (a loan caught up over n dates counts once)
	PenaltyFen money.Fen
	Failed     int  // loans left behind by a permanent failure (logged)
	Done       bool // every date up to yesterday is closed
}

// ErrUnfinished is Run stopping with dates left (deadline, bounds): the
// timer fails so SCF's retry resumes from the cursor.
var ErrUnfinished = errors.New("close of business unfinished: resumes from the cursor")

// Run closes the business dates from the first one open (cob_runs) up
// to yesterday, the business date being the Asia/Shanghai date of
// a.Clock; a COB that never ran starts at yesterday. Each date walks the
// loans being repaid in id order from its cursor, a chunk of loans per
// transaction (batch.go), a loan the batch cannot take in its own
// (closeLoan). Running it again, or twice at once, closes
// nothing twice: a loan is closed for a date only while its
// last_closed_date is before it, checked under its row lock.
func Run(ctx context.Context, a *app.App, lim Limits) (Result, error) {
	if lim.Chunk <= 0 {
		lim.Chunk = Chunk
	}
	if lim.MaxLoans <= 0 {
		lim.MaxLoans = MaxLoans
	}
	if lim.Workers <= 0 {
		lim.Workers = Workers
	}
	var res Result
	target := lending.ShanghaiDate(a.Clock.Now()).AddDays(-1)
	first, ok, err := mysql.COBRuns{DB: a.DB}.FirstOpen(ctx)
	if err != nil {
		return res, err
	}
	if !ok {
		first = target
	}
	c := &run{a: a, lim: lim, products: map[string]lending.Product{}, res: &res}
	for d, n := first, 0; !d.After(target); d, n = d.AddDays(1), n+1 {
		if n == MaxDays {
			return res, ErrUnfinished
		}
		done, err := c.closeDate(ctx, d)
		if err != nil {
			return res, err
		}
		if !done {
			return res, ErrUnfinished
		}
		res.Closed = append(res.Closed, d)
	}
	res.Done = true
	return res, nil
}

// run is one invocation's state (res is the closeDate goroutine's; the
// workers share products and strategy under mu).
type run struct {
	a        *app.App
	lim      Limits
	mu       sync.Mutex
	products map[string]lending.Product
	strategy *risk.Strategy
	res      *Result
}

// closeDate closes d for every loan from its run's cursor; false when the
// invocation's bounds stopped it first. It works a window of loans at a
// time (Workers chunks of Chunk), read and computed while the window
// before it is written (readWindow, closeWindow). The cursor moves once a
// whole window is through; after a retryable failure it stops before the
// failed loan (the loans after it that closed are counted, and a resumed
// run finds them closed already).
func (c *run) closeDate(ctx context.Context, d lending.Date) (bool, error) {
	runs := mysql.COBRuns{DB: c.a.DB}
	run, err := runs.Start(ctx, d, c.a.Clock.Now())
	if err != nil || run.Status == mysql.COBDone {
		return err == nil, err
	}
	cursor := run.CursorLoanID
	left := c.lim.MaxLoans - c.res.Loans - c.res.Failed
	if left <= 0 {
		return false, nil
	}
	ahead := c.readAhead(ctx, d, cursor, left)
	defer func() {
		if ahead != nil {
			<-ahead
		}
	}()
	for {
		if nearDeadline(ctx) {
			return false, nil
		}
		w := <-ahead
		ahead = nil
		if w.err != nil {
			return false, w.err
		}
		if len(w.ids) == 0 {
			return true, runs.Finish(ctx, d, c.a.Clock.Now())
		}
		// Each loan of w counts at most once against the bound, so the
		// next window, sized on what is left after all of w, stays within it.
		if next := left - len(w.ids); next > 0 {
			ahead = c.readAhead(ctx, d, w.ids[len(w.ids)-1], next)
		}
		outs := c.closeWindow(ctx, w, d)
		var closed int64
		var penalty money.Fen
		var stop error
		for i, id := range w.ids {
			o := outs[i]
			switch {
			case o.err != nil && stop == nil && retryable(o.err):
				stop = o.err
			case o.err != nil && stop == nil:
				c.res.Failed++
				c.a.Log.ErrorContext(ctx, "cob: loan left open", "loan_id", id, "business_date", d.String(), "error", o.err.Error())
			case o.err == nil && o.closed:
				c.res.Loans++
				closed++
				penalty += o.penalty
			}
			if stop == nil {
				cursor = id
			}
		}
		if stop != nil {
			return false, errors.Join(stop, runs.Advance(ctx, d, cursor, closed, penalty, c.a.Clock.Now()))
		}
		c.res.PenaltyFen += penalty
		if err := runs.Advance(ctx, d, cursor, closed, penalty, c.a.Clock.Now()); err != nil {
			return false, err
		}
		left = c.lim.MaxLoans - c.res.Loans - c.res.Failed
		if left <= 0 {
			return false, nil
		}
		if ahead == nil {
			ahead = c.readAhead(ctx, d, w.ids[len(w.ids)-1], left)
		}
	}
}

// outcome is what closing one loan of a window did.
type outcome struct {
	penalty money.Fen
	closed  bool
	err     error
}

// nearDeadline reports that the invocation should stop taking loans.
func nearDeadline(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < deadlineReserve
}

// retryable reports a failure a later attempt can get past (the
// invocation ending, a busy or unreachable database): everything but a
// loanFault.
func retryable(err error) bool {
	var f loanFault
	return !errors.As(err, &f)
}

// loanFault is a failure of the loan itself (a stored state or product
// lending refuses): the loan is logged and stays behind its last closed
// date, to be caught up by a later run once fixed (Fineract keeps such a
// loan locked for the same reason); the other loans go on.
type loanFault struct{ err error }

func (f loanFault) Error() string { return f.err.Error() }
func (f loanFault) Unwrap() error { return f.err }

// closeLoan closes business date d for one loan, in its own transaction
// holding the loan's row lock (the lock a repayment takes too, so the two
// serialize): the dates from the day after its last closed date up to d
// (normally d alone), each accruing its penalty (posted once per loan and
// date: key penalty:<loan>:<date>) into the servicing state; then active
// ⇄ overdue by the loan state machine, the borrower's line frozen or
// unfrozen, and last_closed_date, dpd, bucket and write-off eligibility
// recorded. It reports the penalty and whether it closed anything (false:
// closed already by another run, or no longer being repaid). The batched
// path (batch.go) does the same for a chunk; this one takes the loans it
// cannot.
func (c *run) closeLoan(ctx context.Context, id int64, d lending.Date) (money.Fen, bool, error) {
	l, err := mysql.Loans{DB: c.a.DB}.ByID(ctx, id)
	if err != nil {
		return 0, false, err
	}
	p, err := c.product(ctx, l.ProductCode, l.ProductVersion)
	if err != nil {
		return 0, false, err
	}
	var penalty money.Fen
	var closed bool
	err = mysql.InTx(ctx, c.a.DB, c.a.Clock.Now(), func(tx *mysql.Tx) error {
		penalty, closed = 0, false
		l, last, ok, err := tx.LockForClose(ctx, id)
		if err != nil {
			return err
		}
		if (l.Status != loan.Active && l.Status != loan.Overdue) || (ok && !last.Before(d)) {
			return nil
		}
		sv, err := tx.Servicing(ctx, l.ID, l.Quote.Schedule)
		if err != nil {
			return loanFault{err}
		}
		cl, err := c.compute(l.ID, sv.State, p, firstOpen(last, ok, d), d)
		if err != nil {
			return err
		}
		if cl.changed {
			if err := tx.SaveServicing(ctx, l.ID, sv, cl.state); err != nil {
				return err
			}
		}
		dl := cl.dl
		if err := c.moveStatus(ctx, tx, l, dl.DPD > 0); err != nil {
			return err
		}
		if err := c.stepUp(ctx, tx, l, dl, d); err != nil {
			return err
		}
		// The ledger last, as the batched path: the penalty income
		// balance is every close's hot row, locked until the commit.
		for _, t := range cl.posts {
			if _, err := tx.Post(ctx, t); err != nil {
				return err
			}
		}
		penalty, closed = dl.PenaltyFen, true
		return tx.RecordClose(ctx, id, c.delinquency(d, dl))
	})
	return penalty, closed, err
}

// firstOpen is the first date a loan last closed for last (ok false:
// never) has to close, up to d.
func firstOpen(last lending.Date, ok bool, d lending.Date) lending.Date {
	if ok {
		return last.AddDays(1)
	}
	return d
}

// delinquency is what the close of d records on the loan.
func (c *run) delinquency(d lending.Date, dl lending.DayClose) mysql.Delinquency {
	return mysql.Delinquency{LastClosed: d, DPD: dl.DPD, Bucket: dl.Bucket, WriteOffEligible: dl.DPD >= c.a.Cfg.WriteOffDPD}
}

// closing is one loan's close over some dates, computed from its
// servicing state and written by either path.
type closing struct {
	dl      lending.DayClose     // the last date's; PenaltyFen and PaidOnTime summed over the dates
	posts   []ledger.Transaction // each date's penalty accrual
	state   lending.LoanState    // the state to save, when changed
	changed bool                 // the penalty accrued or its carry moved
}

// compute closes the dates from..to (at most MaxLoanCatchUpDays of them,
// none before the loan's start) on servicing state st. Most nights change
// nothing in a loan's state but the date: such a state is not written
// (changed false), and one that changed is saved as of the last date that
// changed it, so n single nights and one n-night catch-up store the same
// state. A state or product lending refuses is a loanFault.
func (c *run) compute(id int64, st lending.LoanState, p lending.Product, from, to lending.Date) (closing, error) {
	if floor := to.AddDays(1 - MaxLoanCatchUpDays); from.Before(floor) {
		from = floor
	}
	if start := st.Schedule.StartDate; from.Before(start) {
		from = start
	}
	cl := closing{dl: lending.DayClose{Bucket: lending.BucketCurrent}} // disbursed after the date closed: nothing yet
	var total money.Fen
	onTime := 0
	for day := from; !day.After(to); day = day.AddDays(1) {
		out, err := lending.CloseDay(st, p, money.BP(c.a.Cfg.RateCapBP), day)
		if err != nil {
			return cl, loanFault{fmt.Errorf("close loan %d for %s: %w", id, day, err)}
		}
		if out.PenaltyFen > 0 {
			cl.posts = append(cl.posts, penaltyAccrual(id, day, out.PenaltyFen))
		}
		if out.PenaltyFen > 0 || !sameCarry(st.PenaltyCarry, out.State.PenaltyCarry) {
			cl.state, cl.changed = out.State, true
		}
		st, total, onTime = out.State, total+out.PenaltyFen, onTime+out.PaidOnTime
		cl.dl = out
	}
	cl.dl.PenaltyFen, cl.dl.PaidOnTime = total, onTime
	return cl, nil
}

// sameCarry compares penalty carries, nil being all zeros.
func sameCarry(a, b []int64) bool {
	for i := range max(len(a), len(b)) {
		if at(a, i) != at(b, i) {
			return false
		}
	}
	return true
}

func at(s []int64, i int) int64 {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// moveStatus moves the loan active → overdue when something is overdue
// after the close, overdue → active when nothing is (a cure the repayment
// path has not made already), and freezes or unfreezes the borrower's line
// to match.
func (c *run) moveStatus(ctx context.Context, tx *mysql.Tx, l loan.Loan, overdue bool) error {
	if to, reason := statusAfter(l.Status, overdue); to != l.Status {
		if err := tx.Transition(ctx, mysql.Transition{LoanID: l.ID, From: l.Status, To: to, Reason: reason}); err != nil {
			return err
		}
	}
	_, err := tx.SyncLineFreeze(ctx, l.UserID)
	return err
}

// statusAfter is a loan's status after a close that left something
// overdue or not, and the reason of the move (none: the same status).
func statusAfter(s loan.Status, overdue bool) (loan.Status, string) {
	switch {
	case overdue && s == loan.Active:
		return loan.Overdue, "past_due"
	case !overdue && s == loan.Overdue:
		return loan.Active, "cured"
	}
	return s, ""
}

// raiseReason is the reason of a limit raise in limit_changes.
const raiseReason = "on_time_repayment"

// stepUp is the limit raise (提额): installments paid by their due date
// add to the borrower's on-time streak and an overdue loan resets it; once
// the streak reaches the raise policy of the borrower's band
// (risk.LimitRaise over the champion strategy's policy: every 3
// installments +20%, up to the band's maximum, as shipped), an active
// line is raised one step and the decision recorded in limit_changes. A
// line without a credit decision (no band) is never raised.
func (c *run) stepUp(ctx context.Context, tx *mysql.Tx, l loan.Loan, dl lending.DayClose, d lending.Date) error {
	overdue := dl.DPD > 0
	if dl.PaidOnTime == 0 && !overdue {
		return nil
	}
	line, streak, band, ok, err := tx.OnTime(ctx, l.UserID, dl.PaidOnTime, overdue)
	if err != nil || !ok || overdue || line.Status != loan.LineActive {
		return err
	}
	ch, err := c.raise(l.UserID, l.ID, line.LimitFen, streak, band, d)
	if err != nil || ch == nil {
		return err
	}
	return tx.RaiseLimit(ctx, *ch)
}

// raise is the limit raise of an active line at limit after streak
// on-time installments, under the policy of band (nil: none is due, or
// the band has no policy), with its decision record.
func (c *run) raise(userID, loanID int64, limit money.Fen, streak int, band string, d lending.Date) (*mysql.LimitChange, error) {
	c.mu.Lock()
	if c.strategy == nil {
		s := risk.DefaultStrategy()
		c.strategy = &s
	}
	c.mu.Unlock()
	policy, ok := c.strategy.Limits.RaisePolicyFor(band)
	if !ok {
		return nil, nil
	}
	to, raised := risk.LimitRaise(limit, streak, 0, policy)
	if !raised {
		return nil, nil
	}
	rec, err := json.Marshal(map[string]any{"strategy": c.strategy.Name, "band": band, "policy": policy,
		"on_time_installments": streak, "max_dpd": 0, "loan_id": loanID})
	if err != nil {
		return nil, err
	}
	return &mysql.LimitChange{UserID: userID, Date: d, FromFen: limit, ToFen: to, Reason: raiseReason, DecisionJSON: string(rec)}, nil
}

// penaltyAccrual books one date's penalty of a loan as a receivable
// against penalty income (key penalty:<loan>:<date>, posted once).
func penaltyAccrual(loanID int64, day lending.Date, fen money.Fen) ledger.Transaction {
	return ledger.Transaction{Key: "penalty:" + strconv.FormatInt(loanID, 10) + ":" + day.String(), Kind: "penalty_accrual",
		Entries: []ledger.Entry{ledger.Debit(ledger.LoanAccount(loanID, ledger.Penalty), fen), ledger.Credit(ledger.PenaltyIncome, fen)}}
}

// product is a loan's product version, read once per invocation.
func (c *run) product(ctx context.Context, code string, version int) (lending.Product, error) {
	key := code + "@" + strconv.Itoa(version)
	c.mu.Lock()
	p, ok := c.products[key]
	c.mu.Unlock()
	if ok {
		return p, nil
	}
	pv, err := mysql.Products{DB: c.a.DB}.Version(ctx, code, version)
	if err != nil {
		if apierr.CodeOf(err) == apierr.NotFound {
			return lending.Product{}, loanFault{err}
		}
		return lending.Product{}, err
	}
	c.mu.Lock()
	c.products[key] = pv.Product
	c.mu.Unlock()
	return pv.Product, nil
}
