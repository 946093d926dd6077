package cob

import (
	"context"
	"slices"
	"sync"

	"github.com/wxlend/wxlend/shared/ledger"
	"github.com/wxlend/wxlend/shared/lending"
	"github.com/wxlend/wxlend/shared/loan"
	"github.com/wxlend/wxlend/shared/mysql"
)

// The batched path closes a window of loans (Workers chunks of Chunk):
// one read of their loans and servicing states (no lock), each close
// computed in Go while the window before is being written, then per chunk
// ONE transaction that locks the chunk's loan and servicing rows, keeps
// the loans whose stamp (status, last closed date, servicing version) is
// what the read saw, and writes all their changes with one statement per
// table. A loan whose stamp moved in between (a repayment committed, or
// another run closed it) is closed again on the per-loan path, which reads
// under its own lock; so is a loan the batch cannot take (a borrower with
// two loans in the window: their line's freeze and streak depend on the
// order; a state or product lending refuses, to be logged there). Most
// loans change nothing on a night but their last closed date, which costs
// their share of one UPDATE.

// plan is one loan's close computed from the window's read.
type plan struct {
	i   int // index in the window
	row mysql.LoanToClose
	sv  mysql.Servicing
	cl  closing
}

// window is loans to close read and computed ahead of their write.
type window struct {
	ids   []int64
	rows  map[int64]mysql.LoanToClose
	plans []plan
	rest  []int // indexes in ids left to the per-loan path
	err   error
}

// readAhead reads and computes the next window of at most
// min(Chunk × Workers, limit) loans after cursor on a goroutine; the
// channel gets it.
func (c *run) readAhead(ctx context.Context, d lending.Date, cursor int64, limit int) <-chan window {
	ch := make(chan window, 1)
	go func() { ch <- c.readWindow(ctx, d, cursor, min(c.lim.Chunk*c.lim.Workers, limit)) }()
	return ch
}

func (c *run) readWindow(ctx context.Context, d lending.Date, cursor int64, limit int) window {
	var w window
	if w.ids, w.err = (mysql.Loans{DB: c.a.DB}).ToClose(ctx, d, cursor, limit); w.err != nil || len(w.ids) == 0 {
		return w
	}
	if w.rows, w.err = (mysql.Loans{DB: c.a.DB}).ForClose(ctx, w.ids); w.err != nil {
		return w
	}
	w.plans, w.rest = c.plan(ctx, w.ids, w.rows, d)
	return w
}

// closeWindow closes d for w's loans and returns each loan's outcome,
// indexed as w.ids: its plans written a chunk per transaction, Workers
// chunks at once, then the rest one loan at a time.
func (c *run) closeWindow(ctx context.Context, w window, d lending.Date) []outcome {
	outs := make([]outcome, len(w.ids))
	if c.lim.beforeWrite != nil {
		c.lim.beforeWrite(w.ids)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	rest := w.rest
	for lo := 0; lo < len(w.plans); lo += c.lim.Chunk {
		chunk := w.plans[lo:min(lo+c.lim.Chunk, len(w.plans))]
		wg.Add(1)
		go func() {
			defer wg.Done()
			stale := c.writeChunk(ctx, chunk, d, outs)
			mu.Lock()
			rest = append(rest, stale...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(rest)
	c.closeEach(ctx, w.ids, w.rows, rest, d, outs)
	return outs
}

// plan computes the closes of a window's loans on up to c.lim.Workers
// goroutines (decoding the states is the COB's CPU). It returns the plans
// to write, in id order, and the indexes left to the per-loan path (a
// borrower with two loans in the window goes there, so that their loans
// close one after the other in id order); loans no longer to close
// (settled, closed by another run) are neither.
func (c *run) plan(ctx context.Context, ids []int64, rows map[int64]mysql.LoanToClose, d lending.Date) ([]plan, []int) {
	loansOf := map[int64]int{}
	for _, r := range rows {
		loansOf[r.UserID]++
	}
	type result struct {
		p    *plan
		rest bool
	}
	res := make([]result, len(ids))
	var wg sync.WaitGroup
	workers := max(1, min(c.lim.Workers, len(ids)))
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(ids); i += workers {
				r, ok := rows[ids[i]]
				if !ok || loansOf[r.UserID] > 1 || c.lim.perLoan {
					res[i].rest = true
					continue
				}
				p, closes, err := c.planOne(ctx, i, r, d)
				res[i] = result{p: p, rest: closes && err != nil}
			}
		}()
	}
	wg.Wait()
	var plans []plan
	var rest []int
	for i, r := range res {
		switch {
		case r.rest:
			rest = append(rest, i)
		case r.p != nil:
			plans = append(plans, *r.p)
		}
	}
	return plans, rest
}

// planOne computes loan r's close of d; closes is false when it has
// nothing to close (no longer being repaid, or closed for d already).
func (c *run) planOne(ctx context.Context, i int, r mysql.LoanToClose, d lending.Date) (p *plan, closes bool, err error) {
	last, ok, err := r.Closed()
	if err != nil {
		return nil, true, err
	}
	if (r.Status != loan.Active && r.Status != loan.Overdue) || (ok && !last.Before(d)) {
		return nil, false, nil
	}
	prod, err := c.product(ctx, r.ProductCode, r.ProductVersion)
	if err != nil {
		return nil, true, err
	}
	sv, err := r.Servicing()
	if err != nil {
		return nil, true, err
	}
	cl, err := c.compute(r.ID, sv.State, prod, firstOpen(last, ok, d), d)
	if err != nil {
		return nil, true, err
	}
	return &plan{i: i, row: r, sv: sv, cl: cl}, true, nil
}

// writeChunk writes the plans in one transaction and records their
// outcomes; it returns the indexes of the loans whose stamp moved since
// the read, for the per-loan path. If the transaction fails, every plan
// goes to the per-loan path (which meets a lasting failure again and
// reports it).
func (c *run) writeChunk(ctx context.Context, plans []plan, d lending.Date, outs []outcome) []int {
	if len(plans) == 0 {
		return nil
	}
	var fresh []plan
	var stale []int
	err := mysql.InTx(ctx, c.a.DB, c.a.Clock.Now(), func(tx *mysql.Tx) error {
		fresh, stale = fresh[:0], stale[:0]
		ids := make([]int64, len(plans))
		for k, p := range plans {
			ids[k] = p.row.ID
		}
		stamps, err := tx.LockChunk(ctx, ids)
		if err != nil {
			return err
		}
		for _, p := range plans {
			if s, ok := stamps[p.row.ID]; ok && s == p.row.CloseStamp {
				fresh = append(fresh, p)
			} else {
				stale = append(stale, p.i)
			}
		}
		return c.writePlans(ctx, tx, fresh, d)
	})
	if err != nil {
		c.a.Log.WarnContext(ctx, "cob: chunk write failed, closing its loans one by one", "business_date", d.String(), "error", err.Error())
		all := make([]int, len(plans))
		for k, p := range plans {
			all[k] = p.i
		}
		return all
	}
	for _, p := range fresh {
		outs[p.i] = outcome{penalty: p.cl.dl.PenaltyFen, closed: true}
	}
	return stale
}

// writePlans writes the closes of loans locked and unchanged since their
// read, in the per-loan path's lock order: servicing, loans, the
// borrowers' lines, then the ledger.
func (c *run) writePlans(ctx context.Context, tx *mysql.Tx, ps []plan, d lending.Date) error {
	var states []mysql.ServicingWrite
	var posts []ledger.Transaction
	closed := make([]mysql.ClosedLoan, len(ps))
	users := make([]int64, len(ps))
	for k, p := range ps {
		if p.cl.changed {
			states = append(states, mysql.ServicingWrite{LoanID: p.row.ID, Prev: p.sv, Next: p.cl.state})
		}
		posts = append(posts, p.cl.posts...)
		to, reason := statusAfter(p.row.Status, p.cl.dl.DPD > 0)
		closed[k] = mysql.ClosedLoan{LoanID: p.row.ID, From: p.row.Status, To: to, Reason: reason, Delinquency: c.delinquency(d, p.cl.dl)}
		users[k] = p.row.UserID
	}
	if err := tx.SaveServicingMany(ctx, states); err != nil {
		return err
	}
	if err := tx.RecordCloses(ctx, closed); err != nil {
		return err
	}
	if err := c.writeLines(ctx, tx, ps, users, d); err != nil {
		return err
	}
	// Last: every chunk's penalties move the one penalty income balance,
	// whose row lock is then held only until the commit.
	return tx.PostMany(ctx, posts)
}

// writeLines freezes or unfreezes the borrowers' lines (LineFreeze, as
// SyncLineFreeze) and moves their on-time streaks and limits (as stepUp),
// each borrower having one loan in ps.
func (c *run) writeLines(ctx context.Context, tx *mysql.Tx, ps []plan, users []int64, d lending.Date) error {
	lines, err := tx.LockLines(ctx, users)
	if err != nil {
		return err
	}
	var apps []int64
	for _, p := range ps {
		if l, ok := lines[p.row.UserID]; ok && l.ApplicationID != 0 && p.cl.dl.DPD == 0 && p.cl.dl.PaidOnTime > 0 {
			apps = append(apps, l.ApplicationID)
		}
	}
	bands, err := tx.Bands(ctx, apps)
	if err != nil {
		return err
	}
	var writes []mysql.LineWrite
	var raises []mysql.LimitChange
	for _, p := range ps {
		l, ok := lines[p.row.UserID]
		if !ok {
			continue
		}
		w, ch, err := c.lineAfter(l, p, bands[l.ApplicationID], d)
		if err != nil {
			return err
		}
		if ch != nil {
			raises = append(raises, *ch)
		}
		if w.Touched || w.Streak != l.Streak {
			writes = append(writes, w)
		}
	}
	if err := tx.UpdateLines(ctx, writes); err != nil {
		return err
	}
	return tx.InsertLimitChanges(ctx, raises)
}

// lineAfter is line l after loan p's close: frozen while a loan is
// overdue, its streak reset by an overdue loan or moved by the
// installments paid on time, and an active line raised once the streak
// reaches band's policy.
func (c *run) lineAfter(l mysql.LineToClose, p plan, band string, d lending.Date) (mysql.LineWrite, *mysql.LimitChange, error) {
	status, reason, touched := mysql.LineFreeze(l.Status, l.FrozenReason, l.Overdue)
	w := mysql.LineWrite{UserID: l.UserID, Status: status, FrozenReason: reason, LimitFen: l.LimitFen, Streak: l.Streak, Touched: touched}
	dl := p.cl.dl
	switch {
	case dl.DPD > 0:
		w.Streak = 0
		return w, nil, nil
	case dl.PaidOnTime == 0:
		return w, nil, nil
	}
	w.Streak += dl.PaidOnTime
	if status != loan.LineActive {
		return w, nil, nil
	}
	ch, err := c.raise(l.UserID, p.row.ID, l.LimitFen, w.Streak, band, d)
	if err != nil || ch == nil {
		return w, nil, err
	}
	w.LimitFen, w.Streak, w.Touched = ch.ToFen, 0, true
	return w, ch, nil
}

// closeEach closes the loans at indexes rest one by one (closeLoan) on up
// to c.lim.Workers goroutines, a borrower's loans on one in id order.
func (c *run) closeEach(ctx context.Context, ids []int64, rows map[int64]mysql.LoanToClose, rest []int, d lending.Date, outs []outcome) {
	if len(rest) == 0 {
		return
	}
	workers := max(1, min(c.lim.Workers, len(rest)))
	lanes := make([][]int, workers)
	for _, i := range rest {
		w := int(rows[ids[i]].UserID % int64(workers))
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
				var o outcome
				o.penalty, o.closed, o.err = c.closeLoan(ctx, ids[i], d)
				outs[i] = o
			}
		}()
	}
	wg.Wait()
}
