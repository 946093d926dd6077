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
	// Chunk is how many loans one cursor step reads; the cursor in
	// cob_runs moves after each chunk.
	Chunk = 200
	// Workers is how many loans of a chunk are closed at once, each in
	// its own transaction and connection (the pool has MYSQL_MAX_OPEN):
	// a close is a dozen round trips and a commit, mostly waiting.
	Workers = 8
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
// loans being repaid in id order from its cursor, each loan in its own
// transaction (closeLoan). Running it again, or twice at once, closes
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
// invocation's bounds stopped it first. Each chunk's loans are read in one
// query (head) and closed by up to Workers goroutines, each in its own
// transaction as before; a borrower's loans go to one worker, in id order,
// so they are closed one after the other as in a single-threaded run. The
// cursor moves once the whole chunk is through; after a retryable failure
// it stops before the failed loan (the loans after it that closed are
// counted, and a resumed run finds them closed already).
func (c *run) closeDate(ctx context.Context, d lending.Date) (bool, error) {
	runs := mysql.COBRuns{DB: c.a.DB}
	run, err := runs.Start(ctx, d, c.a.Clock.Now())
	if err != nil || run.Status == mysql.COBDone {
		return err == nil, err
	}
	cursor := run.CursorLoanID
	for {
		left := c.lim.MaxLoans - c.res.Loans - c.res.Failed
		if left <= 0 || nearDeadline(ctx) {
			return false, nil
		}
		ids, err := mysql.Loans{DB: c.a.DB}.ToClose(ctx, d, cursor, min(c.lim.Chunk, left))
		if err != nil {
			return false, err
		}
		if len(ids) == 0 {
			return true, runs.Finish(ctx, d, c.a.Clock.Now())
		}
		heads, err := mysql.Loans{DB: c.a.DB}.Heads(ctx, ids)
		if err != nil {
			return false, err
		}
		outs := c.closeChunk(ctx, ids, heads, d)
		var closed int64
		var penalty money.Fen
		var stop error
		for i, id := range ids {
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
	}
}

// outcome is what closing one loan of a chunk did.
type outcome struct {
	penalty money.Fen
	closed  bool
	err     error
}

// head is what the COB needs of a loan before locking it.
type head = mysql.LoanHead

// closeChunk closes d for the loans ids on up to c.lim.Workers goroutines
// (a borrower's loans on one, in order) and returns each loan's outcome,
// indexed as ids.
func (c *run) closeChunk(ctx context.Context, ids []int64, heads map[int64]head, d lending.Date) []outcome {
	outs := make([]outcome, len(ids))
	workers := min(c.lim.Workers, len(ids))
	lanes := make([][]int, workers)
	for i, id := range ids {
		w := int(heads[id].UserID % int64(workers))
		lanes[w] = append(lanes[w], i)
	}
	var wg sync.WaitGroup
	for _, lane := range lanes {
		if len(lane) == 0 {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, i := range lane {
				h, ok := heads[ids[i]]
				var o outcome
				o.penalty, o.closed, o.err = c.closeLoan(ctx, ids[i], h, ok, d)
				outs[i] = o
			}
		}()
	}
	wg.Wait()
	return outs
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
// closed already by another run, or no longer being repaid).
func (c *run) closeLoan(ctx context.Context, id int64, h head, known bool, d lending.Date) (money.Fen, bool, error) {
	if !known {
		l, err := mysql.Loans{DB: c.a.DB}.ByID(ctx, id)
		if err != nil {
			return 0, false, err
		}
		h = head{UserID: l.UserID, ProductCode: l.ProductCode, ProductVersion: l.ProductVersion}
	}
	p, err := c.product(ctx, h.ProductCode, h.ProductVersion)
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
		from := d
		if ok {
			from = last.AddDays(1)
		}
		dl, err := c.accrue(ctx, tx, l, p, from, d)
		if err != nil {
			return err
		}
		if err := c.moveStatus(ctx, tx, l, dl.DPD > 0); err != nil {
			return err
		}
		if err := c.stepUp(ctx, tx, l, dl, d); err != nil {
			return err
		}
		penalty, closed = dl.PenaltyFen, true
		return tx.RecordClose(ctx, id, mysql.Delinquency{LastClosed: d, DPD: dl.DPD, Bucket: dl.Bucket,
			WriteOffEligible: dl.DPD >= c.a.Cfg.WriteOffDPD})
	})
	return penalty, closed, err
}

// accrue closes the dates from..to (at most MaxLoanCatchUpDays of
// them, none before the loan's start) on the loan's servicing state inside
// tx, posting each date's penalty, and saves the state. The result is the
// last date's, its PenaltyFen the sum over the dates.
func (c *run) accrue(ctx context.Context, tx *mysql.Tx, l loan.Loan, p lending.Product, from, to lending.Date) (lending.DayClose, error) {
	sv, err := tx.Servicing(ctx, l.ID, l.Quote.Schedule)
	if err != nil {
		return lending.DayClose{}, loanFault{err}
	}
	if floor := to.AddDays(1 - MaxLoanCatchUpDays); from.Before(floor) {
		from = floor
	}
	if start := sv.State.Schedule.StartDate; from.Before(start) {
		from = start
	}
	st := sv.State
	var out lending.DayClose
	var total money.Fen
	onTime := 0
	for day := from; !day.After(to); day = day.AddDays(1) {
		if out, err = lending.CloseDay(st, p, money.BP(c.a.Cfg.RateCapBP), day); err != nil {
			return out, loanFault{fmt.Errorf("close loan %d for %s: %w", l.ID, day, err)}
		}
		if out.PenaltyFen > 0 {
			if _, err := tx.Post(ctx, penaltyAccrual(l.ID, day, out.PenaltyFen)); err != nil {
				return out, err
			}
		}
		st, total, onTime = out.State, total+out.PenaltyFen, onTime+out.PaidOnTime
	}
	out.PenaltyFen, out.PaidOnTime = total, onTime
	if from.After(to) {
		return lending.DayClose{Bucket: lending.BucketCurrent}, nil // disbursed after the date closed: nothing yet
	}
	return out, tx.SaveServicing(ctx, l.ID, sv, st)
}

// moveStatus moves the loan active → overdue when something is overdue
// after the close, overdue → active when nothing is (a cure the repayment
// path has not made already), and freezes or unfreezes the borrower's line
// to match.
func (c *run) moveStatus(ctx context.Context, tx *mysql.Tx, l loan.Loan, overdue bool) error {
	var t *mysql.Transition
	switch {
	case overdue && l.Status == loan.Active:
		t = &mysql.Transition{LoanID: l.ID, From: loan.Active, To: loan.Overdue, Reason: "past_due"}
	case !overdue && l.Status == loan.Overdue:
		t = &mysql.Transition{LoanID: l.ID, From: loan.Overdue, To: loan.Active, Reason: "cured"}
	}
	if t != nil {
		if err := tx.Transition(ctx, *t); err != nil {
			return err
		}
	}
	_, err := tx.SyncLineFreeze(ctx, l.UserID)
	return err
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
	c.mu.Lock()
	if c.strategy == nil {
		s := risk.DefaultStrategy()
		c.strategy = &s
	}
	c.mu.Unlock()
	policy, ok := c.strategy.Limits.RaisePolicyFor(band)
	if !ok {
		return nil
	}
	to, raised := risk.LimitRaise(line.LimitFen, streak, 0, policy)
	if !raised {
		return nil
	}
	rec, err := json.Marshal(map[string]any{"strategy": c.strategy.Name, "band": band, "policy": policy,
		"on_time_installments": streak, "max_dpd": 0, "loan_id": l.ID})
	if err != nil {
		return err
	}
	return tx.RaiseLimit(ctx, mysql.LimitChange{UserID: l.UserID, Date: d, FromFen: line.LimitFen, ToFen: to, Reason: raiseReason,
		DecisionJSON: string(rec)})
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
